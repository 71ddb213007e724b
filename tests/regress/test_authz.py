"""The authorisation matrix, generated from the route table.

`htq-fcgi --routes` prints every route with its access rule.  RULES below is
the reviewed copy of those rules: any difference (a new route, a changed
rule) fails here until someone writes down what it should be.  Then every
route is called as anonymous and as every role, for its own and for another
organisation's resource, with a session cookie (plus its CSRF token) and
with an API token, and the exact status is checked.  CSRF is checked for
every state-changing route reachable with a cookie."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile

from harness import (DEMO_PASSWORD, SECRETS, assert_json_error, entries_since, export_ledger,
                     ledger_size, login, session_of)
from test_workflow import check

ALL = ["awarding_body", "reviewer", "approver", "auditor", "admin"]
ANYONE = ["anonymous"] + ALL

# (method, path) -> (roles, scope): what fcgi/routes.c must say.
RULES = {
    ("GET", "/api/v1/health"): (ANYONE, "any"),
    ("GET", "/api/v1/ping"): (ANYONE, "any"),
    ("GET", "/api/v1/standards"): (ANYONE, "any"),
    ("GET", "/api/v1/standards/{ref}"): (ANYONE, "any"),
    ("GET", "/api/v1/ledger/checkpoint"): (ANYONE, "any"),
    ("GET", "/api/v1/ledger/key"): (ANYONE, "any"),
    ("GET", "/api/v1/ledger/entries"): (ANYONE, "any"),
    ("GET", "/api/v1/ledger/proof/inclusion"): (ANYONE, "any"),
    ("GET", "/api/v1/ledger/proof/consistency"): (ANYONE, "any"),
    ("POST", "/api/v1/session"): (ANYONE, "any"),
    ("GET", "/api/v1/session"): (ALL, "any"),
    ("DELETE", "/api/v1/session"): (ALL, "any"),
    ("GET", "/api/v1/organisations/{id}"): (ALL, "organisation"),
    ("GET", "/api/v1/admin/organisations"): (["admin"], "any"),
    ("GET", "/api/v1/admin/accounts"): (["admin"], "any"),
    ("POST", "/api/v1/admin/standards/{ref}/eligibility"): (["admin"], "any"),
    ("POST", "/api/v1/admin/accounts"): (["admin"], "any"),
    ("POST", "/api/v1/admin/accounts/{id}/disable"): (["admin"], "any"),
    ("POST", "/api/v1/admin/accounts/{id}/enable"): (["admin"], "any"),
    ("POST", "/api/v1/admin/accounts/{id}/reset-password"): (["admin"], "any"),
    ("POST", "/api/v1/admin/accounts/{id}/role"): (["admin"], "any"),
    ("POST", "/api/v1/admin/organisations"): (["admin"], "any"),
    ("GET", "/api/v1/admin/windows/{id}/impact"): (["admin"], "any"),
    ("GET", "/api/v1/admin/standards/{ref}/impact"): (["admin"], "any"),
    ("GET", "/api/v1/openapi.json"): (ANYONE, "any"),
    ("GET", "/api/v1/windows"): (ANYONE, "any"),
    ("POST", "/api/v1/admin/windows"): (["admin"], "any"),
    ("POST", "/api/v1/admin/windows/{id}/close"): (["admin"], "any"),
    ("POST", "/api/v1/submissions"): (["awarding_body"], "any"),
    ("GET", "/api/v1/submissions"): (ALL, "any"),
    ("GET", "/api/v1/submissions/{id}"): (ALL, "organisation"),
    ("PUT", "/api/v1/submissions/{id}"): (["awarding_body"], "organisation"),
    ("POST", "/api/v1/submissions/{id}/submit"): (["awarding_body"], "organisation"),
    ("POST", "/api/v1/submissions/{id}/withdraw"): (["awarding_body"], "organisation"),
    ("DELETE", "/api/v1/submissions/{id}"): (["awarding_body"], "organisation"),
    ("POST", "/api/v1/submissions/{id}/information-requests"): (["reviewer", "approver"], "any"),
    ("POST", "/api/v1/submissions/{id}/information-response"): (["awarding_body"], "organisation"),
    ("POST", "/api/v1/submissions/{id}/reviews"): (["reviewer"], "any"),
    ("POST", "/api/v1/submissions/{id}/decision"): (["approver"], "any"),
    ("GET", "/api/v1/marks/{id}"): (ANYONE, "any"),
    ("POST", "/api/v1/marks/{id}/revoke"): (["approver"], "any"),
    ("GET", "/api/v1/register"): (ANYONE, "any"),
    ("GET", "/api/v1/reports"): (["auditor", "admin"], "any"),
    # anonymous callers on loopback (these tests call from 127.0.0.1);
    # test_metrics.py calls it from elsewhere
    ("GET", "/metrics"): (["loopback", "admin"], "any"),
}

# How to call each route: {org} is the organisation whose resource is asked
# for; ok is the success status (ok_token when an API token calls it).
SAMPLES = {
    ("GET", "/api/v1/health"): {},
    ("GET", "/api/v1/ping"): {},
    ("GET", "/api/v1/standards"): {},
    ("GET", "/api/v1/standards/{ref}"): {"path": "/api/v1/standards/ST0116"},
    ("GET", "/api/v1/ledger/checkpoint"): {},
    ("GET", "/api/v1/ledger/key"): {},
    ("GET", "/api/v1/ledger/entries"): {"path": "/api/v1/ledger/entries?start=0&end=2"},
    ("GET", "/api/v1/ledger/proof/inclusion"):
        {"path": "/api/v1/ledger/proof/inclusion?index=0&size=2"},
    ("GET", "/api/v1/ledger/proof/consistency"):
        {"path": "/api/v1/ledger/proof/consistency?old=1&new=2"},
    ("POST", "/api/v1/session"):
        {"body": {"email": "auditor@htq.test", "password": DEMO_PASSWORD}},
    ("GET", "/api/v1/session"): {},
    # logs the caller out: run last; an API token is not a session
    ("DELETE", "/api/v1/session"): {"ok": 204, "ok_token": 400, "last": True},
    ("GET", "/api/v1/organisations/{id}"): {"path": "/api/v1/organisations/{org}"},
    ("GET", "/api/v1/admin/organisations"): {},
    ("GET", "/api/v1/admin/accounts"): {},
    ("POST", "/api/v1/admin/standards/{ref}/eligibility"):
        {"path": "/api/v1/admin/standards/ST0116/eligibility", "body": {"eligible": True}},
    # the admin gets past the gate to core's rules: an awarding body
    # account needs its organisation (422); no such account (404)
    ("POST", "/api/v1/admin/accounts"):
        {"body": {"email": "matrix@htq.test", "name": "Matrix", "role": "awarding_body"},
         "ok": 422},
    ("POST", "/api/v1/admin/accounts/{id}/disable"):
        {"path": "/api/v1/admin/accounts/a-0000000000000000/disable", "ok": 404},
    ("POST", "/api/v1/admin/accounts/{id}/enable"):
        {"path": "/api/v1/admin/accounts/a-0000000000000000/enable", "ok": 404},
    ("POST", "/api/v1/admin/accounts/{id}/reset-password"):
        {"path": "/api/v1/admin/accounts/a-0000000000000000/reset-password", "ok": 404},
    ("POST", "/api/v1/admin/accounts/{id}/role"):
        {"path": "/api/v1/admin/accounts/a-0000000000000000/role",
         "body": {"role": "auditor"}, "ok": 404},
    ("POST", "/api/v1/admin/organisations"):
        {"body": {"kind": "awarding_body", "name": "Matrix"}, "ok": 422},
    ("GET", "/api/v1/admin/windows/{id}/impact"):
        {"path": "/api/v1/admin/windows/w-0000000000000000/impact", "ok": 404},
    ("GET", "/api/v1/admin/standards/{ref}/impact"):
        {"path": "/api/v1/admin/standards/ST0116/impact"},
    ("GET", "/api/v1/openapi.json"): {},
    ("GET", "/api/v1/windows"): {},
    # the admin gets past the gate to the rules: closes before opens is 422
    ("POST", "/api/v1/admin/windows"):
        {"body": {"route": "Digital", "opens": "2030-02-01", "closes": "2030-01-01",
                  "first_teaching": "2030-09-01"}, "ok": 422},
    ("POST", "/api/v1/admin/windows/{id}/close"):
        {"path": "/api/v1/admin/windows/w-0000000000000000/close", "ok": 404},
    ("POST", "/api/v1/submissions"):
        {"body": {"qualification": {"title": "Matrix HNC", "type": "HNC", "level": 4},
                  "standard": {"ref": "ST0116", "version": "1.2"}, "units": [],
                  "mapping": []}, "ok": 201},
    ("GET", "/api/v1/submissions"): {},
    # {sub}: a decided submission of the organisation (visible to every
    # role); actions on it reach core and are refused by its state (409)
    ("GET", "/api/v1/submissions/{id}"): {"path": "/api/v1/submissions/{sub}"},
    ("PUT", "/api/v1/submissions/{id}"):
        {"path": "/api/v1/submissions/{sub}", "body": {"version": 1}, "ok": 409},
    ("POST", "/api/v1/submissions/{id}/submit"):
        {"path": "/api/v1/submissions/{sub}/submit", "ok": 409},
    ("POST", "/api/v1/submissions/{id}/withdraw"):
        {"path": "/api/v1/submissions/{sub}/withdraw", "ok": 409},
    ("DELETE", "/api/v1/submissions/{id}"):
        {"path": "/api/v1/submissions/{sub}", "ok": 409},
    ("POST", "/api/v1/submissions/{id}/information-requests"):
        {"path": "/api/v1/submissions/{sub}/information-requests",
         "body": {"question": "late?"}, "ok": 409},
    ("POST", "/api/v1/submissions/{id}/information-response"):
        {"path": "/api/v1/submissions/{sub}/information-response",
         "body": {"answer": "late"}, "ok": 409},
    ("POST", "/api/v1/submissions/{id}/reviews"):
        {"path": "/api/v1/submissions/{sub}/reviews",
         "body": {"recommendation": "approve", "comments": "late"}, "ok": 409},
    ("POST", "/api/v1/submissions/{id}/decision"):
        {"path": "/api/v1/submissions/{sub}/decision",
         "body": {"outcome": "approved", "reasons": "again"}, "ok": 409},
    ("GET", "/api/v1/marks/{id}"): {"path": "/api/v1/marks/{mark}"},
    ("GET", "/api/v1/register"): {},
    ("GET", "/api/v1/reports"): {"path": "/api/v1/reports?format=csv"},
    ("GET", "/metrics"): {},
    ("POST", "/api/v1/marks/{id}/revoke"):
        {"path": "/api/v1/marks/{revoked}/revoke", "body": {"reason": "other", "note": "x"},
         "ok": 409},
}

# The demo account acting in each role; the awarding body is Northfield's.
ACTOR = {"awarding_body": "author@northfield.test", "reviewer": "panel@employer.test",
         "approver": "approver@htq.test", "auditor": "auditor@htq.test",
         "admin": "admin@htq.test"}
CHANGES = ("POST", "PUT", "PATCH", "DELETE")


def route_table(s):
    out = subprocess.run([s.bin + "/htq-fcgi", "--routes"], capture_output=True, check=True)
    return {(r["method"], r["path"]): (r["roles"], r["scope"]) for r in json.loads(out.stdout)}


def orgs(s):
    """(Northfield's id, Meridian's id)."""
    doc = json.loads(s.ctl("org", "list").stdout)
    ids = {o["name"]: o["id"] for o in doc["organisations"]}
    return ids["Northfield College"], ids["Meridian Awards"]


def demo_ids(s):
    """org id -> a decided demo submission of that organisation, and the
    demo marks (current, revoked)."""
    subs = json.loads(s.ctl("submission", "list").stdout)["submissions"]
    decided = {}
    for x in subs:
        if x["status"] in ("approved", "rejected"):
            decided.setdefault(x["organisation"], x["id"])
    marks = [x["mark"] for x in subs if x.get("mark")]
    current = [m for m in marks
               if s.get("/api/v1/marks/" + m).json()["mark"]["status"] == "current"]
    revoked = [m for m in marks if m not in current]
    return decided, current[0], revoked[0]


def expected(rule, sample, role, which, via):
    roles, scope = rule
    ok = sample.get("ok", 200)
    if via == "token":
        ok = sample.get("ok_token", ok)
    if role is None:
        return ok if "anonymous" in roles or "loopback" in roles else 401
    if role not in roles:
        return 403
    if scope == "organisation" and role == "awarding_body" and which == "other":
        return 404
    return ok


_IDS = {}


def call(s, key, sample, org, headers):
    method = key[0]
    if not _IDS:
        _IDS["subs"], _IDS["mark"], _IDS["revoked"] = demo_ids(s)
    path = sample.get("path", key[1]).replace("{org}", org)
    path = path.replace("{sub}", _IDS["subs"].get(org, "s-0000000000000000"))
    path = path.replace("{mark}", _IDS["mark"]).replace("{revoked}", _IDS["revoked"])
    return s.request(method, path, body=sample.get("body"), headers=headers)


def cells(s):
    """Every (key, role, which) in an order where logouts come last."""
    keys = sorted(RULES, key=lambda k: SAMPLES.get(k, {}).get("last", False))
    for key in keys:
        for role in [None] + ALL:
            for which in ("own", "other"):
                yield key, role, which


def test_route_table_matches_the_reviewed_rules(s):
    table = route_table(s)
    missing = sorted(set(table) - set(RULES))
    assert not missing, "routes without a reviewed rule in test_authz.RULES: %s" % missing
    gone = sorted(set(RULES) - set(table))
    assert not gone, "rules for routes that no longer exist: %s" % gone
    for key, rule in RULES.items():
        assert table[key] == rule, "%s %s: table says %s, reviewed rule %s" % (
            key[0], key[1], table[key], rule)
        assert key in SAMPLES, "no sample call for %s %s" % key


def run_matrix(s, via):
    own, other = orgs(s)
    creds = {}
    for role, email in ACTOR.items():
        if via == "cookie":
            cookie, csrf = session_of(login(s, email))
            creds[role] = dict(cookie, **{"X-CSRF-Token": csrf})
        else:
            token = s.ctl("token", "create", "--user", email, "--name", "matrix").stdout
            SECRETS.append(token.decode().strip())
            creds[role] = {"Authorization": "Bearer " + token.decode().strip()}
    wrong = []
    for key, role, which in cells(s):
        if via == "token" and role is None:
            continue  # anonymous is the same either way
        sample = SAMPLES[key]
        want = expected(RULES[key], sample, role, which, via)
        if sample.get("last") and via == "cookie" and role:
            cookie, csrf = session_of(login(s, ACTOR[role]))  # a session to end
            creds[role] = dict(cookie, **{"X-CSRF-Token": csrf})
        r = call(s, key, sample, own if which == "own" else other,
                 creds[role] if role else {})
        if r.status != want:
            wrong.append("%s %s as %s (%s org, %s): %d, expected %d: %s" % (
                key[0], key[1], role or "anonymous", which, via, r.status, want,
                r.body[:120]))
        elif want >= 400:
            assert_json_error(r, want)
    assert not wrong, "\n".join(wrong)


def test_matrix_with_session_cookies(s):
    run_matrix(s, "cookie")


def test_matrix_with_api_tokens(s):
    run_matrix(s, "token")


def test_other_organisation_looks_like_no_organisation(s):
    _, other = orgs(s)
    cookie, _ = session_of(login(s, ACTOR["awarding_body"]))
    theirs = s.get("/api/v1/organisations/" + other, headers=cookie)
    nothing = s.get("/api/v1/organisations/o-0000000000000000", headers=cookie)
    assert theirs.status == nothing.status == 404 and theirs.body == nothing.body
    admin, _ = session_of(login(s, ACTOR["admin"]))
    assert s.get("/api/v1/organisations/" + other, headers=admin).status == 200
    assert_json_error(s.get("/api/v1/organisations/o-0000000000000000", headers=admin), 404)


def test_csrf_on_every_state_change_with_a_cookie(s):
    own, _ = orgs(s)
    checked = 0
    for key, (roles, _) in RULES.items():
        if key[0] not in CHANGES or "anonymous" in roles:
            continue
        role = roles[-1]
        cookie, csrf = session_of(login(s, ACTOR[role]))
        for bad in ({}, {"X-CSRF-Token": "0" * 32}, {"X-CSRF-Token": csrf[:-1]}):
            r = call(s, key, SAMPLES[key], own, dict(cookie, **bad))
            assert_json_error(r, 403, "csrf")
        r = call(s, key, SAMPLES[key], own, dict(cookie, **{"X-CSRF-Token": csrf}))
        assert r.status == SAMPLES[key].get("ok", 200), (key, r)
        checked += 1
    assert checked >= 2


def test_admin_change_is_in_the_ledger_with_the_admin_as_actor(s):
    me = login(s, ACTOR["admin"])
    cookie, csrf = session_of(me)
    before = s.get("/api/v1/health").json()["ledger"]["size"]
    r = s.post("/api/v1/admin/standards/ST0117/eligibility",
               body={"eligible": False, "reason": "merged in the route review"},
               headers=dict(cookie, **{"X-CSRF-Token": csrf}))
    assert r.status == 200 and r.json()["eligible"] is False, r
    entries = s.get("/api/v1/ledger/entries?start=%d" % before).json()["entries"]
    e = json.loads(entries[-1]["entry"])
    assert e["type"] == "standard.eligibility" and e["subject"] == "ST0117"
    assert e["actor"] == me.json()["account"]["id"]
    assert s.get("/api/v1/standards/ST0117").json()["eligible"] is False
    # bad bodies are 400s that say what is wrong
    h = dict(cookie, **{"X-CSRF-Token": csrf})
    assert_json_error(s.post("/api/v1/admin/standards/ST0117/eligibility",
                             body={"eligible": False}, headers=h), 400)
    assert_json_error(s.post("/api/v1/admin/standards/ST0117/eligibility",
                             body={"eligible": "yes"}, headers=h), 400)
    assert_json_error(s.post("/api/v1/admin/standards/ST9999/eligibility",
                             body={"eligible": True}, headers=h), 404)
    assert_json_error(s.post("/api/v1/admin/standards/nope/eligibility",
                             body={"eligible": True}, headers=h), 400)
    r = s.post("/api/v1/admin/standards/ST0117/eligibility", body={"eligible": True}, headers=h)
    assert r.status == 200 and r.json()["eligible"] is True


def test_revoked_or_bad_tokens_are_refused(s):
    out = s.ctl("token", "create", "--user", ACTOR["admin"], "--name", "revoke-me").stdout
    token = out.decode().strip()
    SECRETS.append(token)
    h = {"Authorization": "Bearer " + token}
    assert s.get("/api/v1/admin/accounts", headers=h).status == 200
    # stored only as its SHA-256 (read straight from LMDB)
    if shutil.which("mdb_dump"):
        dump = subprocess.run(["mdb_dump", "-p", "-s", "token", os.path.join(s.data, "db")],
                              capture_output=True, text=True, check=True).stdout
        assert token not in dump and token[4:] not in dump
        assert hashlib.sha256(token.encode()).hexdigest() in dump
    listed = json.loads(s.ctl("token", "list", "--user", ACTOR["admin"]).stdout)["tokens"]
    mine = [t for t in listed if t["name"] == "revoke-me"]
    assert len(mine) == 1 and token not in json.dumps(listed)
    s.ctl("token", "revoke", mine[0]["id"])
    r = s.get("/api/v1/admin/accounts", headers=h)
    assert_json_error(r, 401, "unauthenticated")
    assert "Bearer" in (r.header("www-authenticate") or "")
    for bad in ("Bearer", "Bearer ", "Basic YWRtaW46eA==", "Bearer htq_" + "0" * 64,
                "Bearer " + token + "x"):
        assert_json_error(s.get("/api/v1/session", headers={"Authorization": bad}), 401)
    assert s.ctl("token", "revoke", "k-0000000000000000", check=False).returncode == 1
    assert s.ctl("token", "create", "--user", ACTOR["admin"], "--days", "0",
                 check=False).returncode == 2
    assert token not in s.logs()


def test_role_change_and_disable_take_effect_at_once(s):
    """Sessions and tokens carry no role of their own: the account's
    current role and state decide every request; disabling an account ends
    its sessions."""
    cookie, _ = session_of(login(s, "approver@htq.test"))
    token = s.ctl("token", "create", "--user", "approver@htq.test").stdout.decode().strip()
    SECRETS.append(token)
    bearer = {"Authorization": "Bearer " + token}
    for h in (cookie, bearer):
        assert_json_error(s.get("/api/v1/admin/accounts", headers=h), 403, "forbidden")
    s.ctl("user", "set-role", "approver@htq.test", "--role", "admin")
    try:
        for h in (cookie, bearer):
            assert s.get("/api/v1/admin/accounts", headers=h).status == 200
    finally:
        s.ctl("user", "set-role", "approver@htq.test", "--role", "approver")
    for h in (cookie, bearer):
        assert_json_error(s.get("/api/v1/admin/accounts", headers=h), 403, "forbidden")
    s.ctl("user", "disable", "approver@htq.test")
    try:
        for h in (cookie, bearer):
            assert_json_error(s.get("/api/v1/session", headers=h), 401, "unauthenticated")
    finally:
        s.ctl("user", "enable", "approver@htq.test")
    # disabling withdrew the session and the token for good
    assert_json_error(s.get("/api/v1/session", headers=cookie), 401, "unauthenticated")
    assert_json_error(s.get("/api/v1/session", headers=bearer), 401, "unauthenticated")


def test_admin_manages_accounts_over_the_api(s):
    """An administrator adds an organisation and an account (its password
    shown once), changes its role, disables, enables and resets it: each
    takes effect at once, each is one ledger entry by id with the admin as
    actor (no name or e-mail), and the export verifies; never one's own
    account; bad bodies are 4xx naming the field."""
    me = login(s, ACTOR["admin"])
    cookie, csrf = session_of(me)
    h = dict(cookie, **{"X-CSRF-Token": csrf})
    admin_id = me.json()["account"]["id"]
    start = ledger_size(s)
    r = s.post("/api/v1/admin/organisations",
               body={"kind": "awarding_body", "name": "Harbour Awards", "rn": "RN7001"}, headers=h)
    assert r.status == 201, r
    org = r.json()["organisation"]["id"]
    r = s.post("/api/v1/admin/accounts", headers=h, body={
        "email": "Hana@Harbour.test", "name": "Hana Harbour", "role": "awarding_body", "org": org})
    assert r.status == 201, r
    check(r.json(), "account-answer.schema.json")
    acc, pw = r.json()["account"], r.json()["password"]
    SECRETS.append(pw)
    assert acc["email"] == "hana@harbour.test" and acc["org"] == org and "pw" not in acc
    assert r.header("cache-control") == "no-store"
    new = login(s, "hana@harbour.test", pw)
    assert new.status == 200, new
    ncookie, _ = session_of(new)
    assert_json_error(s.get("/api/v1/admin/accounts", headers=ncookie), 403)
    base = "/api/v1/admin/accounts/" + acc["id"]
    # a role change takes effect at once, in the open session
    r = s.post(base + "/role", body={"role": "admin"}, headers=h)
    assert r.status == 200 and r.json()["account"]["role"] == "admin", r
    assert s.get("/api/v1/admin/accounts", headers=ncookie).status == 200
    r = s.post(base + "/role", body={"role": "auditor"}, headers=h)
    assert r.status == 200, r
    check(r.json(), "account-answer.schema.json")
    assert_json_error(s.get("/api/v1/admin/accounts", headers=ncookie), 403)
    # disable ends the session; enable revives nothing; reset: new password
    assert s.post(base + "/disable", headers=h).json()["account"]["disabled"] is True
    assert_json_error(s.get("/api/v1/session", headers=ncookie), 401)
    assert_json_error(s.post(base + "/disable", headers=h), 409, "conflict")
    assert s.post(base + "/enable", headers=h).json()["account"]["disabled"] is False
    r = s.post(base + "/reset-password", headers=h)
    assert r.status == 200 and r.json()["password"] != pw, r
    SECRETS.append(r.json()["password"])
    assert login(s, "hana@harbour.test", r.json()["password"]).status == 200
    # never one's own account; bodies and ids checked
    mine = "/api/v1/admin/accounts/" + admin_id
    r = s.post(mine + "/disable", headers=h)
    assert_json_error(r, 409, "conflict")
    assert "your own account" in r.json()["error"]["message"]
    assert_json_error(s.post(mine + "/role", body={"role": "auditor"}, headers=h), 409)
    assert s.get("/api/v1/session", headers=cookie).status == 200
    for bad, status in (({"role": "boss"}, 400), ({}, 400), ({"role": "admin", "x": 1}, 400),
                        ({"role": "awarding_body", "org": "o-0000000000000000"}, 422)):
        assert_json_error(s.post(base + "/role", body=bad, headers=h), status)
    assert_json_error(s.post("/api/v1/admin/accounts", headers=h, body={
        "email": "hana@harbour.test", "name": "Again", "role": "auditor"}), 409)
    r = s.post("/api/v1/admin/accounts", headers=h, body={
        "email": "nope", "name": "N", "role": "auditor"})
    assert_json_error(r, 422)
    assert r.json()["error"]["message"].startswith("email:")
    r = s.post("/api/v1/admin/organisations", headers=h,
               body={"kind": "awarding_body", "name": "X", "ukprn": "2000"})
    assert_json_error(r, 422)
    assert r.json()["error"]["message"].startswith("ukprn:")
    assert_json_error(s.post("/api/v1/admin/accounts/nope/disable", headers=h), 404)
    # the ledger: one entry each, by id, the admin as actor
    got = [(e["type"], e["subject"]) for e in entries_since(s, start)]
    assert got == [("organisation.added", org), ("account.role_changed", acc["id"]),
                   ("account.role_changed", acc["id"]), ("account.role_changed", acc["id"]),
                   ("account.disabled", acc["id"]), ("account.enabled", acc["id"]),
                   ("account.password_reset", acc["id"])], got
    for e in entries_since(s, start):
        assert e["actor"] == admin_id
        text = json.dumps(e)
        assert "harbour" not in text.lower() and "@" not in text, text
    with tempfile.TemporaryDirectory() as tmp:
        path, keys = os.path.join(tmp, "export.jsonl"), os.path.join(tmp, "keys.txt")
        export_ledger(s, path)
        with open(keys, "wb") as f:
            f.write(s.get("/api/v1/ledger/key").body)
        v = subprocess.run([os.path.join(s.bin, "htq-verify"), "ledger", path, "--key", keys],
                           capture_output=True, text=True)
        assert v.returncode == 0, v.stdout + v.stderr
    # impact counts: read only, for the admin
    r = s.get("/api/v1/admin/standards/ST0116/impact", headers=cookie)
    assert r.status == 200 and {"drafts", "submissions", "ref"} <= set(r.json()), r
    check(r.json(), "impact.schema.json")
    assert_json_error(s.get("/api/v1/admin/standards/ST9999/impact", headers=cookie), 404)
    sched = s.get("/api/v1/windows").json()["routes"]
    wid = [w for x in sched if x["route"] == "Digital" for w in x["windows"]][0]["id"]
    r = s.get("/api/v1/admin/windows/%s/impact" % wid, headers=cookie)
    assert r.status == 200 and r.json()["route"] == "Digital", r
    check(r.json(), "impact.schema.json")
    assert ledger_size(s) == start + 7
