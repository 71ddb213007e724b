"""Public verification of quality marks (issue 12): the bundle of
GET /api/v1/marks/{id} checked entirely here, with hashlib and the
published key (python3-cryptography), trusting nothing the server says;
a revoked mark's revocation proven against the same checkpoint; 400 and
404; the register's filters, search and paging; the badge; the static
files published after each commit."""
import base64
import datetime
import hashlib
import json
import os
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from harness import assert_json_error, content, demo_marks, people
from test_workflow import check, reviewed

ENTRY_CONTEXT = b"htq-ledger-entry/v1\n"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Refused(AssertionError):
    """A bundle that does not verify; the message names the check."""


def mod37_36(data):
    p = 36
    for c in data:
        t = (p + ALPHABET.index(c)) % 36 or 36
        p = (t * 2) % 37
    return ALPHABET[(37 - p) % 36]


def mark_id(year, serial):
    return "HTQ-%04d-%06d-%s" % (year, serial, mod37_36("HTQ%04d%06d" % (year, serial)))


def keys(s):
    """The published verifier keys: {key id (4 bytes): (name, public key)}."""
    r = s.get("/.well-known/htq-ledger-keys")
    assert r.status == 200, r
    assert r.body == s.get("/api/v1/ledger/key").body
    out = {}
    for line in r.body.decode().splitlines():
        name, kid, b64 = line.split("+", 2)
        raw = base64.b64decode(b64)
        assert raw[0] == 1 and len(raw) == 33
        out[bytes.fromhex(kid)] = (name, Ed25519PublicKey.from_public_bytes(raw[1:]))
    return out


def open_checkpoint(note, ks):
    """Verify the signed note with a published key; (origin, size, root)."""
    body, sigs = note.split("\n\n", 1)
    body += "\n"
    ok = False
    for line in sigs.splitlines():
        assert line.startswith("\u2014 "), line
        name, sig = line[2:].split(" ")
        raw = base64.b64decode(sig)
        if raw[:4] in ks and ks[raw[:4]][0] == name:
            try:
                ks[raw[:4]][1].verify(raw[4:], body.encode())
            except InvalidSignature:
                raise Refused("checkpoint: signature by %s does not verify" % name)
            ok = True
    if not ok:
        raise Refused("checkpoint: no signature by a published key")
    origin, size, root = body.splitlines()[:3]
    return origin, int(size), base64.b64decode(root)


def leaf(b):
    return hashlib.sha256(b"\x00" + b).digest()


def node(a, b):
    return hashlib.sha256(b"\x01" + a + b).digest()


def root_from_inclusion(index, size, leaf_hash, proof):
    """RFC 9162 section 2.1.3.2."""
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise Refused("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise Refused("inclusion proof too short")
    return r


def prove(part, ks, size, root):
    """An {entry, sig, index, proof} part: signature by a published key
    and inclusion in the checkpoint's tree.  The parsed entry."""
    entry = part["entry"].encode()
    e = json.loads(entry)
    if e["seq"] != part["index"]:
        raise Refused("index %d but the entry says seq %d" % (part["index"], e["seq"]))
    sig = base64.b64decode(part["sig"])
    kid = bytes.fromhex(e["kid"])
    try:
        ks[kid][1].verify(sig, ENTRY_CONTEXT + entry)
    except InvalidSignature:
        raise Refused("entry %d: signature does not verify" % e["seq"])
    proof = [base64.b64decode(h) for h in part["proof"]]
    if root_from_inclusion(part["index"], size, leaf(entry), proof) != root:
        raise Refused("entry %d: not included in the checkpoint's tree" % e["seq"])
    return e


def day_words(iso):
    """2026-12-06 as the pages write it: 6 December 2026."""
    d = datetime.date.fromisoformat(iso)
    return "%d %s %04d" % (d.day, d.strftime("%B"), d.year)


def verify_bundle(s, b):
    ks = keys(s)
    origin, size, root = open_checkpoint(b["checkpoint"], ks)
    assert origin == list(ks.values())[-1][0]
    award = prove(b, ks, size, root)
    assert award["type"] == "mark.awarded" and award["subject"] == b["mark"]["id"]
    for k in ("qualification", "awarding_body", "standard", "route", "awarded",
              "first_teaching", "review_by"):
        assert award["data"][k] == b["mark"][k], k
    rev = None
    if "revocation" in b:
        rev = prove(b["revocation"], ks, size, root)
        assert rev["type"] == "mark.revoked" and rev["subject"] == b["mark"]["id"]
        assert rev["seq"] > award["seq"]
    return size, award, rev


def test_bundle_of_a_current_mark_verifies(s):
    cur, _ = demo_marks(s)
    r = s.get("/api/v1/marks/" + cur)
    assert r.status == 200 and r.header("content-type").startswith("application/json"), r
    b = r.json()
    check(b, "mark-bundle.schema.json")
    check(b, "mark.schema.json")          # the mark itself, as before
    assert set(b) == {"mark", "entry", "sig", "index", "proof", "checkpoint"}
    assert b["mark"]["status"] == "current" and "revocation" not in b
    size, award, _ = verify_bundle(s, b)
    assert s.get("/api/v1/health").json()["ledger"]["size"] >= size
    # the entry is the stored bytes, exactly
    e = s.get("/api/v1/ledger/entries?start=%d&end=%d" % (b["index"], b["index"] + 1)).json()
    assert e["entries"][0]["entry"] == b["entry"] and e["entries"][0]["sig"] == b["sig"]


def test_bundle_of_a_revoked_mark_has_the_revocation_on_the_same_checkpoint(s):
    _, rev = demo_marks(s)
    b = s.get("/api/v1/marks/" + rev).json()
    check(b, "mark-bundle.schema.json")
    assert b["mark"]["status"] == "revoked" and b["mark"]["revoked"]["reason"]
    assert set(b["revocation"]) == {"entry", "sig", "index", "proof"}
    size, award, r = verify_bundle(s, b)
    assert r["data"]["reason"] == b["mark"]["revoked"]["reason"]
    assert r["data"]["revoked"] == b["mark"]["revoked"]["date"]


def test_tampered_bundles_fail_here(s):
    """Each change is refused by the check it breaks, with that check's
    message: a crash (KeyError, a bad base64) is not a detection."""
    cur, _ = demo_marks(s)
    b = s.get("/api/v1/marks/" + cur).json()
    verify_bundle(s, b)     # the untouched bundle verifies
    index = b["index"]
    for mutate, why in (
            (lambda d: d.update(entry=d["entry"].replace('"level":', '"level":1')),
             "entry %d: signature does not verify" % index),
            (lambda d: d.update(index=d["index"] + 1),
             "index %d but the entry says seq %d" % (index + 1, index)),
            (lambda d: d.update(proof=d["proof"][:-1]), "inclusion proof too short"),
            (lambda d: d.update(proof=[d["proof"][-1]] + d["proof"][1:]) if len(d["proof"]) > 1
             else d.update(proof=[base64.b64encode(bytes(32)).decode()]),
             "entry %d: not included in the checkpoint's tree" % index),
            (lambda d: d.update(checkpoint=d["checkpoint"].replace("\n", "\n1", 1)),
             "checkpoint: signature by htq.localhost/ledger does not verify")):
        d = json.loads(json.dumps(b))
        mutate(d)
        assert d != b
        try:
            verify_bundle(s, d)
        except Refused as e:
            if why not in str(e):
                raise AssertionError("refused for %r, expected %r" % (str(e), why))
            continue
        raise AssertionError("a tampered bundle verified (%s)" % why)


def test_bad_and_unknown_mark_ids(s):
    cur, _ = demo_marks(s)
    wrong = cur[:-1] + ("0" if cur[-1] != "0" else "1")
    for bad in (wrong, "HTQ-2026-1-A", "htq-2026-000001-K", cur + "X", "x" * 40):
        assert_json_error(s.get("/api/v1/marks/" + bad), 400, "bad_mark_id")
    unknown = mark_id(2999, 999999)
    assert_json_error(s.get("/api/v1/marks/" + unknown), 404)
    assert s.get("/marks/%s/badge.svg" % unknown).status == 404
    assert s.get("/verify/%s" % unknown).status == 404
    assert_json_error(s.get("/api/v1/marks/%s?x=1" % cur), 400)


def register_all(s, query=""):
    items, after = [], None
    for _ in range(100):
        r = s.get("/api/v1/register?limit=1" + query + ("&after=" + after if after else ""))
        assert r.status == 200, r
        check(r.json(), "register.schema.json")
        items += r.json()["items"]
        after = r.json().get("next")
        if not after:
            return items
    raise AssertionError("paging does not end")


def test_register_filters_search_and_paging(s):
    cur, rev = demo_marks(s)
    r = s.get("/api/v1/register")
    assert r.status == 200, r
    doc = r.json()
    check(doc, "register.schema.json")
    ids = [x["mark_id"] for x in doc["items"]]
    assert cur in ids and rev in ids and ids == sorted(ids)
    # paging one at a time gives the same list
    assert [x["mark_id"] for x in register_all(s)] == ids
    byid = {x["mark_id"]: x for x in doc["items"]}
    assert byid[rev]["status"] == "revoked" and byid[rev]["revoked"]["reason"]
    assert "revoked" not in byid[cur] and byid[cur]["status"] == "current"
    # filters
    revoked = [x["mark_id"] for x in s.get("/api/v1/register?status=revoked").json()["items"]]
    assert rev in revoked and cur not in revoked
    current = [x["mark_id"] for x in s.get("/api/v1/register?status=current").json()["items"]]
    assert cur in current and rev not in current
    c = byid[cur]
    for q in ("route=" + c["route"].upper().replace(" ", "%20"),
              "standard=" + c["standard"]["ref"],
              "awarding_body=" + c["awarding_body"]["id"],
              "level=%d" % c["qualification"]["level"]):
        got = [x["mark_id"] for x in s.get("/api/v1/register?" + q).json()["items"]]
        assert cur in got, q
    assert s.get("/api/v1/register?level=9").json()["items"] == []
    # search: title (any case) or QAN
    word = c["qualification"]["title"].split()[-1].lower()
    got = s.get("/api/v1/register?q=" + word).json()["items"]
    assert cur in [x["mark_id"] for x in got]
    assert all(word in x["qualification"]["title"].lower() or word in (x["qualification"]["qan"] or "")
               for x in got)
    if c["qualification"]["qan"]:
        got = s.get("/api/v1/register?q=" + c["qualification"]["qan"]).json()["items"]
        assert [x["mark_id"] for x in got] == [cur]
    assert s.get("/api/v1/register?q=zzzznothing").json()["items"] == []
    # bad parameters
    for q in ("status=maybe", "after=nope", "limit=0", "limit=1000", "colour=red"):
        assert_json_error(s.get("/api/v1/register?" + q), 400)


def rows(page):
    """The mark ids a register page lists, in order."""
    return re.findall(r'<td class="govuk-table__cell" data-label="Quality mark">'
                      r'<a class="govuk-link" href="/verify/([^"]+)"', page)


def test_register_search_page(s):
    """GET /register/search, the register's GET form answered by the
    workers as a page: the same filters as the API, the form filled in as
    asked, empty fields meaning any, the static page's form pointing
    here; a page past the last is a 404 page."""
    cur, rev = demo_marks(s)
    static = s.get("/register").body.decode()
    assert 'action="/register/search" method="get"' in static
    assert rows(static) == sorted(rows(static)) and {cur, rev} <= set(rows(static))
    c = s.get("/api/v1/marks/" + cur).json()["mark"]
    html = {"Accept": "text/html"}

    def search(q):
        r = s.get("/register/search?" + q, headers=html)
        assert r.status == 200 and r.header("content-type").startswith("text/html"), (q, r)
        return r.body.decode()

    everything = search("q=&awarding_body=&route=&standard=&status=")
    assert rows(everything) == rows(static)
    # the same marks as the API's filters, every filter and all at once
    word = c["qualification"]["title"].split()[-1].upper()
    for q in ("status=revoked", "status=current", "awarding_body=" + c["awarding_body"]["id"],
              "route=" + c["route"].upper(), "standard=" + c["standard"]["ref"].lower(),
              "q=" + word, "q=%s&awarding_body=%s&route=%s&standard=%s&status=current" % (
                  word, c["awarding_body"]["id"], c["route"], c["standard"]["ref"])):
        api = [x["mark_id"] for x in s.get("/api/v1/register?" + q).json()["items"]]
        assert rows(search(q)) == api and api, q
    assert rev in rows(search("status=revoked")) and cur not in rows(search("status=revoked"))
    assert cur in rows(search("status=current")) and rev not in rows(search("status=current"))
    page = search("q=software&status=current&awarding_body=" + c["awarding_body"]["id"])
    # the form says what was asked; the awarding body by name
    assert 'value="software"' in page and '<option value="current" selected>' in page
    assert re.search(r'<option value="%s" selected>%s</option>' % (
        c["awarding_body"]["id"], re.escape(c["awarding_body"]["name"])), page)
    none = search("q=zzzznothing")
    assert rows(none) == [] and "No quality marks match your search" in none
    r = s.get("/register/search?q=zzzznothing&page=2", headers=html)
    assert r.status == 404 and "there is no page 2 of this search" in r.body.decode()


def test_badge_is_accessible_svg_with_qr(s):
    cur, rev = demo_marks(s)
    for mid, word in ((cur, "CURRENT"), (rev, "REVOKED")):
        r = s.get("/marks/%s/badge.svg" % mid)
        assert r.status == 200 and r.header("content-type") == "image/svg+xml", r
        assert "max-age" in r.header("cache-control")
        svg = r.body.decode()
        assert svg.startswith("<svg") and 'role="img"' in svg
        title = re.search(r"<title[^>]*>([^<]*)</title>", svg).group(1)
        assert mid in title
        assert word in svg and mid in svg
        assert ("REVOKED" in title) == (word == "REVOKED")
        assert 'class="qr"' in svg and svg.count("h1v1h-1z") > 100    # modules of the QR code
        assert "/verify/" + mid in svg
        # the facts on the badge are the mark's
        m = s.get("/api/v1/marks/" + mid).json()["mark"]
        assert m["qualification"]["title"][:20].replace("&", "&amp;") in svg


def test_static_files_are_published(s):
    cur, rev = demo_marks(s)
    pub = os.path.join(s.data, "public")
    for mid in (cur, rev):
        for f in ("marks/%s/bundle.json" % mid, "marks/%s/badge.svg" % mid,
                  "verify/%s/index.html" % mid):
            assert os.path.exists(os.path.join(pub, f)), f
        static = s.get("/marks/%s/bundle.json" % mid)
        assert static.status == 200
        verify_bundle(s, static.json())       # may lag, but verifies
        page = s.get("/verify/" + mid)
        assert page.status == 200 and page.header("content-type").startswith("text/html")
        html = page.body.decode()
        m = s.get("/api/v1/marks/" + mid).json()["mark"]
        # dates in words, as on every page ("6 December 2026")
        for fact in (m["qualification"]["title"], m["awarding_body"]["name"], m["standard"]["ref"],
                     m["route"], day_words(m["awarded"]), day_words(m["review_by"])):
            assert fact.replace("&", "&amp;") in html, fact
        assert m["awarded"] not in html, "an ISO date on the page"
        assert ("Revoked" in html) == (mid == rev)
        assert "<script type=\"module\" src=\"/assets/js/verify." in html
        assert "<style" not in html and "style=" not in html and "onclick" not in html
    reg = s.get("/register")
    assert reg.status == 200 and cur in reg.body.decode() and rev in reg.body.decode()
    assert "/verify/" + cur in reg.body.decode()


def instance_policy(s, keys):
    """The page policy the instance should embed: its origin and keys, and
    the witness rule of DATA/witnesses (the demo witnesses of run.sh)."""
    want = {"origin": keys[0].split("+")[0], "keys": keys}
    path = os.path.join(s.data, "witnesses")
    if os.path.exists(path):
        ws, rule = [], {}
        for line in open(path):
            kw = line.split()
            if kw and kw[0] == "witness":
                ws.append(kw[1])
            elif kw and kw[0] in ("quorum", "max_age"):
                rule[kw[0]] = int(kw[1])
        if ws:
            want.update(witnesses=ws, quorum=rule.get("quorum", len(ws)),
                        max_age=rule.get("max_age", 86400))
    return want


def test_verify_page_carries_the_policy_and_claims_nothing_unchecked(s):
    """Issue 23: each verify page carries the instance's trust policy (the
    log's origin and keys, written at publish time) as a JSON data block,
    prints the newest key's fingerprint (as the badge does), and its status
    reads "Not yet checked" until the browser's proof has run; the
    standalone verifier is published with the same policy."""
    cur, rev = demo_marks(s)
    keys = s.get("/.well-known/htq-ledger-keys").body.decode().split()
    want = instance_policy(s, keys)
    newest = keys[-1]
    h = hashlib.sha256(newest.encode()).hexdigest()[:32]
    fpr = " ".join(h[i:i + 4] for i in range(0, 32, 4))
    for mid in (cur, rev):
        html = s.get("/verify/" + mid).body.decode()
        m = re.search(r'<script type="application/json" id="htq-policy">([^<]*)</script>', html)
        assert m, "the policy block"
        assert json.loads(m.group(1)) == want, (m.group(1), want)
        assert "\\/" in m.group(1), "slashes escaped: nothing can end the element"
        assert '<code id="key-fingerprint">%s</code>' % fpr in html
        status = re.search(r'<p class="govuk-body" id="mark-status">(.*?)</p>', html).group(1)
        assert "Not yet checked" in status and "Current" not in status and "Revoked" not in status, status
        assert "without trusting this website" not in html
        badge = s.get("/marks/%s/badge.svg" % mid).body.decode()
        assert "Ledger key " + fpr in badge
    v = s.get("/htq-verifier.html")
    assert v.status == 200, v.status
    body = v.body.decode()
    m = re.search(r'<script type="application/json" id="htq-policy">([^<]*)</script>', body)
    assert m and json.loads(m.group(1)) == want, "the standalone verifier carries the same policy"
    assert "default-src 'none'" in (v.header("content-security-policy") or ""), "served as data, no script runs there"


def test_new_award_and_revocation_republish(s):
    p = people(s)
    sid = reviewed(s, p, content(s, title="HNC in Marks Publishing", qan="610/9876/5"))
    r = s.post("/api/v1/submissions/%s/decision" % sid, headers=p["approver"].h,
               body={"outcome": "approved", "reasons": "fine"})
    assert r.status == 200, r
    mid = r.json()["mark"]
    b = s.get("/marks/%s/bundle.json" % mid)
    assert b.status == 200 and b.json()["mark"]["status"] == "current"
    assert "CURRENT" in s.get("/marks/%s/badge.svg" % mid).body.decode()
    assert mid in s.get("/register").body.decode()
    r = s.post("/api/v1/marks/%s/revoke" % mid, headers=p["approver"].h,
               body={"reason": "qualification_withdrawn",
                     "note": "Withdrawn by the awarding body <on request>"})
    assert r.status == 200, r
    b = s.get("/api/v1/marks/" + mid).json()
    _, _, rev = verify_bundle(s, b)
    assert rev["data"]["reason"] == "qualification_withdrawn"
    st = s.get("/marks/%s/bundle.json" % mid).json()
    assert st["mark"]["status"] == "revoked" and "revocation" in st
    verify_bundle(s, st)
    svg = s.get("/marks/%s/badge.svg" % mid).body.decode()
    assert "REVOKED" in re.search(r"<title[^>]*>([^<]*)</title>", svg).group(1)
    page = s.get("/verify/" + mid).body.decode()
    assert "qualification withdrawn" in page
    assert "Withdrawn by the awarding body &lt;on request&gt;" in page
    # deleting the published mark files and restarting rebuilds them
    pub = os.path.join(s.data, "public")
    os.remove(os.path.join(pub, "marks", mid, "badge.svg"))
    os.remove(os.path.join(pub, "verify", mid, "index.html"))
    s.stop()
    s.start()
    assert s.get("/marks/%s/badge.svg" % mid).status == 200
    assert s.get("/verify/" + mid).status == 200


def test_key_rotation_republishes_every_bundle(s):
    """A bundle's checkpoint must be signed by the newest key: after
    htqctl key rotate every published bundle (the API's answer too) is
    rewritten against a checkpoint of the new key, and still verifies."""
    cur, rev = demo_marks(s)
    before = {m: s.get("/api/v1/marks/" + m).json()["checkpoint"] for m in (cur, rev)}
    r = s.ctl("key", "rotate")
    assert b"rotated" in r.stdout, r
    newest = list(keys(s).keys())[-1]
    for m in (cur, rev):
        b = s.get("/api/v1/marks/" + m)
        assert b.status == 200 and b.header("access-control-allow-origin") == "*", b
        b = b.json()
        assert b["checkpoint"] != before[m]
        sigs = [base64.b64decode(line.split(" ")[2])[:4]
                for line in b["checkpoint"].split("\n\n", 1)[1].splitlines()]
        assert newest in sigs, "the bundle's checkpoint is not signed by the new key"
        size, _, _ = verify_bundle(s, b)
        assert (m == rev) == ("revocation" in b)
