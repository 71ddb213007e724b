"""Ledger fixtures for the verifiers: exports, notes, bundles and proofs,
each built here with throwaway keys (seeds derived from fixed labels, so
every run builds the same bytes), each with the verdict docs/ledger.md
requires.  test_ledger_fixtures.py runs htq-verify (--jobs 1 and 2) and
the Go verifier (tests/interop/verify.go) on every case.

A case is (name, argv after the verifier's name, exit status, a piece of
the one-line reason, or of the "valid" line on success).

This module is an independent encoder of the contract: entries, notes
and the Merkle tree are written from docs/ledger.md, not with our C code.
"""
import base64
import hashlib
import json
import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

ORIGIN = "htq.localhost/ledger"
TIME = "2026-11-23T04:16:15Z"
CONTEXT = b"htq-ledger-entry/v1\n"
# Two seeds whose keys have the same 4-byte id under ORIGIN (found by a
# birthday search over sha256("htq-collide-<i>"); checked below).
COLLIDE = ("htq-collide-25284", "htq-collide-28546")


def b64(b):
    return base64.b64encode(b).decode()


class Key:
    def __init__(self, label, name=ORIGIN):
        self.label = label
        self.name = name
        self.priv = Ed25519PrivateKey.from_private_bytes(
            hashlib.sha256(label.encode()).digest())
        self.pk = self.priv.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.kid = hashlib.sha256(name.encode() + b"\n\x01" + self.pk).digest()[:4]
        self.vkey = "%s+%s+%s" % (name, self.kid.hex(), b64(b"\x01" + self.pk))

    def sign(self, msg):
        return self.priv.sign(msg)


# --- the canonical encoding, docs/ledger.md 1.2 ---

SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n",
         "\f": "\\f", "\r": "\\r"}


def enc_str(s):
    out = []
    for ch in s:
        if ch in SHORT:
            out.append(SHORT[ch])
        elif ord(ch) < 0x20:
            out.append("\\u%04X" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def enc(v):
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode())
        return "{" + ",".join(enc_str(k) + ":" + enc(v[k]) for k in keys) + "}"
    if isinstance(v, list):
        return "[" + ",".join(enc(x) for x in v) + "]"
    if isinstance(v, str):
        return enc_str(v)
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v)
    raise ValueError(v)


def entry_bytes(seq, type_, data, prev, kid, time=TIME, actor="system",
                subject="ledger", data_raw=None):
    return ('{"v":1,"seq":%d,"time":%s,"type":%s,"actor":%s,"subject":%s,'
            '"data":%s,"prev":"%s","kid":"%s"}' % (
                seq, enc_str(time), enc_str(type_), enc_str(actor),
                enc_str(subject), data_raw if data_raw is not None else enc(data),
                prev.hex(), kid.hex())).encode()


def leaf_hash(e):
    return hashlib.sha256(b"\x00" + e).digest()


def mth(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def inclusion_path(i, leaves):
    if len(leaves) <= 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if i < k:
        return inclusion_path(i, leaves[:k]) + [mth(leaves[k:])]
    return inclusion_path(i - k, leaves[k:]) + [mth(leaves[:k])]


def note(body, *signers, sigline=None, extra=""):
    """A signed note: body, blank line, one line per signer, then extra."""
    text = body + "\n"
    for k in signers:
        text += "\u2014 %s %s\n" % (k.name, b64(k.kid + k.sign(body.encode())))
    if sigline is not None:
        text += sigline
    return text + extra


def cp_body(size, root, origin=ORIGIN):
    return "%s\n%d\n%s\n" % (origin, size, b64(root))


class Ledger:
    """An export under construction.  Entries are signed by the current
    key unless told otherwise; key.rotated moves the current key."""

    def __init__(self, key):
        self.key = key
        self.lines = []
        self.entries = []
        self.prev = bytes(32)

    def add_raw(self, e, signer=None):
        signer = signer or self.key
        seq = len(self.entries)
        self.lines.append(json.dumps({"seq": seq, "entry": e.decode(),
                                      "sig": b64(signer.sign(CONTEXT + e))},
                                     separators=(",", ":"), ensure_ascii=False))
        self.entries.append(e)
        self.prev = leaf_hash(e)
        return e

    def add(self, type_="test.event", data=None, signer=None, kid=None, **kw):
        e = entry_bytes(len(self.entries), type_, {"n": len(self.entries)}
                        if data is None else data, self.prev,
                        kid or self.key.kid, **kw)
        return self.add_raw(e, signer)

    def rotate(self, new, old_vkey=None, new_vkey=None, data=None, signer=None):
        d = data if data is not None else {
            "old_key": old_vkey if old_vkey is not None else self.key.vkey,
            "new_key": new_vkey if new_vkey is not None else new.vkey}
        self.add("key.rotated", d, signer=signer)
        self.key = new

    def root(self, size=None):
        return mth([leaf_hash(e) for e in self.entries[:size]])

    def checkpoint(self, signer=None, size=None, origin=ORIGIN, **kw):
        size = len(self.entries) if size is None else size
        return note(cp_body(size, self.root(size), origin), signer or self.key, **kw)

    def write(self, path, cp=None, tail=""):
        cp = self.checkpoint() if cp is None else cp
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("\n".join(self.lines + [json.dumps({"checkpoint": cp})]) + "\n" + tail)

    def bundle(self, i, cp=None, revocation=None):
        leaves = [leaf_hash(e) for e in self.entries]
        b = {"entry": self.entries[i].decode(), "sig": json.loads(self.lines[i])["sig"],
             "index": i, "proof": [b64(h) for h in inclusion_path(i, leaves)],
             "checkpoint": cp or self.checkpoint()}
        if revocation is not None:
            b["revocation"] = {"entry": self.entries[revocation].decode(),
                               "sig": json.loads(self.lines[revocation])["sig"],
                               "index": revocation,
                               "proof": [b64(h) for h in inclusion_path(revocation, leaves)]}
        return b


def basic(k, n=4):
    lg = Ledger(k)
    for _ in range(n):
        lg.add()
    return lg


def cases(d):
    """Write every fixture into directory d; return the list of cases."""
    k1, k2, k3 = Key("fixture-k1"), Key("fixture-k2"), Key("fixture-k3")
    other_name = Key("fixture-k4", name="other.example/log")
    ca, cb = Key(COLLIDE[0]), Key(COLLIDE[1])
    assert ca.kid == cb.kid and ca.pk != cb.pk
    out = []

    def path(name):
        return os.path.join(d, name)

    def keyfile(name, *keys):
        with open(path(name), "w") as f:
            f.write("".join(k.vkey + "\n" for k in keys))
        return path(name)

    def text(name, s, mode="w"):
        with open(path(name), mode) as f:
            f.write(s)
        return path(name)

    def ledger_case(name, lg, code, reason, keys=(k1,), cp=None, tail="",
                    extra=()):
        lg.write(path(name + ".jsonl"), cp, tail)
        args = ["ledger", path(name + ".jsonl")]
        for k in keys:
            args += ["--key", k.vkey]
        out.append((name, args + list(extra), code, reason))

    # --- accepted ---
    ledger_case("good", basic(k1), 0, "ledger valid: 4 entries")
    lg = basic(k1, 2)
    lg.add(data={"z": "\u00e9/\"\\\n\x01\x7f", "a": [1, -2, True, False, None, {}],
                 "m": {"b": {"c": 9223372036854775807}, "a": -9223372036854775808}})
    ledger_case("good-escapes", lg, 0, "ledger valid: 3 entries")
    lg = basic(k1, 1)
    keys = [k1]
    for i in range(70):
        nk = Key("fixture-rot-%d" % i)
        lg.rotate(nk)
        keys.append(nk)
        lg.add()
    ledger_case("rotations-70", lg, 0, "ledger valid: 141 entries")
    ledger_case("rotations-70-full-list", lg, 0, "ledger valid: 141 entries",
                keys=keys)
    lg = basic(k1, 2)
    lg.rotate(k2)
    lg.add()
    saved = text("later-key.note", lg.checkpoint())
    lg.add()
    ledger_case("checkpoint-by-later-key", lg, 0, "ledger valid: 5 entries",
                extra=["--checkpoint", saved])
    saved_old = text("earlier-key.note", note(cp_body(2, lg.root(2)), k1))
    ledger_case("checkpoint-by-first-key", lg, 0, "ledger valid",
                extra=["--checkpoint", saved_old])

    # --- 1: reading ---
    ledger_case("junk-after-checkpoint", basic(k1), 1,
                "data after the checkpoint line", tail="junk" * 1000)
    lg = basic(k1)
    lg.lines[2] = lg.lines[2][:-1] + "," + '"pad":"' + "x" * 70000 + '"}'
    ledger_case("line-too-long", lg, 1, "line 3 is longer than")
    os.mkdir(path("a-directory"))
    out.append(("read-error", ["ledger", path("a-directory"), "--key", k1.vkey], 1,
                "read error"))

    # --- 2: signed notes (the final checkpoint line) ---
    def final_note_case(name, **kw):
        lg = basic(k1)
        ledger_case(name, lg, 1, "malformed", cp=lg.checkpoint(**kw))
    final_note_case("note-junk-after-signature", extra="junk\n")
    final_note_case("note-blank-after-signature", extra="\n")
    lg = basic(k1)
    body = cp_body(4, lg.root())
    good = note(body, k1)
    ledger_case("note-sig-line-no-space", lg, 1, "malformed",
                cp=body + "\n\u2014 nospace\n" + good[len(body) + 1:])
    ledger_case("note-sig-line-not-base64", lg, 1, "malformed",
                cp=body + "\n\u2014 other.example/log !!!notbase64!!!\n" + good[len(body) + 1:])
    ledger_case("note-sig-line-short", lg, 1, "malformed",
                cp=good + "\u2014 other.example/log AAAA\n")
    ledger_case("note-sig-line-plus-in-name", lg, 1, "malformed",
                cp=good + "\u2014 a+b %s\n" % b64(bytes(68)))
    ledger_case("note-sig-line-hyphen", lg, 1, "malformed",
                cp=good + "- x %s\n" % b64(bytes(68)))
    ledger_case("note-no-final-newline", lg, 1, "malformed", cp=good[:-1])
    ledger_case("note-control-char", lg, 1, "malformed", cp=good.replace(ORIGIN + "\n", ORIGIN + "\t\n", 1))
    # a NUL in a signature name: only raw bytes can carry it (a JSON
    # string with \u0000 is refused by the line parser), so --checkpoint
    lg = basic(k1)
    nul = good + "\u2014 bad\x00name %s\n" % b64(bytes(68))
    saved = text("nul-name.note", nul)
    ledger_case("note-nul-in-name", lg, 1, "malformed",
                extra=["--checkpoint", saved])
    # unknown signers alongside a good one are fine
    ledger_case("note-extra-unknown-signature", lg, 0, "ledger valid",
                cp=good + "\u2014 other.example/log %s\n" % b64(bytes(68)))
    ledger_case("note-known-signature-bad", lg, 1, "does not verify",
                cp=body + "\n\u2014 %s %s\n" % (k1.name, b64(k1.kid + bytes(64))))

    # --- 3: entries parsed, not read by position ---
    def bad_entry(name, field, reason=None, **kw):
        lg = basic(k1, 1)
        e = entry_bytes(1, "test.event", {"n": 1}, lg.prev, k1.kid)
        for old, new in kw.get("replace", []):
            assert old.encode() in e, (name, old)
            e = e.replace(old.encode(), new.encode(), 1)
        if "raw" in kw:
            e = kw["raw"](lg.prev).encode()
        lg.add_raw(e)
        lg.add()
        ledger_case(name, lg, 1, reason or ("entry 1: field %s" % field))

    bad_entry("time-month-13", "time", replace=[(TIME, "2026-13-45T99:99:99Z")])
    bad_entry("time-x", "time", replace=[(TIME, "X" * 20)])
    bad_entry("time-feb-30", "time", replace=[(TIME, "2026-02-30T00:00:00Z")])
    bad_entry("time-offset", "time", replace=[('"%s"' % TIME, '"2026-11-23T04:16:15+00:00"')])
    bad_entry("invalid-json-middle", "data", replace=[('{"n":1}', '{"n":}')])
    bad_entry("data-unsorted", "data", replace=[('{"n":1}', '{"n":1,"a":2}')])
    bad_entry("data-spaced", "data", replace=[('{"n":1}', '{"n": 1}')])
    bad_entry("data-duplicate-key", "data", replace=[('{"n":1}', '{"n":1,"n":1}')])
    bad_entry("data-not-object", "data", replace=[('{"n":1}', '[1]')])
    bad_entry("data-escaped-non-ascii", "data", replace=[('{"n":1}', '{"n":"\\u00e9"}')])
    bad_entry("data-lowercase-u-escape", "data", replace=[('{"n":1}', '{"n":"\\u001f"}')])
    bad_entry("data-escaped-slash", "data", replace=[('{"n":1}', '{"n":"\\/"}')])
    bad_entry("data-minus-zero", "data", replace=[('{"n":1}', '{"n":-0}')])
    bad_entry("data-real", "data", replace=[('{"n":1}', '{"n":1.5}')])
    bad_entry("data-leading-zero", "data", replace=[('{"n":1}', '{"n":01}')])
    bad_entry("data-too-big", "data", replace=[('{"n":1}', '{"n":9223372036854775808}')])
    bad_entry("data-nul", "data", replace=[('{"n":1}', '{"n":"\\u0000"}')])
    bad_entry("extra-field", "data", replace=[(',"data"', ',"extra":1,"data"')])
    bad_entry("extra-field-at-end", "kid", replace=[('"}', '","x":1}')])
    bad_entry("missing-field", "actor", replace=[(',"actor":"system"', '')])
    bad_entry("duplicate-type", "actor", replace=[(',"actor"', ',"type":"key.rotated","actor"')])
    bad_entry("type-escaped", "type", replace=[('"test.event"', '"key\\u002erotated"')])
    bad_entry("type-empty", "type", replace=[('"test.event"', '""')])
    bad_entry("type-upper", "type", replace=[('"test.event"', '"Test.event"')])
    bad_entry("prev-upper-hex", "prev", raw=lambda prev: entry_bytes(
        1, "test.event", {"n": 1}, prev, k1.kid).decode().replace(prev.hex(), prev.hex().upper()))
    bad_entry("kid-upper-hex", "kid", replace=[('"kid":"%s"' % k1.kid.hex(), '"kid":"%s"' % k1.kid.hex().upper())])
    bad_entry("v-2", "v", replace=[('{"v":1', '{"v":2')])
    bad_entry("seq-string", "seq", replace=[('"seq":1', '"seq":"1"')])
    bad_entry("actor-space", "actor", replace=[('"system"', '"sys tem"')])
    bad_entry("subject-escape", "subject", replace=[('"ledger"', '"led\\"ger"')])
    bad_entry("trailing-space", "kid", replace=[('"}', '"} ')])
    bad_entry("leading-space", "v", replace=[('{"v"', ' {"v"')])

    # --- 4: rotations ---
    def rot_case(name, reason, **kw):
        lg = basic(k1, 2)
        lg.rotate(kw.pop("new", k2), **kw)
        lg.add()
        ledger_case(name, lg, 1, reason)
    rot_case("rotation-old-key-wrong", "entry 2: key.rotated: old_key", old_vkey=k3.vkey)
    rot_case("rotation-old-key-garbage", "entry 2: key.rotated: old_key", old_vkey="garbage")
    rot_case("rotation-old-key-missing", "entry 2: key.rotated: data",
             data={"new_key": k2.vkey})
    rot_case("rotation-extra-field", "entry 2: key.rotated: data",
             data={"new_key": k2.vkey, "old_key": k1.vkey, "x": 1})
    rot_case("rotation-other-name", "entry 2: key.rotated: new_key is named",
             new=other_name)
    rot_case("rotation-same-key", "entry 2: key.rotated: new_key", new=k1)
    rot_case("rotation-signed-by-new-key", "entry 2: signature does not verify",
             signer=k2)
    lg = basic(k1, 2)
    lg.rotate(k2)
    lg.rotate(k1)
    lg.add()
    ledger_case("rotation-back-to-retired", lg, 1, "entry 3: key.rotated: new_key")
    lg = basic(k1, 2)
    lg.add("key.rotated", {"old_key": k1.vkey, "new_key": k2.vkey})   # key stays k1
    lg.add()
    ledger_case("entry-after-rotation-by-old-key", lg, 1,
                "entry 3: field kid: signed with key %s, but the current key is %s" % (
                    k1.kid.hex(), k2.kid.hex()))

    # --- 7: several trusted keys ---
    lg = Ledger(k2)
    lg.add()
    lg.add()
    ledger_case("list-newest-key-starts", lg, 1,
                "entry 0: field kid: signed with key %s, but the current key is %s" % (
                    k2.kid.hex(), k1.kid.hex()), keys=(k1, k2))
    lg = basic(k1, 2)
    lg.rotate(k3)
    lg.add()
    ledger_case("list-rotation-to-unlisted-key", lg, 1,
                "entry 2: key.rotated: new_key %s is not the next key" % k3.kid.hex(),
                keys=(k1, k2))
    ledger_case("list-key-never-reached", basic(k1), 1,
                "trusted key %s (key 2 of the list) is never reached" % k2.kid.hex(),
                keys=(k1, k2))
    lg = basic(k1, 2)
    lg.rotate(k2)
    lg.add()
    ledger_case("list-full-chain", lg, 0, "ledger valid: 4 entries", keys=(k1, k2))
    ledger_case("list-first-key-only", lg, 0, "ledger valid: 4 entries, root",
                keys=(k1,))

    # --- 8: --checkpoint of another origin; the final note's origin ---
    lg = basic(k1)
    saved = text("other-origin.note", note(cp_body(2, lg.root(2), "evil.example/log"), k1))
    ledger_case("checkpoint-other-origin", lg, 1, "origin", extra=["--checkpoint", saved])
    ledger_case("final-other-origin", lg, 1, "checkpoint: origin",
                cp=note(cp_body(4, lg.root(), "evil.example/log"), k1))
    saved = text("retired-key.note", note(cp_body(4, lg.root()), k2))
    ledger_case("checkpoint-unknown-key", lg, 1, "unknown key",
                extra=["--checkpoint", saved])
    lg = basic(k1, 2)
    lg.rotate(k2)
    lg.add()
    saved = text("old-key-late.note", note(cp_body(4, lg.root()), k1))
    ledger_case("checkpoint-by-retired-key-after-rotation", lg, 1,
                "unknown key", extra=["--checkpoint", saved])
    ledger_case("final-by-retired-key", lg, 1, "checkpoint: signed by an unknown key",
                cp=note(cp_body(4, lg.root()), k1))

    # --- 5: bundles ---
    def bundle_case(name, b, code, reason, keys):
        with open(path(name + ".json"), "w") as f:
            json.dump(b, f)
        args = ["bundle", path(name + ".json")]
        for k in keys:
            args += ["--key", k.vkey]
        out.append((name, args, code, reason))

    lg = basic(k1, 2)
    lg.add("mark.awarded", {"mark": "m-1"}, subject="m-1")
    lg.rotate(k2)
    lg.add("mark.revoked", {"reason": "withdrawn"}, subject="m-1")
    bundle_case("bundle-good", lg.bundle(2), 0, "bundle valid: entry 2", (k1, k2))
    bundle_case("bundle-revoked", lg.bundle(2, revocation=4), 3,
                "REVOKED by entry 4", (k1, k2))
    bundle_case("bundle-revocation-other-subject", lg.bundle(2, revocation=1), 1,
                "revocation", (k1, k2))
    retired = Ledger(k1)
    retired.add("mark.awarded", {"mark": "m-9"}, subject="m-9")
    bundle_case("bundle-retired-key-alone", retired.bundle(0), 1,
                "checkpoint: signed by an unknown key", (k1, k2))
    bundle_case("bundle-other-origin", lg.bundle(2, cp=note(cp_body(5, lg.root(), "evil.example/log"), k2)),
                1, "origin", (k1, k2))
    bad = lg.bundle(2)
    bad["sig"] = b64(k2.sign(CONTEXT + lg.entries[2]))
    bundle_case("bundle-entry-signed-by-other-key", bad, 1,
                "entry 2: signature does not verify with key %s" % k1.kid.hex(), (k1, k2))
    cl = Ledger(cb)
    cl.add("mark.awarded", {"mark": "m-2"}, subject="m-2")
    bundle_case("bundle-colliding-key-ids", cl.bundle(0), 0, "bundle valid", (ca, cb))
    lg2 = basic(k1, 1)
    lg2.add_raw(entry_bytes(1, "mark.awarded", {"mark": "m-3"}, lg2.prev, k1.kid,
                            data_raw='{"mark": "m-3"}'))
    bundle_case("bundle-entry-not-canonical", lg2.bundle(1), 1, "entry: field data", (k1,))

    # --- 6: consistency ---
    def cons_case(name, old, new, proof, code, reason, keys=(k1,)):
        a = text(name + ".old", old)
        b = text(name + ".new", new)
        p = text(name + ".proof", json.dumps(proof))
        args = ["consistency", a, b, "--proof", p]
        for k in keys:
            args += ["--key", k.vkey]
        out.append((name, args, code, reason))

    lg = basic(k1)
    cons_case("consistency-from-0", note(cp_body(0, mth([])), k1), lg.checkpoint(),
              {"old": 0, "new": 4, "hashes": []}, 0, "consistent: 0 entries")
    cons_case("consistency-from-0-wrong-root", note(cp_body(0, bytes(32)), k1),
              lg.checkpoint(), {"old": 0, "new": 4, "hashes": []}, 1, "size 0")
    cons_case("consistency-other-origin",
              note(cp_body(2, lg.root(2), "evil.example/log"), k1),
              note(cp_body(4, lg.root(), "evil.example/log"), k1),
              {"old": 2, "new": 4, "hashes": [b64(mth([leaf_hash(e) for e in lg.entries[2:4]]))]},
              1, "origin")
    cons_case("consistency-good",
              note(cp_body(2, lg.root(2)), k1), lg.checkpoint(),
              {"old": 2, "new": 4, "hashes": [b64(mth([leaf_hash(e) for e in lg.entries[2:4]]))]},
              0, "consistent: 2 entries extend to 4")
    cl = basic(cb)
    cons_case("consistency-colliding-key-ids",
              note(cp_body(2, cl.root(2)), cb), cl.checkpoint(),
              {"old": 2, "new": 4, "hashes": [b64(mth([leaf_hash(e) for e in cl.entries[2:4]]))]},
              0, "consistent", keys=(ca, cb))
    return out
