"""Regressions from the security review of the first wave (issue 10), each
against the real stack: the anonymous query that corrupted a worker's
memory, the login back-off race, login by account id, sessions that
outlived a password reset, and credentials withdrawn on disable."""
import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time

from harness import DEMO_PASSWORD, ROOT, Skip, assert_json_error, race, session_of

WORKER_DIED = re.compile(r"htq-fcgi: worker \d+ .*restarting")


def crash_queries():
    """The review's query (2,048 bytes, 32 pairs, most without '='), its
    '&=y' variant, and one 2,048-byte key without '='."""
    return [
        "/api/v1/health?" + "a&" * 30 + "b" * 1958 + "&" + "x" * 29,
        "/api/v1/health?" + "a&" * 29 + "b" * 1957 + "&" + "x" * 29 + "&=y",
        "/api/v1/health?" + "c" * 2048,
        "/api/v1/standards?" + "d" * 2047 + "&",
    ]


def test_long_queries_get_a_json_400_and_no_worker_dies(s):
    before = len(WORKER_DIED.findall(s.output()))
    for q in crash_queries():
        assert len(q.split("?", 1)[1]) in (2048,), len(q)
        for _ in range(10):
            r = s.get(q)
            doc = assert_json_error(r, 400, "bad_parameter")
            # the message names a parameter that was really sent
            m = re.search(r'"(.*)"', doc["error"]["message"])
            assert m and m.group(1) and m.group(1) in q, doc
    time.sleep(0.3)
    assert len(WORKER_DIED.findall(s.output())) == before, s.output()[-2000:]
    assert s.get("/api/v1/health").status == 200


def new_account(s, email, role="auditor", password=DEMO_PASSWORD):
    s.ctl("user", "add", "--email", email, "--name", "T", "--role", role,
          input=(password + "\n").encode())


def test_concurrent_wrong_logins_get_at_most_five_tries(s):
    new_account(s, "race@htq.test")
    rs = race(16, lambda i: s.post("/api/v1/session", body={
        "email": "race@htq.test", "password": "wrong-password-%d" % i}))
    codes = sorted(r.status for r in rs)
    assert codes.count(401) <= 5, codes
    assert codes.count(401) + codes.count(429) == 16, codes
    for r in rs:
        if r.status == 429:
            assert_json_error(r, 429, "login_backoff")
            assert int(r.header("retry-after")) >= 1
    # the right password is refused too while backed off
    r = s.post("/api/v1/session", body={"email": "race@htq.test", "password": DEMO_PASSWORD})
    assert_json_error(r, 429, "login_backoff")


def test_login_by_account_id_is_refused(s):
    new_account(s, "byid@htq.test")
    r = s.post("/api/v1/session", body={"email": "byid@htq.test", "password": DEMO_PASSWORD})
    aid = r.json()["account"]["id"]
    session_of(r)
    r = s.post("/api/v1/session", body={"email": aid, "password": DEMO_PASSWORD})
    assert_json_error(r, 401, "invalid_credentials")
    # an id does not escape a back-off in force on the address
    for i in range(5):
        s.post("/api/v1/session", body={"email": "byid@htq.test", "password": "wrong-%d-password" % i})
    r = s.post("/api/v1/session", body={"email": "byid@htq.test", "password": DEMO_PASSWORD})
    assert_json_error(r, 429, "login_backoff")
    r = s.post("/api/v1/session", body={"email": aid, "password": DEMO_PASSWORD})
    assert r.status == 401, r


def test_no_session_from_an_old_password_survives_a_reset(s):
    """Logins with the current password race a reset to a new one; every
    session they opened must be dead once the reset has returned."""
    email, pw = "reset@htq.test", DEMO_PASSWORD
    new_account(s, email, password=pw)
    opened = 0
    for rnd in range(4):
        new_pw = "new-password-%d-%s" % (rnd, DEMO_PASSWORD)
        results = []

        def login(i):
            if i == 0:   # the reset, started while the logins run Argon2id
                time.sleep(0.03)
                s.ctl("user", "reset-password", email, input=(new_pw + "\n").encode())
                return None
            return s.post("/api/v1/session", body={"email": email, "password": pw})
        results = [r for r in race(5, login) if r is not None]
        for r in results:
            assert r.status in (200, 401), r
            if r.status == 200:
                opened += 1
                cookie, _ = session_of(r)
                assert s.get("/api/v1/session", headers=cookie).status == 401, \
                    "a session opened with the old password outlived the reset"
        pw = new_pw
        r = s.post("/api/v1/session", body={"email": email, "password": pw})
        assert r.status == 200, r
        cookie, _ = session_of(r)
        assert s.get("/api/v1/session", headers=cookie).status == 200


def test_disable_then_enable_revives_no_session_or_token(s):
    email = "revive@htq.test"
    new_account(s, email)
    cookie, _ = session_of(s.post("/api/v1/session", body={"email": email, "password": DEMO_PASSWORD}))
    tok = re.search(r"htq_[0-9a-f]{64}", s.ctl("token", "create", "--user", email).stdout.decode()).group(0)
    bearer = {"Authorization": "Bearer " + tok}
    assert s.get("/api/v1/session", headers=bearer).status == 200
    s.ctl("user", "disable", email)
    s.ctl("user", "enable", email)
    assert s.get("/api/v1/session", headers=cookie).status == 401
    assert s.get("/api/v1/session", headers=bearer).status == 401
    r = s.post("/api/v1/session", body={"email": email, "password": DEMO_PASSWORD})
    assert r.status == 200, r


# --- nginx holds little per connection before authentication ---

def nginx_pids(s):
    master = int(open(os.path.join(s.data, "run", "nginx.pid")).read())
    kids = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return master, [int(k) for k in kids]


def rss_kib(pids):
    total = 0
    for pid in pids:
        try:
            for line in open("/proc/%d/status" % pid):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def flood(s, n, headers, body_len, addrs=10):
    """n connections, spread over addrs client addresses, each sending a
    request with a body_len body; returns the open sockets."""
    socks = []
    head = ("POST /api/v1/admin/organisations HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
            % (body_len, "".join("%s: %s\r\n" % kv for kv in headers.items()))).encode()
    chunk = b"x" * 65536
    for i in range(n):
        c = socket.socket()
        c.bind(("127.0.0.%d" % (2 + i % addrs), 0))
        c.settimeout(5)
        c.connect(("127.0.0.1", s.port))
        socks.append(c)
        try:
            c.sendall(head)
            for _ in range(body_len // len(chunk)):
                c.sendall(chunk)
        except OSError:
            pass   # refused early: what we want
    return socks


def test_bodies_cost_nginx_little_memory(s):
    master, workers = nginx_pids(s)
    before = rss_kib(workers)
    for headers in ({}, {"Cookie": "htq_session=" + "0" * 64}):
        socks = flood(s, 300, headers, 1 << 20)
        time.sleep(0.5)
        grown = rss_kib(nginx_pids(s)[1]) - before
        for c in socks:
            c.close()
        # 300 x 1 MiB once took nginx from 6 MB to 320 MB
        assert grown < 48 * 1024, "nginx grew by %d KiB for %r" % (grown, headers)
    assert s.get("/api/v1/health").status == 200


def test_anonymous_bodies_and_bodies_where_none_belong_are_refused(s):
    r = s.post("/api/v1/admin/organisations", body={"name": "x"})
    assert_json_error(r, 401, "unauthenticated")
    r = s.request("GET", "/api/v1/health", body=b"x" * 1000)
    assert_json_error(r, 400, "body_not_allowed")
    r = s.request("DELETE", "/api/v1/session", body=b"{}")
    assert_json_error(r, 400, "body_not_allowed")
    # a login body over 4 KiB is refused before the app sees it
    r = s.post("/api/v1/session", body={"email": "a@b.c", "password": "p" * 5000})
    assert_json_error(r, 413, "body_too_large")


def test_connections_per_address_are_limited(s):
    limit = int(os.environ.get("HTQ_CONN_PER_ADDR", "64"))
    head = (b"POST /api/v1/admin/organisations HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer htq_" + b"0" * 64 + b"\r\n"
            b"Content-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n")
    socks = []
    try:
        for i in range(limit):   # each holds a request whose body never comes
            c = socket.create_connection(("127.0.0.1", s.port), timeout=5,
                                         source_address=("127.0.0.77", 0))
            c.sendall(head)
            socks.append(c)
        time.sleep(0.3)
        r = s.get("/api/v1/health", source="127.0.0.77")
        assert_json_error(r, 429, "rate_limited")
        assert s.get("/api/v1/health", source="127.0.0.78").status == 200
    finally:
        for c in socks:
            c.close()


# --- files and the data directory ---

def test_export_never_follows_a_planted_symlink(s):
    tmp = tempfile.mkdtemp(prefix="htq-sym-")
    try:
        victim = os.path.join(tmp, "victim")
        open(victim, "w").write("keep me\n")
        out = os.path.join(tmp, "ledger.jsonl")
        os.symlink(victim, out + ".tmp")
        s.ctl("ledger", "export", "--out", out)
        assert open(victim).read() == "keep me\n"
        assert os.path.islink(out + ".tmp")
        assert not os.path.islink(out) and open(out).read().count("\n") >= 2
        assert sorted(os.listdir(tmp)) == ["ledger.jsonl", "ledger.jsonl.tmp", "victim"]
    finally:
        shutil.rmtree(tmp)


def test_data_directory_is_private(s):
    assert stat.S_IMODE(os.stat(s.data).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(s.data, "demo-accounts.txt")).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.join(s.data, "keys", "ledger.key")).st_mode) == 0o600
    # htqctl repairs a data directory it owns that others can read
    tmp = tempfile.mkdtemp(prefix="htq-mode-")
    try:
        data = os.path.join(tmp, "data")
        os.mkdir(data, 0o755)
        os.chmod(data, 0o755)
        p = s.ctl("init", env=dict(HTQ_DATA=data))
        assert b"now 0700" in p.stderr, p.stderr
        assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    finally:
        shutil.rmtree(tmp)


def uids(pid):
    return [l for l in open("/proc/%d/status" % pid) if l.startswith("Uid:")][0].split()[1:]


def test_servers_do_not_run_as_root(s):
    """Started as root, every server process runs as the service account,
    nginx's master included; the one root process left, run.sh waiting for
    its child, has nothing open in the data directory, nor its cwd there."""
    if os.geteuid() != 0:
        raise Skip("only meaningful when the stack is started as root")
    master, workers = nginx_pids(s)
    fcgi = subprocess.run(["pgrep", "-f", "htq-fcgi --data %s" % s.data],
                          capture_output=True, text=True).stdout.split()
    assert workers and fcgi
    for pid in [master] + workers + [int(p) for p in fcgi]:
        assert all(u != "0" for u in uids(pid)), (pid, uids(pid))
    assert os.stat(os.path.join(s.data, "db", "data.mdb")).st_uid != 0
    # the stack's processes: the session run.sh leads
    sid = os.getsid(s.proc.pid)
    root = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.getsid(int(d)) == sid and "0" in uids(int(d)):
                    root.append(int(d))
            except (OSError, IndexError):
                pass
    assert root == [s.proc.pid], root
    real = os.path.realpath(s.data)
    assert not os.path.realpath("/proc/%d/cwd" % s.proc.pid).startswith(real)
    for fd in os.listdir("/proc/%d/fd" % s.proc.pid):
        target = os.path.realpath("/proc/%d/fd/%s" % (s.proc.pid, fd))
        # the harness's own output file is the only one it was given there
        assert not target.startswith(real + "/") or target.endswith("/run.out"), target


def skeleton(to):
    """What scripts/run.sh needs of a clone, copied to to."""
    for d in ("scripts", "nginx", "data"):
        shutil.copytree(os.path.join(ROOT, d), os.path.join(to, d))
    os.makedirs(os.path.join(to, "core", "store"))
    shutil.copy(os.path.join(ROOT, "core", "store", "limits.h"), os.path.join(to, "core", "store"))
    shutil.copytree(os.path.join(ROOT, "build", "www"), os.path.join(to, "build", "www"))


def test_root_clone_in_a_private_home_is_told_what_to_change(s):
    """A clone under a directory closed to other accounts (root's home is
    0700): a data directory there is refused at once, saying the service
    account cannot reach it and what to set, and nothing is started."""
    if os.geteuid() != 0:
        raise Skip("only meaningful as root")
    home = tempfile.mkdtemp(prefix="htq-home-")	# 0700, root's
    try:
        skeleton(os.path.join(home, "htq"))
        e = s.env(HTQ_DATA=os.path.join(home, "htq", "var"))
        p = subprocess.run([os.path.join(home, "htq", "scripts", "run.sh")], env=e,
                           cwd=os.path.join(home, "htq"), capture_output=True, timeout=30)
        assert p.returncode == 1, p
        assert b"htq cannot reach" in p.stderr and b"HTQ_DATA" in p.stderr, p.stderr
    finally:
        shutil.rmtree(home)


def test_root_never_follows_a_planted_link_in_the_data_directory(s):
    """The service account plants links where root's start-up used to
    chown, chmod or delete (public, www, run, the nginx pid and log): root
    touches none of them, and their targets keep owner and mode."""
    if os.geteuid() != 0:
        raise Skip("only meaningful as root")
    from harness import Stack
    victim = tempfile.mkdtemp(prefix="htq-victim-")	# root's, 0700
    with open(os.path.join(victim, "f"), "w") as f:
        f.write("root's")
    st = Stack()
    try:
        st.start()		# a data directory the service account owns
        st.stop()
        for name in ("public", "www", "log/nginx-error.log", "run/nginx.pid"):
            path = os.path.join(st.data, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            elif os.path.lexists(path):
                os.unlink(path)
            os.symlink(victim if not name.startswith(("log/", "run/")) else
                       os.path.join(victim, "f"), path)
            os.lchown(path, *[os.stat(st.data).st_uid, os.stat(st.data).st_gid])
        try:
            st.start(timeout=15)
        except RuntimeError:
            pass		# the account broke its own start: its business
        finally:
            st.stop()
        vs = os.stat(victim)
        assert (vs.st_uid, stat.S_IMODE(vs.st_mode)) == (0, 0o700), vs
        fs = os.stat(os.path.join(victim, "f"))
        assert fs.st_uid == 0 and open(os.path.join(victim, "f")).read() == "root's"
    finally:
        shutil.rmtree(st.data, ignore_errors=True)
        shutil.rmtree(victim)


# --- bodies are read only for callers whose credentials hold ---

# Every route that takes a request body or a write method (fcgi/routes.c),
# with a path that exists; the login is the one anonymous write.
BODY_ROUTES = [
    ("POST", "/api/v1/admin/standards/ST0116/eligibility"),
    ("POST", "/api/v1/admin/windows"),
    ("POST", "/api/v1/admin/windows/w-0000000000000000/close"),
    ("POST", "/api/v1/submissions"),
    ("PUT", "/api/v1/submissions/s-0000000000000000"),
    ("POST", "/api/v1/submissions/s-0000000000000000/submit"),
    ("POST", "/api/v1/submissions/s-0000000000000000/withdraw"),
    ("POST", "/api/v1/submissions/s-0000000000000000/information-requests"),
    ("POST", "/api/v1/submissions/s-0000000000000000/information-response"),
    ("POST", "/api/v1/submissions/s-0000000000000000/reviews"),
    ("POST", "/api/v1/submissions/s-0000000000000000/decision"),
    ("POST", "/api/v1/marks/HTQ-2026-000001-X/revoke"),
    ("POST", "/api/v1/submissions/s-0000000000000000/documents"),
    ("DELETE", "/api/v1/submissions/s-0000000000000000/documents/" + "0" * 64),
    # routes that take no body, by a write method (405 at the app)
    ("POST", "/api/v1/standards/ST0116"),
    ("POST", "/api/v1/marks/HTQ-2026-000001-X"),
    ("POST", "/api/v1/ledger/checkpoint"),
    ("POST", "/api/v1/health"),
]
DOCUMENT_ROUTES = ("/api/v1/submissions", "/api/v1/submissions/s-0000000000000000",
                   "/api/v1/submissions/s-0000000000000000/information-response",
                   "/api/v1/submissions/s-0000000000000000/reviews",
                   "/api/v1/submissions/s-0000000000000000/documents")


def send_body(s, method, path, headers, n):
    """A request with an n-byte body on a raw connection: (status, body,
    seconds until the answer)."""
    head = ("%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
            % (method, path, n, "".join("%s: %s\r\n" % kv for kv in headers.items()))).encode()
    c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    t0 = time.time()
    try:
        c.sendall(head)
        try:
            c.sendall(b"x" * n)
        except OSError:
            pass    # answered and closed before the whole body: fine
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
        took = time.time() - t0
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
        return status, data, took
    finally:
        c.close()


def worker_lines(text):
    """The workers' request log lines in text: dicts of their fields."""
    out = []
    for line in text.splitlines():
        if not line.startswith("time=") or " dur_us=" not in line:
            continue
        out.append(dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line)))
    return out


def test_bodies_are_not_read_without_valid_credentials(s):
    """A 1 MiB body with a dummy credential, to every route that takes a
    write: nginx refuses it unread when the credential is not even of the
    right shape (401) or the route takes no document (413, 400); for a
    document route it reaches a worker, which answers 401 from the
    headers and reads none of it.  Each answer within a second."""
    mib = 1 << 20
    start = len(s.output())
    dummies = [{"Cookie": "htq_session=x"}, {"Authorization": "x"},
               {"Authorization": "Bearer htq_x"},
               {"Cookie": "htq_session=" + "0" * 64},
               {"Authorization": "Bearer htq_" + "0" * 64}]
    for method, path in BODY_ROUTES:
        for h in dummies:
            status, data, took = send_body(s, method, path, h, mib)
            assert status in (400, 401, 413), (method, path, h, data[:300])
            assert b"application/json" in data, data[:300]
            assert took < 1.0, (method, path, h, took)
            # nginx checks the length before the credential's shape
            if path in DOCUMENT_ROUTES and method in ("POST", "PUT"):
                assert status == 401, (method, path, h, data[:300])
            else:
                assert status in (400, 413), (method, path, h, data[:300])
    time.sleep(0.3)
    lines = [l for l in worker_lines(s.output()[start:])
             if l.get("body") == str(mib)]
    # the shaped dummies to the five document routes got to a worker
    assert len(lines) == 2 * 5, lines
    for l in lines:
        assert l["status"] == "401" and l["read"] == "0", l
    # a login still works, and so does a document from a real caller
    r = s.post("/api/v1/session", body={"email": "admin@htq.test",
                                        "password": DEMO_PASSWORD})
    assert r.status == 200, r
    cookie, csrf = session_of(r)
    r = s.get("/api/v1/session", headers=cookie)
    assert r.status == 200, r
