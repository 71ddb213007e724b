"""Supporting documents through the real stack (core/domain/documents.c,
fcgi/h_documents.c, nginx's upload location): one journey that attaches
real tiny files of every type to a draft, is refused by type, size, count,
role and organisation, downloads them as each role may, submits, and
proves with htq-verify (and Go's verifier on the same export) that the
submitted entry commits to each file; nginx refusing large bodies unread;
and SIGKILLed workers during uploads leaving no record without its file."""
import hashlib
import json
import os
import random
import subprocess
import tempfile
import threading
import time
import urllib.parse

import jsonschema

from harness import (ROOT, assert_json_error, content, create, entries_since, export_ledger,
                     fcgi_master, fcgi_workers, ledger_size, people, verify_export,
                     wait_healthy)
from test_schemas import schema
from test_security import send_body, worker_lines

CORPUS = os.path.join(ROOT, "tests", "regress", "corpus", "documents")
GOOD = {"spec.pdf": "pdf", "mapping.docx": "docx", "coverage.xlsx": "xlsx",
        "strategy.odt": "odt", "ksbs.ods": "ods", "units.csv": "csv"}
MAX_DOCUMENT = 10 * 1024 * 1024     # HTQ_MAX_DOCUMENT
MAX_DOCUMENTS = 20                  # HTQ_MAX_DOCUMENTS


def read(name):
    with open(os.path.join(CORPUS, name), "rb") as f:
        return f.read()


def upload(s, who, sid, name, data, ctype="application/octet-stream"):
    return s.post("/api/v1/submissions/%s/documents?name=%s" % (sid, urllib.parse.quote(name)),
                  body=data, headers=dict(who.h, **{"Content-Type": ctype}))


def doc_path(s, sha):
    return os.path.join(s.data, "documents", sha[:2], sha[2:])


def test_documents_journey_types_limits_roles_and_the_ledger(s):
    p = people(s)
    north, meridian = p["north"], p["meridian"]
    sid = create(s, north, content(s, title="HNC with evidence"))["id"]
    names = {"spec.pdf": "Specification.pdf", "mapping.docx": "Mapping.docx",
             "coverage.xlsx": "Coverage.xlsx", "strategy.odt": "Strategy.odt",
             "ksbs.ods": "KSBs.ods", "units.csv": "KSB map \u2013 Jo Bloggs.csv"}
    sha = {}
    for f, t in GOOD.items():
        # the declared type is not what decides: all sent as octet-stream
        r = upload(s, north, sid, names[f], read(f))
        assert r.status == 201, (f, r)
        listed = {d["sha256"]: d for d in r.json()["documents"]}
        sha[f] = hashlib.sha256(read(f)).hexdigest()
        assert listed[sha[f]] == {"sha256": sha[f], "name": names[f], "type": t,
                                  "size": len(read(f))}, listed
        with open(doc_path(s, sha[f]), "rb") as fh:
            assert fh.read() == read(f)
        assert os.stat(doc_path(s, sha[f])).st_mode & 0o777 == 0o600
    jsonschema.validate(r.json()["documents"], schema("submission.schema.json")["properties"]
                        ["documents"], cls=jsonschema.Draft202012Validator)
    # refused by content, whatever the name or declared type
    for f, name, ctype in (("program.pdf", "spec.pdf", "application/pdf"),
                           ("not-office.zip", "plan.docx", "application/vnd.openxmlformats-"
                            "officedocument.wordprocessingml.document"),
                           ("macros.docm", "plan.docx", "application/octet-stream"),
                           ("page.csv", "units.csv", "text/csv")):
        r = upload(s, north, sid, name, read(f), ctype)
        assert_json_error(r, 415, "unsupported_type")
    # too large: nginx refuses the body past HTQ_MAX_DOCUMENT (JSON 413)
    r = upload(s, north, sid, "big.csv", b"a,b\n" + b"x" * MAX_DOCUMENT)
    assert_json_error(r, 413)
    # the same bytes again; no name; a bad name; other roles and organisations
    assert_json_error(upload(s, north, sid, "again.pdf", read("spec.pdf")), 409)
    r = s.post("/api/v1/submissions/%s/documents" % sid, body=b"a,b\n", headers=north.h)
    assert_json_error(r, 400)
    assert_json_error(upload(s, north, sid, "../x.csv", b"a,b\n"), 422)
    assert_json_error(upload(s, p["reviewer"], sid, "r.csv", b"a,b\n"), 403)
    assert_json_error(upload(s, meridian, sid, "m.csv", b"a,b\n"), 404)
    # the count: up to HTQ_MAX_DOCUMENTS, then 409
    extra = []
    for i in range(MAX_DOCUMENTS - len(GOOD)):
        r = upload(s, north, sid, "part %d.csv" % i, ("n,i\n%d,%d\n" % (i, i)).encode())
        assert r.status == 201, r
        extra.append(hashlib.sha256(("n,i\n%d,%d\n" % (i, i)).encode()).hexdigest())
    assert_json_error(upload(s, north, sid, "one more.csv", b"x,y\n"), 409)
    for x in extra:
        r = s.request("DELETE", "/api/v1/submissions/%s/documents/%s" % (sid, x), headers=north.h)
        assert r.status == 200, r
    assert len(r.json()["documents"]) == len(GOOD)
    url = "/api/v1/submissions/%s/documents/" % sid
    # a draft's evidence is the organisation's alone
    r = s.get(url + sha["spec.pdf"], headers=north.cookie)
    assert r.status == 200 and r.body == read("spec.pdf"), r
    assert r.header("content-type") == "application/pdf"
    assert r.header("x-content-type-options") == "nosniff"
    assert r.header("content-disposition") == (
        'attachment; filename="Specification.pdf"; filename*=UTF-8\'\'Specification.pdf')
    r = s.get(url + sha["units.csv"], headers=north.cookie)
    assert r.header("content-disposition") == (
        'attachment; filename="KSB map ___ Jo Bloggs.csv"; '
        "filename*=UTF-8''KSB%20map%20%E2%80%93%20Jo%20Bloggs.csv"), r.header("content-disposition")
    for who in ("reviewer", "approver", "auditor"):
        assert_json_error(s.get(url + sha["spec.pdf"], headers=p[who].cookie), 404)
    assert_json_error(s.get(url + sha["spec.pdf"], headers=meridian.cookie), 404)
    assert_json_error(s.get(url + sha["spec.pdf"], headers=p["admin"].cookie), 403)
    assert_json_error(s.get(url + sha["spec.pdf"]), 401)
    # submitted: the entry commits to every file (sorted, no names)
    before = ledger_size(s)
    r = s.post("/api/v1/submissions/%s/submit" % sid, headers=north.h)
    assert r.status == 200, r
    e = [x for x in entries_since(s, before) if x["type"] == "submission.submitted"][-1]
    assert e["subject"] == sid
    want = sorted(({"sha256": sha[f], "size": len(read(f)), "type": t} for f, t in GOOD.items()),
                  key=lambda d: d["sha256"])
    assert e["data"]["documents"] == want, e["data"]
    text = json.dumps(e)
    assert not any(n in text for n in names.values()) and "Bloggs" not in text
    # now the reviewers, approvers and auditors read it; administrators do not
    for who in ("north", "reviewer", "approver", "auditor"):
        r = s.get(url + sha["mapping.docx"], headers=p[who].cookie)
        assert r.status == 200 and r.body == read("mapping.docx"), (who, r)
    assert_json_error(s.get(url + sha["mapping.docx"], headers=p["admin"].cookie), 403)
    assert_json_error(s.get(url + sha["mapping.docx"], headers=meridian.cookie), 404)
    assert_json_error(s.get(url + "0" * 64, headers=p["auditor"].cookie), 404)
    # frozen
    assert_json_error(upload(s, north, sid, "late.csv", b"l,a\n"), 409)
    r = s.request("DELETE", url + sha["spec.pdf"], headers=north.h)
    assert_json_error(r, 409)
    # an auditor proves from the export which files the submission rested on
    with tempfile.TemporaryDirectory() as tmp:
        exp = os.path.join(tmp, "ledger.jsonl")
        export_ledger(s, exp)
        keys = os.path.join(tmp, "keys.txt")
        with open(keys, "wb") as fh:
            fh.write(s.get("/api/v1/ledger/key").body)
        files = []
        for f in GOOD:
            files.append(os.path.join(tmp, f))
            with open(files[-1], "wb") as fh:
                fh.write(read(f))
        hv = os.path.join(s.bin, "htq-verify")
        r = subprocess.run([hv, "document"] + files + ["--entries", exp, "--key", keys],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        for f in GOOD:
            assert ("document %s: sha256 %s, %d bytes, %s: committed to by entry %d, "
                    "submission.submitted of %s" % (os.path.join(tmp, f), sha[f], len(read(f)),
                                                   GOOD[f], e["seq"], sid)) in r.stdout, r.stdout
        # a file it did not rest on, and one with a byte changed
        forged = os.path.join(tmp, "forged.pdf")
        with open(forged, "wb") as fh:
            fh.write(read("spec.pdf").replace(b"200 200", b"200 201"))
        r = subprocess.run([hv, "document", files[0], forged, os.path.join(CORPUS, "cut-short.pdf"),
                            "--entries", exp, "--key", keys], capture_output=True, text=True)
        assert r.returncode == 1 and r.stdout.count("NOT committed") == 2, r.stdout + r.stderr
        # with no file, every commitment is listed
        r = subprocess.run([hv, "document", "--entries", exp, "--key", keys],
                           capture_output=True, text=True)
        assert r.returncode == 0 and "%s: document %s" % (sid, sha["ksbs.ods"]) in r.stdout, \
            r.stdout + r.stderr
        # a tampered export is no proof
        with open(exp) as fh:
            lines = fh.read().splitlines()
        i = next(i for i, l in enumerate(lines) if sha["spec.pdf"] in l)
        lines[i] = lines[i].replace(sha["spec.pdf"], hashlib.sha256(b"x").hexdigest())
        bad = os.path.join(tmp, "bad.jsonl")
        with open(bad, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        r = subprocess.run([hv, "document", files[0], "--entries", bad, "--key", keys],
                           capture_output=True, text=True)
        assert r.returncode == 1 and "committed to" not in r.stdout, r.stdout + r.stderr
        # the Go verifier (tests/interop) accepts entries with the new field
        verify_export(s, exp, tmp)


def test_nginx_refuses_large_bodies_unread(s):
    """Only the upload route takes more than 1 MiB, and only with a
    credential of the right shape: without one nginx answers 401 before
    reading; past HTQ_MAX_DOCUMENT it answers 413; no worker reads a
    byte of either."""
    path = "/api/v1/submissions/s-0000000000000000/documents?name=a.csv"
    start = len(s.output())
    status, data, took = send_body(s, "POST", path, {}, 8 << 20)
    assert status == 401 and took < 1.0 and b"application/json" in data, (status, took, data)
    status, data, took = send_body(s, "POST", path, {"Cookie": "htq_session=" + "0" * 64},
                                   MAX_DOCUMENT + 1)
    assert status == 413 and took < 1.0 and b"application/json" in data, (status, took, data)
    # other routes stay at their limits
    status, _, _ = send_body(s, "POST", "/api/v1/submissions/s-0000000000000000/submit",
                             {"Cookie": "htq_session=" + "0" * 64}, 2 << 20)
    assert status == 413
    time.sleep(0.3)
    big = [l for l in worker_lines(s.output()[start:]) if int(l.get("body", "0")) > (1 << 20)]
    assert not big, big


def test_kill9_during_uploads_leaves_no_record_without_its_file(s):
    """Workers are SIGKILLed while uploads run; afterwards every document
    any submission lists has its file, byte for byte, and every
    acknowledged upload is listed."""
    p = people(s)
    north = p["north"]
    master = fcgi_master(s)
    workers = len(fcgi_workers(master))
    drafts = [create(s, north, content(s, title="kill %d" % i))["id"] for i in range(2)]
    acked, lock = [], threading.Lock()

    def run(k):
        for i in range(15):
            data = ("k,i\n%d,%d\n" % (k, i)).encode() + b"y" * (256 << 10)
            try:
                r = upload(s, north, drafts[k], "k%d-%d.csv" % (k, i), data)
            except OSError:
                continue
            if r.status == 201:
                with lock:
                    acked.append((drafts[k], hashlib.sha256(data).hexdigest()))

    ts = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in ts:
        t.start()
    rng, kills = random.Random(2828), 0
    while any(t.is_alive() for t in ts) and kills < 8:
        time.sleep(rng.uniform(0.02, 0.08))
        kids = fcgi_workers(master)
        if kids:
            try:
                os.kill(rng.choice(kids), 9)
                kills += 1
            except ProcessLookupError:
                pass
    for t in ts:
        t.join()
    wait_healthy(s, workers)
    assert kills >= 3 and acked, (kills, len(acked))
    listed = set()
    for sid in drafts:
        r = s.get("/api/v1/submissions/" + sid, headers=north.cookie)
        for d in r.json().get("documents", []):
            listed.add((sid, d["sha256"]))
            with open(doc_path(s, d["sha256"]), "rb") as fh:
                assert hashlib.sha256(fh.read()).hexdigest() == d["sha256"]
    assert set(acked) <= listed, set(acked) - listed
