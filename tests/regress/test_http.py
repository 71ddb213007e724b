"""The HTTP boundary against real nginx + htq-fcgi: health, the standards
catalogue, and every class of bad request getting a JSON 4xx."""
import json
import os
import re
import signal
import subprocess
import time

from harness import SECRETS, Skip, Stack, assert_json_error, fcgi_master, fcgi_workers, login, session_of

SECURITY_HEADERS = ("x-content-type-options", "content-security-policy",
                    "referrer-policy", "x-frame-options")
DEMO_REFS = ["ST0114", "ST0116", "ST0117", "ST0118", "ST0127", "ST0129",
             "ST0131", "ST0825", "ST1021"]


def max_body(name="HTQ_MAX_BODY"):
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "core", "store", "limits.h")) as f:
        m = re.search(r"#define %s\s+\((\d+) \* (\d+)\)" % name, f.read())
    return int(m.group(1)) * int(m.group(2))


def test_health(s):
    r = s.get("/api/v1/health")
    assert r.status == 200, r
    assert r.header("content-type").startswith("application/json")
    assert r.json()["status"] == "ok"
    assert int(r.header("content-length")) == len(r.body)
    assert r.header("cache-control") == "no-store"
    for h in SECURITY_HEADERS:
        assert r.header(h), "missing %s" % h


def test_security_headers_on_errors_and_static(s):
    for path in ("/api/v1/nope", "/no-such-file.html"):
        r = s.get(path)
        assert r.status == 404
        for h in SECURITY_HEADERS:
            assert r.header(h), "missing %s on %s" % (h, path)


def test_head_has_no_body(s):
    r = s.request("HEAD", "/api/v1/standards/ST0116")
    assert r.status == 200 and r.body == b""


def test_standards_list_has_demo_catalogue(s):
    r = s.get("/api/v1/standards")
    assert r.status == 200, r
    std = {x["ref"]: x for x in r.json()["standards"]}
    for ref in DEMO_REFS:
        assert ref in std, ref
    for ref in ("ST0114", "ST0131"):
        assert std[ref]["eligible"] is False
        assert "merged" in std[ref]["ineligible_reason"].lower()
    assert std["ST0116"]["eligible"] is True
    assert std["ST0116"]["ineligible_reason"] is None
    refs = [x["ref"] for x in r.json()["standards"]]
    assert refs == sorted(refs)


def test_standards_filters(s):
    r = s.get("/api/v1/standards?eligible=false&route=digital")
    got = {x["ref"] for x in r.json()["standards"]}
    assert {"ST0114", "ST0131"} <= got
    assert all(not x["eligible"] for x in r.json()["standards"])
    r = s.get("/api/v1/standards?route=Construction")
    assert r.status == 200
    assert all(x["route"] == "Construction" for x in r.json()["standards"])
    assert len(r.json()["standards"]) >= 1
    r = s.get("/api/v1/standards?level=5")
    assert all(x["level"] == 5 for x in r.json()["standards"])


def test_standards_bad_parameters(s):
    for q, word in (("level=four", "level"), ("level=9", "level"), ("level=", "level"),
                    ("eligible=maybe", "eligible"), ("colour=red", "colour")):
        doc = assert_json_error(s.get("/api/v1/standards?" + q), 400, "bad_parameter")
        assert word in doc["error"]["message"], (q, doc)


def test_standard_detail(s):
    r = s.get("/api/v1/standards/ST0116")
    assert r.status == 200, r
    assert r.header("cache-control").startswith("public")
    d = r.json()
    for k in ("ref", "title", "level", "version", "route", "status", "eligible",
              "ineligible_reason", "options", "ksbs"):
        assert k in d, k
    assert d["ref"] == "ST0116" and d["eligible"] is True
    kinds = {"K": "knowledge", "S": "skill", "B": "behaviour"}
    counters = {"K": 0, "S": 0, "B": 0}
    for ksb in d["ksbs"]:
        p = ksb["code"][0]
        counters[p] += 1
        assert ksb["code"] == "%s%d" % (p, counters[p]), ksb
        assert ksb["kind"] == kinds[p]
        assert re.fullmatch(r"[0-9a-f-]{36}", ksb["id"]), ksb
        assert ksb["text"]
    assert all(counters.values())


def test_standard_versions(s):
    latest = s.get("/api/v1/standards/ST0116").json()
    versions = latest.get("versions", [latest["version"]])
    assert latest["version"] == versions[-1]
    for v in versions:
        r = s.get("/api/v1/standards/ST0116?version=" + v)
        assert r.status == 200 and r.json()["version"] == v
    assert_json_error(s.get("/api/v1/standards/ST0116?version=9.9"), 404, "not_found")
    assert_json_error(s.get("/api/v1/standards/ST0116?version=abc"), 400, "bad_parameter")


def test_standard_is_its_published_file(s):
    """A standard's latest version is the file the writers publish
    (public/standards/<ref>.json, served by nginx): the same bytes and
    headers as the worker's answer (?version= goes to the worker), rewritten
    before an eligibility decision's response goes out, and the worker
    answers when the file is not there."""
    admin = login(s, "admin@htq.test")
    cookie, csrf = session_of(admin)
    h = dict(cookie, **{"X-CSRF-Token": csrf})

    def same(ref):
        r = s.get("/api/v1/standards/" + ref)
        w = s.get("/api/v1/standards/%s?version=%s" % (ref, r.json()["version"]))
        assert r.status == w.status == 200 and r.body == w.body, ref
        for k in ("content-type", "cache-control", "content-security-policy",
                  "x-content-type-options"):
            assert r.header(k) == w.header(k), (ref, k)
        return r

    refs = [x["ref"] for x in s.get("/api/v1/standards").json()["standards"]]
    assert len(refs) >= len(DEMO_REFS)
    for ref in refs:
        r = same(ref)
        assert r.header("last-modified"), ref	# nginx served the file
        with open(os.path.join(s.data, "public", "standards", ref + ".json"), "rb") as f:
            assert f.read() == r.body, ref
    try:
        r = s.post("/api/v1/admin/standards/ST0118/eligibility",
                   body={"eligible": False, "reason": "published at once"}, headers=h)
        assert r.status == 200, r
        d = same("ST0118").json()
        assert d["eligible"] is False and d["ineligible_reason"] == "published at once"
    finally:
        r = s.post("/api/v1/admin/standards/ST0118/eligibility",
                   body={"eligible": True}, headers=h)
        assert r.status == 200, r
    assert same("ST0118").json()["eligible"] is True
    path = os.path.join(s.data, "public", "standards", "ST0118.json")
    os.rename(path, path + ".away")
    try:
        r = same("ST0118")
        assert r.header("last-modified") is None	# the worker's
    finally:
        os.rename(path + ".away", path)
    assert_json_error(s.get("/api/v1/standards/ST9999"), 404, "not_found")


def test_standard_ineligible_detail(s):
    d = s.get("/api/v1/standards/ST0131").json()
    assert d["eligible"] is False and d["ineligible_reason"]


def test_standard_bad_ref(s):
    for ref in ("ST116", "st0116", "ST01166", "XX0116", "ST01%2016", "%E2%82%AC"):
        assert_json_error(s.get("/api/v1/standards/" + ref), 400, "bad_parameter")
    assert_json_error(s.get("/api/v1/standards/ST9999"), 404, "not_found")


def test_unknown_path_404(s):
    for p in ("/api/v1/nope", "/api/v2/health", "/api/v1/standards/ST0116/x",
              "/api/v1/health/"):
        assert_json_error(s.get(p), 404, "not_found")


def test_pages_for_browsers_json_for_the_api(s):
    """A browser (Accept: text/html) asking for one of the site's pages
    gets HTML error pages: page not found, no such quality mark naming the
    number (escaped), a refused search naming what is wrong; the API, and
    clients that do not ask for HTML, get JSON.  Hostile query strings on
    the register's search are 4xx pages, never 5xx."""
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}

    def page(path, status, *words):
        r = s.get(path, headers=html)
        body = r.body.decode("utf-8", "replace")
        assert r.status == status, (path, r.status, body[:200])
        assert r.header("content-type").startswith("text/html"), (path, r.header("content-type"))
        assert 'class="govuk-header' in body and 'id="main-content"' in body, path
        for w in words:
            assert w in body, (path, w)
        return body

    page("/no-such-page", 404, "Page not found")
    page("/register/7/x", 404, "Page not found")
    page("/verify/HTQ-XXXX", 404, "No quality mark <span id=\"mark-asked\">HTQ-XXXX</span>",
         "Check the number")
    page("/verify/HTQ-2026-000001-X", 404, "HTQ-2026-000001-X")
    page("/marks/HTQ-2026-999999-Z/", 404, "No quality mark")
    body = page("/verify/%3Cscript%3Ex\"'<b>", 404, "No quality mark")
    assert "<b>" not in body and "<script" not in body.split("</head>")[1].replace(
        '<script type="module"', "")
    # the API and clients that do not ask for HTML: JSON
    for path, headers in (("/api/v1/nope", html), ("/no-such-page", {}),
                          ("/verify/HTQ-XXXX", {"Accept": "application/json"}),
                          ("/ledger/tile/0/x999", html)):
        assert_json_error(s.get(path, headers=headers), 404, "not_found")
    # hostile query strings on the register's search: a 4xx page naming
    # the problem, never a 5xx
    for q, status, words in (
            ("q=" + "a" * 201, 400, "at most 200"),
            ("q=%FF%FE", 400, "UTF-8"),
            ("q=a%00b", 400, "NUL"),
            ("q=%C0%AF", 400, "UTF-8"),
            ("q=" + "b" * 3000, 414, "longer than"),
            ("page=0", 400, "page"),
            ("page=99999999999999999999", 400, "page"),
            ("page=-1", 400, "page"),
            ("status=maybe", 400, "status"),
            ("colour=red", 400, "colour"),
            ("q=%", 400, ""),
            ("&".join("q%d=1" % i for i in range(40)), 400, ""),
            ("standard=" + "S" * 201, 400, "standard")):
        page("/register/search?" + q, status, words)
    # beyond nginx's buffers: nginx's own refusal, still not a 5xx
    r = s.get("/register/search?q=" + "c" * 9000, headers=html)
    assert r.status in (400, 414), r.status
    # a body on a GET is refused before the workers see it
    r = s.request("GET", "/register/search?q=x", body=b"x" * 10, headers=html)
    assert r.status == 400 and r.header("content-type").startswith("text/html"), r


def test_wrong_method_405(s):
    r = s.post("/api/v1/standards", headers={"Content-Type": "application/json"})
    assert_json_error(r, 405, "method_not_allowed")
    assert r.header("allow") == "GET, HEAD"
    # with a body and no credential, nginx refuses it before reading it
    r = s.post("/api/v1/standards", body=b"{}", headers={"Content-Type": "application/json"})
    assert_json_error(r, 401, "unauthenticated")
    r = s.request("PUT", "/api/v1/session", body=b"{}")
    assert_json_error(r, 405)
    assert r.header("allow") == "GET, HEAD, POST, DELETE"


def admin_bearer(s):
    token = s.ctl("token", "create", "--user", "admin@htq.test").stdout.decode().strip()
    SECRETS.append(token)
    return {"Authorization": "Bearer " + token, "Content-Type": "application/json"}


def ab_bearer(s):
    token = s.ctl("token", "create", "--user", "author@northfield.test").stdout.decode().strip()
    SECRETS.append(token)
    return {"Authorization": "Bearer " + token, "Content-Type": "application/json"}


ELIGIBILITY = "/api/v1/admin/standards/ST0116/eligibility"


def test_body_too_large_413(s):
    limit = max_body()
    # a login body is small: nginx stops at 4 KiB
    body = b'{"email":"a@b.c","password":"' + b"p" * (4096 - 31) + b'"}'
    assert len(body) == 4096
    r = s.post("/api/v1/session", body=body, headers={"Content-Type": "application/json"})
    assert r.status == 400, r  # password longer than 1 KiB, but read
    r = s.post("/api/v1/session", body=body + b" ", headers={"Content-Type": "application/json"})
    assert_json_error(r, 413, "body_too_large")
    # a route that takes no document: HTQ_MAX_SMALL_BODY, in nginx and
    # in the app; exactly at the limit nginx lets it through and the app
    # parses it
    small = max_body("HTQ_MAX_SMALL_BODY")
    h = admin_bearer(s)
    for n in (small + 1, limit + 1):
        r = s.post(ELIGIBILITY, body=b"x" * n, headers=h)
        assert_json_error(r, 413, "body_too_large")
    body = b'{"reason":"' + b"r" * (small - 13) + b'"}'
    assert len(body) == small
    r = s.post(ELIGIBILITY, body=body, headers=h)
    assert_json_error(r, 400)
    # a route that takes a document: HTQ_MAX_BODY
    h = ab_bearer(s)
    r = s.post("/api/v1/submissions", body=b"x" * (limit + 1), headers=h)
    assert_json_error(r, 413, "body_too_large")
    body = b'{"units":"' + b"u" * (limit - 12) + b'"}'
    assert len(body) == limit
    r = s.post("/api/v1/submissions", body=body, headers=h)
    assert r.status in (400, 422), r


def test_unsupported_media_type_415(s):
    for ct in ("text/plain", "application/x-www-form-urlencoded",
               "application/json; charset=latin1"):
        r = s.post("/api/v1/session", body=b'{"email":"a@b.c","password":"x"}',
                   headers={"Content-Type": ct})
        assert_json_error(r, 415, "unsupported_media_type")
    r = s.post("/api/v1/session", body=b'{"email":"a@b.c","password":"x"}')
    assert_json_error(r, 415)


def post_json(s, body):
    return s.post("/api/v1/session", body=body, headers={"Content-Type": "application/json"})


def test_bad_json_400(s):
    for body in (b"{", b"", b"[]", b'"x"', b"{'a':1}", b'{"email":"a@b.c",}'):
        assert_json_error(post_json(s, body), 400)


def test_duplicate_keys_400(s):
    doc = assert_json_error(post_json(s, b'{"email":"a@b.c","email":"b@b.c","password":"x"}'), 400, "bad_json")
    assert "duplicate" in doc["error"]["message"]


def test_deep_nesting_400(s):
    for depth in (20, 1000):
        body = b'{"a":' + b"[" * depth + b"]" * depth + b"}"
        assert_json_error(post_json(s, body), 400, "bad_json")
    h = admin_bearer(s)
    for depth in (5000,):
        body = b'{"a":' + b"[" * depth + b"]" * depth + b"}"
        assert_json_error(s.post(ELIGIBILITY, body=body, headers=h), 400, "bad_json")
    h = ab_bearer(s)
    for depth in (5000, 100000):
        body = b'{"a":' + b"[" * depth + b"]" * depth + b"}"
        assert_json_error(s.post("/api/v1/submissions", body=body, headers=h), 400, "bad_json")


def test_invalid_utf8_and_nul_in_body_400(s):
    assert_json_error(post_json(s, b'{"email":"\xff\xfe","password":"x"}'), 400, "bad_json")
    assert_json_error(post_json(s, b'{"email":"a\x00b","password":"x"}'), 400, "bad_json")
    assert_json_error(post_json(s, b'{"email":"a\\u0000b","password":"x"}'), 400, "bad_json")


def test_body_fields_checked(s):
    doc = assert_json_error(post_json(s, b'{"email":"a@b.c","password":"x","admin":true}'), 400, "unknown_field")
    assert "admin" in doc["error"]["message"]
    doc = assert_json_error(post_json(s, b'{"email":"a@b.c"}'), 400, "missing_field")
    assert "password" in doc["error"]["message"]
    doc = assert_json_error(post_json(s, b'{"email":5,"password":"x"}'), 400, "bad_field")
    assert "email" in doc["error"]["message"]


def test_nul_and_bad_bytes_in_path_and_query_400(s):
    for p in ("/api/v1/standards/ST0116%00", "/api/v1/standards%00/ST0116",
              "/api/v1/standards?route=Digital%00", "/api/v1/standards?ro%00ute=x",
              "/api/v1/standards/%ff", "/api/v1/standards?route=%c3%28",
              "/api/v1/standards?route=%zz", "/api/v1/standards?route=%",
              "/api/v1/standards?route=%0a"):
        assert_json_error(s.get(p), 400)
    # A raw NUL or control byte in the request line is refused by nginx, as JSON.
    r = s.raw(b"GET /api/v1/he\x00alth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert_json_error(r, 400)
    r = s.raw(b"GET /api/v1/health\x01 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert r.status == 400


def test_overlong_uri_and_too_many_params(s):
    r = s.get("/api/v1/standards?" + "&".join("a%d=1" % i for i in range(40)))
    assert_json_error(r, 400)
    r = s.get("/api/v1/standards?route=" + "x" * 3000)
    assert r.status in (400, 414), r
    assert_json_error(r, r.status)
    r = s.get("/api/v1/" + "x" * 20000)
    assert r.status in (400, 414), r
    assert_json_error(r, r.status)


def test_malformed_http_is_json_400(s):
    r = s.raw(b"GARBAGE\r\n\r\n")
    assert_json_error(r, 400)
    r = s.raw(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n")
    assert_json_error(r, 400)


def test_one_log_line_per_request(s):
    marker = "/api/v1/standards/ST0127"
    r = s.get(marker)
    assert r.status == 200
    time.sleep(0.2)
    lines = [l for l in s.output().splitlines() if 'path="%s"' % marker in l]
    assert lines, "no log line for %s" % marker
    l = lines[-1]
    for field in ("time=", "rid=", 'method="GET"', "status=200", "dur_us="):
        assert field in l, (field, l)
    assert re.search(r'rid="[0-9a-f]{32}"', l), l


def test_log_lines_cannot_be_forged(s):
    s.get("/api/v1/x%22%20status=200%0a")
    s.get('/api/v1/a"b\\c')
    time.sleep(0.2)
    for l in s.output().splitlines():
        assert not l.startswith(" status=200"), l


def test_worker_restarted_after_kill9(s):
    # the master is the htq-fcgi whose parent is not one (the smallest pid
    # was once a worker: pids had wrapped round); its live children are
    # the workers (a worker's signature checker is the worker's own child)
    master = fcgi_master(s)
    assert master is not None

    def workers():
        return fcgi_workers(master)
    before = workers()
    assert len(before) >= 1, before
    os.kill(before[0], signal.SIGKILL)
    deadline = time.time() + 5
    while time.time() < deadline:
        now = workers()
        if len(now) == len(before) and before[0] not in now:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("worker not restarted: %s -> %s" % (before, now))
    for _ in range(20):
        assert s.get("/api/v1/health").status == 200


def test_second_instance_side_by_side(s):
    other = Stack(s.bin)
    try:
        other.start()
        assert other.get("/api/v1/health").status == 200
        assert s.get("/api/v1/health").status == 200
        assert other.data != s.data and other.port != s.port
        assert other.stop() == 0
    finally:
        other.cleanup()


def test_graceful_stop_leaves_no_process(s):
    other = Stack(s.bin)
    try:
        other.start()
        rc = other.stop(signal.SIGINT)
        assert rc == 0, "run.sh exited %s: %s\n%s" % (
            rc, other.output()[-2000:], getattr(other, "stop_diag", ""))
        time.sleep(0.3)
        left = subprocess.run(["pgrep", "-f", other.data], capture_output=True).stdout.split()
        assert not left, left
        assert not os.path.exists(os.path.join(other.data, "run", "fcgi.sock")), \
            "the FastCGI socket is left"
    finally:
        other.cleanup()


def test_a_slow_request_is_not_cut_by_the_workers_tick(s):
    """A request whose bytes reach a worker a while after it accepted the
    connection is answered, whenever the worker's tick (the publish check,
    every 2 s) falls: the tick is a poll() timeout, never a signal, which
    would end libfcgi's wait for the request's bytes (it gives a silent
    connection 2 s) and drop the connection (with SIGALRM it did: nginx
    answered 502).  Each worker holds a connection silent for 1.7 s, three
    times: a 2 s signal falls into most of those waits."""
    import threading
    from test_metrics import fcgi_get
    sock = os.path.join(s.data, "run", "fcgi.sock")
    if not os.path.exists(sock):
        raise Skip("no FastCGI socket at %s" % sock)
    got = []

    def slow():
        got.append(fcgi_get(sock, "/api/v1/health", "127.0.0.1", delay=1.7)[0])

    for _ in range(3):
        ts = [threading.Thread(target=slow) for _ in range(s.workers)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    assert got == [200] * (3 * s.workers), got
