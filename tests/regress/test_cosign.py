"""The log collects witness cosignatures (docs/ledger.md 8): with run.sh's
two demo witnesses, a commit's checkpoint carries both cosignature/v1 lines
(checked here with Python's cryptography, the key id and message by the
spec) and Go's note.Open still opens it; with one witness killed, submits
stay prompt and new checkpoints carry the other's line alone; restarted,
the witness cosigns again, and a log that forgot its size learns it from
the witness's 409; a quiet log's cosignatures are renewed (short max_age);
a bad witness list stops the server naming the line.  Also: a lone
submit's latency with and without witnesses, printed for the record."""
import base64
import hashlib
import json
import os
import signal
import statistics
import subprocess
import tempfile
import shutil
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from harness import Skip, Stack, Who, content, create, demo_marks, go_interop

DASH = "\u2014 "
NAMES = ("regulator-standin.witness.localhost", "students-standin.witness.localhost")


def witnesses(s):
    """{name: (pk, kid, url)} from s's DATA/witnesses, and (quorum, max_age)."""
    ws, q, age = {}, None, None
    with open(os.path.join(s.data, "witnesses")) as f:
        for line in f:
            kw = line.split()
            if not kw or kw[0].startswith("#"):
                continue
            if kw[0] == "witness":
                name, kid, b = kw[1].split("+", 2)
                raw = base64.b64decode(b)
                assert raw[0] == 4 and len(raw) == 33
                want = hashlib.sha256(name.encode() + b"\n\x04" + raw[1:]).digest()[:4]
                assert bytes.fromhex(kid) == want
                ws[name] = (raw[1:], want, kw[2])
            elif kw[0] == "quorum":
                q = int(kw[1])
            elif kw[0] == "max_age":
                age = int(kw[1])
    return ws, q, age


def cosigs(s, text):
    """{witness name: timestamp} of the valid cosignature lines of the
    checkpoint text; every other line must be the log's."""
    ws, _, _ = witnesses(s)
    body, sigs = text.split("\n\n", 1)
    body += "\n"
    origin = body.split("\n")[0]
    out = {}
    for line in sigs.split("\n")[:-1]:
        assert line.startswith(DASH), line
        name, b = line[len(DASH):].split(" ")
        if name == origin:
            continue
        assert name in ws, line
        pk, kid, _ = ws[name]
        blob = base64.b64decode(b, validate=True)
        assert len(blob) == 76 and blob[:4] == kid
        ts = int.from_bytes(blob[4:12], "big")
        msg = b"cosignature/v1\ntime %d\n" % ts + body.encode()
        Ed25519PublicKey.from_public_bytes(pk).verify(blob[12:], msg)  # raises if bad
        assert name not in out, "two lines of " + name
        out[name] = ts
    return out


def size_of(text):
    return int(text.split("\n")[1])


def checkpoint(s):
    r = s.get("/ledger/checkpoint")
    assert r.status == 200, r
    return r.body.decode()


def wait_cosigned(s, size, names, timeout=6):
    """The checkpoint once it is of at least size and carries exactly the
    cosignatures of names."""
    deadline = time.time() + timeout
    while True:
        text = checkpoint(s)
        got = cosigs(s, text)
        if size_of(text) >= size and set(got) == set(names):
            return text, got
        if time.time() > deadline:
            raise AssertionError("wanted cosignatures of %s at size >= %d, have %s:\n%s" % (
                sorted(names), size, sorted(got), text))
        time.sleep(0.1)


def submit(s, who):
    """A draft created and submitted: the seconds the submit took, and the
    ledger size after it."""
    sub = create(s, who, content(s))
    t0 = time.time()
    r = s.post("/api/v1/submissions/%s/submit" % sub["id"], headers=who.h)
    dt = time.time() - t0
    assert r.status == 200, r
    return dt, s.get("/api/v1/health").json()["ledger"]["size"]


def witness_pid(s, name):
    out = subprocess.run(["pgrep", "-f", "demo-witnesses/%s/witness.conf" % name],
                         capture_output=True, text=True).stdout.split()
    pids = [int(p) for p in out if s.data in open("/proc/%s/cmdline" % p).read()]
    assert len(pids) == 1, (name, out)
    return pids[0]


def test_cosign_commit_carries_both_cosignatures(s):
    ws, q, age = witnesses(s)
    assert set(ws) == set(NAMES) and q == 2 and age == 600, (ws, q, age)
    north = Who(s, "author@northfield.test")
    _, size = submit(s, north)
    text, got = wait_cosigned(s, size, NAMES)
    assert size_of(text) == size, text
    now = time.time()
    assert all(abs(t - now) < 60 for t in got.values()), got
    # one text everywhere: the file, the API, htqctl
    assert s.get("/api/v1/ledger/checkpoint").body.decode() == text
    assert s.ctl("ledger", "checkpoint").stdout.decode() == text
    lines = s.ctl("ledger", "export", "--out", "-").stdout.decode().split("\n")
    assert lines[-1] == "" and json.loads(lines[-2]) == {"checkpoint": text}, lines[-2:]
    assert json.loads(lines[-3])["seq"] == size - 1
    pol = s.ctl("ledger", "policy").stdout.decode()
    for name in NAMES:
        assert "\nwitness %s+" % name in pol, pol
    assert pol.endswith("quorum 2\nmax_age 600\n") and "\norigin htq.localhost/ledger\n" in pol, pol
    # htq-verify, given the instance's policy, finds the latest checkpoint
    # witnessed by the quorum (the shared contract, docs/ledger.md 6.7)
    tmp = tempfile.mkdtemp(prefix="htq-cosign-")
    try:
        mark, _ = demo_marks(s)
        with open(os.path.join(tmp, "policy"), "w") as f:
            f.write(pol)
        with open(os.path.join(tmp, "bundle.json"), "wb") as f:
            f.write(s.get("/api/v1/marks/" + mark).body)
        r = subprocess.run([os.path.join(s.bin, "htq-verify"), "mark",
                            os.path.join(tmp, "bundle.json"), "--policy",
                            os.path.join(tmp, "policy"), "--entries", s.base + "/ledger/"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        shutil.rmtree(tmp)
    # a check finds the cosigned file right; a rebuild keeps the lines
    assert s.ctl("ledger", "publish", "--check", check=False).returncode == 0
    s.ctl("ledger", "publish", "--rebuild")
    assert checkpoint(s) == text
    # the pages' embedded policy names them too
    with open(os.path.join(s.data, "public", "htq-verifier.html")) as f:
        page = f.read()
    assert '"quorum":2' in page and '"max_age":600' in page, page[:200]


def test_cosign_a_burst_is_cosigned_within_the_spacing_not_the_tick(s):
    """Commits closer together than a collection's spacing (1 s): the last
    one's checkpoint is cosigned as soon as the spacing allows, well before
    the 2 s tick would ask, so a verify page opened right after an approval
    (a review and a decision a moment apart) finds it witnessed."""
    north = Who(s, "author@northfield.test")
    worst = 0.0
    for _ in range(8):
        wait_cosigned(s, 0, NAMES)      # nothing pending: a clean start
        submit(s, north)
        dt, size = submit(s, north)     # well within the spacing
        t0 = time.time()
        wait_cosigned(s, size, NAMES, timeout=6)
        worst = max(worst, time.time() - t0 + dt)
    # the spacing (1 s) plus two witness round trips: about 1.2 s here;
    # a loaded machine or the sanitizer build adds up to a second (2.04 s
    # seen in CI), so the bound only catches a checkpoint left for ticks
    assert worst < 2.75, "the burst's last checkpoint was cosigned after %.2f s" % worst
    print("  a burst's last checkpoint cosigned within %.2f s (worst of 8)" % worst)


def test_cosign_go_note_open_accepts_the_cosigned_checkpoint(s):
    tmp = tempfile.mkdtemp(prefix="htq-cosign-")
    try:
        exe = go_interop(tmp)
        wait_cosigned(s, 1, NAMES)
        r = subprocess.run([exe, s.api], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
    except Skip:
        raise
    finally:
        shutil.rmtree(tmp)


def test_cosign_witness_down_restarted_and_caught_up(s):
    north = Who(s, "author@northfield.test")
    down, up = NAMES
    pid = witness_pid(s, down)
    os.kill(pid, signal.SIGKILL)
    times = []
    for _ in range(5):
        dt, size = submit(s, north)
        times.append(dt)
    print("  submits with %s down: %s s" % (down, " ".join("%.3f" % t for t in times)))
    assert statistics.median(times) < 0.5, times	# never waits for the witness
    text, got = wait_cosigned(s, size, [up])
    assert size_of(text) == size
    # the witness said once that it is down
    deadline = time.time() + 5
    while "witness %s at" % down not in s.logs() and time.time() < deadline:
        time.sleep(0.2)
    assert "witness %s at" % down in s.logs(), s.logs()[-2000:]
    # restarted on its state, as its owner, while the log runs: asked on
    # the next tick, it cosigns again (its size is the one it had)
    wd = os.path.join(s.data, "demo-witnesses", down)
    st = os.stat(wd)
    _, _, url = witnesses(s)[0][down]
    log = open(os.path.join(s.data, "log", "witness-%s.log" % down), "ab")
    w = subprocess.Popen([os.path.join(s.bin, "htq-witness"), "serve", "--config",
                          os.path.join(wd, "witness.conf"), "--state", os.path.join(wd, "state"),
                          "--listen", url[len("http://"):]],
                         stdout=log, stderr=subprocess.STDOUT, user=st.st_uid, group=st.st_gid)
    log.close()
    try:
        text, got = wait_cosigned(s, size, NAMES, timeout=8)
    finally:
        w.terminate()
        w.wait(10)
    # a log that forgot the witnesses' sizes (a restart) learns them from
    # their 409, and both cosign the next checkpoint
    _, size = submit(s, north)
    s.stop()
    s.start()
    text, got = wait_cosigned(s, size, NAMES, timeout=8)
    with open(os.path.join(s.data, "log", "witness-%s.log" % down)) as f:
        wlog = f.read()
    assert "htq-witness: 409" in wlog, wlog[-2000:]


def test_cosign_quiet_log_renews_timestamps(s):
    st = Stack(HTQ_WITNESS_MAX_AGE=4)	# renewed when older than 1 s
    try:
        st.start()
        text, first = wait_cosigned(st, 1, NAMES)
        time.sleep(3.5)
        text2, later = wait_cosigned(st, size_of(text), NAMES)
        assert size_of(text2) == size_of(text), (text, text2)	# quiet
        assert all(later[n] > first[n] for n in NAMES), (first, later)
        assert text2.split("\n\n")[0] == text.split("\n\n")[0]
    finally:
        st.cleanup()


def test_cosign_hung_witness_costs_no_answer(s):
    """A witness that accepts the connection and never answers: submits
    stay prompt, and the log says that it did not answer in time (the
    client's 1 s bound)."""
    import socket
    import threading
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(64)
    conns, done = [], threading.Event()

    def hold():
        hung.settimeout(0.2)
        while not done.is_set():
            try:
                conns.append(hung.accept()[0])	# read nothing, answer nothing
            except OSError:
                pass

    t = threading.Thread(target=hold)
    t.start()
    tmp = tempfile.mkdtemp(prefix="htq-cosign-")
    st = Stack(HTQ_WITNESSES=0)
    try:
        key = os.path.join(tmp, "hung.key")
        r = subprocess.run([os.path.join(st.bin, "htq-witness"), "keygen", "hung.example", key],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        with open(os.path.join(st.data, "witnesses"), "w") as f:
            f.write("# hand-written\nwitness %s http://127.0.0.1:%d\n" % (
                r.stdout.strip(), hung.getsockname()[1]))
        st.start()
        who = Who(st, "author@northfield.test")
        times = [submit(st, who)[0] for _ in range(6)]
        # each collection waits 1 s for it: were an answer to wait too,
        # every submit would take a second (a loaded machine may delay one)
        assert statistics.median(times) < 0.5, times
        deadline = time.time() + 8
        while "witness hung.example at" not in st.logs() and time.time() < deadline:
            time.sleep(0.2)
        assert "hung.example at http://127.0.0.1:%d: no whole answer in time" % (
            hung.getsockname()[1]) in st.logs(), st.logs()[-3000:]
        assert conns, "the log never connected"
    finally:
        done.set()
        t.join()
        for c in conns:
            c.close()
        hung.close()
        st.cleanup()
        shutil.rmtree(tmp)


def test_cosign_bad_witness_list_stops_the_server(s):
    st = Stack(HTQ_WITNESSES=0)
    try:
        st.ctl("init")
        with open(os.path.join(st.data, "witnesses"), "w") as f:
            f.write("# hand-written\nquorum 1\nwitness not-a-key http://127.0.0.1:1\n")
        try:
            st.start(timeout=20)
        except RuntimeError as e:
            assert "witnesses: line 3:" in str(e), str(e)[-2000:]
        else:
            raise AssertionError("started with a bad witness list")
    finally:
        st.cleanup()


def lone_submits(stack, who, n):
    """n drafts made first, then submitted one after another (as the
    bench's lone submit): each submit's seconds."""
    subs = [create(stack, who, content(stack))["id"] for _ in range(n)]
    time.sleep(1.5)		# the drafts' own commits cosigned and done
    ts = []
    for sid in subs:
        t0 = time.time()
        r = stack.post("/api/v1/submissions/%s/submit" % sid, headers=who.h)
        ts.append(time.time() - t0)
        assert r.status == 200, r
    return ts


def test_cosign_submit_latency_with_and_without_witnesses(s):
    """A lone submit's latency on two fresh stacks, one with the two demo
    witnesses and one without (HTQ_WITNESSES=0), in alternating rounds so
    that the machine's load falls on both alike: figures, not a bound."""
    a, b = Stack(), Stack(HTQ_WITNESSES=0)
    try:
        a.start()
        b.start()
        wa, wb = Who(a, "author@northfield.test"), Who(b, "author@northfield.test")
        lone_submits(a, wa, 2)
        lone_submits(b, wb, 2)	# warm
        ta, tb = [], []
        for _ in range(2):	# the bench's lone submits: many in a row
            ta += lone_submits(a, wa, 30)
            tb += lone_submits(b, wb, 30)
        with_w, without = statistics.median(ta), statistics.median(tb)
    finally:
        a.cleanup()
        b.cleanup()
    print("  lone submit, median of 60: %.2f ms with two witnesses, %.2f ms without "
          "(ratio %.3f)" % (with_w * 1000, without * 1000, with_w / without))
