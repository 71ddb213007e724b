"""htq-witness (C2SP tlog-witness, docs/ledger.md "Witnesses") against the
real stack's ledger: it cosigns the checkpoints as the log grows (each
cosignature checked here with the spec's key id and message, by Python's
cryptography), answers 409 with its size to a stale old size, refuses a
fork signed by the log's own key and a rollback, and still does after a
SIGKILL and a restart; serves what it cosigned at /<origin hash>/checkpoint;
malformed HTTP is refused with the right status."""
import base64
import hashlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey, Ed25519PublicKey)

from harness import ROOT, Skip, free_port

WITNESS = "witness.test/w1"
DASH = "\u2014 "


class Witness:
    """An htq-witness process on a free loopback port."""

    def __init__(self, s, tmp):
        self.exe = os.path.join(s.bin, "htq-witness")
        self.tmp = tmp
        self.key = os.path.join(tmp, "witness.key")
        self.state = os.path.join(tmp, "state")
        self.config = os.path.join(tmp, "witness.conf")
        os.mkdir(self.state, 0o700)
        r = subprocess.run([self.exe, "keygen", WITNESS, self.key],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        self.vkey = r.stdout.strip()
        assert os.stat(self.key).st_mode & 0o777 == 0o600
        keys = s.get("/api/v1/ledger/key").body.decode().split()
        origin = s.get("/api/v1/ledger/checkpoint").body.decode().split("\n")[0]
        with open(self.config, "w") as f:
            f.write("# regress\nname %s\nkeyfile %s\norigin %s\n" % (
                WITNESS, self.key, origin))
            f.write("".join("key %s\n" % k for k in keys))
        self.port = None
        self.proc = None
        self.log = os.path.join(tmp, "witness.log")

    def start(self):
        self.port = free_port()
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [self.exe, "serve", "--config", self.config, "--state", self.state,
             "--listen", "127.0.0.1:%d" % self.port],
            stdout=out, stderr=subprocess.STDOUT)
        out.close()
        deadline = time.time() + 10
        while time.time() < deadline:
            assert self.proc.poll() is None, open(self.log).read()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("htq-witness did not listen")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def post(self, body, method="POST", path="/add-checkpoint"):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            c.request(method, path, body=body)
            r = c.getresponse()
            return r.status, r.getheader("content-type"), r.read()
        finally:
            c.close()

    def raw(self, data):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=15)
        try:
            s.sendall(data)
            out = b""
            while True:
                c = s.recv(65536)
                if not c:
                    break
                out += c
        finally:
            s.close()
        return int(out.split(b" ", 2)[1]) if out else 0

    def add(self, old, proof, note):
        body = "old %d\n" % old + "".join(h + "\n" for h in proof) + "\n" + note
        return self.post(body.encode())


def checkpoint(s):
    note = s.get("/api/v1/ledger/checkpoint").body.decode()
    return note, int(note.split("\n")[1])


def proof(s, m, n):
    if m == 0 or m == n:
        return []
    r = s.get("/api/v1/ledger/proof/consistency?old=%d&new=%d" % (m, n))
    assert r.status == 200, r
    return r.json()["hashes"]


def grow(s):
    """Append to the ledger; the new checkpoint and size."""
    _, before = checkpoint(s)
    s.ctl("standards", "eligibility", "ST0118", "--yes")
    note, after = checkpoint(s)
    assert after > before, (before, after)
    return note, after


def vkey_pk(vkey):
    """The witness's vkey: name+hex(kid)+base64(0x04 || pk), kid by the spec."""
    name, kid, b = vkey.split("+", 2)
    raw = base64.b64decode(b)
    assert name == WITNESS and raw[0] == 0x04 and len(raw) == 33
    want = hashlib.sha256(name.encode() + b"\n\x04" + raw[1:]).digest()[:4]
    assert bytes.fromhex(kid) == want
    return raw[1:], want


def check_cosig(w, note, answer):
    """answer is one cosignature/v1 line over note's body."""
    pk, kid = vkey_pk(w.vkey)
    text = answer.decode()
    assert text.startswith(DASH + WITNESS + " ") and text.endswith("\n"), text
    assert text.count("\n") == 1
    blob = base64.b64decode(text[len(DASH + WITNESS + " "):-1], validate=True)
    assert len(blob) == 4 + 8 + 64 and blob[:4] == kid
    ts = int.from_bytes(blob[4:12], "big")
    assert abs(ts - time.time()) < 300, ts
    body = note[:note.index("\n\n") + 1]
    msg = ("cosignature/v1\ntime %d\n" % ts + body).encode()
    Ed25519PublicKey.from_public_bytes(pk).verify(blob[12:], msg)


def log_signer(s):
    """Sign a note with the stack's current ledger key (to forge a fork
    that only a witness can catch)."""
    line = open(os.path.join(s.data, "keys", "ledger.key")).read().strip()
    assert line.startswith("PRIVATE+KEY+")
    name, kid, b = line[len("PRIVATE+KEY+"):].split("+", 2)
    seed = base64.b64decode(b)[1:]
    sk = Ed25519PrivateKey.from_private_bytes(seed)

    def sign(body, key=sk, keyid=bytes.fromhex(kid)):
        sig = key.sign(body.encode())
        return body + "\n" + DASH + name + " " + base64.b64encode(keyid + sig).decode() + "\n"
    return sign


def test_witness_cosigns_and_never_forgets(s):
    tmp = tempfile.mkdtemp(prefix="htq-witness-")
    w = Witness(s, tmp)
    try:
        w.start()
        note, size = checkpoint(s)
        origin = note.split("\n")[0]
        # the first checkpoint: old 0, no proof
        st, ctype, body = w.add(0, [], note)
        assert st == 200, (st, body)
        check_cosig(w, note, body)
        have = size
        # the log grows; each checkpoint comes with its proof
        for _ in range(3):
            note, size = grow(s)
            st, _, body = w.add(have, proof(s, have, size), note)
            assert st == 200, (st, body)
            check_cosig(w, note, body)
            have = size
        # the same checkpoint again is fine (old == size, same root)
        st, _, body = w.add(have, [], note)
        assert st == 200, (st, body)
        # a client that does not know the size learns it
        st, ctype, body = w.add(0, [], note)
        assert st == 409 and ctype == "text/x.tlog.size" and body == b"%d\n" % have

        # kill -9 and restart: the witness remembers
        w.kill9()
        w.start()
        st, ctype, body = w.add(0, [], note)
        assert st == 409 and body == b"%d\n" % have, (st, body)
        # a fork at the same size, signed by the log's own key
        sign = log_signer(s)
        root = base64.b64encode(hashlib.sha256(b"fork").digest()).decode()
        fork = sign("%s\n%d\n%s\n" % (origin, have, root))
        st, _, body = w.add(have, [], fork)
        assert st == 422, (st, body)
        # a rollback: an older checkpoint, signed
        st, _, body = w.add(have, [], sign("%s\n%d\n%s\n" % (origin, have - 1, root)))
        assert st == 400, (st, body)
        st, _, body = w.add(have - 1, [], sign("%s\n%d\n%s\n" % (origin, have - 1, root)))
        assert st == 409, (st, body)
        # a fork that grows: the genuine proof does not lead to it
        note2, size2 = grow(s)
        forged = sign("%s\n%d\n%s\n" % (origin, size2, root))
        st, _, body = w.add(have, proof(s, have, size2), forged)
        assert st == 422, (st, body)
        # killed again: still refused, and the genuine log goes on
        w.kill9()
        w.start()
        st, _, body = w.add(have, [], fork)
        assert st == 422, (st, body)
        st, _, body = w.add(have, proof(s, have, size2), note2)
        assert st == 200, (st, body)
        check_cosig(w, note2, body)
        have = size2

        # 403: a key the witness does not trust (same name), a bad signature
        other = Ed25519PrivateKey.generate()
        st, _, body = w.add(have, [], sign(note2[:note2.index("\n\n") + 1], key=other, keyid=b"\0\0\0\0"))
        assert st == 403, (st, body)
        bad = note2[:-6] + ("A" if note2[-6] != "A" else "B") + note2[-5:]
        st, _, body = w.add(have, [], bad)
        assert st == 403, (st, body)
        # 404: an origin it does not witness
        st, _, body = w.add(0, [], sign("other.example/log\n0\n%s\n" % base64.b64encode(
            hashlib.sha256(b"").digest()).decode()))
        assert st == 404, (st, body)
        # malformed HTTP and bodies
        for got, want, what in [
                (w.post(b"old 1\n", method="GET")[0], 405, "GET"),
                (w.post(b"x", path="/other")[0], 404, "another path"),
                (w.post(b"old 01\n\n" + note2.encode())[0], 400, "a size with a leading zero"),
                (w.raw(b"POST /add-checkpoint HTTP/1.1\r\nContent-Length: 70000\r\n\r\n"), 413, "70000 bytes"),
                (w.raw(b"POST /add-checkpoint HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 400, "chunked"),
                (w.raw(b"POST /add-checkpoint HTTP/1.1\r\n\r\n"), 411, "no length"),
                (w.raw(b"GARBAGE\r\n\r\n"), 400, "garbage"),
                (w.raw(b"POST /add-checkpoint HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n"), 431, "a 9000-byte header")]:
            assert got == want, "%s: %s, not %d (0: no answer)\n%s" % (what, got, want, open(w.log).read()[-1500:])
        # after all that, its state is the last genuine checkpoint
        st, _, body = w.add(0, [], note2)
        assert st == 409 and body == b"%d\n" % have, (st, body, have)
        # monitor retrieval: that checkpoint, the log's line, the cosignature
        ohash = hashlib.sha256(origin.encode()).hexdigest()
        st, _, got = w.post(None, method="GET", path="/%s/checkpoint" % ohash)
        assert st == 200, st
        got = got.decode()
        assert got.startswith(note2), got
        check_cosig(w, note2, got[len(note2):].encode())
        assert w.post(None, method="GET", path="/%s/checkpoint" % ("0" * 64))[0] == 404
        assert w.post(None, method="GET", path="/%s/checkpoint" % ohash.upper())[0] == 404
        assert w.post(b"x", path="/%s/checkpoint" % ohash)[0] == 405
        assert w.proc.poll() is None
        files = os.listdir(w.state)
        assert files == [hashlib.sha256(origin.encode()).hexdigest() + ".checkpoint"], files
    finally:
        w.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def test_witness_refuses_a_second_instance_and_bad_config(s):
    tmp = tempfile.mkdtemp(prefix="htq-witness-")
    w = Witness(s, tmp)
    try:
        w.start()
        r = subprocess.run([w.exe, "serve", "--config", w.config, "--state",
                            w.state, "--listen", "127.0.0.1:%d" % free_port()],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 1 and "another witness" in r.stderr, r.stderr
        bad = os.path.join(tmp, "bad.conf")
        with open(bad, "w") as f:
            f.write("name %s\nkeyfile %s\norigin x.example/log\nwitness y\n" % (WITNESS, w.key))
        r = subprocess.run([w.exe, "serve", "--config", bad, "--state", w.state,
                            "--listen", "127.0.0.1:%d" % free_port()],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 1 and "log 1" in r.stderr, r.stderr
        r = subprocess.run([w.exe, "keygen", WITNESS, w.key], capture_output=True, text=True)
        assert r.returncode == 1, "keygen overwrote a key"
    finally:
        w.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def test_witness_cosignature_verifies_in_go(s):
    """Go's note.Open, with a cosignature/v1 verifier written from the
    spec (tests/interop/cosig), accepts the checkpoint with the line the
    witness returned appended."""
    if shutil.which("go") is None:
        raise Skip("go not installed (apt-get install golang-go golang-golang-x-mod-dev)")
    tmp = tempfile.mkdtemp(prefix="htq-witness-")
    w = Witness(s, tmp)
    try:
        exe = os.path.join(tmp, "cosig")
        env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode",
                   GOCACHE=os.path.join(tempfile.gettempdir(), "htq-gocache"))
        b = subprocess.run(["go", "build", "-o", exe, "."], capture_output=True, text=True,
                           cwd=os.path.join(ROOT, "tests", "interop", "cosig"), env=env)
        assert b.returncode == 0, b.stderr
        w.start()
        note, _ = checkpoint(s)
        st, _, body = w.add(0, [], note)
        assert st == 200, (st, body)
        r = subprocess.run([exe, w.vkey], input=note.encode() + body, capture_output=True)
        assert r.returncode == 0 and r.stdout.startswith(b"ok "), r.stderr
        # a flipped byte in the checkpoint: Go refuses it too
        bad = note.replace("\n", "\nX", 1).encode() + body
        r = subprocess.run([exe, w.vkey], input=bad, capture_output=True)
        assert r.returncode == 1, r.stdout
        # and a log-key (0x01) id for the same key is not this witness
        name, kid, key = w.vkey.split("+", 2)
        raw = base64.b64decode(key)
        wrong = "%s+%s+%s" % (name, kid, base64.b64encode(b"\x01" + raw[1:]).decode())
        r = subprocess.run([exe, wrong], input=note.encode() + body, capture_output=True)
        assert r.returncode == 2, r.stdout
    finally:
        w.stop()
        shutil.rmtree(tmp, ignore_errors=True)
