#!/usr/bin/env python3
"""Workflow benchmarks against a running stack (tests/bench/run.sh):

  lone submit: LONE submits in a row over HTTP from one client (one
  keep-alive connection, each a draft of its own made beforehand), the
  latency of each, against the in-process primitive a submit cannot avoid
  (bench_ledger submit: a durable append of a submission.submitted entry
  and a publish of the static files, LONE times) on a data directory
  initialised like the stack's, in ROUNDS rounds, each measuring the
  primitive and then the HTTP side

  concurrent submits: CONC connections (wrk, submit.lua), each submitting
  drafts of its own for CONC_SECONDS: the slowest answer, and the rate
  against the lone rate

  listing: one page of 100 when there are 100 submissions (on a second
  stack, SMALL_PORT, listed in the same rounds), against the cost per page
  of listing 10,000 page by page (the drafts and submissions made above
  are among them; the rest is made over HTTP like them)

  workflow.py PORT DATA BIN OUTFILE SMALL_PORT SMALL_DATA

Writes shell assignments to OUTFILE for run.sh to print and check (and
sub_id, approver_token to drive wrk).
"""
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

PORT, DATA, BIN, OUT = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
SMALL = sys.argv[5:7]
HERE = os.path.dirname(os.path.abspath(__file__))
# lone submits a round, rounds; concurrent submitters and their seconds
LONE, ROUNDS = 200, 3
CONC, CONC_SECONDS = 20, 3
TOTAL = 10000	# submissions in all for the listing


def token(email, data=None):
    env = dict(os.environ, HTQ_DATA=data or DATA)
    p = subprocess.run([os.path.join(BIN, "htqctl"), "token", "create", "--user", email,
                        "--name", "bench"], capture_output=True, env=env, check=True)
    return p.stdout.decode().strip()


class Client:
    def __init__(self, tok, port=None):
        self.c = http.client.HTTPConnection("127.0.0.1", int(port or PORT), timeout=60)
        self.h = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}

    def call(self, method, path, body=None, retry=True):
        try:
            self.c.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers=self.h)
            r = self.c.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # nginx closes a keep-alive connection after keepalive_requests
            # (1,000): open another and send again
            self.c.close()
            if not retry:
                raise
            return self.call(method, path, body, False)
        data = r.read()
        return r.status, data


def content(std, n):
    return {"qualification": {"title": "Bench HNC %d" % n, "type": "HNC", "level": 4},
            "standard": {"ref": std["ref"], "version": std["version"]},
            "units": [{"id": "U1", "title": "Unit one"}, {"id": "U2", "title": "Unit two"}],
            "mapping": [{"ksb": k["code"], "units": ["U1" if i % 2 else "U2"],
                         "assessment": "assignment"} for i, k in enumerate(std["ksbs"])]}


def create(tok, std, count, threads=4, port=None):
    ids, lock = [], threading.Lock()

    def run(k):
        c = Client(tok, port)
        for n in range(k, count, threads):
            st, data = c.call("POST", "/api/v1/submissions", content(std, n))
            assert st == 201, (st, data[:200])
            with lock:
                ids.append(json.loads(data)["id"])
    ts = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return ids


def list_all(c, limit=100):
    """Seconds each page took, to list every submission the caller sees."""
    times, after = [], None
    while True:
        t0 = time.perf_counter()
        st, data = c.call("GET", "/api/v1/submissions?limit=%d%s" % (
            limit, "&after=" + after if after else ""))
        times.append(time.perf_counter() - t0)
        assert st == 200, (st, data[:200])
        doc = json.loads(data)
        if "next" not in doc:
            return times
        after = doc["next"]


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return (xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2) if n else 0.0


def pct(xs, p):
    """The p-th percentile by rank (the same ranks as bench_ledger submit)."""
    xs = sorted(xs)
    return xs[len(xs) // 2] if p == 50 else xs[(len(xs) * p + 99) // 100 - 1]


def primitive_dir():
    """A data directory initialised like the stack's ('htqctl init'), on
    the same disk."""
    top = tempfile.mkdtemp(prefix="htq-bench-prim.")
    d = os.path.join(top, "data")
    subprocess.run([os.path.join(BIN, "htqctl"), "init"], env=dict(os.environ, HTQ_DATA=d),
                   check=True, capture_output=True)
    return top, d


def primitive(d):
    """bench_ledger submit: (p50, p99) in seconds of LONE primitives."""
    out = subprocess.run([os.path.join(BIN, "tests", "bench_ledger"), "submit", d,
                          str(LONE)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("primitive "):
            f = dict(kv.split("=") for kv in line.split()[1:])
            return float(f["p50_us"]) / 1e6, float(f["p99_us"]) / 1e6
    raise RuntimeError("bench_ledger submit: no figures in %r" % out)


def lone(tok, drafts):
    """Submit drafts one after another on one connection: the latency of
    each and the wall time of them all."""
    c = Client(tok)
    lat = []
    t0 = time.perf_counter()
    for i in drafts:
        t = time.perf_counter()
        st, data = c.call("POST", "/api/v1/submissions/%s/submit" % i)
        lat.append(time.perf_counter() - t)
        assert st == 200, (st, data[:200])
    return lat, time.perf_counter() - t0


def concurrent(tok, drafts):
    """wrk with CONC connections submitting drafts (each once) for
    CONC_SECONDS: (rate, max latency in s, 200 answers, other answers,
    timeouts, socket errors)."""
    ids = OUT + ".ids"
    with open(ids, "w") as f:
        f.write("\n".join(drafts) + "\n")
    env = dict(os.environ, IDS=ids, NTHREADS="2", TOKEN=tok)
    w = subprocess.run(["wrk", "-t2", "-c%d" % CONC, "-d%ss" % CONC_SECONDS,
                        "--timeout", "10s", "-s", os.path.join(HERE, "submit.lua"),
                        "http://127.0.0.1:%s/" % PORT], capture_output=True, text=True,
                       env=env).stdout
    os.unlink(ids)
    for line in w.splitlines():
        if line.startswith("submitted "):
            f = dict(kv.split("=") for kv in line.split()[1:])
            n, secs = int(f["ok"]), float(f["seconds"])
            if n >= len(drafts):
                print("  (all %d drafts submitted before the time was up: "
                      "the rate is a lower bound)" % n)
            return (n / secs, float(f["max_us"]) / 1e6, n, int(f["other"]),
                    int(f["timeouts"]), int(f["errors"]))
    raise RuntimeError("wrk submit.lua: no figures in %r" % w)


def main():
    author = token("author@northfield.test")
    approver = token("approver@htq.test")
    c = Client(author)
    st, data = c.call("GET", "/api/v1/standards/ST0116")
    std = json.loads(data)
    # 100 submissions visible to the author: one page of 100
    st, data = c.call("GET", "/api/v1/submissions?limit=100")
    have = len(json.loads(data)["submissions"])
    create(author, std, 100 - have)
    # 100 in all also on a stack of their own (SMALL), listed below at the
    # same time as the 10,000 here
    small = Client(token("author@northfield.test", SMALL[1]), SMALL[0])
    st, data = small.call("GET", "/api/v1/submissions?limit=100")
    create(small.h["Authorization"][7:], std,
           100 - len(json.loads(data)["submissions"]), port=SMALL[0])

    # lone submits against the primitive, in rounds, each measuring both
    # one after the other: fsync times on a shared machine swing from one
    # minute to the next, so a ratio is the median of the rounds' own
    drafts = create(author, std, LONE * ROUNDS)
    top, d = primitive_dir()
    rounds = []
    try:
        for r in range(ROUNDS):
            p50, p99 = primitive(d)
            lat, wall = lone(author, drafts[r * LONE:(r + 1) * LONE])
            rounds.append((p50, p99, pct(lat, 50), pct(lat, 99), LONE / wall))
    finally:
        shutil.rmtree(top, ignore_errors=True)
    prim50, prim99, http50, http99, lone_rps = (median([x[k] for x in rounds])
                                                for k in range(5))
    r50 = median([x[0] / x[2] for x in rounds])
    r99 = median([x[1] / x[3] for x in rounds])

    # concurrent submitters, on drafts made now: every one still to be
    # made for the 10,000, so none is made for this alone
    drafts = create(author, std, TOTAL - 100 - LONE * ROUNDS)
    conc_rps, conc_max, conc_ok, conc_other, conc_to, conc_err = concurrent(author, drafts)

    # the cost of a page: the median page time, in 3 rounds of 10
    # listings of the one page on SMALL and one listing of every page
    # here, so that both meet the same minutes of this shared machine
    list_all(c)
    runs, runs100 = [], []
    for _ in range(3):
        runs100 += [t for _ in range(10) for t in list_all(small)]
        runs.append(list_all(c))
    pages = len(runs[0])
    assert pages >= TOTAL // 100, pages
    page10k = median([t for run in runs for t in run])
    page100 = median(runs100)
    # a submitted one for GET /submissions/{id} (the approver reads it)
    st, data = Client(approver).call("GET", "/api/v1/submissions?status=submitted&limit=1")
    first = json.loads(data)["submissions"][0]["id"]
    with open(OUT, "w") as f:
        for k, v in [("prim50_ms", "%.3f" % (prim50 * 1e3)),
                     ("prim99_ms", "%.3f" % (prim99 * 1e3)),
                     ("http50_ms", "%.3f" % (http50 * 1e3)),
                     ("http99_ms", "%.3f" % (http99 * 1e3)),
                     ("lone_p50_ratio", "%.2f" % r50), ("lone_p99_ratio", "%.2f" % r99),
                     ("lone_rps", "%.0f" % lone_rps), ("conc_rps", "%.0f" % conc_rps),
                     ("conc_max_ms", "%.1f" % (conc_max * 1e3)),
                     ("conc_ok", conc_ok), ("conc_other", conc_other),
                     ("conc_timeouts", conc_to), ("conc_errors", conc_err),
                     ("conc_ratio", "%.2f" % (conc_rps / lone_rps if lone_rps else 0)),
                     ("page100_ms", "%.3f" % (page100 * 1000)),
                     ("page10k_ms", "%.3f" % (page10k * 1000)), ("pages10k", pages),
                     ("sub_id", first), ("approver_token", approver)]:
            f.write("%s=%s\n" % (k, v))


if __name__ == "__main__":
    main()
