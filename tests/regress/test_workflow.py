"""The approvals workflow over real HTTP, as each role: the whole story from
draft to a revoked quality mark with every ledger entry it appends checked,
the rules with their negative cases, one corpus of submission bodies judged
alike by the server and the JSON Schema, races, and kill -9 of workers
while submissions are submitted and decided."""
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse

import jsonschema

from harness import (DEMO_PASSWORD, EMAIL, ROOT, SECRETS, Skip, Stack, Who, assert_json_error, content, create,
                     entries_since, go_interop, ledger_size, login, people, race, session_of,
                     wait_healthy)

SCHEMAS = os.path.join(ROOT, "schemas")


def schema(name):
    with open(os.path.join(SCHEMAS, name)) as f:
        return json.load(f)


def check(doc, name):
    """Validate doc against schemas/name, resolving references to the
    other schema files by their $id."""
    names = [n for n in os.listdir(SCHEMAS) if n.endswith(".schema.json")]
    try:
        from referencing import Registry, Resource
    except ImportError:     # older jsonschema (Debian's): a RefResolver store
        store = {n: schema(n) for n in names}
        resolver = jsonschema.RefResolver(base_uri=name, referrer=store[name], store=store)
        jsonschema.Draft202012Validator(store[name], resolver=resolver).validate(doc)
        return
    reg = Registry().with_resources((n, Resource.from_contents(schema(n))) for n in names)
    jsonschema.Draft202012Validator(schema(name), registry=reg).validate(doc)


def canonical_sha256(doc):
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def submitted(s, p, body=None):
    """A submitted submission of Northfield's; its id."""
    sub = create(s, p["north"], body or content(s))
    r = s.post("/api/v1/submissions/%s/submit" % sub["id"], headers=p["north"].h)
    assert r.status == 200, r
    return sub["id"]


def reviewed(s, p, body=None):
    sid = submitted(s, p, body)
    r = s.post("/api/v1/submissions/%s/reviews" % sid, headers=p["reviewer"].h,
               body={"recommendation": "approve", "comments": "sound"})
    assert r.status == 201, r
    return sid


def verify_ledger(s):
    """htq-verify accepts the exported ledger, and Go's verifier the API."""
    tmp = tempfile.mkdtemp()
    try:
        path = os.path.join(tmp, "ledger.jsonl")
        s.ctl("ledger", "export", "--out", path)
        keys = os.path.join(tmp, "keys.txt")     # every key, if one was rotated
        with open(keys, "wb") as f:
            f.write(s.get("/api/v1/ledger/key").body)
        r = subprocess.run([os.path.join(s.bin, "htq-verify"), "ledger", path, "--key", keys],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        if shutil.which("go"):
            g = subprocess.run([go_interop(tmp), s.api], capture_output=True, text=True)
            assert g.returncode == 0 and "interop ok" in g.stdout, g.stderr
    finally:
        shutil.rmtree(tmp)


# --- the story ---

def test_demo_story_is_there(s):
    out = s.output()
    assert "Demo quality mark: HTQ-" in out, out[-2000:]
    sched = s.get("/api/v1/windows").json()
    check(sched, "windows.schema.json")
    states = {r["route"]: [w["state"] for w in r["windows"]] for r in sched["routes"]}
    assert "open" in states["Digital"]
    assert "announced" in states["Construction"] and "announced" in states["Health and science"]
    subs = json.loads(s.ctl("submission", "list").stdout)["submissions"]
    assert {"draft", "submitted", "in_review", "approved", "rejected", "withdrawn"} <= \
        {x["status"] for x in subs}
    types = {e["type"] for e in entries_since(s, 0)}
    for t in ("standard.imported", "window.opened", "submission.submitted",
              "submission.withdrawn", "review.recorded", "decision.approved",
              "decision.rejected", "mark.awarded", "mark.revoked", "account.role_changed"):
        assert t in types, t


def test_story_from_draft_to_revoked_mark(s):
    p = people(s)
    north, rev, appr, aud = p["north"], p["reviewer"], p["approver"], p["auditor"]
    start = ledger_size(s)
    body = content(s, skip=("K2", "B1"))
    # draft: coverage computed by the server; nothing in the ledger yet
    r = s.post("/api/v1/submissions", body=body, headers=north.h)
    assert r.status == 201, r
    sub = r.json()
    check(sub, "submission.schema.json")
    sid = sub["id"]
    assert r.header("location") == "/api/v1/submissions/" + sid
    assert r.header("etag") == '"1"' and sub["status"] == "draft"
    cov = sub["coverage"]
    assert cov["uncovered"] == ["K2", "B1"] and cov["covered"] == cov["total"] - 2
    assert cov["percentage"] == (cov["total"] - 2) * 100 // cov["total"]
    assert ledger_size(s) == start
    # edit with If-Match, then again with a version field
    body["qualification"]["title"] = "HNC in Software Development (2027)"
    r = s.request("PUT", "/api/v1/submissions/" + sid, body=body,
                  headers=dict(north.h, **{"If-Match": '"1"'}))
    assert r.status == 200 and r.header("etag") == '"2"', r
    body2 = dict(body, version=2)
    body2["mapping"] = body["mapping"] + [{"ksb": "K2", "units": ["U1"], "assessment": "exam"}]
    r = s.request("PUT", "/api/v1/submissions/" + sid, body=body2, headers=north.h)
    assert r.status == 200 and r.json()["version"] == 3, r
    assert r.json()["coverage"]["uncovered"] == ["B1"]
    body = dict(body2)
    del body["version"]
    # drafts are the awarding body's alone
    for who in (rev, appr, aud):
        assert_json_error(s.get("/api/v1/submissions/" + sid, headers=who.h), 404)
        lst = s.get("/api/v1/submissions?limit=100", headers=who.h).json()["submissions"]
        assert sid not in [x["id"] for x in lst]
    # B1 neither mapped nor explained: the draft says so, and a submit
    # is refused naming it
    sub = s.get("/api/v1/submissions/" + sid, headers=north.h).json()
    assert sub["submit_check"]["accepted"] is False and "B1" in sub["submit_check"]["message"]
    assert sub["submit_check"]["window"]["state"] == "open", sub["submit_check"]
    assert "submit" not in sub["actions"] and "edit" in sub["actions"], sub["actions"]
    doc = assert_json_error(s.post("/api/v1/submissions/%s/submit" % sid, headers=north.h), 422)
    assert doc["error"]["message"].startswith("mapping: 1 KSB (B1)"), doc
    assert ledger_size(s) == start
    body["mapping"] = body["mapping"] + [{"ksb": "B1", "units": [],
                                          "not_attainable": "Learnt on placement."}]
    r = s.request("PUT", "/api/v1/submissions/" + sid, body=dict(body, version=3),
                  headers=north.h)
    assert r.status == 200 and "submit" in r.json()["actions"], r
    # submit: frozen, hashed, in the ledger
    r = s.post("/api/v1/submissions/%s/submit" % sid, headers=north.h)
    assert r.status == 200 and r.json()["status"] == "submitted", r
    sub = r.json()
    assert sub["content_sha256"] == canonical_sha256(body)
    # the reviewer's queue has it
    q = s.get("/api/v1/submissions?status=submitted&limit=100", headers=rev.h).json()
    check(q, "submissions-list.schema.json")
    assert sid in [x["id"] for x in q["submissions"]]
    queue = "/api/v1/submissions?status=awaiting_review&limit=100"
    assert sid in [x["id"] for x in s.get(queue, headers=rev.h).json()["submissions"]]
    r = s.post("/api/v1/submissions/%s/reviews" % sid, headers=rev.h,
               body={"recommendation": "approve", "comments": "Employers would hire on this.",
                     "ksb_findings": [{"ksb": "K1", "agree": True, "note": "well assessed"}]})
    assert r.status == 201 and r.json()["status"] == "in_review", r
    assert sid not in [x["id"] for x in s.get(queue, headers=rev.h).json()["submissions"]]
    # the auditor sees it, read-only
    assert s.get("/api/v1/submissions/" + sid, headers=aud.h).status == 200
    assert_json_error(s.post("/api/v1/submissions/%s/decision" % sid, headers=aud.h,
                             body={"outcome": "approved", "reasons": "x"}), 403)
    r = s.post("/api/v1/submissions/%s/decision" % sid, headers=appr.h,
               body={"outcome": "approved", "reasons": "Meets the standard."})
    assert r.status == 200 and r.json()["status"] == "approved", r
    mark = r.json()["mark"]
    # the public mark
    m = s.get("/api/v1/marks/" + mark)
    assert m.status == 200, m
    check(m.json(), "mark.schema.json")
    mk = m.json()["mark"]
    assert mk["status"] == "current" and mk["revoked"] is None
    assert mk["qualification"]["title"] == body["qualification"]["title"]
    assert mk["awarding_body"]["id"] == north.org
    assert int(mk["review_by"][:4]) - int(mk["awarded"][:4]) == 5
    r = s.post("/api/v1/marks/%s/revoke" % mark, headers=appr.h,
               body={"reason": "non_compliance", "note": "assessment not as approved"})
    assert r.status == 200 and r.json()["mark"]["status"] == "revoked", r
    m = s.get("/api/v1/marks/" + mark).json()["mark"]
    assert m["status"] == "revoked" and m["revoked"]["reason"] == "non_compliance"
    # every entry the story appended, in order, naming the right actor
    got = [e for e in entries_since(s, start)]
    assert [e["type"] for e in got] == ["submission.submitted", "review.recorded",
                                        "decision.approved", "mark.awarded",
                                        "mark.revoked"], [e["type"] for e in got]
    sub_e, rev_e, dec_e, mark_e, rvk_e = got
    assert sub_e["actor"] == north.id and sub_e["subject"] == sid
    assert sub_e["data"]["content_sha256"] == canonical_sha256(body)
    assert sub_e["data"]["organisation"] == north.org
    assert sub_e["data"]["standard"] == {"ref": "ST0116", "version": body["standard"]["version"]}
    assert sub_e["data"]["coverage"]["uncovered"] == ["B1"]
    assert sub_e["data"]["coverage"]["not_attainable"] == ["B1"]
    assert sub_e["data"]["coverage"]["unexplained"] == []
    assert rev_e["actor"] == rev.id and rev_e["data"]["recommendation"] == "approve"
    salt = s.get("/api/v1/submissions/" + sid, headers=appr.h).json()["reviews"][0]["comments_salt"]
    assert re.fullmatch("[0-9a-f]{32}", salt), salt
    assert rev_e["data"]["comments_sha256"] == hashlib.sha256(
        (salt + json.dumps("Employers would hire on this.")).encode()).hexdigest()
    assert rev_e["data"]["comments_sha256"] != hashlib.sha256(
        json.dumps("Employers would hire on this.").encode()).hexdigest()
    assert dec_e["actor"] == appr.id and dec_e["data"]["outcome"] == "approved"
    assert dec_e["data"]["mark"] == mark
    assert mark_e["actor"] == appr.id and mark_e["subject"] == mark
    facts = mark_e["data"]
    assert set(facts) == {"mark", "submission", "qualification", "awarding_body", "standard",
                          "route", "awarded", "first_teaching", "review_by"}
    assert facts["qualification"] == {"title": body["qualification"]["title"], "type": "HNC",
                                      "level": 4, "qan": "610/1111/2"}
    assert facts["awarding_body"] == {"id": north.org, "name": "Northfield College"}
    assert facts["standard"]["ref"] == "ST0116" and facts["route"] == "Digital"
    dump = json.dumps(got)
    for email in EMAIL.values():
        assert email not in dump and email.split("@")[0] not in dump.replace("author@", "")
    assert "Demo" not in dump
    assert rvk_e["actor"] == appr.id and rvk_e["data"]["reason"] == "non_compliance"
    verify_ledger(s)


def test_a_draft_never_reaches_the_ledger(s):
    """A draft is its organisation's alone: creating, editing and
    withdrawing it writes nothing to the public ledger."""
    p = people(s)
    start = ledger_size(s)
    sid = create(s, p["north"], content(s, title="Private draft"))["id"]
    r = s.request("PUT", "/api/v1/submissions/" + sid, body=content(s, title="Still private"),
                  headers=dict(p["north"].h, **{"If-Match": '"1"'}))
    assert r.status == 200, r
    r = s.post("/api/v1/submissions/%s/withdraw" % sid, headers=p["north"].h)
    assert r.status == 200 and r.json()["status"] == "withdrawn", r
    assert not [e for e in entries_since(s, start) if e["subject"] == sid]


def test_rejection_and_withdrawal(s):
    p = people(s)
    start = ledger_size(s)
    sid = reviewed(s, p)
    r = s.post("/api/v1/submissions/%s/decision" % sid, headers=p["approver"].h,
               body={"outcome": "rejected", "reasons": "Skills are not assessed at work."})
    assert r.status == 200 and r.json()["status"] == "rejected" and "mark" not in r.json()
    sid2 = submitted(s, p)
    r = s.post("/api/v1/submissions/%s/withdraw" % sid2, headers=p["north"].h)
    assert r.status == 200 and r.json()["status"] == "withdrawn", r
    types = [(e["type"], e["subject"]) for e in entries_since(s, start)]
    assert ("decision.rejected", sid) in types and ("submission.withdrawn", sid2) in types
    assert not any(t == "mark.awarded" for t, _ in types)
    rej = [e for e in entries_since(s, start) if e["type"] == "decision.rejected"][0]
    assert rej["data"]["reasons"] == "Skills are not assessed at work."


# --- the rules, refused ---

def test_windows_gate_submissions(s):
    p = p_ = people(s)
    admin = p["admin"]
    # construction: announced, not open; the answer names the next window
    b = content(s, "ST0046", 4, title="HNC in Construction", qan=None)
    sub = create(s, p_["north"], b)
    r = s.post("/api/v1/submissions/%s/submit" % sub["id"], headers=p["north"].h)
    doc = assert_json_error(r, 409, "conflict")
    assert "Construction" in doc["error"]["message"] and "next window opens" in \
        doc["error"]["message"]
    # an administrator opens and closes windows; the schedule shows it
    start = ledger_size(s)
    bad = s.post("/api/v1/admin/windows", headers=admin.h,
                 body={"route": "Nowhere", "opens": "2030-01-01", "closes": "2030-02-01",
                       "first_teaching": "2030-09-01"})
    assert_json_error(bad, 422)
    assert_json_error(s.post("/api/v1/admin/windows", headers=admin.h,
                             body={"route": "Digital", "opens": "2030-1-01",
                                   "closes": "2030-02-01", "first_teaching": "2030-09-01"}),
                      400)
    assert_json_error(s.post("/api/v1/admin/windows", headers=admin.h,
                             body={"route": "Digital", "opens": "2026-01-01",
                                   "closes": "2036-02-01", "first_teaching": "2036-09-01"}),
                      409)
    health = [r for r in s.get("/api/v1/windows").json()["routes"]
              if r["route"] == "Health and science"][0]["windows"][0]
    r = s.post("/api/v1/admin/windows/%s/close" % health["id"], headers=admin.h)
    assert r.status == 200 and r.json()["state"] == "closed", r
    assert_json_error(s.post("/api/v1/admin/windows/%s/close" % health["id"], headers=admin.h), 409)
    got = entries_since(s, start)
    assert [(e["type"], e["subject"], e["actor"]) for e in got] == [
        ("window.closed", health["id"], admin.id)]
    b = content(s, "ST0215", 5, title="HND Healthcare practice", qan=None)
    sub = create(s, p["north"], b)
    doc = assert_json_error(s.post("/api/v1/submissions/%s/submit" % sub["id"],
                                   headers=p["north"].h), 409)
    assert "Health and science" in doc["error"]["message"]
    # reopen health and science from tomorrow: announced, still refused
    tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
    later = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 40 * 86400))
    r = s.post("/api/v1/admin/windows", headers=admin.h,
               body={"route": "health and science", "opens": tomorrow, "closes": later,
                     "first_teaching": later})
    assert r.status == 201 and r.json()["state"] == "announced", r
    check(r.json(), "window.schema.json")
    doc = assert_json_error(s.post("/api/v1/submissions/%s/submit" % sub["id"],
                                   headers=p["north"].h), 409)
    assert tomorrow in doc["error"]["message"]


def test_content_rules_are_422_naming_the_field(s):
    p = people(s)
    h = p["north"].h

    def refused(body, status, word):
        r = s.post("/api/v1/submissions", body=body, headers=h)
        doc = assert_json_error(r, status)
        assert word in doc["error"]["message"], (word, doc)
        return doc

    doc = refused(content(s, "ST0114"), 422, "standard.ref")
    assert "Merged with other standards" in doc["error"]["message"]
    refused(content(s, "ST0131"), 422, "not eligible")
    refused(content(s, "ST0049", 4), 422, "qualification.level")
    # a level 5 HND against a level 4 standard: the level must be the standard's
    doc = refused(content(s, "ST0116", 5), 422, "qualification.level")
    assert "ST0116 is a level 4 standard" in doc["error"]["message"], doc
    b = content(s)
    b["mapping"][0]["not_attainable"] = "but it has units"
    refused(b, 422, "mapping[0].not_attainable")
    b = content(s)
    b["mapping"][0]["ksb"] = "K99"
    refused(b, 422, "mapping[0].ksb")
    b = content(s)
    b["mapping"][1]["units"] = ["U1", "U9"]
    refused(b, 422, "mapping[1].units[1]")
    b = content(s)
    b["units"][2]["id"] = "U1"
    refused(b, 422, "units[2].id")
    b = content(s)
    b["qualification"]["qan"] = "61/1111/2"
    refused(b, 422, "qualification.qan")
    b = content(s)
    b["standard"]["version"] = "9.9"
    refused(b, 422, "standard.version")
    # shape: 400
    for field, value in (("status", "approved"), ("coverage", {"percentage": 100}),
                         ("organisation", p["meridian"].org), ("id", "s-0000000000000000"),
                         ("version", 1), ("colour", "blue")):
        b = dict(content(s), **{field: value})
        refused(b, 400, field)
    b = content(s)
    b["qualification"]["level"] = "4"
    refused(b, 400, "qualification.level")
    assert_json_error(s.post("/api/v1/submissions", body='{"a":1,"a":2}', headers=dict(
        h, **{"Content-Type": "application/json"})), 400)


def test_versions_edits_and_states(s):
    p = p_ = people(s)
    north = p["north"]
    sub = create(s, north, content(s))
    sid = sub["id"]
    path = "/api/v1/submissions/" + sid
    b = content(s, title="First edit")
    assert s.request("PUT", path, body=b, headers=dict(north.h, **{"If-Match": '"1"'})).status \
        == 200
    # stale: 409, nothing overwritten
    stale = content(s, title="Stale edit")
    assert_json_error(s.request("PUT", path, body=stale,
                                headers=dict(north.h, **{"If-Match": '"1"'})), 409, "conflict")
    assert_json_error(s.request("PUT", path, body=dict(stale, version=1), headers=north.h), 409)
    assert s.get(path, headers=north.h).json()["qualification"]["title"] == "First edit"
    assert_json_error(s.request("PUT", path, body=stale, headers=north.h), 428)
    assert_json_error(s.request("PUT", path, body=stale,
                                headers=dict(north.h, **{"If-Match": 'W/"2"'})), 400)
    # submitted content never changes
    assert s.post(path + "/submit", headers=north.h).status == 200
    assert_json_error(s.request("PUT", path, body=dict(b, version=3), headers=north.h), 409)
    assert_json_error(s.post(path + "/submit", headers=north.h), 409)
    # decision before any review
    doc = assert_json_error(s.post(path + "/decision", headers=p["approver"].h,
                                   body={"outcome": "approved", "reasons": "x"}), 409)
    assert "employer recommendation" in doc["error"]["message"]
    r = s.post(path + "/reviews", headers=p["reviewer"].h,
               body={"recommendation": "approve", "comments": "ok"})
    assert r.status == 201
    # one review per reviewer
    assert_json_error(s.post(path + "/reviews", headers=p["reviewer"].h,
                             body={"recommendation": "approve", "comments": "again"}), 409)
    assert_json_error(s.post(path + "/reviews", headers=p["reviewer"].h,
                             body={"recommendation": "maybe", "comments": "x"}), 422)
    assert s.post(path + "/decision", headers=p["approver"].h,
                  body={"outcome": "approved", "reasons": "ok"}).status == 200
    # decided: final
    assert_json_error(s.post(path + "/decision", headers=p["approver"].h,
                             body={"outcome": "rejected", "reasons": "no"}), 409)
    assert_json_error(s.post(path + "/withdraw", headers=north.h), 409)
    assert_json_error(s.post(path + "/reviews", headers=p["reviewer"].h,
                             body={"recommendation": "reject", "comments": "late"}), 409)


def test_four_eyes(s):
    """A reviewer who becomes an approver may not decide what they
    reviewed; another approver may."""
    p = people(s)
    pw = "four-eyes-password-1"
    # the account is set up as an administrator would: htqctl user add
    # failing, or the new account not able to sign in, fails the test
    s.ctl("user", "add", "--email", "eyes@employer.test", "--name", "Eyes", "--role",
          "reviewer", input=(pw + "\n").encode())
    r = login(s, "eyes@employer.test", pw)
    assert r.status == 200 and r.json()["account"]["role"] == "reviewer", \
        "the account htqctl user add made cannot sign in as a reviewer: %r" % r
    eyes = Who.__new__(Who)
    eyes.cookie, eyes.csrf = session_of(r)
    eyes.h = dict(eyes.cookie, **{"X-CSRF-Token": eyes.csrf})
    sid = submitted(s, p)
    assert s.post("/api/v1/submissions/%s/reviews" % sid, headers=eyes.h,
                  body={"recommendation": "approve", "comments": "fine"}).status == 201
    s.ctl("user", "set-role", "eyes@employer.test", "--role", "approver")
    doc = assert_json_error(s.post("/api/v1/submissions/%s/decision" % sid, headers=eyes.h,
                                   body={"outcome": "approved", "reasons": "mine"}), 403)
    assert "four eyes" in doc["error"]["message"]
    assert s.post("/api/v1/submissions/%s/decision" % sid, headers=p["approver"].h,
                  body={"outcome": "approved", "reasons": "ok"}).status == 200


def test_no_one_judges_their_own_organisations_submission(s):
    """The self-approval recipe: an awarding body's author made reviewer,
    then approver, keeping its organisation, may neither review nor
    decide its own organisation's submission; moved out of the
    organisation, still not one it wrote: each a 403 that says why, with
    nothing recorded.  Independent people then may."""
    p = people(s)
    s.ctl("user", "add", "--email", "self@northfield.test", "--name", "Self",
          "--role", "awarding_body", "--org", p["north"].org,
          input=(DEMO_PASSWORD + "\n").encode())
    me = Who(s, "self@northfield.test")
    sid = create(s, me, content(s, title="My own HNC"))["id"]
    assert s.post("/api/v1/submissions/%s/submit" % sid, headers=me.h).status == 200
    before = ledger_size(s)
    review = {"recommendation": "approve", "comments": "excellent, as I wrote it"}
    decision = {"outcome": "approved", "reasons": "mine"}
    s.ctl("user", "set-role", "self@northfield.test", "--role", "reviewer")
    doc = assert_json_error(s.post("/api/v1/submissions/%s/reviews" % sid, headers=me.h,
                                   body=review), 403)
    assert "organisation that made" in doc["error"]["message"], doc
    s.ctl("user", "set-role", "self@northfield.test", "--role", "approver")
    doc = assert_json_error(s.post("/api/v1/submissions/%s/decision" % sid, headers=me.h,
                                   body=decision), 403)
    assert "organisation that made" in doc["error"]["message"], doc
    # a colleague from the same organisation made approver: refused too
    s.ctl("user", "set-role", "self@northfield.test", "--role", "approver",
          "--org", p["approver"].org or "")
    doc = assert_json_error(s.post("/api/v1/submissions/%s/decision" % sid, headers=me.h,
                                   body=decision), 403)
    assert "created, edited, submitted or answered for" in doc["error"]["message"], doc
    # nothing recorded about the submission (the role changes are)
    assert not [e for e in entries_since(s, before) if e["subject"] == sid]
    # only a recommendation to reject: no approval, a 409 naming the outcome
    r = s.post("/api/v1/submissions/%s/reviews" % sid, headers=p["reviewer"].h,
               body={"recommendation": "reject", "comments": "gaps"})
    assert r.status == 201, r
    doc = assert_json_error(s.post("/api/v1/submissions/%s/decision" % sid,
                                   headers=p["approver"].h, body=decision), 409)
    assert "recommendation to approve" in doc["error"]["message"], doc
    r = s.post("/api/v1/submissions/%s/decision" % sid, headers=p["approver"].h,
               body={"outcome": "rejected", "reasons": "the panel found gaps"})
    assert r.status == 200 and r.json()["decision"]["against_recommendations"] is False, r


def test_information_request_loop(s):
    """A reviewer recommends, the approver asks a question, the awarding
    body answers with an amended mapping (a new version, back to review),
    the reviewer reviews the new version and the approver decides; the
    ledger has each step with hashes of the texts, the history has every
    step, and each answer's actions follow the state."""
    p = people(s)
    north, rev, appr, aud = p["north"], p["reviewer"], p["approver"], p["auditor"]
    body = content(s, title="HNC Asked About", skip=("S1",))
    body["mapping"].append({"ksb": "S1", "units": [], "not_attainable": "Live systems only."})
    sid = create(s, north, body)["id"]
    start = ledger_size(s)
    assert s.post("/api/v1/submissions/%s/submit" % sid, headers=north.h).status == 200
    r = s.post("/api/v1/submissions/%s/reviews" % sid, headers=rev.h,
               body={"recommendation": "approve", "comments": "Good."})
    assert r.status == 201 and "review" not in r.json()["actions"], r
    question = "Could S1 be met in a simulated environment?"
    for bad, status in (("", 400), ("x" * 2001, 400), ("a\u202eb", 422)):
        assert_json_error(s.post("/api/v1/submissions/%s/information-requests" % sid,
                                 headers=appr.h, body={"question": bad}), status)
    assert_json_error(s.post("/api/v1/submissions/%s/information-requests" % sid,
                             headers=north.h, body={"question": question}), 403)
    r = s.post("/api/v1/submissions/%s/information-requests" % sid, headers=appr.h,
               body={"question": question})
    assert r.status == 201, r
    doc = r.json()
    check(doc, "submission.schema.json")
    assert doc["status"] == "information_requested" and "decide" not in doc["actions"], doc
    by = doc["information_requests"][0]["respond_by"]
    # nobody decides while the answer is due
    d = assert_json_error(s.post("/api/v1/submissions/%s/decision" % sid, headers=appr.h,
                                 body={"outcome": "approved", "reasons": "x"}), 409)
    assert by in d["error"]["message"], d
    mine = s.get("/api/v1/submissions/" + sid, headers=north.h).json()
    assert "respond" in mine["actions"] and mine["information_requests"][0]["question"] == question
    # the answer amends the mapping: S1 is now taught and assessed
    amended = json.loads(json.dumps(body))
    amended["mapping"][-1] = {"ksb": "S1", "units": ["U2"], "assessment": "Simulated network lab"}
    answer = "Yes: unit U2 now has a simulated lab."
    assert_json_error(s.post("/api/v1/submissions/%s/information-response" % sid,
                             headers=p["meridian"].h, body={"answer": answer}), 404)
    r = s.post("/api/v1/submissions/%s/information-response" % sid, headers=north.h,
               body={"answer": answer, "content": amended})
    assert r.status == 200, r
    doc = r.json()
    assert doc["status"] == "submitted" and doc["reviews"] == [] and \
        len(doc["earlier_reviews"]) == 1, doc
    assert doc["content_sha256"] == canonical_sha256(amended)
    assert doc["coverage"]["uncovered"] == [] and doc["coverage"]["covered"] == doc["coverage"]["total"]
    # a second review of the new version, then the decision
    r = s.post("/api/v1/submissions/%s/reviews" % sid, headers=rev.h,
               body={"recommendation": "approve", "comments": "Now complete."})
    assert r.status == 201, r
    assert "decide" in s.get("/api/v1/submissions/" + sid, headers=appr.h).json()["actions"]
    r = s.post("/api/v1/submissions/%s/decision" % sid, headers=appr.h,
               body={"outcome": "approved", "reasons": "Complete after the answer."})
    assert r.status == 200 and r.json()["status"] == "approved", r
    got = entries_since(s, start)
    assert [e["type"] for e in got] == ["submission.submitted", "review.recorded",
                                        "information.requested", "information.provided",
                                        "review.recorded", "decision.approved",
                                        "mark.awarded"], [e["type"] for e in got]
    req_e, prov_e = got[2], got[3]
    blob = json.dumps(got)
    assert question not in blob and answer not in blob
    sub = s.get("/api/v1/submissions/" + sid, headers=aud.h).json()
    salt = sub["information_requests"][0]["question_salt"]
    assert req_e["data"]["question_sha256"] == hashlib.sha256(
        (salt + json.dumps(question)).encode()).hexdigest()
    assert req_e["actor"] == appr.id and req_e["data"]["respond_by"] == by
    assert prov_e["actor"] == north.id and prov_e["data"]["amended"] is True
    assert prov_e["data"]["content_sha256"] == canonical_sha256(amended)
    # the history: every step, from the draft on, with who and which version
    hist = sub["history"]
    assert [h["event"] for h in hist] == ["submission.created", "submission.submitted",
                                          "review.recorded", "information.requested",
                                          "information.provided", "review.recorded",
                                          "decision.approved"], hist
    assert [h["version"] for h in hist] == list(range(1, 8))
    assert hist[3]["by"] == appr.id and hist[3]["role"] == "approver"


def test_information_steps_from_htqctl(s):
    """The same steps from the console, as an account, under its rules:
    ask, answer with amended content from a file, history, delete."""
    p = people(s)
    north = p["north"]
    body = content(s, title="HNC Console")
    sid = create(s, north, body)["id"]
    assert s.post("/api/v1/submissions/%s/submit" % sid, headers=north.h).status == 200
    # the awarding body may not ask about its own submission
    r = s.ctl("submission", "ask", sid, "--as", EMAIL["north"], "--question", "Mine?",
              check=False)
    assert r.returncode == 1 and b"only reviewer" in r.stderr, r.stderr
    doc = json.loads(s.ctl("submission", "ask", sid, "--as", EMAIL["approver"],
                           "--question", "Which unit covers B2?").stdout)
    assert doc["status"] == "information_requested", doc
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        body["units"][0]["title"] = "Unit 1, renamed"
        json.dump(body, f)
        f.flush()
        doc = json.loads(s.ctl("submission", "answer", sid, "--as", EMAIL["north"],
                               "--answer", "Unit 1, now renamed.", "--content", f.name).stdout)
    assert doc["status"] == "submitted" and doc["content_sha256"] == canonical_sha256(body)
    hist = json.loads(s.ctl("submission", "history", sid).stdout)["history"]
    assert [h["event"] for h in hist][-2:] == ["information.requested", "information.provided"]
    draft = create(s, north, content(s, title="HNC Console Draft"))["id"]
    r = s.ctl("submission", "delete", draft, "--as", EMAIL["meridian"], check=False)
    assert r.returncode == 1 and b"no such submission" in r.stderr, r.stderr
    s.ctl("submission", "delete", draft, "--as", EMAIL["north"])
    assert_json_error(s.get("/api/v1/submissions/" + draft, headers=north.h), 404)


def test_delete_own_draft(s):
    """An awarding body deletes its own draft outright; nothing reaches the
    ledger; another organisation cannot, and a submitted one stays."""
    p = people(s)
    north, meridian = p["north"], p["meridian"]
    sid = create(s, north, content(s, title="HNC Deleted"))["id"]
    before = ledger_size(s)
    assert_json_error(s.request("DELETE", "/api/v1/submissions/" + sid, headers=meridian.h), 404)
    assert_json_error(s.request("DELETE", "/api/v1/submissions/" + sid,
                                headers=p["reviewer"].h), 403)
    r = s.request("DELETE", "/api/v1/submissions/" + sid, headers=north.h)
    assert r.status == 200 and r.json() == {"id": sid, "deleted": True}, r
    assert_json_error(s.get("/api/v1/submissions/" + sid, headers=north.h), 404)
    assert_json_error(s.request("DELETE", "/api/v1/submissions/" + sid, headers=north.h), 404)
    assert ledger_size(s) == before
    sid = create(s, north, content(s, title="HNC Kept"))["id"]
    assert s.post("/api/v1/submissions/%s/submit" % sid, headers=north.h).status == 200
    d = assert_json_error(s.request("DELETE", "/api/v1/submissions/" + sid, headers=north.h), 409)
    assert "only a draft can be deleted" in d["error"]["message"], d


def test_actions_follow_the_rules(s):
    """Each answer lists what the caller may do next, and the refusals
    agree: no review form for a reviewer who reviewed, no Decide where a
    decision would be refused, no embed code for a revoked mark."""
    p = people(s)
    north, rev, appr = p["north"], p["reviewer"], p["approver"]
    sid = create(s, north, content(s, title="HNC Actions"))["id"]
    assert set(s.get("/api/v1/submissions/" + sid, headers=north.h).json()["actions"]) == \
        {"edit", "submit", "delete", "withdraw"}
    assert s.post("/api/v1/submissions/%s/submit" % sid, headers=north.h).status == 200
    assert set(s.get("/api/v1/submissions/" + sid, headers=north.h).json()["actions"]) == \
        {"withdraw"}
    assert set(s.get("/api/v1/submissions/" + sid, headers=rev.h).json()["actions"]) == \
        {"review", "request_information"}
    # no recommendation yet: the approver may ask, not decide
    assert set(s.get("/api/v1/submissions/" + sid, headers=appr.h).json()["actions"]) == \
        {"request_information"}
    assert_json_error(s.post("/api/v1/submissions/%s/decision" % sid, headers=appr.h,
                             body={"outcome": "rejected", "reasons": "x"}), 409)
    queue = "/api/v1/submissions?status=awaiting_decision&limit=100"
    assert sid not in [x["id"] for x in s.get(queue, headers=appr.h).json()["submissions"]]
    assert s.post("/api/v1/submissions/%s/reviews" % sid, headers=rev.h,
                  body={"recommendation": "approve", "comments": "ok"}).status == 201
    assert "review" not in s.get("/api/v1/submissions/" + sid, headers=rev.h).json()["actions"]
    assert sid in [x["id"] for x in s.get(queue, headers=appr.h).json()["submissions"]]
    r = s.post("/api/v1/submissions/%s/decision" % sid, headers=appr.h,
               body={"outcome": "approved", "reasons": "ok"})
    mark = r.json()["mark"]
    assert "embed_mark" in s.get("/api/v1/submissions/" + sid, headers=north.h).json()["actions"]
    assert "revoke_mark" in s.get("/api/v1/submissions/" + sid, headers=appr.h).json()["actions"]
    assert s.post("/api/v1/marks/%s/revoke" % mark, headers=appr.h,
                  body={"reason": "non_compliance", "note": "x"}).status == 200
    doc = s.get("/api/v1/submissions/" + sid, headers=north.h).json()
    assert doc["status"] == "approved" and doc["mark_status"] == "revoked", doc
    assert doc["actions"] == [], doc
    lst = s.get("/api/v1/submissions?limit=100&status=approved", headers=north.h).json()
    assert [x["mark_status"] for x in lst["submissions"] if x["id"] == sid] == ["revoked"]


def test_other_organisation_is_byte_identical_to_missing(s):
    p = people(s)
    theirs = create(s, p["meridian"], content(s, title="Meridian HNC"))["id"]
    missing = "s-0123456789abcdef"
    for method, suffix, body in (("GET", "", None), ("PUT", "", dict(content(s), version=1)),
                                 ("POST", "/submit", None), ("POST", "/withdraw", None)):
        a = s.request(method, "/api/v1/submissions/" + theirs + suffix, body=body,
                      headers=p["north"].h)
        b = s.request(method, "/api/v1/submissions/" + missing + suffix, body=body,
                      headers=p["north"].h)
        assert a.status == b.status == 404 and a.body == b.body, (method, suffix, a, b)
    lst = s.get("/api/v1/submissions?limit=100", headers=p["north"].h).json()["submissions"]
    assert all(x["organisation"] == p["north"].org for x in lst)
    assert theirs not in [x["id"] for x in lst]
    # and the same for a reviewer asking for a draft
    a = s.get("/api/v1/submissions/" + theirs, headers=p["reviewer"].h)
    b = s.get("/api/v1/submissions/" + missing, headers=p["reviewer"].h)
    assert a.status == b.status == 404 and a.body == b.body


def test_lists_page_and_filter(s):
    p = people(s)
    seen, after, pages = [], None, 0
    while True:
        q = "/api/v1/submissions?limit=3" + ("&after=" + after if after else "")
        doc = s.get(q, headers=p["auditor"].h).json()
        check(doc, "submissions-list.schema.json")
        seen += [x["id"] for x in doc["submissions"]]
        pages += 1
        if "next" not in doc:
            break
        assert len(doc["submissions"]) == 3
        after = doc["next"]
    assert pages > 2 and len(seen) == len(set(seen))
    assert all(x["status"] != "draft" for x in s.get(
        "/api/v1/submissions?limit=100", headers=p["auditor"].h).json()["submissions"])
    doc = s.get("/api/v1/submissions?status=approved&standard=ST0116&route=digital",
                headers=p["approver"].h).json()
    assert doc["submissions"] and all(x["status"] == "approved" and
                                      x["standard"]["ref"] == "ST0116"
                                      for x in doc["submissions"])
    # every submission has a short reference, unique, found by q in any case
    every = s.get("/api/v1/submissions?limit=100", headers=p["auditor"].h).json()["submissions"]
    refs = [x["reference"] for x in every]
    assert len(refs) == len(set(refs)) and all(
        re.fullmatch(r"HTQ-SUB-\d{4}-\d{4,6}", r) for r in refs), refs
    one = every[-1]
    for q in (one["reference"], one["reference"].lower(), one["id"]):
        doc = s.get("/api/v1/submissions?q=" + urllib.parse.quote(q),
                    headers=p["auditor"].h).json()
        check(doc, "submissions-list.schema.json")
        assert [x["id"] for x in doc["submissions"]] == [one["id"]], q
    full = s.get("/api/v1/submissions/" + one["id"], headers=p["auditor"].h).json()
    check(full, "submission.schema.json")
    assert full["reference"] == one["reference"]
    assert s.get("/api/v1/submissions?q=HTQ-SUB-1999-0001",
                 headers=p["auditor"].h).json()["submissions"] == []
    for bad in ("status=nope", "limit=0", "limit=101", "standard=X", "after=zz",
                "q=" + "x" * 201, "status=draft&status=approved", "colour=blue"):
        assert_json_error(s.get("/api/v1/submissions?" + bad, headers=p["approver"].h), 400)
    assert_json_error(s.get("/api/v1/ledger/entries?start=0&start=5"), 400, "bad_parameter")


def test_mark_ids_are_checked_before_lookup(s):
    subs = json.loads(s.ctl("submission", "list", "--status", "approved").stdout)["submissions"]
    mark = [x["mark"] for x in subs if x.get("mark")][0]
    assert s.get("/api/v1/marks/" + mark).status == 200
    for bad in (mark[:-1] + ("0" if mark[-1] != "0" else "1"),
                mark[:9] + mark[10] + mark[9] + mark[11:] if mark[9] != mark[10] else "HTQ-x",
                "HTQ-2026-1-X", "nope"):
        assert_json_error(s.get("/api/v1/marks/" + bad), 400, "bad_mark_id")
    # a well-formed id nobody was given
    for n in range(999990, 999999):
        cand = None
        for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            x = "HTQ-2031-%06d-%s" % (n, c)
            if s.get("/api/v1/marks/" + x).status != 400:
                cand = x
                break
        if cand:
            assert_json_error(s.get("/api/v1/marks/" + cand), 404)
            break
    p = people(s)
    assert_json_error(s.post("/api/v1/marks/%s/revoke" % mark, headers=p["approver"].h,
                             body={"reason": "bored"}), 422)
    assert_json_error(s.post("/api/v1/marks/%s/revoke" % mark, headers=p["approver"].h,
                             body={"reason": "other"}), 422)
    assert_json_error(s.post("/api/v1/marks/%s/revoke" % mark, headers=p["approver"].h,
                             body={"reason": "other", "note": "x", "extra": 1}), 400)


# --- one corpus, two judges ---

def test_corpus_same_verdict_from_server_and_schema(s):
    """Each body of tests/regress/corpus/submissions.json is accepted by the
    server (201) exactly when the JSON Schema accepts it, but for a rule over
    the catalogue the schema cannot see ("schema_valid")."""
    p = people(s)
    with open(os.path.join(ROOT, "tests", "regress", "corpus", "submissions.json")) as f:
        corpus = json.load(f)
    validator = jsonschema.Draft202012Validator(schema("submission-content.schema.json"))
    wrong = []
    for case in corpus:
        ok_schema = validator.is_valid(case["body"])
        r = s.post("/api/v1/submissions", body=case["body"], headers=p["north"].h)
        ok_server = r.status == 201
        if r.status not in (201, 400, 422):
            wrong.append("%s: status %d" % (case["name"], r.status))
        # a rule over the catalogue (the standard's level) is the server's
        if ok_schema != case.get("schema_valid", case["valid"]) or ok_server != case["valid"]:
            wrong.append("%s: schema %s, server %s (%d %s), expected %s" % (
                case["name"], ok_schema, ok_server, r.status, r.body[:100], case["valid"]))
    assert not wrong, "\n".join(wrong)
    assert sum(c["valid"] for c in corpus) >= 3 and sum(not c["valid"] for c in corpus) >= 10


# --- races ---

def test_every_write_is_published_before_its_answer(s):
    """16 submits at once (their publishes coalesce): as soon as each
    answer is in, the static checkpoint and the API's cover its entry,
    which came after the ledger size read before the request."""
    p = people(s)
    ids = [create(s, p["north"], content(s, title="HNC Published %d" % i))["id"]
           for i in range(16)]

    def submit(i):
        before = ledger_size(s)
        r = s.post("/api/v1/submissions/%s/submit" % ids[i], headers=p["north"].h)
        assert r.status == 200, r
        return before, [int(s.get(path).body.decode().split("\n")[1])
                        for path in ("/ledger/checkpoint", "/api/v1/ledger/checkpoint")]
    for before, sizes in race(16, submit):
        assert all(size > before for size in sizes), (before, sizes)


def test_racing_decisions_make_one_decision_and_one_mark(s):
    p = people(s)
    sid = reviewed(s, p)
    start = ledger_size(s)
    outcomes = ["approved", "rejected"]
    res = race(16, lambda i: s.post("/api/v1/submissions/%s/decision" % sid,
                                     headers=p["approver"].h, timeout=30,
                                     body={"outcome": outcomes[i % 2], "reasons": "race %d" % i}))
    codes = sorted(r.status for r in res)
    assert codes.count(200) == 1 and codes.count(409) == 15, codes
    got = [e for e in entries_since(s, start) if e["subject"] == sid or
           e["type"].startswith("mark.")]
    decisions = [e for e in got if e["type"].startswith("decision.")]
    marks = [e for e in got if e["type"] == "mark.awarded"]
    assert len(decisions) == 1 and len(marks) == (1 if decisions[0]["type"] ==
                                                  "decision.approved" else 0)


def test_racing_updates_with_one_version_one_wins(s):
    p = people(s)
    sid = create(s, p["north"], content(s))["id"]
    res = race(12, lambda i: s.request("PUT", "/api/v1/submissions/" + sid, timeout=30,
                                       body=content(s, title="racer %d" % i),
                                       headers=dict(p["north"].h, **{"If-Match": '"1"'})))
    codes = sorted(r.status for r in res)
    assert codes.count(200) == 1 and codes.count(409) == 11, codes
    winner = [r for r in res if r.status == 200][0].json()["qualification"]["title"]
    now = s.get("/api/v1/submissions/" + sid, headers=p["north"].h).json()
    assert now["version"] == 2 and now["qualification"]["title"] == winner


# --- crash safety ---

def test_kill9_workers_while_submitting_and_deciding(s):
    """Workers are killed with SIGKILL at random while clients submit and
    decide; the master starts new ones.  Every acknowledged submit and
    decision is there afterwards, and the ledger verifies."""
    p = people(s)
    master = subprocess.run(["pgrep", "-f", "htq-fcgi --data " + s.data],
                            capture_output=True, text=True).stdout.split()
    assert master, "cannot find the htq-fcgi master of " + s.data
    master = master[0]
    # ready-made work: drafts to submit, reviewed ones to decide
    drafts = [create(s, p["north"], content(s, title="crash %d" % i))["id"] for i in range(30)]
    to_decide = [reviewed(s, p) for _ in range(15)]
    acked, stop = {"submit": [], "decide": []}, threading.Event()
    lock = threading.Lock()

    def worker(kind, ids, who):
        for sid in ids:
            if stop.is_set():
                return
            path = "/api/v1/submissions/%s/%s" % (sid, "submit" if kind == "submit" else
                                                   "decision")
            body = None if kind == "submit" else {"outcome": "approved", "reasons": "crash"}
            try:
                r = s.post(path, body=body, headers=who.h, timeout=30)
            except OSError:
                continue
            if r.status == 200:
                with lock:
                    acked[kind].append(sid)

    ts = [threading.Thread(target=worker, args=("submit", drafts[i::3], p["north"]))
          for i in range(3)]
    ts += [threading.Thread(target=worker, args=("decide", to_decide[i::2], p["approver"]))
           for i in range(2)]
    for t in ts:
        t.start()
    rng, kills = random.Random(1111), 0
    while any(t.is_alive() for t in ts) and kills < 12:
        time.sleep(rng.uniform(0.01, 0.08))
        kids = subprocess.run(["pgrep", "-P", master], capture_output=True,
                              text=True).stdout.split()
        if kids:
            try:
                os.kill(int(rng.choice(kids)), signal.SIGKILL)
                kills += 1
            except ProcessLookupError:
                pass
    for t in ts:
        t.join()
    assert kills > 0
    wait_healthy(s, s.workers)
    assert acked["submit"] and acked["decide"], acked
    for sid in acked["submit"]:
        doc = json.loads(s.ctl("submission", "show", sid).stdout)
        assert doc["status"] == "submitted", (sid, doc["status"])
    for sid in acked["decide"]:
        doc = json.loads(s.ctl("submission", "show", sid).stdout)
        assert doc["status"] == "approved" and doc.get("mark"), (sid, doc["status"])
    entries = entries_since(s, 0)
    sub_e = {e["subject"] for e in entries if e["type"] == "submission.submitted"}
    dec_e = {e["subject"] for e in entries if e["type"] == "decision.approved"}
    marks = {e["subject"] for e in entries if e["type"] == "mark.awarded"}
    assert set(acked["submit"]) <= sub_e and set(acked["decide"]) <= dec_e
    for sid in acked["decide"]:
        m = json.loads(s.ctl("submission", "show", sid).stdout)["mark"]
        assert m in marks
    # a state change and its entries are together or not at all
    for sid in drafts:
        doc = json.loads(s.ctl("submission", "show", sid).stdout)
        assert (doc["status"] == "submitted") == (sid in sub_e), sid
    verify_ledger(s)
    # the stack still answers
    assert s.get("/api/v1/health").status == 200
    SECRETS.extend([])


def test_malformed_chunked_body_is_a_json_400(s):
    """nginx's own 400 for a broken chunked body is a JSON error like ours."""
    for size in (b"ZZ", b"5"):
        r = s.raw(b"POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: "
                  b"application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
                  b"\r\n" + size + b"\r\nabc\r\n0\r\n\r\n", timeout=5)
        assert r.status == 400, r
        assert (r.header("content-type") or "").startswith("application/json"), r
        assert json.loads(r.body)["error"]["code"] == "bad_request"
