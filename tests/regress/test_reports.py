"""The partners' report over HTTP (GET /api/v1/reports) and on the console
(htqctl report): its schema, the CSV read back by Python's csv module
equal to the JSON figure by figure, the same bytes twice and from both
doors, the filters and their refusals.  Every figure's arithmetic is
checked against a known history in tests/unit/test_report.c; who may ask
is in test_authz.py."""
import csv
import io
import json
import os

import jsonschema

from harness import ROOT, Who, assert_json_error

STATES = ("submitted", "in_review", "information_requested", "approved", "rejected",
          "withdrawn")


def schema_store():
    d = os.path.join(ROOT, "schemas")
    docs = {n: json.load(open(os.path.join(d, n))) for n in os.listdir(d)
            if n.endswith(".schema.json")}
    return docs


def validate(doc):
    docs = schema_store()
    reg = {"report-figures.schema.json": docs["report-figures.schema.json"]}
    try:
        from referencing import Registry, Resource
        registry = Registry().with_resources(
            [(k, Resource.from_contents(v)) for k, v in reg.items()])
        jsonschema.Draft202012Validator(docs["report.schema.json"],
                                        registry=registry).validate(doc)
    except ImportError:  # an older jsonschema
        resolver = jsonschema.RefResolver("", docs["report.schema.json"], store=reg)
        jsonschema.Draft202012Validator(docs["report.schema.json"],
                                        resolver=resolver).validate(doc)


def unformula(t):
    """A CSV text as the JSON carries it (the apostrophe put before a
    would-be formula taken off)."""
    return t[1:] if t[:2] in ("'=", "'+", "'-", "'@") else t


def expected_rows(rep):
    """The (scope, id, figure, item, detail, value) rows the JSON implies,
    values as text; order aside."""
    def v(x):
        return "" if x is None else x if isinstance(x, str) else json.dumps(x)

    rows = [("report", "", "through", "seq", "", v(rep["through"]["seq"])),
            ("report", "", "through", "time", "", rep["through"]["time"])]
    groups = []
    for w in rep["windows"]:
        wid = w["window"]["id"]
        for k in ("route", "opens", "closes", "closed_on"):
            rows.append(("window", wid, "window", k, "", v(w["window"][k])))
        groups.append(("window", wid, w["figures"]))
    groups += [("route", r["route"], r["figures"]) for r in rep["routes"]]
    for scope, gid, f in groups:
        rows.append((scope, gid, "submissions", "", "", v(f["submissions"])))
        for k in STATES:
            rows.append((scope, gid, "by_state", k, "", v(f["by_state"][k])))
        for obj in ("decisions", "time_to_decision_days", "information_requests"):
            for k, x in f[obj].items():
                rows.append((scope, gid, obj, k, "", v(x)))
        for k in f["uncovered_ksbs"]:
            item = k["standard"] + " " + k["ksb"]
            rows.append((scope, gid, "uncovered_ksbs", item, "", v(k["submissions"])))
            for r in k["reasons"]:
                rows.append((scope, gid, "uncovered_ksbs.reasons", item, r["reason"],
                             v(r["submissions"])))
        for r in f["rejection_reasons"]:
            rows.append((scope, gid, "rejection_reasons", r["reasons"], "",
                         v(r["submissions"])))
        rows.append((scope, gid, "revocations", "total", "", v(f["revocations"]["total"])))
        for k, x in f["revocations"]["by_reason"].items():
            rows.append((scope, gid, "revocations.by_reason", k, "", v(x)))
        for n in f["revocations"]["notes"]:
            rows.append((scope, gid, "revocations.notes", n["note"], "", v(n["marks"])))
        for b in f["awarding_bodies"]:
            rows.append((scope, gid, "awarding_bodies.submissions", b["name"], "",
                         v(b["submissions"])))
            rows.append((scope, gid, "awarding_bodies.approved", b["name"], "",
                         v(b["approved"])))
    return rows


def test_report_json_csv_and_console_agree(s):
    aud = Who(s, "auditor@htq.test")
    r = s.get("/api/v1/reports", headers=aud.cookie)
    assert r.status == 200, r
    assert r.header("content-type").startswith("application/json")
    rep = r.json()
    validate(rep)
    # the demo story: the digital window has submissions in every state
    digital = [w for w in rep["windows"] if w["window"]["route"] == "Digital"]
    assert digital and digital[0]["figures"]["submissions"] >= 5, rep
    f = digital[0]["figures"]
    assert f["decisions"]["approved"] >= 1 and f["decisions"]["rejected"] >= 1, f
    assert f["revocations"]["total"] >= 1, f
    assert f["uncovered_ksbs"] and f["uncovered_ksbs"][0]["reasons"], f
    assert {b["name"] for b in f["awarding_bodies"]} >= {"Northfield College"}, f
    assert set(rep["sources"]) >= {"by_state", "uncovered_ksbs.reasons", "awarding_bodies"}

    # same bytes: again, from the console, and per window
    again = s.get("/api/v1/reports?format=json", headers=aud.cookie)
    assert again.body == r.body
    out = s.ctl("report").stdout
    assert out == r.body + b"\n", "htqctl report differs from the API's bytes"
    wid = digital[0]["window"]["id"]
    one = s.get("/api/v1/reports?window=" + wid, headers=aud.cookie)
    assert one.status == 200 and [w["window"]["id"] for w in one.json()["windows"]] == [wid]
    assert one.json()["windows"][0] == digital[0]
    assert s.ctl("report", "--window", wid).stdout == one.body + b"\n"
    byroute = s.get("/api/v1/reports?route=digital", headers=aud.cookie).json()
    assert {w["window"]["route"] for w in byroute["windows"]} == {"Digital"}

    # the CSV: parsed by Python's csv module, every row the JSON implies
    c = s.get("/api/v1/reports?format=csv", headers=aud.cookie)
    assert c.status == 200 and c.header("content-type").startswith("text/csv"), c
    assert "attachment" in c.header("content-disposition")
    assert c.body == s.ctl("report", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(c.body.decode("utf-8"), newline="")))
    assert rows[0] == ["scope", "id", "figure", "item", "detail", "value"]
    got = sorted(tuple(unformula(x) for x in row) for row in rows[1:])
    assert got == sorted(expected_rows(rep)), "CSV and JSON differ"

    # refusals: parameters, unknown window or route, no one signed in
    # (every role's answer: test_authz.py)
    for q in ("window=nope", "format=xml", "route=", "colour=red", "window=" + wid + "&window=" + wid):
        assert_json_error(s.get("/api/v1/reports?" + q, headers=aud.cookie), 400)
    assert_json_error(s.get("/api/v1/reports?window=w-0000000000000000", headers=aud.cookie), 404)
    assert_json_error(s.get("/api/v1/reports?route=Catering", headers=aud.cookie), 404)
    assert_json_error(s.get("/api/v1/reports"), 401)
    p = s.ctl("report", "--format", "xml", check=False)
    assert p.returncode == 2
