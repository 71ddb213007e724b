"""Durability under faults: workers killed with SIGKILL every few tens of
milliseconds while drafts are submitted and edited lose no acknowledged
change and leave no half-done one; a publish that fails (its folder not
writable) does not undo the commit, is reported by htqctl ledger publish
--check, and heals by itself once the folder is writable again."""
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from harness import (EMAIL, Stack, Token, Who, content, create, demo_marks, export_ledger,
                     fcgi_master, fcgi_workers, verify_export, wait_healthy)

SOAK_SECONDS = 12       # submits are paced to end a little before this
SUBMIT_DRAFTS = 180
EDIT_DRAFTS = 40
SUBMITTERS, EDITORS = 3, 2
KILL_EVERY = 0.04


def answer(fn):
    """(status, body) of a request, or (None, error) for no answer; 502,
    503 and 504 are nginx's own while a worker dies: also unknown."""
    try:
        r = fn()
    except OSError as e:
        return None, repr(e)
    return r.status, r.body


def unknown(status):
    return status is None or status >= 500


def test_kill_soak_loses_no_acknowledged_submit(s):
    """For about 12 s, 3 clients submit drafts, 2 edit other drafts
    (PUT with If-Match) and a worker is killed with SIGKILL every 40 ms.
    Afterwards: every submit answered 2xx is submitted with exactly one
    submission.submitted entry; one refused (4xx) or unanswered is a draft
    with none or submitted with one, never half of it (a refused one that
    is submitted all the same is printed as a note); no submission has two; every acknowledged edit's version is there and
    versions only grow; both verifiers accept the exported ledger."""
    workers = 4
    with Stack(s.bin, workers=workers) as st:
        author = Token(st, EMAIL["north"])
        body = content(st)
        t0 = time.time()
        ids = [None] * (SUBMIT_DRAFTS + EDIT_DRAFTS)

        def make(i):
            for j in range(i, len(ids), 4):
                b = dict(body, qualification=dict(body["qualification"], title="soak %d" % j))
                ids[j] = create(st, author, b)["id"]
        ts = [threading.Thread(target=make, args=(i,)) for i in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert all(ids), "some drafts were not created"
        to_submit, to_edit = ids[:SUBMIT_DRAFTS], ids[SUBMIT_DRAFTS:]
        made = time.time() - t0

        master = fcgi_master(st)
        assert master, "cannot find the htq-fcgi master"
        stop = threading.Event()
        deadline = time.time() + SOAK_SECONDS
        submits = {}                 # sid -> (status, body)
        edits = {sid: [] for sid in to_edit}   # sid -> [(kind, status, version, title)]
        kills = []

        def submitter(n):
            mine = to_submit[n::SUBMITTERS]
            gap = (SOAK_SECONDS - 2.0) / max(1, len(mine))
            start = time.time()
            for k, sid in enumerate(mine):
                time.sleep(max(0.0, start + k * gap - time.time()))
                if stop.is_set() or time.time() > deadline:
                    return
                submits[sid] = answer(lambda: st.post(
                    "/api/v1/submissions/%s/submit" % sid, headers=author.h, timeout=20))

        def editor(n):
            rng = random.Random(7000 + n)
            mine = to_edit[n::EDITORS]
            known = {sid: 1 for sid in mine}     # None: to be read again
            for it in range(3000):
                if stop.is_set() or time.time() > deadline:
                    return
                sid = rng.choice(mine)
                if known[sid] is None:
                    st_, b = answer(lambda: st.get("/api/v1/submissions/" + sid,
                                                   headers=author.h, timeout=20))
                    if st_ == 200:
                        d = json.loads(b)
                        known[sid] = d["version"]
                        edits[sid].append(("get", 200, d["version"],
                                           d["qualification"]["title"]))
                    continue
                title = "soak edit %s %d" % (sid, it)
                b = dict(body, qualification=dict(body["qualification"], title=title))
                st_, rb = answer(lambda: st.request(
                    "PUT", "/api/v1/submissions/" + sid, body=b, timeout=20,
                    headers=dict(author.h, **{"If-Match": '"%d"' % known[sid]})))
                if st_ is not None and 200 <= st_ < 300:
                    v = json.loads(rb)["version"]
                    edits[sid].append(("put", st_, v, title))
                    known[sid] = v
                else:
                    edits[sid].append(("put", st_, None, title))
                    known[sid] = None
                time.sleep(rng.uniform(0.005, 0.03))

        def killer():
            rng = random.Random(4040)
            for _ in range(2000):
                if stop.is_set() or time.time() > deadline:
                    return
                time.sleep(KILL_EVERY)
                kids = fcgi_workers(master)
                if not kids:
                    continue
                pid = rng.choice(kids)
                try:
                    os.kill(pid, signal.SIGKILL)
                    kills.append(pid)
                except ProcessLookupError:
                    pass

        threads = [threading.Thread(target=submitter, args=(i,)) for i in range(SUBMITTERS)]
        threads += [threading.Thread(target=editor, args=(i,)) for i in range(EDITORS)]
        threads.append(threading.Thread(target=killer))
        t1 = time.time()
        try:
            for t in threads:
                t.start()
        finally:
            for t in threads[:-1]:
                t.join()
            stop.set()
            threads[-1].join()
        soaked = time.time() - t1
        assert fcgi_master(st) == master, "the master died"
        wait_healthy(st, workers)

        # what the database says
        t2 = time.time()
        status = {x["id"]: x for x in
                  json.loads(st.ctl("submission", "list").stdout)["submissions"]}
        missing = [sid for sid in ids if sid not in status]
        assert not missing, "drafts missing from htqctl submission list: %s" % missing[:5]
        tmp = tempfile.mkdtemp(prefix="htq-soak-")
        try:
            path = os.path.join(tmp, "ledger.jsonl")
            entries, _ = export_ledger(st, path)
            count = {}
            for e in entries:
                if e["type"] == "submission.submitted":
                    count[e["subject"]] = count.get(e["subject"], 0) + 1
            twice = {k: v for k, v in count.items() if v > 1}
            assert not twice, "submitted more than once: %s" % twice

            ok = refused = unk = 0
            wrong, refused_done = [], []
            for sid in to_submit:
                code, b = submits.get(sid, (None, "not sent"))
                state, n = status[sid]["status"], count.get(sid, 0)
                if sid not in submits:
                    if state != "draft" or n:
                        wrong.append("%s never sent: %s, %d entries" % (sid, state, n))
                    continue
                if unknown(code):
                    unk += 1
                    if (state == "draft") != (n == 0):
                        wrong.append("%s (no answer): %s with %d entries" % (sid, state, n))
                elif 200 <= code < 300:
                    ok += 1
                    d = json.loads(b)
                    if d.get("id") != sid or d.get("status") != "submitted":
                        wrong.append("%s answered %d %r" % (sid, code, b[:100]))
                    if state == "draft" or n != 1:
                        wrong.append("%s acknowledged, now %s with %d entries" % (sid, state, n))
                else:
                    refused += 1
                    if (state == "draft") != (n == 0):
                        wrong.append("%s refused %d %r, now %s with %d entries" % (
                            sid, code, b[:100], state, n))
                    elif state != "draft":
                        # the one request sent for it was refused, yet it is done
                        refused_done.append("%s: %d %s" % (sid, code, b[:120]))
            if wrong:
                logs = st.logs().splitlines()
                for line in wrong[:5]:
                    sid = line.split()[0]
                    wrong += ["  log: " + x for x in logs if sid in x][:10]
            assert not wrong, "%d wrong:\n%s" % (len(wrong), "\n".join(wrong[:40]))

            puts = {"ok": 0, "other": 0}
            for sid in to_edit:
                now = json.loads(st.get("/api/v1/submissions/" + sid, headers=author.h).body)
                assert now["status"] == "draft" and not count.get(sid), (sid, now["status"])
                seen = [v for _, _, v, _ in edits[sid] if v is not None]
                assert seen == sorted(seen), "%s: versions went back: %s" % (sid, seen)
                acked = [(v, t) for k, c, v, t in edits[sid] if k == "put" and v is not None]
                puts["ok"] += len(acked)
                puts["other"] += sum(1 for k, _, v, _ in edits[sid] if k == "put" and v is None)
                if acked:
                    v, t = acked[-1]
                    assert now["version"] >= v, "%s: acknowledged version %d, now %d" % (
                        sid, v, now["version"])
                    if now["version"] == v:
                        assert now["qualification"]["title"] == t, (sid, v, t, now)
            go = verify_export(st, path, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        checked = time.time() - t2
        for line in refused_done:
            print("  note: refused, yet submitted by that request: " + line)
        print("  soak: submits %d ok / %d refused / %d unknown; puts %d ok / %d not; "
              "%d workers killed; drafts %.1fs, soak %.1fs, checks %.1fs%s" % (
                  ok, refused, unk, puts["ok"], puts["other"], len(kills), made, soaked,
                  checked, "" if go else " (Go verifier skipped: no go)"), flush=True)
        assert len(kills) >= 20, "only %d workers killed" % len(kills)
        assert ok >= 20, "only %d submits acknowledged: the soak tested little" % ok
        assert puts["ok"] >= 20, "only %d edits acknowledged" % puts["ok"]


def can_create(uid, gid, path):
    """Whether the account the workers run as (uid, gid when we are root;
    else ourselves) can create the file path (removed again)."""
    kw = {}
    if os.getuid() == 0 and uid != 0:
        kw = dict(user=uid, group=gid, extra_groups=[])
    return subprocess.run(["/bin/sh", "-c", ': > "$1" && rm -f "$1"', "sh", path],
                          capture_output=True, cwd="/", **kw).returncode == 0


def test_publish_failure_heals_without_restart(s):
    """A mark is revoked while the folders of its public files are not
    writable by the service: the revocation commits (200), htqctl ledger
    publish --check names the stale files and exits 1; once the folders
    are writable again the workers republish by themselves, with no
    restart and no other write: the verify page and the bundle say
    revoked, and --check exits 0."""
    with Stack(s.bin) as st:            # its own: the demo's current mark is revoked
        cur, _ = demo_marks(st)
        approver = Who(st, EMAIL["approver"])
        pub = os.path.join(st.data, "public")
        page, bundle = "verify/%s/index.html" % cur, "marks/%s/bundle.json" % cur
        assert "Revoked" not in st.get("/verify/" + cur).body.decode()
        dirs = [os.path.join(pub, "verify", cur), os.path.join(pub, "marks", cur)]
        owner = os.stat(st.data)
        modes = {d: os.stat(d).st_mode & 0o7777 for d in dirs}
        for d in dirs:      # the probe itself works
            assert can_create(owner.st_uid, owner.st_gid, os.path.join(d, ".probe")), d
        try:
            for d in dirs:
                os.chmod(d, 0o555)
            # the service account really cannot write there
            for d in dirs:
                assert not can_create(owner.st_uid, owner.st_gid, os.path.join(d, ".probe")), d
            r = st.post("/api/v1/marks/%s/revoke" % cur, headers=approver.h,
                        body={"reason": "non_compliance", "note": "publish failure test"})
            assert r.status == 200 and r.json()["mark"]["status"] == "revoked", r
            # the commit stands: in the ledger and in what the API reads from the database
            tmp = tempfile.mkdtemp(prefix="htq-pubfail-")
            try:
                entries, _ = export_ledger(st, os.path.join(tmp, "ledger.jsonl"))
            finally:
                shutil.rmtree(tmp)
            assert [e for e in entries if e["type"] == "mark.revoked" and e["subject"] == cur]
            reg = st.get("/api/v1/register?status=revoked").json()["items"]
            assert cur in [x["mark_id"] for x in reg]
            # and the publish of its files failed: they still say current
            with open(os.path.join(pub, page)) as f:
                assert "Revoked" not in f.read(), "the page was written despite mode 0555"
            with open(os.path.join(pub, bundle)) as f:
                assert json.load(f)["mark"]["status"] == "current"
            c = st.ctl("ledger", "publish", "--check", check=False)
            out = c.stdout.decode() + c.stderr.decode()
            assert c.returncode != 0, "--check found nothing stale: %r" % out
            stale = set(c.stdout.decode().splitlines())
            for f in (page, bundle, "marks/%s/badge.svg" % cur):
                assert f in stale, "htqctl ledger publish --check (exit %d) does not name %s: " \
                    "%r" % (c.returncode, f, out[:500])
        finally:
            for d in dirs:
                os.chmod(d, modes[d])
        # no restart, no write: the workers retry by themselves
        deadline, last = time.time() + 15, None
        while time.time() < deadline:
            html = st.get("/verify/" + cur).body.decode()
            mark = st.get("/api/v1/marks/" + cur)
            c = st.ctl("ledger", "publish", "--check", check=False)
            last = ("Revoked" in html, mark.status == 200 and
                    mark.json()["mark"]["status"] == "revoked", c.returncode, c.stdout[:300])
            if last[0] and last[1] and c.returncode == 0:
                break
            time.sleep(0.5)
        else:
            raise AssertionError("not healed 15 s after the folders became writable "
                                 "(page revoked, bundle revoked, --check exit, its output): "
                                 "%r" % (last,))
