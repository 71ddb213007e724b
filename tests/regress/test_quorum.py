"""The witness rule of a verifier policy (docs/ledger.md 6.7, issue 24):
with witness lines, the log's latest checkpoint counts only when a quorum
of those witnesses cosigned it (C2SP cosignature/v1) within max_age, and
the time printed is the time that quorum vouches for.  The witnesses here
are this test's own Ed25519 keys (Python cryptography); they cosign the
checkpoints of the running stack's real ledger (htqctl ledger export).
Every case runs through htq-verify and the Go verifier
(tests/interop/verify.go), which must give the same exit status and the
same words: mark --entries (0 witnessed, 3 revoked, 4 could not check)
and ledger (0, or 1 when the export's checkpoint is not witnessed)."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

import ledger_fixtures as lf
from harness import content, demo_marks, people
from test_marks import reviewed
from test_verify_mark import go_exe, put_checkpoint, write_tiles

W1 = "regulator.witness.test"
W2 = "students.witness.test"


class Witness:
    """A cosignature/v1 signer: name, key id (type byte 0x04), vkey."""

    def __init__(self, label, name):
        self.name = name
        self.priv = Ed25519PrivateKey.from_private_bytes(
            hashlib.sha256(label.encode()).digest())
        self.pk = self.priv.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.kid = hashlib.sha256(name.encode() + b"\n\x04" + self.pk).digest()[:4]
        self.vkey = "%s+%s+%s" % (name, self.kid.hex(), lf.b64(b"\x04" + self.pk))

    def blob(self, body, ts):
        msg = b"cosignature/v1\ntime %d\n" % ts + body.encode()
        return self.kid + ts.to_bytes(8, "big") + self.priv.sign(msg)

    def cosign(self, body, ts):
        return "\u2014 %s %s\n" % (self.name, lf.b64(self.blob(body, ts)))


class LogKey:
    """The stack's own ledger key (DATA/keys/ledger.key), to sign a fork
    as a thief of the key would."""

    def __init__(self, path):
        line = open(path).read().strip()
        assert line.startswith("PRIVATE+KEY+"), "key file format"
        name, kid, seed = line[len("PRIVATE+KEY+"):].split("+", 2)
        raw = lf.base64.b64decode(seed)
        self.name, self.kid = name, bytes.fromhex(kid)
        self.priv = Ed25519PrivateKey.from_private_bytes(raw[1:])

    def sign(self, msg):
        return self.priv.sign(msg)


def body_of(note):
    return note[:note.rindex("\n\n") + 1]


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def export(s, path):
    """The stack's export: (entry lines, the checkpoint note)."""
    s.ctl("ledger", "export", "--out", path)
    lines = open(path, encoding="utf-8").read().splitlines()
    return lines[:-1], json.loads(lines[-1])["checkpoint"]


def write_export(path, lines, note):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines + [json.dumps({"checkpoint": note})]) + "\n")


def both(s, args):
    """[(who, exit status, stdout + stderr)] of htq-verify and Go."""
    out = []
    for who, exe in (("htq-verify", os.path.join(s.bin, "htq-verify")), ("go", go_exe())):
        if exe is None:
            continue
        r = subprocess.run([exe] + args, capture_output=True, text=True)
        out.append((who, r.returncode, (r.stdout + r.stderr).strip()))
    return out


def expect(s, args, code, *words, absent=()):
    for who, got, out in both(s, args):
        assert got == code, "%s %s: exit %d, want %d: %s" % (who, args[0], got, code, out)
        for w in words:
            assert w in out, "%s: %r lacks %r" % (who, out, w)
        for w in absent:
            assert w not in out, "%s: %r has %r" % (who, out, w)


class Case:
    """One stack ledger, a bundle, a policy file and a scratch folder."""

    def __init__(self, s, tmp, bundle):
        self.s, self.tmp = s, tmp
        self.keys = s.get("/.well-known/htq-ledger-keys").body.decode().split()
        self.origin = self.keys[0].split("+")[0]
        self.bundle = os.path.join(tmp, "bundle.json")
        with open(self.bundle, "w") as f:
            json.dump(bundle, f)
        self.pol = os.path.join(tmp, "policy")
        self.exp = os.path.join(tmp, "ledger.jsonl")

    def policy(self, witnesses=(), extra=""):
        with open(self.pol, "w") as f:
            f.write("origin %s\n" % self.origin + "".join("key %s\n" % k for k in self.keys) +
                    "".join("witness %s\n" % w.vkey for w in witnesses) + extra)
        return self

    def served(self, lines, note):
        write_export(self.exp, lines, note)
        return self

    def mark(self, code, *words, **kw):
        expect(self.s, ["mark", self.bundle, "--policy", self.pol, "--entries", self.exp],
               code, *words, **kw)
        return self

    def ledger(self, code, *words, **kw):
        expect(self.s, ["ledger", self.exp, "--policy", self.pol], code, *words, **kw)
        return self


def test_quorum_of_fresh_cosignatures(s):
    """Quorum met, one of two missing, stale, future, unknown key, bad
    signature, a cosignature over another body: the same verdict and
    words from both verifiers, on the stack's own checkpoint."""
    tmp = tempfile.mkdtemp()
    try:
        cur, _ = demo_marks(s)
        c = Case(s, tmp, s.get("/api/v1/marks/" + cur).json())
        lines, note = export(s, os.path.join(tmp, "raw.jsonl"))
        body = body_of(note)
        size = int(body.split("\n")[1])
        w1, w2 = Witness("quorum-w1", W1), Witness("quorum-w2", W2)
        now = int(time.time())
        good = w1.cosign(body, now - 100) + w2.cosign(body, now - 50)
        miss2 = "not witnessed (quorum 2 of 2 within 600 s): no valid cosignature from witness " + W2

        # no witness lines: as before issue 24, no cosignature needed
        c.policy().served(lines, note).mark(0, "not revoked as of the checkpoint of %d" % size,
                                            absent=("witnessed",))
        c.ledger(0, "ledger valid: %d entries" % size, absent=("witnessed",))
        # the bare checkpoint under a witness policy: could not check
        c.policy([w1, w2], "quorum 2\nmax_age 600\n")
        c.mark(4, "revocation NOT checked: the log's latest checkpoint (of %d entries) is not "
               "witnessed (quorum 2 of 2 within 600 s): no valid cosignature from witness %s; "
               "no valid cosignature from witness %s" % (size, W1, W2))
        c.ledger(1, "checkpoint of %d entries: not witnessed" % size)
        # the bundle's own checkpoint taken as the latest: the same rule
        expect(s, ["mark", c.bundle, "--policy", c.pol, "--bundle-checkpoint-is-latest"], 4,
               "is not witnessed (quorum 2 of 2 within 600 s)")
        # quorum met: the time shown is the older of the two (the
        # quorum-th newest), never the verifier's clock
        c.served(lines, note + good)
        c.mark(0, "the export's; witnessed at %s (quorum 2 of 2)" % iso(now - 100))
        c.ledger(0, "witnessed at %s (quorum 2 of 2)" % iso(now - 100))
        # one of two missing: quorum 2 fails, quorum 1 holds
        c.served(lines, note + w1.cosign(body, now - 100)).mark(4, miss2).ledger(1, miss2)
        c.policy([w1, w2], "quorum 1\nmax_age 600\n").mark(
            0, "witnessed at %s (quorum 1 of 2)" % iso(now - 100))
        c.policy([w1, w2], "quorum 2\nmax_age 600\n")
        # stale: its newest valid cosignature is named
        c.served(lines, note + w1.cosign(body, now - 100) + w2.cosign(body, now - 7200) +
                 w2.cosign(body, now - 3600))
        c.mark(4, "witness %s has not cosigned since %s" % (W2, iso(now - 3600)))
        c.ledger(1, "witness %s has not cosigned since %s" % (W2, iso(now - 3600)))
        # the same cosignatures with a longer max_age: witnessed
        c.policy([w1, w2], "max_age 7200\n").mark(
            0, "witnessed at %s (quorum 2 of 2)" % iso(now - 3600))
        c.policy([w1, w2], "quorum 2\nmax_age 600\n")
        # a future timestamp: over 300 s ahead is not valid; within is
        c.served(lines, note + w1.cosign(body, now - 100) + w2.cosign(body, now + 3600))
        c.mark(4, miss2).ledger(1, miss2)
        c.served(lines, note + w1.cosign(body, now - 100) + w2.cosign(body, now + 200))
        c.mark(0, "witnessed at %s (quorum 2 of 2)" % iso(now - 100))
        # a key not in the policy, even under a policy witness's name
        other, impostor = Witness("quorum-w3", "other.witness.test"), Witness("quorum-evil", W2)
        c.served(lines, note + w1.cosign(body, now - 100) + other.cosign(body, now - 10) +
                 impostor.cosign(body, now - 10))
        c.mark(4, miss2).ledger(1, miss2)
        # a bad signature (last byte changed)
        blob = bytearray(w2.blob(body, now - 50))
        blob[-1] ^= 1
        c.served(lines, note + w1.cosign(body, now - 100) +
                 "\u2014 %s %s\n" % (W2, lf.b64(bytes(blob))))
        c.mark(4, miss2).ledger(1, miss2)
        # a cosignature over another body: same origin and size, another root
        fork = "%s\n%d\n%s\n" % (c.origin, size, lf.b64(hashlib.sha256(b"fork").digest()))
        c.served(lines, note + w1.cosign(body, now - 100) + w2.cosign(fork, now - 50))
        c.mark(4, miss2).ledger(1, miss2)
        # a malformed signature line spoils the note, witness or not
        c.served(lines, note + w1.cosign(body, now - 100) + "\u2014 %s !!\n" % W2)
        c.mark(1).ledger(1)
        # the static tiles, their checkpoint cosigned: the same rule
        tiles = os.path.join(tmp, "tiles")
        write_tiles(tiles, [json.loads(x)["entry"].encode() for x in lines])
        put_checkpoint(tiles, note + good)
        expect(s, ["mark", c.bundle, "--policy", c.pol, "--entries", tiles], 0,
               "the log's latest, from the tiles; witnessed at %s (quorum 2 of 2)" % iso(now - 100))
        put_checkpoint(tiles, note + w1.cosign(body, now - 100))
        expect(s, ["mark", c.bundle, "--policy", c.pol, "--entries", tiles], 4, miss2)
    finally:
        shutil.rmtree(tmp)


def test_freeze_and_fork_after_a_revocation(s):
    """The attacks witnesses exist for.  A mark is awarded, then revoked.
    Freeze: the old checkpoint (validly signed, cosigned back then) is
    served after the revocation: without witnesses the mark reads as not
    revoked (0); with them, could not check (4, "has not cosigned since").
    Fork: the log's own key signs another history of the same size
    without the revocation, and the witnesses' cosignatures of the real
    checkpoint are copied onto it: without witnesses 0, with them 4 for
    the mark and 1 for the ledger."""
    tmp = tempfile.mkdtemp()
    try:
        p = people(s)
        sid = reviewed(s, p, content(s, title="HNC in Witnessed Ledgers", qan="610/2424/4"))
        r = s.post("/api/v1/submissions/%s/decision" % sid, headers=p["approver"].h,
                   body={"outcome": "approved", "reasons": "fine"})
        assert r.status == 200, r
        mid = r.json()["mark"]
        c = Case(s, tmp, s.get("/api/v1/marks/" + mid).json())
        w1, w2 = Witness("quorum-w1", W1), Witness("quorum-w2", W2)
        old_lines, old_note = export(s, os.path.join(tmp, "a.jsonl"))
        t0 = int(time.time()) - 7200           # cosigned two hours ago
        old = old_note + w1.cosign(body_of(old_note), t0) + w2.cosign(body_of(old_note), t0 + 60)
        r = s.post("/api/v1/marks/%s/revoke" % mid, headers=p["approver"].h,
                   body={"reason": "qualification_withdrawn"})
        assert r.status == 200, r
        lines, note = export(s, os.path.join(tmp, "b.jsonl"))
        now = int(time.time())
        fresh = note + w1.cosign(body_of(note), now - 20) + w2.cosign(body_of(note), now - 10)
        c.policy([w1, w2], "max_age 600\n")
        c.served(lines, fresh).mark(3, "revoked on")
        # consistency: the new checkpoint is the latest claimed
        m, n = int(old_note.split("\n")[1]), int(note.split("\n")[1])
        proof = s.get("/api/v1/ledger/proof/consistency?old=%d&new=%d" % (m, n))
        assert proof.status == 200, proof
        files = {}
        for name, text in (("old", old_note), ("new", fresh), ("bare", note),
                           ("proof", proof.body.decode())):
            files[name] = os.path.join(tmp, name)
            with open(files[name], "w") as f:
                f.write(text)
        for new, code, words in (
                ("new", 0, "consistent: %d entries extend to %d; witnessed at %s (quorum 2 of 2)"
                 % (m, n, iso(now - 20))),
                ("bare", 1, "not witnessed (quorum 2 of 2 within 600 s): no valid cosignature "
                 "from witness " + W1)):
            expect(s, ["consistency", files["old"], files[new], "--proof", files["proof"],
                       "--policy", c.pol], code, words)
        # freeze
        c.policy().served(old_lines, old).mark(0, "not revoked")
        c.policy([w1, w2], "max_age 600\n").mark(
            4, "revocation NOT checked", "witness %s has not cosigned since %s; witness %s has "
            "not cosigned since %s" % (W1, iso(t0), W2, iso(t0 + 60)))
        # fork: from the revocation on, other entries, same size
        rseq = next(i for i, x in enumerate(lines)
                    if '"type":"mark.revoked"' in json.loads(x)["entry"] and
                    '"subject":"%s"' % mid in json.loads(x)["entry"])
        key = LogKey(os.path.join(s.data, "keys", "ledger.key"))
        entries = [json.loads(x)["entry"].encode() for x in lines]
        forked = lines[:rseq]
        prev = lf.leaf_hash(entries[rseq - 1])
        for i in range(rseq, len(lines)):
            e = lf.entry_bytes(i, "test.fork", {"n": i}, prev, key.kid,
                               time=json.loads(json.loads(lines[i])["entry"])["time"])
            entries[i], prev = e, lf.leaf_hash(e)
            forked.append(json.dumps({"seq": i, "entry": e.decode(),
                                      "sig": lf.b64(key.sign(lf.CONTEXT + e))},
                                     separators=(",", ":")))
        fnote = lf.note(lf.cp_body(len(entries), lf.mth([lf.leaf_hash(e) for e in entries]),
                                   c.origin), key)
        assert body_of(fnote) != body_of(note) and fnote.split("\n")[1] == note.split("\n")[1]
        stolen = fnote + fresh[len(note):]
        c.policy().served(forked, stolen).mark(0, "not revoked").ledger(0, "ledger valid")
        c.policy([w1, w2], "max_age 600\n")
        both_missing = ("not witnessed (quorum 2 of 2 within 600 s): no valid cosignature from "
                        "witness %s; no valid cosignature from witness %s" % (W1, W2))
        c.mark(4, both_missing).ledger(1, both_missing)
    finally:
        shutil.rmtree(tmp)
