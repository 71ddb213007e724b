#!/usr/bin/env python3
"""Workflow benchmarks against a running stack (tests/bench/run.sh):

  submit over HTTP (each with its durable ledger append), per second, by
  wrk (submit.lua) against bench_ledger --durable in alternating rounds
  listing: one page of 100 when there are 100 submissions (on a third
  stack, SMALL_PORT, listed in the same rounds), against the cost per page
  of listing 10,000 page by page

  submit over HTTP with publishing (the stack on PORT) against the same
  without publishing (a second stack on NOPUB_PORT, HTQ_BENCH_NO_PUBLISH):
  what publishing the static log adds to the durable submit path

  workflow.py PORT DATA BIN OUTFILE [NOPUB_PORT NOPUB_DATA [SMALL_PORT SMALL_DATA]]

Writes shell assignments (submit_rps, append_rps, page100_ms, page10k_ms,
sub_id, approver_token, nopub_rps, submit_ratio and pub_ratio) to OUTFILE for run.sh to compare
and to drive wrk.
"""
import http.client
import json
import os
import subprocess
import sys
import threading
import time

PORT, DATA, BIN, OUT = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
NOPUB = sys.argv[5:7] if len(sys.argv) >= 7 else None
SMALL = sys.argv[7:9] if len(sys.argv) >= 9 else None
HERE = os.path.dirname(os.path.abspath(__file__))
# drafts made per round, and how long wrk submits them (submit.lua)
SUBMITS, SUBMIT_SECONDS = 2500, 1


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
    return xs[len(xs) // 2]


def submit_rate(port, tok, std):
    """Drafts made first, then submitted by wrk (8 connections) for
    SUBMIT_SECONDS: submits a second."""
    drafts = create(tok, std, SUBMITS, port=port)
    ids = OUT + ".ids"
    with open(ids, "w") as f:
        f.write("\n".join(drafts) + "\n")
    env = dict(os.environ, IDS=ids, NTHREADS="2", TOKEN=tok)
    w = subprocess.run(["wrk", "-t2", "-c8", "-d%ss" % SUBMIT_SECONDS, "-s",
                        os.path.join(HERE, "submit.lua"),
                        "http://127.0.0.1:%s/" % port], capture_output=True, text=True,
                       env=env).stdout
    os.unlink(ids)
    for line in w.splitlines():
        if line.startswith("submitted "):
            n, secs = int(line.split()[1]), float(line.split()[3])
            if n >= len(drafts):
                print("  (all %d drafts submitted before the time was up: "
                      "the rate is a lower bound)" % n)
            return n / secs
    return 0.0


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
    small = None
    if SMALL:
        small = Client(token("author@northfield.test", SMALL[1]), SMALL[0])
        st, data = small.call("GET", "/api/v1/submissions?limit=100")
        create(small.h["Authorization"][7:], std,
               100 - len(json.loads(data)["submissions"]), port=SMALL[0])
    list_all(c)
    page100 = median([t for _ in range(30) for t in list_all(c)])
    # submit over HTTP (drafts made first, then submitted by wrk, 8
    # connections) against the durable ledger append (bench_ledger
    # --durable), in 3 rounds, each measuring both, one after the other:
    # fsync times on a shared machine swing from one minute to the next,
    # so each ratio is the median of the rounds' own ratios
    stacks = [(PORT, author)]
    if NOPUB:
        stacks.append((NOPUB[0], token("author@northfield.test", NOPUB[1])))
    rounds = []
    for _ in range(3):
        out = subprocess.run([os.path.join(BIN, "tests", "bench_ledger"), "--durable"],
                             capture_output=True, text=True).stdout
        append = max([float(line.split("durable append:")[1].split("/s")[0])
                      for line in out.splitlines() if "durable append:" in line] or [0.0])
        rates = [submit_rate(port, tok, std) for port, tok in stacks]
        rounds.append((append, rates[0], rates[1] if NOPUB else 0.0))
    append_rps = median([r[0] for r in rounds])
    submit_rps = median([r[1] for r in rounds])
    nopub_rps = median([r[2] for r in rounds])
    submit_ratio = median([r[1] / r[0] if r[0] else 0.0 for r in rounds])
    pub_ratio = median([r[1] / r[2] if r[2] else 0.0 for r in rounds])
    # grow to 10,000 visible to the author, then page through them all
    total = 100 + 3 * SUBMITS
    create(author, std, 10000 - total)
    # the cost of a page: the median page time.  With SMALL, in 3 rounds
    # of 10 listings of the one page there and one listing of every page
    # here, so that both meet the same minutes of this shared machine
    # (its speed drifts over a run); else every page of 3 listings here
    # against the 30 listings of the one page above
    runs, runs100 = [], []
    for _ in range(3):
        if small:
            runs100 += [t for _ in range(10) for t in list_all(small)]
        runs.append(list_all(c))
    pages = len(runs[0])
    page10k = median([t for run in runs for t in run])
    if runs100:
        page100 = median(runs100)
    # a submitted one for GET /submissions/{id} (the approver reads it)
    st, data = Client(approver).call("GET", "/api/v1/submissions?status=submitted&limit=1")
    first = json.loads(data)["submissions"][0]["id"]
    with open(OUT, "w") as f:
        f.write("submit_rps=%.0f\nappend_rps=%.0f\npage100_ms=%.3f\npage10k_ms=%.3f\n"
                "pages10k=%d\nsub_id=%s\napprover_token=%s\nnopub_rps=%.0f\n"
                "submit_ratio=%.2f\npub_ratio=%.2f\n" % (
                    submit_rps, append_rps, page100 * 1000, page10k * 1000, pages, first,
                    approver, nopub_rps, submit_ratio, pub_ratio))


if __name__ == "__main__":
    main()
