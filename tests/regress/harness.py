"""Regress harness for tests/regress/test_*.py.

Regress tier: start the real stack (scripts/run.sh: nginx + htq-fcgi +
LMDB) on a free loopback port with a temporary data directory, run every
test_* function of every tests/regress/test_*.py module against it over
real HTTP, stop the stack, and print "# regress: N passed, M failed".

A test function takes one argument, the Stack below, and fails by raising
(assert).  raise Skip("why") skips it.  Modules run in name order, their
tests in definition order.

  python3 tests/regress/run.py [-k SUBSTRING] [-v]
"""
import http.client
import importlib.util
import inspect
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


# The demo accounts' password in tests: random per run, so that the
# no-secret-in-logs test means something.
DEMO_PASSWORD = "test-" + os.urandom(12).hex()


# Secrets the tests handled (session and API tokens); run.py checks that
# none of them, nor the demo password, appears in the server logs.
SECRETS = []


class Skip(Exception):
    pass


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # dict, lower-case names
        self.body = body                # bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:200])


# A stack is stopped as a person stops it, with Ctrl-C (SIGINT) among
# others.  A shell that starts a command in the background (`make test &`)
# starts it with SIGINT ignored, which the stacks would inherit, and a
# shell cannot trap a signal ignored on entry: handled here instead (a
# handled signal is the default again in a child after exec).
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


# The regress tier runs beside the browser tiers (tests/run.sh), whose
# stacks take their ports from the kernel's ephemeral range (bind to port
# 0).  Two tiers probing "a free port" there can both be handed the same
# one a moment apart; then one tier's start-up health checks reach the
# other's stack (once counted as a stray request by test_metrics).  This
# tier's ports are drawn from below that range instead, so the two never
# meet; within the tier, stacks start one after another.
PORTS = (20000, 32000)


def _bindable(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port():
    """A free loopback port from PORTS (see above)."""
    for _ in range(1000):
        port = random.randrange(*PORTS)
        if _bindable(port):
            return port
    raise RuntimeError("no free port in %d-%d" % PORTS)


def free_port_pair():
    """A free loopback port p with p + 1 free too (the demo witnesses')."""
    for _ in range(1000):
        port = random.randrange(PORTS[0], PORTS[1] - 1)
        if _bindable(port) and _bindable(port + 1):
            return port
    raise RuntimeError("no two consecutive free ports in %d-%d" % PORTS)


class Stack:
    """A running nginx + htq-fcgi instance with its own data directory."""

    # The suite logs in far more often than a person: the per-address login
    # limit is raised here; test_limits.py checks the real defaults on a
    # stack of its own.
    TEST_ENV = {"HTQ_LOGIN_RATE": 6000, "HTQ_LOGIN_BURST": 1000,
                # the kill soak keeps hundreds of drafts; test_limits.py
                # checks the default on a stack of its own
                "HTQ_MAX_DRAFTS": 100000}

    def __init__(self, bin_dir=None, workers=2, **env):
        bin_dir = bin_dir or os.environ.get("BIN", "bin")
        self.extra_env = dict(self.TEST_ENV, **env)
        self.root = ROOT
        self.bin = os.path.join(ROOT, bin_dir) if not os.path.isabs(bin_dir) else bin_dir
        self.port = free_port()
        # the two demo witnesses run.sh starts (docs/ledger.md 8)
        self.witness_port = free_port_pair()
        self.data = tempfile.mkdtemp(prefix="htq-regress-")
        self.base = "http://127.0.0.1:%d" % self.port
        self.api = self.base + "/api/v1"
        self.workers = workers
        self.proc = None
        self.out_path = os.path.join(self.data, "run.out")

    def env(self, **extra):
        e = dict(os.environ)
        e.update(HTQ_PORT=str(self.port), HTQ_DATA=self.data,
                 HTQ_WORKERS=str(self.workers), BIN=self.bin,
                 HTQ_WITNESS_PORT=str(self.witness_port),
                 HTQ_DEMO_PASSWORD=DEMO_PASSWORD)
        e.update({k: str(v) for k, v in self.extra_env.items()})
        e.update({k: str(v) for k, v in extra.items()})
        return e

    def start(self, timeout=30):
        out = open(self.out_path, "ab")
        self.proc = subprocess.Popen(
            [os.path.join(ROOT, "scripts", "run.sh")], cwd=ROOT,
            env=self.env(), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
        out.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("run.sh exited %d:\n%s" % (
                    self.proc.returncode, self.output()[-3000:]))
            try:
                if self.request("GET", "/api/v1/health").status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("stack did not become healthy:\n" + self.output()[-3000:])
        # the answer must be this stack's: its socket is there
        if not os.path.exists(os.path.join(self.data, "run", "fcgi.sock")):
            raise RuntimeError("port %d answered, but not this stack (%s):\n%s\n%s" % (
                self.port, self.data, self.output()[-3000:], subprocess.run(
                    ["ss", "-ltnpa"], capture_output=True, text=True).stdout[-4000:]))

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Stop run.sh and everything it started; return run.sh's status."""
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            # what was still running, for the failure's message
            self.stop_diag = subprocess.run(["ps", "-eo", "pid,ppid,stat,etime,args"],
                                            capture_output=True, text=True).stdout
            os.killpg(self.proc.pid, signal.SIGKILL)
            rc = self.proc.wait()
        self.proc = None
        return rc

    def output(self):
        try:
            with open(self.out_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def logs(self):
        """Everything the stack wrote: run.sh output and nginx logs."""
        text = self.output()
        logdir = os.path.join(self.data, "log")
        for name in sorted(os.listdir(logdir)) if os.path.isdir(logdir) else []:
            with open(os.path.join(logdir, name), "rb") as f:
                text += f.read().decode("utf-8", "replace")
        return text

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.data, ignore_errors=True)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.cleanup()

    # --- HTTP ---

    def request(self, method, path, body=None, headers=None, timeout=10,
                source=None):
        """One HTTP request; body may be bytes, str or a JSON-able object;
        source: the client address to send from (any of 127.0.0.0/8)."""
        h = dict(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout,
                                          source_address=(source, 0) if source else None)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def raw(self, data, timeout=10):
        """Send raw bytes on a new connection; return (status, headers, body)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            s.sendall(data)
            chunks = []
            while True:
                try:
                    c = s.recv(65536)
                except socket.timeout:
                    break
                if not c:
                    break
                chunks.append(c)
        finally:
            s.close()
        resp = b"".join(chunks)
        head, _, body = resp.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
        headers = {}
        for l in lines[1:]:
            k, _, v = l.partition(b":")
            headers[k.decode().strip().lower()] = v.decode().strip()
        return Response(status, headers, body)

    def ctl(self, *args, input=None, check=True, env=None):
        """Run bin/htqctl against this stack's data directory."""
        e = self.env(**(env or {}))
        p = subprocess.run([os.path.join(self.bin, "htqctl")] + list(args),
                           input=input, capture_output=True, env=e, cwd=ROOT)
        if check and p.returncode != 0:
            raise AssertionError("htqctl %s failed (%d): %s" % (
                " ".join(args), p.returncode, p.stderr.decode()))
        return p


def login(s, email, password=DEMO_PASSWORD, **kw):
    """POST /api/v1/session; the response."""
    return s.post("/api/v1/session", body={"email": email, "password": password}, **kw)


def session_of(r):
    """(cookie header dict, csrf) from a successful login response."""
    import re
    m = re.match(r"htq_session=([0-9a-f]{64});", r.header("set-cookie") or "")
    assert r.status == 200 and m, r
    SECRETS.append(m.group(1))
    return {"Cookie": "htq_session=" + m.group(1)}, r.json()["csrf"]


def assert_json_error(r, status, code=None):
    """r is a JSON error response with this status (and error code)."""
    assert r.status == status, "expected %d, got %r" % (status, r)
    ct = r.header("content-type") or ""
    assert ct.startswith("application/json"), "error content type %r for %r" % (ct, r)
    doc = r.json()
    assert isinstance(doc.get("error"), dict), doc
    assert isinstance(doc["error"].get("code"), str) and doc["error"]["code"], doc
    assert isinstance(doc["error"].get("message"), str) and doc["error"]["message"], doc
    if code is not None:
        assert doc["error"]["code"] == code, "code %r != %r" % (doc["error"]["code"], code)
    return doc


def race(n, fn):
    """fn(0) .. fn(n-1) in n threads released together; their results."""
    out, barrier = [None] * n, threading.Barrier(n)

    def run(i):
        barrier.wait()
        out[i] = fn(i)
    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def go_interop(tmp):
    """Build tests/interop/verify.go (Go's sumdb note and tlog packages)
    into folder tmp; the program's path, or None when the build fails.
    Skip when Go is not installed."""
    if shutil.which("go") is None:
        raise Skip("go not installed (apt-get install golang-go golang-golang-x-mod-dev)")
    exe = os.path.join(tmp, "interop")
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode",
               GOCACHE=os.path.join(tempfile.gettempdir(), "htq-gocache"))
    b = subprocess.run(["go", "build", "-o", exe, "verify.go"],
                       cwd=os.path.join(ROOT, "tests", "interop"),
                       capture_output=True, text=True, env=env)
    assert b.returncode == 0, b.stderr
    return exe


# --- the demo's people, drafts and ledger (shared by the test modules) ---

EMAIL = {"north": "author@northfield.test", "meridian": "author@meridian.test",
         "reviewer": "panel@employer.test", "approver": "approver@htq.test",
         "auditor": "auditor@htq.test", "admin": "admin@htq.test"}


class Who:
    """A logged-in account: .h are the headers for reads and changes."""

    def __init__(self, s, email):
        r = login(s, email)
        self.cookie, self.csrf = session_of(r)
        self.id = r.json()["account"]["id"]
        self.org = r.json()["account"].get("org")
        self.h = dict(self.cookie, **{"X-CSRF-Token": self.csrf})


def people(s):
    return {k: Who(s, e) for k, e in EMAIL.items()}


def ledger_size(s):
    return s.get("/api/v1/health").json()["ledger"]["size"]


def entries_since(s, start):
    out = []
    while True:
        r = s.get("/api/v1/ledger/entries?start=%d" % start)
        assert r.status == 200, r
        doc = r.json()
        out += [json.loads(e["entry"]) for e in doc["entries"]]
        if "next" not in doc:
            return out
        start = doc["next"]


def content(s, ref="ST0116", level=4, title="HNC in Software Development", qan="610/1111/2",
            skip=()):
    """A valid body for ref's latest version: three units, every KSB mapped
    except the codes in skip."""
    std = s.get("/api/v1/standards/" + ref).json()
    units = [{"id": "U%d" % i, "title": "Unit %d" % i, "glh": 60} for i in (1, 2, 3)]
    mapping = [{"ksb": k["code"], "units": ["U%d" % (i % 3 + 1)], "assessment": "assignment"}
               for i, k in enumerate(std["ksbs"]) if k["code"] not in skip]
    body = {"qualification": {"title": title, "type": "HNC", "level": level},
            "standard": {"ref": ref, "version": std["version"]},
            "units": units, "mapping": mapping}
    if qan:
        body["qualification"]["qan"] = qan
    return body


def create(s, who, body):
    r = s.post("/api/v1/submissions", body=body, headers=who.h)
    assert r.status == 201, r
    return r.json()


def demo_marks(s):
    """(a current demo mark, the revoked one), from demo-accounts.txt,
    which exists before the stack starts (the banner of run.sh's output
    is printed only after the stack answers)."""
    with open(os.path.join(s.data, "demo-accounts.txt")) as f:
        text = f.read()
    m = re.search(r"Demo quality mark: (HTQ-\S+) \(revoked: (HTQ-\S+)\)", text)
    assert m, text[-2000:]
    return m.group(1), m.group(2)


class Token:
    """An API token of an account (htqctl token create): .h are the
    headers for reads and changes, like Who's, with no session or CSRF."""

    def __init__(self, s, email):
        r = s.ctl("token", "create", "--user", email)
        self.token = r.stdout.decode().strip()
        assert self.token.startswith("htq_"), r
        SECRETS.append(self.token)
        self.h = {"Authorization": "Bearer " + self.token}


def fcgi_master(s):
    """The pid of s's htq-fcgi master: the htq-fcgi of s whose parent is
    not one (its workers and their helpers run the same command line)."""
    pids = [int(p) for p in subprocess.run(["pgrep", "-f", "htq-fcgi --data " + s.data],
                                           capture_output=True, text=True).stdout.split()]
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid not in pids:
            return pid
    return None


def fcgi_workers(master):
    """The pids of the master's live workers (its children; a killed one
    not yet reaped, a zombie, is not one)."""
    out = []
    for p in subprocess.run(["pgrep", "-P", str(master)],
                            capture_output=True, text=True).stdout.split():
        try:
            with open("/proc/%s/stat" % p) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            out.append(int(p))
    return out


def wait_healthy(s, workers, timeout=15):
    """Health 200 and the master running all its workers again."""
    deadline, healthy = time.time() + timeout, 0
    while time.time() < deadline:
        master = fcgi_master(s)
        try:
            ok = s.get("/api/v1/health", timeout=2).status == 200
        except OSError:
            ok = False
        if ok and master and len(fcgi_workers(master)) == workers:
            healthy += 1
            if healthy >= 3:	# three answers in a row, 0.1 s apart
                return
        else:
            healthy = 0
        time.sleep(0.1)
    raise AssertionError("the stack did not recover within %ds" % timeout)


def export_ledger(s, path):
    """htqctl ledger export --out path; ([entry dict, ...] in seq order,
    the checkpoint line's note)."""
    s.ctl("ledger", "export", "--out", path)
    with open(path) as f:
        lines = [json.loads(line) for line in f.read().splitlines()]
    assert lines and "checkpoint" in lines[-1], lines[-1:]
    return [json.loads(d["entry"]) for d in lines[:-1]], lines[-1]["checkpoint"]


def verify_export(s, path, tmp):
    """Both verifiers accept the export at path, against the keys the
    stack publishes: bin/htq-verify ledger, and Go's (tests/interop) when
    Go is installed.  Whether Go's ran."""
    keys = os.path.join(tmp, "keys.txt")
    with open(keys, "wb") as f:
        f.write(s.get("/api/v1/ledger/key").body)
    r = subprocess.run([os.path.join(s.bin, "htq-verify"), "ledger", path, "--key", keys],
                       capture_output=True, text=True)
    assert r.returncode == 0, "htq-verify: %s%s" % (r.stdout, r.stderr)
    if shutil.which("go") is None:
        return False
    g = subprocess.run([go_interop(tmp), "ledger", path, "--key", keys],
                       capture_output=True, text=True)
    assert g.returncode == 0, "Go verifier: %s%s" % (g.stdout, g.stderr)
    return True
