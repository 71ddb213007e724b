"""Regressions from the security review of the first wave (issue 10), each
against the real stack: the anonymous query that corrupted a worker's
memory, the login back-off race, login by account id, sessions that
outlived a password reset, and credentials withdrawn on disable."""
import re
import threading
import time

from harness import DEMO_PASSWORD, assert_json_error, session_of

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


def parallel(n, fn):
    out = [None] * n
    go = threading.Barrier(n)

    def run(i):
        go.wait()
        out[i] = fn(i)
    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def test_concurrent_wrong_logins_get_at_most_five_tries(s):
    new_account(s, "race@htq.test")
    rs = parallel(16, lambda i: s.post("/api/v1/session", body={
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
        results = [r for r in parallel(5, login) if r is not None]
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
