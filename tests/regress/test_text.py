"""Client text in answers and records: an error message that quotes what
a client sent is cut on a character boundary (never a 500), and the text
fields that reach a public page, a badge or the ledger refuse control,
noncharacter and bidirectional formatting characters."""
import json
from urllib.parse import quote

from harness import Who, assert_json_error, content, create
from harness import EMAIL

from test_workflow import submitted


def utf8_json_error(r, status):
    """r is a JSON error with this status whose body is valid UTF-8."""
    r.body.decode("utf-8")          # raises on a split character
    return assert_json_error(r, status)


def test_cut_message_keeps_characters_whole(s):
    # 63 ASCII bytes then a character of 2, 3 and 4 bytes: a cut at 64
    # bytes falls inside it
    for ch in ("\u00e9", "\u20ac", "\U0001f600"):
        for pad in (61, 62, 63):
            key = "a" * pad + ch
            r = s.get("/api/v1/register?%s=1" % quote(key.encode("utf-8")))
            doc = utf8_json_error(r, 400)
            assert doc["error"]["code"] == "bad_parameter", doc
            r = s.get("/api/v1/register?%s=1&%s=2" % ((quote(key.encode("utf-8")),) * 2))
            utf8_json_error(r, 400)
    p = {"north": Who(s, EMAIL["north"])}
    body = {"email": "x@y.test", "password": "p" * 12, "a" * 63 + "\u20ac": 1}
    utf8_json_error(s.post("/api/v1/session", body=body), 400)
    body = content(s)
    body["qualification"]["a" * 39 + "\u20ac"] = 1
    utf8_json_error(s.post("/api/v1/submissions", body=body, headers=p["north"].h), 400)
    body = content(s)
    body["standard"]["option"] = "o" * 63 + "\u20ac"
    utf8_json_error(s.post("/api/v1/submissions", body=body, headers=p["north"].h), 422)


def refused(r, field):
    doc = utf8_json_error(r, 422)
    assert field in doc["error"]["message"], doc
    return doc


def test_titles_refuse_controls_and_bidi(s):
    north = Who(s, EMAIL["north"])
    for bad in ("\u0001", "\u007f", "\u202e", "\u2066", "\u200f", "\ufffe",
                "tab\there", "line\nbreak"):
        body = content(s, title="HNC " + bad + " Software")
        refused(s.post("/api/v1/submissions", body=body, headers=north.h),
                "qualification.title")
    body = content(s)
    body["units"][1]["title"] = "Unit \u202e2"
    refused(s.post("/api/v1/submissions", body=body, headers=north.h), "units[1].title")
    body = content(s)
    body["mapping"][0]["assessment"] = "essay\u0007"
    refused(s.post("/api/v1/submissions", body=body, headers=north.h),
            "mapping[0].assessment")
    # multi-line free text may have lines and tabs
    body = content(s, title="Dipl\u00f4me \u2014 niveau 4")
    body["mapping"][0]["assessment"] = "essay\n\tand a viva"
    sub = create(s, north, body)
    assert "Dipl\u00f4me \u2014 niveau 4" in json.dumps(sub, ensure_ascii=False), sub


def test_review_comment_refuses_controls(s):
    p = {k: Who(s, EMAIL[k]) for k in ("north", "reviewer")}
    sid = submitted(s, p)
    path = "/api/v1/submissions/%s/reviews" % sid
    refused(s.post(path, headers=p["reviewer"].h,
                   body={"recommendation": "approve", "comments": "ok\u0007"}),
            "comments")
    refused(s.post(path, headers=p["reviewer"].h,
                   body={"recommendation": "approve", "comments": "ok",
                         "ksb_findings": [{"ksb": "K1", "agree": True,
                                           "note": "\u202eevil"}]}),
            "ksb_findings[0].note")
    r = s.post(path, headers=p["reviewer"].h,
               body={"recommendation": "approve", "comments": "sound\nsee notes"})
    assert r.status == 201, r
