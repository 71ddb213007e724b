"""The ledger through the public API and the export, checked by our
verifier, by Go's sumdb/note and sumdb/tlog, and against tampering."""
import base64
import json
import os
import shutil
import subprocess
import tempfile

import jsonschema

from harness import ROOT, assert_json_error, go_interop

SCHEMAS = os.path.join(ROOT, "schemas")


def schema_check(doc, name):
    with open(os.path.join(SCHEMAS, name)) as f:
        jsonschema.validate(doc, json.load(f), cls=jsonschema.Draft202012Validator)


def verify(s, *args):
    return subprocess.run([os.path.join(s.bin, "htq-verify")] + list(args),
                          capture_output=True, text=True)


def keyfile(s, tmp):
    r = s.get("/api/v1/ledger/key")
    assert r.status == 200 and r.header("content-type").startswith("text/plain")
    path = os.path.join(tmp, "keys.txt")
    with open(path, "wb") as f:
        f.write(r.body)
    return path


def export(s, path):
    s.ctl("ledger", "export", "--out", path)
    with open(path) as f:
        return f.read().splitlines()


def test_health_reports_ledger_size(s):
    h = s.get("/api/v1/health").json()
    assert h["ledger"]["size"] >= 15, h  # one standard.imported per version
    assert h["ledger"]["origin"] == "htq.localhost/ledger"


def test_checkpoint_is_signed_note(s):
    r = s.get("/api/v1/ledger/checkpoint")
    assert r.status == 200
    assert r.header("content-type").startswith("text/plain")
    text = r.body.decode()
    body, _, sigs = text.partition("\n\n")
    lines = body.split("\n")
    assert lines[0] == "htq.localhost/ledger"
    assert int(lines[1]) == s.get("/api/v1/health").json()["ledger"]["size"]
    assert len(base64.b64decode(lines[2])) == 32
    assert sigs.startswith("\u2014 htq.localhost/ledger ")


def test_entries_paging_and_shape(s):
    size = s.get("/api/v1/health").json()["ledger"]["size"]
    r = s.get("/api/v1/ledger/entries")
    assert r.status == 200
    doc = r.json()
    schema_check(doc, "ledger-entries.schema.json")
    assert [e["seq"] for e in doc["entries"]] == list(range(min(size, 100)))
    for e in doc["entries"]:
        entry = json.loads(e["entry"])
        schema_check(entry, "ledger-entry.schema.json")
        assert list(entry) == ["v", "seq", "time", "type", "actor", "subject",
                               "data", "prev", "kid"]
        assert e["entry"] == json.dumps(entry, separators=(",", ":"), ensure_ascii=False)
    first = json.loads(doc["entries"][0]["entry"])
    assert first["type"] == "standard.imported" and first["prev"] == "0" * 64
    r = s.get("/api/v1/ledger/entries?start=2&end=5").json()
    assert [e["seq"] for e in r["entries"]] == [2, 3, 4] and "next" not in r
    r = s.get("/api/v1/ledger/entries?start=%d" % size).json()
    assert r["entries"] == [] and "next" not in r


def test_ledger_bad_parameters_400(s):
    size = s.get("/api/v1/health").json()["ledger"]["size"]
    for q in ("start=-1", "start=x", "start=%d" % (size + 1), "end=%d" % (size + 1),
              "start=3&end=2", "start=1&bogus=1", "start=99999999999999999999"):
        assert_json_error(s.get("/api/v1/ledger/entries?" + q), 400)
    for q in ("", "index=%d" % size, "index=0&size=%d" % (size + 1), "index=a",
              "index=0&size=0"):
        assert_json_error(s.get("/api/v1/ledger/proof/inclusion?" + q), 400)
    for q in ("", "old=0", "old=2&new=1", "old=1&new=%d" % (size + 1), "old=x"):
        assert_json_error(s.get("/api/v1/ledger/proof/consistency?" + q), 400)


def test_proof_shapes(s):
    size = s.get("/api/v1/health").json()["ledger"]["size"]
    p = s.get("/api/v1/ledger/proof/inclusion?index=0&size=%d" % size).json()
    schema_check(p, "inclusion-proof.schema.json")
    assert p["index"] == 0 and p["size"] == size and len(p["hashes"]) >= 1
    c = s.get("/api/v1/ledger/proof/consistency?old=1&new=%d" % size).json()
    schema_check(c, "consistency-proof.schema.json")


def test_go_interop_through_the_api(s):
    """Go's note.Open, tlog.CheckRecord and tlog.CheckTree accept the API."""
    tmp = tempfile.mkdtemp()
    try:
        exe = go_interop(tmp)
        r = subprocess.run([exe, s.api], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert "interop ok" in r.stdout
    finally:
        shutil.rmtree(tmp)


def test_export_verifies(s):
    tmp = tempfile.mkdtemp()
    try:
        keys = keyfile(s, tmp)
        path = os.path.join(tmp, "ledger.jsonl")
        lines = export(s, path)
        assert json.loads(lines[-1])["checkpoint"] == s.get("/api/v1/ledger/checkpoint").body.decode()
        for jobs in ("1", "2"):
            r = verify(s, "ledger", path, "--key", keys, "--jobs", jobs)
            assert r.returncode == 0, r.stderr
            assert "ledger valid: %d entries" % (len(lines) - 1) in r.stdout
        # the API's entries and checkpoint make the same verifiable file
        size = len(lines) - 1
        api = []
        start = 0
        while start < size:
            page = s.get("/api/v1/ledger/entries?start=%d&end=%d" % (start, size)).json()
            api += [json.dumps(e, separators=(",", ":"), ensure_ascii=False) for e in page["entries"]]
            start = page.get("next", size)
        api.append(json.dumps({"checkpoint": s.get("/api/v1/ledger/checkpoint").body.decode()}))
        p2 = os.path.join(tmp, "api.jsonl")
        with open(p2, "w") as f:
            f.write("\n".join(api) + "\n")
        r = verify(s, "ledger", p2, "--key", keys)
        assert r.returncode == 0, r.stderr
    finally:
        shutil.rmtree(tmp)


def test_eligibility_change_is_recorded_and_verifies(s):
    before = s.get("/api/v1/health").json()["ledger"]["size"]
    s.ctl("standards", "eligibility", "ST0118", "--no", "--reason", "Under review by the panel")
    assert s.get("/api/v1/standards/ST0118").json()["eligible"] is False
    after = s.get("/api/v1/health").json()["ledger"]["size"]
    assert after == before + 1
    e = s.get("/api/v1/ledger/entries?start=%d" % before).json()["entries"][0]
    entry = json.loads(e["entry"])
    assert entry["type"] == "standard.eligibility" and entry["subject"] == "ST0118"
    assert entry["data"] == {"eligible": False, "reason": "Under review by the panel", "ref": "ST0118"}
    s.ctl("standards", "eligibility", "ST0118", "--yes")
    # the new checkpoint is consistent with the old one
    tmp = tempfile.mkdtemp()
    try:
        keys = keyfile(s, tmp)
        old = os.path.join(tmp, "old.note")
        with open(old, "wb") as f:
            f.write(cp_at(s))
        proof = os.path.join(tmp, "proof.json")
        s.ctl("standards", "eligibility", "ST0118", "--no", "--reason", "again")
        new = os.path.join(tmp, "new.note")
        with open(new, "wb") as f:
            f.write(s.get("/api/v1/ledger/checkpoint").body)
        oldsize = int(open(old).read().split("\n")[1])
        newsize = int(open(new).read().split("\n")[1])
        with open(proof, "wb") as f:
            f.write(s.get("/api/v1/ledger/proof/consistency?old=%d&new=%d" % (oldsize, newsize)).body)
        r = verify(s, "consistency", old, new, "--proof", proof, "--key", keys)
        assert r.returncode == 0, r.stderr
        # presenting them the other way round is a rollback
        r = verify(s, "consistency", new, old, "--proof", proof, "--key", keys)
        assert r.returncode == 1 and "rollback" in r.stderr, r.stderr
        s.ctl("standards", "eligibility", "ST0118", "--yes")
    finally:
        shutil.rmtree(tmp)


def cp_at(s):
    return s.get("/api/v1/ledger/checkpoint").body


# --- tamper fixtures: each must be caught, exit 1, with a clear message ---

def tamper_cases(lines):
    """(name, new lines, expected words in the message)."""
    entries, cp = lines[:-1], lines[-1]

    def edit_entry(i, fn):
        d = json.loads(entries[i])
        d = fn(d)
        out = list(lines)
        out[i] = json.dumps(d, separators=(",", ":"), ensure_ascii=False)
        return out

    def flip_entry(d):
        d["entry"] = d["entry"].replace('"actor":"system"', '"actor":"systen"')
        return d

    def flip_sig(d):
        raw = bytearray(base64.b64decode(d["sig"]))
        raw[5] ^= 1
        d["sig"] = base64.b64encode(bytes(raw)).decode()
        return d

    def flip_cp(line):
        d = json.loads(line)
        body, _, sig = d["checkpoint"].partition("\n\n")
        parts = body.split("\n")
        parts[1] = str(int(parts[1]) + 0)  # same size...
        root = bytearray(base64.b64decode(parts[2]))
        root[0] ^= 1  # ...different root
        parts[2] = base64.b64encode(bytes(root)).decode()
        d["checkpoint"] = "\n".join(parts) + "\n\n" + sig
        return json.dumps(d)

    n = len(entries)
    # each message as htq-verify words it: what failed and where
    return [
        ("byte flipped in an entry", edit_entry(3, flip_entry),
         "entry 3: signature does not verify with key"),
        ("byte flipped in a signature", edit_entry(2, flip_sig),
         "entry 2: signature does not verify with key"),
        ("byte flipped in the checkpoint", entries + [flip_cp(cp)],
         "checkpoint: signature by htq.localhost/ledger does not verify"),
        ("entry dropped", entries[:4] + entries[5:] + [cp],
         "entry 4: expected seq 4, found 5 (entry missing, duplicated or out of order)"),
        ("entry duplicated", entries[:5] + [entries[4]] + entries[5:] + [cp],
         "entry 5: expected seq 5, found 4 (entry missing, duplicated or out of order)"),
        ("entries reordered", entries[:6] + [entries[7], entries[6]] + entries[8:] + [cp],
         "entry 6: expected seq 6, found 7 (entry missing, duplicated or out of order)"),
        ("export truncated", entries[:-2],
         "export ends after %d entries without a checkpoint line (truncated)" % (n - 2)),
        ("checkpoint line dropped", entries,
         "export ends after %d entries without a checkpoint line (truncated)" % n),
        ("trailing entry without checkpoint", entries + [cp, entries[0]],
         "line %d: data after the checkpoint line" % (n + 2)),
        ("not JSON", entries[:1] + ["{nope"] + entries[2:] + [cp],
         "entry 1: line is not a JSON object"),
    ]


def test_tamper_fixtures_are_caught(s):
    tmp = tempfile.mkdtemp()
    try:
        keys = keyfile(s, tmp)
        lines = export(s, os.path.join(tmp, "good.jsonl"))
        assert len(lines) > 10
        r = verify(s, "ledger", os.path.join(tmp, "good.jsonl"), "--key", keys)
        assert r.returncode == 0, r.stderr      # the untouched export verifies
        for name, bad, words in tamper_cases(lines):
            p = os.path.join(tmp, "bad.jsonl")
            with open(p, "w") as f:
                f.write("\n".join(bad) + "\n")
            for jobs in ("1", "2"):
                r = verify(s, "ledger", p, "--key", keys, "--jobs", jobs)
                assert r.returncode == 1, "%s (jobs %s) not caught: %s %s" % (name, jobs, r.stdout, r.stderr)
                assert r.stderr.startswith("htq-verify: " + words), \
                    "%s: message %r is not %r" % (name, r.stderr, words)
                assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    finally:
        shutil.rmtree(tmp)


def test_tamper_wrong_key_and_origin(s):
    tmp = tempfile.mkdtemp()
    try:
        keys = keyfile(s, tmp)
        good = os.path.join(tmp, "good.jsonl")
        export(s, good)
        other = os.path.join(tmp, "other")
        env = dict(HTQ_DATA=other)
        s.ctl("init", env=env)
        otherkey = s.ctl("key", "show", env=env).stdout.decode().strip()
        r = verify(s, "ledger", good, "--key", otherkey)
        assert r.returncode == 1 and r.stderr.startswith(
            "htq-verify: entry 0: field kid: signed with key"), r.stderr
        r = verify(s, "ledger", good, "--key", keys, "--origin", "evil.example/log")
        assert r.returncode == 1 and r.stderr.startswith(
            'htq-verify: checkpoint: origin is "htq.localhost/ledger", expected "evil.example/log"'), \
            r.stderr
        # a checkpoint of another log (other key) presented with --checkpoint
        cp = os.path.join(tmp, "other.note")
        with open(cp, "w") as f:
            f.write(s.ctl("ledger", "checkpoint", env=env).stdout.decode())
        r = verify(s, "ledger", good, "--key", keys, "--checkpoint", cp)
        assert r.returncode == 1 and r.stderr.startswith(
            "htq-verify: checkpoint %s: signed by an unknown key" % cp), r.stderr
        # usage errors exit 2
        assert verify(s, "ledger", good).returncode == 2
        assert verify(s, "bogus").returncode == 2
    finally:
        shutil.rmtree(tmp)


def test_rollback_and_rewrite_against_known_checkpoint(s):
    """An auditor who saw a newer checkpoint rejects an older export, and a
    rewritten history, even when every signature is valid."""
    tmp = tempfile.mkdtemp()
    try:
        keys = keyfile(s, tmp)
        oldexp = os.path.join(tmp, "old.jsonl")
        export(s, oldexp)
        s.ctl("standards", "eligibility", "ST0127", "--no", "--reason", "rollback test")
        s.ctl("standards", "eligibility", "ST0127", "--yes")
        newcp = os.path.join(tmp, "new.note")
        with open(newcp, "wb") as f:
            f.write(s.get("/api/v1/ledger/checkpoint").body)
        r = verify(s, "ledger", oldexp, "--key", keys, "--checkpoint", newcp)
        assert r.returncode == 1 and "older" in r.stderr, r.stderr
        newexp = os.path.join(tmp, "new.jsonl")
        export(s, newexp)
        r = verify(s, "ledger", newexp, "--key", keys, "--checkpoint", newcp)
        assert r.returncode == 0, r.stderr
        oldcp = os.path.join(tmp, "old.note")
        with open(oldcp, "w") as f:
            f.write(json.loads(open(oldexp).read().splitlines()[-1])["checkpoint"])
        r = verify(s, "ledger", newexp, "--key", keys, "--checkpoint", oldcp)
        assert r.returncode == 0, r.stderr
    finally:
        shutil.rmtree(tmp)


def test_key_rotation_is_followed(s):
    """After htqctl key rotate, the first key alone still verifies the whole
    export (the chain names the next key), /ledger/key lists both, newest
    last, and Go's verifiers accept the checkpoint signed by the new key."""
    tmp = tempfile.mkdtemp()
    try:
        first = s.get("/api/v1/ledger/key").body.decode().strip().splitlines()
        r = s.ctl("key", "rotate")
        assert b"rotated" in r.stdout
        s.ctl("standards", "eligibility", "ST0129", "--no", "--reason", "after rotation")
        keys = s.get("/api/v1/ledger/key").body.decode().strip().splitlines()
        assert keys[:len(first)] == first and len(keys) == len(first) + 1
        path = os.path.join(tmp, "rotated.jsonl")
        lines = export(s, path)
        types = [json.loads(json.loads(l)["entry"])["type"] for l in lines[:-1]]
        assert "key.rotated" in types
        r = verify(s, "ledger", path, "--key", first[0], "--jobs", "2")
        assert r.returncode == 0, r.stderr
        assert keys[-1].split("+")[1] in r.stdout  # ends on the new key
        test_go_interop_through_the_api(s)
        s.ctl("standards", "eligibility", "ST0129", "--yes")
    finally:
        shutil.rmtree(tmp)
