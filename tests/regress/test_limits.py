"""Brute-force brakes and session lifetimes, on a stack of its own with the
production login limits (nginx: a burst of 20, then 30 a minute per client
address; the app: back-off per e-mail address after 5 failures) and short
session lifetimes (idle 2 s, absolute 5 s)."""
import json
import time

from harness import Skip, Stack, assert_json_error, content, create, login, people, session_of

LIMITS = {"HTQ_LOGIN_RATE": 30, "HTQ_LOGIN_BURST": 20,
          "HTQ_SESSION_IDLE": 2, "HTQ_SESSION_MAX_AGE": 5}
OFFICE = "127.0.0.2"  # another client address on the loopback network


def own_stack(s):
    return Stack(s.bin, **LIMITS)


def test_login_limits(s):
    with own_stack(s) as st:
        # an office behind one address: a burst of 20 logins is let through
        statuses = []
        for i in range(20):
            statuses.append(login(st, "person%d@office.test" % i, "wrong-password-1",
                                  source=OFFICE).status)
        assert statuses == [401] * 20, statuses
        # then the address is held to the rate: a burst of bad logins is cut off
        limited = None
        for i in range(20, 40):
            r = login(st, "person%d@office.test" % i, "wrong-password-1", source=OFFICE)
            if r.status == 429:
                limited = r
                break
            assert r.status == 401, r
        assert limited is not None, "nginx never limited a burst of 40 logins"
        assert_json_error(limited, 429, "rate_limited")
        assert limited.header("x-frame-options") == "DENY"
        # only logins are limited, and only for that address
        assert_json_error(st.get("/api/v1/session", source=OFFICE), 401, "unauthenticated")
        assert st.get("/api/v1/health", source=OFFICE).status == 200
        assert login(st, "admin@htq.test").status == 200

        # the app backs off per e-mail address after 5 failures ...
        for _ in range(5):
            assert_json_error(login(st, "author@meridian.test", "wrong-password-1"), 401)
        r = login(st, "author@meridian.test")  # even the right password
        assert_json_error(r, 429, "login_backoff")
        wait = int(r.header("retry-after"))
        assert 1 <= wait <= 2, wait
        # ... for that address only: another account still logs in
        assert login(st, "author@northfield.test").status == 200
        # an unknown address is treated the same (no account enumeration)
        for _ in range(5):
            assert_json_error(login(st, "ghost@meridian.test", "wrong-password-1"), 401)
        assert_json_error(login(st, "ghost@meridian.test", "wrong-password-1"), 429,
                          "login_backoff")
        time.sleep(wait + 0.2)
        assert login(st, "author@meridian.test").status == 200
        assert "wrong-password-1" not in st.logs()


def test_session_expiry(s):
    with own_stack(s) as st:
        r = login(st, "auditor@htq.test")
        assert "Max-Age=5" in r.header("set-cookie")
        cookie, _ = session_of(r)
        # activity keeps a session alive past the idle limit ...
        for _ in range(3):
            time.sleep(1.1)
            assert st.get("/api/v1/session", headers=cookie).status == 200
        # ... but not past the absolute limit (whole seconds: allow one more)
        time.sleep(6.2 - 3 * 1.1)
        assert_json_error(st.get("/api/v1/session", headers=cookie), 401, "unauthenticated")
        # idle: a fresh session left alone for longer than 2 s is gone
        cookie, _ = session_of(login(st, "auditor@htq.test"))
        assert st.get("/api/v1/session", headers=cookie).status == 200
        time.sleep(3.5)
        assert_json_error(st.get("/api/v1/session", headers=cookie), 401, "unauthenticated")


def test_worker_appends_after_key_rotation(s):
    with own_stack(s) as st:
        cookie, csrf = session_of(login(st, "admin@htq.test"))
        h = dict(cookie, **{"X-CSRF-Token": csrf})
        url = "/api/v1/admin/standards/ST0116/eligibility"
        assert st.post(url, body={"eligible": True}, headers=h).status == 200
        st.ctl("key", "rotate")
        new_kid = st.get("/api/v1/ledger/key").body.decode().split()[-1].split("+")[1]
        # the workers loaded the old key at start; they must pick up the new one
        for _ in range(4):
            r = st.post(url, body={"eligible": True}, headers=h)
            assert r.status == 200, r
        size = st.get("/api/v1/health").json()["ledger"]["size"]
        last = st.get("/api/v1/ledger/entries?start=%d" % (size - 1)).json()["entries"][0]
        assert json.loads(last["entry"])["kid"] == new_kid


def test_draft_limit_per_organisation(s):
    """One awarding body cannot fill the database with drafts: at the
    default limit (200 a organisation) the next draft is a 409 naming the
    limit; another organisation is not held back, and withdrawing one
    draft makes room for one more."""
    with Stack(s.bin, HTQ_MAX_DRAFTS="") as st:
        p = people(st)
        mine = [x["id"] for x in json.loads(st.ctl(
            "submission", "list", "--status", "draft", "--organisation",
            p["north"].org).stdout)["submissions"]]
        body = content(st, title="One of many")
        while len(mine) < 200:
            mine.append(create(st, p["north"], body)["id"])
        doc = assert_json_error(st.post("/api/v1/submissions", body=body,
                                        headers=p["north"].h), 409)
        assert "200 drafts" in doc["error"]["message"] and \
            "HTQ_MAX_DRAFTS" in doc["error"]["message"], doc
        assert create(st, p["meridian"], body)["status"] == "draft"
        r = st.post("/api/v1/submissions/%s/withdraw" % mine[0], headers=p["north"].h)
        assert r.status == 200, r
        assert create(st, p["north"], body)["status"] == "draft"
        assert st.post("/api/v1/submissions", body=body, headers=p["north"].h).status == 409


def test_slow_clients_from_one_address_leave_others_served(s):
    """2,500 connections from one address that trickle a request line, a
    byte every half second, and 500 that send nothing (nginx counts
    connections per address only once the headers are in, and reuses
    only connections that have sent nothing): another address's requests
    still succeed (at least 95 %), and nginx closes the slow ones after
    client_header_timeout (10 s).  With worker_connections 1024 (two
    workers) the other address's requests all failed."""
    import resource
    import socket
    import threading

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    n_trickle, n_idle = 2500, 500
    if hard < n_idle + n_trickle + 200:
        raise Skip("needs %d file descriptors, the hard limit is %d"
                   % (n_idle + n_trickle + 200, hard))
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    slow, socks, stop = "127.0.0.61", [], threading.Event()
    msg = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: "
    try:
        for i in range(n_idle + n_trickle):
            c = socket.socket()
            c.bind((slow, 0))
            c.settimeout(5)
            c.connect(("127.0.0.1", s.port))
            if i < n_trickle:
                c.send(msg[:1])
            socks.append(c)

        def drip():
            k = 1
            while not stop.wait(0.5):
                for c in socks[:n_trickle]:
                    try:
                        c.send(msg[k:k + 1] if k < len(msg) else b"a")
                    except OSError:
                        pass
                k += 1
        t = threading.Thread(target=drip)
        t.start()
        time.sleep(0.5)
        ok = failed = 0
        t0 = time.time()
        while time.time() - t0 < 5:
            try:
                r = s.get("/api/v1/health", source="127.0.0.62", timeout=2)
                ok += r.status == 200
                failed += r.status != 200
            except OSError:
                failed += 1
        print("  slow clients: %d of %d requests from another address succeeded"
              % (ok, ok + failed))
        assert ok + failed >= 20, (ok, failed)
        assert ok >= 0.95 * (ok + failed), (ok, failed)
        # the slow address's own connections go at client_header_timeout
        time.sleep(max(0, 10 - (time.time() - t0)) + 1.5)
        stop.set()
        t.join()
        closed = 0
        for c in socks:
            c.settimeout(0.01)
            try:
                closed += c.recv(4096) == b""
            except ConnectionResetError:
                closed += 1
            except OSError:
                pass
        assert closed >= 0.99 * len(socks), "%d of %d slow connections closed" % (
            closed, len(socks))
    finally:
        stop.set()
        for c in socks:
            c.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
