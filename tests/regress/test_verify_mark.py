"""htq-verify mark and the Go verifier's mark mode: a mark bundle checked
offline (entry signature, inclusion proof, checkpoint signature and
origin, revocation if present, the unsigned "mark" fields against the
signed ones), and with --entries the proof of non-revocation up to the
log's latest checkpoint from an export, a folder of static tiles, or their
URL.  Outcomes (docs/ledger.md 6.5): 0 genuine and not revoked as of the
latest checkpoint, 3 revoked, 4 award proved but revocation not checked,
1 false.  Every case runs through both verifiers, which must agree.  The
ledgers are built here from the contract with throwaway keys
(ledger_fixtures.py), so every forgery is one an attacker could make."""
import functools
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading

import ledger_fixtures as lf
from harness import Skip, go_interop

MARK = "HTQ-2026-000123-7"
FACTS = {"qualification": {"title": "HNC in Cyber Security", "level": 4},
         "standard": {"ref": "ST0865", "version": "1.0"}, "awarded": "2026-11-01"}


def tile_path(level, n, w=256):
    digits = "%d" % n
    digits = "0" * ((3 - len(digits) % 3) % 3) + digits
    parts = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    p = "tile/%s/%s" % ("entries" if level < 0 else level,
                        "/".join(["x" + x for x in parts[:-1]] + [parts[-1]]))
    return p + (".p/%d" % w if w < 256 else "")


def write_tiles(d, entries):
    """The C2SP tlog-tiles of a log of these entries, into folder d."""
    size = len(entries)
    level = [lf.leaf_hash(e) for e in entries]

    def put(path, data):
        full = os.path.join(d, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
    for n in range(0, (size + 255) // 256):
        chunk = entries[n * 256:(n + 1) * 256]
        put(tile_path(-1, n, len(chunk)),
            b"".join(len(e).to_bytes(2, "big") + e for e in chunk))
    L = 0
    while level:
        for n in range(0, (len(level) + 255) // 256):
            chunk = level[n * 256:(n + 1) * 256]
            put(tile_path(L, n, len(chunk)), b"".join(chunk))
        full = len(level) // 256
        level = [lf.mth(level[i * 256:(i + 1) * 256]) for i in range(full)]
        L += 1


def build(n_before, revoke=False, after=40):
    lg = lf.Ledger(lf.Key("mark-k1"))
    for _ in range(n_before):
        lg.add()
    award = len(lg.entries)
    lg.add("mark.awarded", FACTS, subject=MARK)
    for _ in range(after):
        lg.add()
    rev = None
    if revoke:
        rev = len(lg.entries)
        lg.add("mark.revoked", {"reason": "non_compliance"}, subject=MARK,
               time="2026-11-20T10:00:00Z")
        for _ in range(5):
            lg.add()
    return lg, award, rev


_GO = {}


def go_exe():
    """The Go verifier, built once per run; None when go is not
    installed (test_go_verifier_is_installed then reports the skip)."""
    if "exe" not in _GO:
        try:
            _GO["exe"] = go_interop(tempfile.mkdtemp())
        except Skip:
            _GO["exe"] = None
    return _GO["exe"]


def run_both(s, bundle, tmp, keys=(), entries=None, extra=(), policy=None):
    """Run htq-verify mark and the Go verifier's mark on one bundle:
    [(who, exit status, stdout + stderr)], htq-verify first."""
    path = os.path.join(tmp, "bundle.json")
    with open(path, "w") as f:
        json.dump(bundle, f)
    args = ["mark", path]
    for k in keys:
        args += ["--key", k.vkey]
    if policy:
        args += ["--policy", policy]
    if entries:
        args += ["--entries", entries]
    args += list(extra)
    out = []
    for who, exe in (("htq-verify", os.path.join(s.bin, "htq-verify")), ("go", go_exe())):
        if exe is None:
            continue
        r = subprocess.run([exe] + args, capture_output=True, text=True)
        out.append((who, r.returncode, (r.stdout + r.stderr).strip()))
    return out


def verify(s, bundle, tmp, keys, entries=None, extra=()):
    """htq-verify's exit status and words."""
    return run_both(s, bundle, tmp, keys, entries, extra)[0][1:]


def expect(s, bundle, tmp, keys, entries, code, *words, extra=(), policy=None, c_words=()):
    """Both verifiers give exit status code and say each of words
    (htq-verify also each of c_words); returns htq-verify's output."""
    res = run_both(s, bundle, tmp, keys, entries, extra, policy)
    for who, got, out in res:
        assert got == code, "%s: exit %d, want %d: %s" % (who, got, code, out)
        for w in words + (c_words if who == "htq-verify" else ()):
            assert w in out, "%s: %r lacks %r" % (who, out, w)
        if code == 0:
            assert "NOT checked" not in out and "revoked on" not in out, (who, out)
    return res[0][2]


def with_mark(b):
    b = dict(b)
    b["mark"] = dict(FACTS, id=MARK, status="current")
    return b


def put_checkpoint(d, text):
    with open(os.path.join(d, "checkpoint"), "w") as f:
        f.write(text)


def test_go_verifier_is_installed(s):
    """The Go half of every test below runs only with go installed."""
    if go_exe() is None:
        raise Skip("go not installed: the Go verifier's mark mode was not run")


def test_genuine_mark_with_and_without_entries(s):
    tmp = tempfile.mkdtemp()
    try:
        for before in (3, 300, 530):      # start of the scan: 0, 256, 512
            lg, award, _ = build(before)
            b = with_mark(lg.bundle(award))
            size = len(lg.entries)
            # issue 23 (7): no --entries is never "current"
            expect(s, b, tmp, [lg.key], None, 4, "award proved (entry %d" % award,
                   "revocation NOT checked: no --entries given")
            export = os.path.join(tmp, "ledger.jsonl")
            lg.write(export)
            expect(s, b, tmp, [lg.key], export, 0,
                   "not revoked as of the checkpoint of %d entries (the export's; "
                   "its last entry dated %s; 40 entries read after the award)" % (size, lf.TIME))
            tiles = os.path.join(tmp, "tiles-%d" % before)
            write_tiles(tiles, lg.entries)
            put_checkpoint(tiles, lg.checkpoint())
            expect(s, b, tmp, [lg.key], tiles, 0,
                   "not revoked as of the checkpoint of %d entries (the log's latest" % size,
                   "40 entries read after the award")
    finally:
        shutil.rmtree(tmp)


def test_revoked_mark_never_reads_as_success(s):
    tmp = tempfile.mkdtemp()
    try:
        lg, award, rev = build(260, revoke=True)
        tiles = os.path.join(tmp, "tiles")
        write_tiles(tiles, lg.entries)
        put_checkpoint(tiles, lg.checkpoint())
        b = with_revoked_mark(lg, award, rev)
        expect(s, b, tmp, [lg.key], tiles, 3, "revoked on 2026-11-20: non_compliance")
        expect(s, b, tmp, [lg.key], None, 3, "revoked on 2026-11-20: non_compliance")
        # a bundle that hides the revocation is caught from the tiles
        expect(s, with_mark(lg.bundle(award)), tmp, [lg.key], tiles, 1,
               "was revoked by entry %d" % rev)
        # ... and removing the revocation from the tiles breaks the root
        forged = os.path.join(tmp, "forged")
        shutil.copytree(tiles, forged)
        n, w = rev // 256, min(256, len(lg.entries) - (rev // 256) * 256)
        p = os.path.join(forged, tile_path(-1, n, w))
        blob = open(p, "rb").read()
        out_blob, off, k = b"", 0, 0
        while off < len(blob):
            ln = int.from_bytes(blob[off:off + 2], "big")
            e = blob[off + 2:off + 2 + ln]
            if n * 256 + k == rev:   # the same entry, as an ordinary event
                e = e.replace(b'"mark.revoked"', b'"mark.reviewd"')
            out_blob += len(e).to_bytes(2, "big") + e
            off += 2 + ln
            k += 1
        open(p, "wb").write(out_blob)
        expect(s, with_mark(lg.bundle(award)), tmp, [lg.key], forged, 1,
               "another root at the bundle's checkpoint of %d entries" % len(lg.entries))
        # an entry bundle cut short is refused, not read as the end
        cut = blob[:len(blob) // 2]
        whole, off = 0, 0       # the entries the cut bundle still holds whole
        while off + 2 <= len(cut) and off + 2 + int.from_bytes(cut[off:off + 2], "big") <= len(cut):
            off += 2 + int.from_bytes(cut[off:off + 2], "big")
            whole += 1
        open(p, "wb").write(cut)
        out = expect(s, with_mark(lg.bundle(award)), tmp, [lg.key], forged, 1,
                     "%s: holds %d entries, expected %d" % (tile_path(-1, n, w), whole, w))
        assert out.startswith("htq-verify: %s: holds" % tile_path(-1, n, w)), out
    finally:
        shutil.rmtree(tmp)


def with_revoked_mark(lg, award, rev):
    """The bundle of a revoked mark as the server writes it: "revoked"
    shows the revocation's signed date (when it has one) and reason."""
    b = with_mark(lg.bundle(award, revocation=rev))
    data = json.loads(lg.entries[rev])["data"]
    b["mark"]["status"] = "revoked"
    b["mark"]["revoked"] = {"reason": data["reason"]}
    if "revoked" in data:
        b["mark"]["revoked"]["date"] = data["revoked"]
    return b


def build_revoked_data(n_before):
    """As build(revoke=True), the revocation's data as the server writes
    it (mark, reason, revoked date)."""
    lg = lf.Ledger(lf.Key("mark-k1"))
    for _ in range(n_before):
        lg.add()
    award = len(lg.entries)
    lg.add("mark.awarded", FACTS, subject=MARK)
    for _ in range(10):
        lg.add()
    rev = len(lg.entries)
    lg.add("mark.revoked", {"mark": MARK, "reason": "non_compliance",
                            "revoked": "2026-11-20"}, subject=MARK,
           time="2026-11-20T10:00:00Z")
    lg.add()
    return lg, award, rev


def test_an_older_bundle_is_proved_to_the_tiles_latest_checkpoint(s):
    """A bundle published when the mark was awarded (as the static
    /api/v1/marks/{id} is) against a tile set that has moved on: with the
    tile set's checkpoint, non-revocation is proved up to it; without one
    it is not checked (4) unless the bundle's checkpoint is taken as the
    latest by flag; a later revocation is found and exits 3; a checkpoint
    by another key, or tiles holding another award entry, fail."""
    tmp = tempfile.mkdtemp()
    try:
        lg, award, _ = build(300, after=10)
        old = with_mark(lg.bundle(award))       # proven at size award + 11
        tiles = os.path.join(tmp, "tiles")
        write_tiles(tiles, lg.entries)          # as published then ...
        for _ in range(250):
            lg.add()
        write_tiles(tiles, lg.entries)          # ... and since
        expect(s, old, tmp, [lg.key], tiles, 4,
               "revocation NOT checked: step 1, reading the log's latest checkpoint")
        expect(s, old, tmp, [lg.key], tiles, 0,
               "not revoked as of the checkpoint of %d entries (the bundle's own, taken as "
               "the latest by --bundle-checkpoint-is-latest" % (award + 11),
               "10 entries read after the award", extra=["--bundle-checkpoint-is-latest"])
        put_checkpoint(tiles, lg.checkpoint())
        expect(s, old, tmp, [lg.key], tiles, 0,
               "not revoked as of the checkpoint of %d entries (the log's latest" % len(lg.entries),
               "260 entries read after the award")
        # a checkpoint by a key other than the newest given is refused
        put_checkpoint(tiles, lg.checkpoint(signer=lf.Key("mark-other")))
        out = expect(s, old, tmp, [lg.key], tiles, 1, "its checkpoint")
        assert out.startswith("htq-verify: %s: its checkpoint: signed by an unknown key" % tiles), out
        # revoked after the bundle was made: revoked, exit 3
        lg.add("mark.revoked", {"reason": "non_compliance"}, subject=MARK,
               time="2026-11-21T10:00:00Z")
        write_tiles(tiles, lg.entries)
        put_checkpoint(tiles, lg.checkpoint())
        expect(s, old, tmp, [lg.key], tiles, 3, "revoked on 2026-11-21: non_compliance",
               "after the bundle's checkpoint")
    finally:
        shutil.rmtree(tmp)


def test_forged_bundles_are_refused(s):
    tmp = tempfile.mkdtemp()
    try:
        lg, award, _ = build(10)
        good = with_mark(lg.bundle(award))
        export = os.path.join(tmp, "ledger.jsonl")
        lg.write(export)
        expect(s, good, tmp, [lg.key], export, 0, "genuine")   # the untouched bundle
        tampered = dict(good, entry=good["entry"].replace("Cyber", "Cyder"))
        assert tampered != good
        out = expect(s, tampered, tmp, [lg.key], None, 1)
        assert out.startswith("htq-verify: entry %d: signature does not verify with key" % award), out
        expect(s, tampered, tmp, [lg.key], export, 1)
        other = lf.Key("mark-other")
        out = expect(s, good, tmp, [other], None, 1)
        assert out.startswith("htq-verify: checkpoint: signed by an unknown key"), out
        evil = dict(good, checkpoint=lf.note(lf.cp_body(len(lg.entries), lg.root(),
                                                        "evil.example/log"), lg.key))
        out = expect(s, evil, tmp, [lg.key], None, 1)
        assert out.startswith('htq-verify: checkpoint: origin is "evil.example/log"'), out
        lying = dict(good, mark=dict(good["mark"], awarded="2020-01-01"))
        expect(s, lying, tmp, [lg.key], export, 1, "mark: field awarded differs")
        expect(s, with_mark(lg.bundle(0)), tmp, [lg.key], None, 1, "not a mark.awarded")
        # a re-signed forgery: another key's award, checkpoint and mark
        # under the log's origin, refused whatever it carries
        forger = lf.Key("mark-forger")
        fl = lf.Ledger(forger)
        for _ in range(10):
            fl.add()
        fl.add("mark.awarded", FACTS, subject=MARK)
        expect(s, with_mark(fl.bundle(10)), tmp, [lg.key], export, 1)
        expect(s, with_mark(fl.bundle(10)), tmp, [lg.key], None, 1)
        export_short = os.path.join(tmp, "short.jsonl")
        short = lf.Ledger(lg.key)
        for e in lg.entries[:-3]:
            short.add_raw(e)
        short.write(export_short)
        expect(s, good, tmp, [lg.key], export_short, 1, "the export is older")
    finally:
        shutil.rmtree(tmp)


def serve(root, routes=None):
    """A static HTTP server over folder root; routes maps a path to
    ("status", code) or ("drop",) to misbehave.  (server, base URL)."""
    routes = routes or {}

    class H(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=root, **kw)

        def log_message(self, *a):
            pass

        def do_GET(self):
            how = routes.get(self.path)
            if how is None:
                return super().do_GET()
            if how[0] == "drop":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\nhtq.loc")
                self.wfile.flush()
                self.close_connection = True
                return
            self.send_response(how[1])
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"oops\n")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, "http://127.0.0.1:%d" % httpd.server_address[1]


def test_entries_from_a_url(s):
    if shutil.which("curl") is None:
        raise AssertionError("curl is a build dependency")
    tmp = tempfile.mkdtemp()
    httpd = None
    try:
        lg, award, _ = build(257)
        tiles = os.path.join(tmp, "ledger")
        write_tiles(tiles, lg.entries)
        put_checkpoint(tiles, lg.checkpoint())
        httpd, base = serve(tmp)
        url = base + "/ledger/"
        b = with_mark(lg.bundle(award))
        expect(s, b, tmp, [lg.key], url, 0, "40 entries read after the award")
        expect(s, b, tmp, [lg.key], url + "missing/", 4,
               "revocation NOT checked: step 1, reading the log's latest checkpoint",
               "cannot be fetched")
    finally:
        if httpd:
            httpd.shutdown()
        shutil.rmtree(tmp)


def test_failed_latest_checkpoint_is_never_current(s):
    """Issue 23 (3): a latest checkpoint that cannot be read (404, 500, a
    dropped connection) is "not checked" (4), never "not revoked"; one
    smaller than the bundle's (a rollback) or of the same size with
    another root (a fork) is false (1); a tile missing half way is 4."""
    tmp = tempfile.mkdtemp()
    httpd = None
    try:
        lg, award, _ = build(20, after=5)
        small = lg.checkpoint()                 # before the bundle's size
        for _ in range(20):
            lg.add()
        b = with_mark(lg.bundle(award))
        tiles = os.path.join(tmp, "ledger")
        write_tiles(tiles, lg.entries)
        put_checkpoint(tiles, lg.checkpoint())
        httpd, base = serve(tmp, {"/bad404/checkpoint": ("status", 404),
                                  "/bad500/checkpoint": ("status", 500),
                                  "/drop/checkpoint": ("drop",)})
        for bad in ("bad404", "bad500", "drop"):
            os.symlink(tiles, os.path.join(tmp, bad))
            expect(s, b, tmp, [lg.key], "%s/%s/" % (base, bad), 4,
                   "revocation NOT checked: step 1, reading the log's latest checkpoint")
        # rollback: the latest is smaller than the bundle's
        rolled = os.path.join(tmp, "rolled")
        shutil.copytree(tiles, rolled)
        put_checkpoint(rolled, small)
        expect(s, b, tmp, [lg.key], rolled, 1, "fewer than the bundle's %d" % len(lg.entries))
        expect(s, b, tmp, [lg.key], base + "/rolled/", 1, "fewer than the bundle's")
        # a fork: the same size, another history, signed by the log's key
        fork = lf.Ledger(lg.key)
        for e in lg.entries[:-1]:
            fork.add_raw(e)
        fork.add("test.forked")
        forked = os.path.join(tmp, "forked")
        write_tiles(forked, fork.entries)
        put_checkpoint(forked, fork.checkpoint())
        expect(s, b, tmp, [lg.key], forked, 1, "another root at the bundle's checkpoint")
        # an entry bundle gone half way: not checked, saying which step
        gone = os.path.join(tmp, "gone")
        shutil.copytree(tiles, gone)
        os.unlink(os.path.join(gone, tile_path(-1, 0, len(lg.entries))))
        expect(s, b, tmp, [lg.key], gone, 4, "revocation NOT checked: step 3, reading the entry bundles")
    finally:
        if httpd:
            httpd.shutdown()
        shutil.rmtree(tmp)


def test_unproved_entries_never_decide(s):
    """Entries read before a tile failed are not proved by the latest
    checkpoint: a revocation forged into them gives 4, not 3; one within
    the bundle's checkpoint, whose root was met, is proved and a bundle
    hiding it is false (1)."""
    tmp = tempfile.mkdtemp()
    httpd = None
    try:
        lg, award, _ = build(10, after=5)
        b = with_mark(lg.bundle(award))         # size 16
        for _ in range(300):
            lg.add()
        tiles = os.path.join(tmp, "tiles")
        write_tiles(tiles, lg.entries)
        put_checkpoint(tiles, lg.checkpoint())
        os.unlink(os.path.join(tiles, tile_path(-1, 1, len(lg.entries) - 256)))
        expect(s, b, tmp, [lg.key], tiles, 4, "step 3, reading the entry bundles")
        # a revocation forged into tile 0 after the bundle's size
        p = os.path.join(tiles, tile_path(-1, 0))
        blob, out_blob, off, k = open(p, "rb").read(), b"", 0, 0
        while off < len(blob):
            ln = int.from_bytes(blob[off:off + 2], "big")
            e = blob[off + 2:off + 2 + ln]
            if k == 20:
                e = e.replace(b'"test.event"', b'"mark.revoked"').replace(
                    b'"subject":"ledger"', b'"subject":"%s"' % MARK.encode())
                assert b"mark.revoked" in e and MARK.encode() in e, e
            out_blob += len(e).to_bytes(2, "big") + e
            off += 2 + ln
            k += 1
        open(p, "wb").write(out_blob)
        expect(s, b, tmp, [lg.key], tiles, 4, "step 3, reading the entry bundles")
        # a real revocation within the bundle's checkpoint: proved, 1
        lg2, award2, rev2 = build_revoked_data(3)
        stripped = with_mark(lg2.bundle(award2))    # revocation left out
        for _ in range(300):
            lg2.add()
        tiles2 = os.path.join(tmp, "tiles2")
        write_tiles(tiles2, lg2.entries)
        put_checkpoint(tiles2, lg2.checkpoint())
        os.unlink(os.path.join(tiles2, tile_path(-1, 1, len(lg2.entries) - 256)))
        expect(s, stripped, tmp, [lg2.key], tiles2, 1, "was revoked by entry %d" % rev2)
    finally:
        if httpd:
            httpd.shutdown()
        shutil.rmtree(tmp)


def test_old_bundle_against_the_current_export(s):
    """Issue 23 (4): export mode reads the whole export, verifies its
    checkpoint and proves non-revocation up to it: a revocation after the
    bundle is found (3); an export that is corrupt, cut short, without its
    checkpoint line, older than the bundle or another history is false
    (1); an export that cannot be opened is not checked (4)."""
    tmp = tempfile.mkdtemp()
    try:
        lg, award, _ = build(30, after=5)
        old = with_mark(lg.bundle(award))
        for _ in range(30):
            lg.add()
        export = os.path.join(tmp, "now.jsonl")
        lg.write(export)
        expect(s, old, tmp, [lg.key], export, 0,
               "not revoked as of the checkpoint of %d entries (the export's" % len(lg.entries),
               "35 entries read after the award")
        rev = len(lg.entries)
        lg.add("mark.revoked", {"reason": "withdrawn_by_body"}, subject=MARK,
               time="2026-12-01T09:00:00Z")
        lg.add()
        lg.write(export)
        expect(s, old, tmp, [lg.key], export, 3, "revoked on 2026-12-01: withdrawn_by_body",
               "(entry %d, after the bundle's checkpoint of %d entries)" % (rev, award + 6))
        text = open(export).read()
        lines = text.splitlines(True)
        # no checkpoint line
        nocp = os.path.join(tmp, "nocp.jsonl")
        open(nocp, "w").write("".join(lines[:-1]))
        expect(s, old, tmp, [lg.key], nocp, 1, c_words=("without a checkpoint line",))
        # cut in the middle of a line
        cut = os.path.join(tmp, "cut.jsonl")
        open(cut, "w").write(text[:len(text) * 2 // 3])
        expect(s, old, tmp, [lg.key], cut, 1)
        # a byte flipped in an entry after the award (its signature breaks)
        bad = os.path.join(tmp, "flipped.jsonl")
        flipped = lines[:]
        flipped[award + 3] = flipped[award + 3].replace('\\"n\\":', '\\"m\\":', 1)
        assert flipped[award + 3] != lines[award + 3]
        open(bad, "w").write("".join(flipped))
        expect(s, old, tmp, [lg.key], bad, 1, c_words=("entry %d:" % (award + 3),))
        # the revocation dropped and the checkpoint re-signed by a forger
        dropped = lf.Ledger(lg.key)
        for e in lg.entries[:rev]:
            dropped.add_raw(e)
        forged = os.path.join(tmp, "forged.jsonl")
        dropped.write(forged, cp=dropped.checkpoint(signer=lf.Key("mark-forger")))
        expect(s, old, tmp, [lg.key], forged, 1, "checkpoint")
        # older than the bundle (rolled back)
        newer = with_mark(lg.bundle(award))
        older = os.path.join(tmp, "older.jsonl")
        dropped.write(older)
        expect(s, newer, tmp, [lg.key], older, 1, "the export is older")
        # an export that cannot be opened: not checked
        expect(s, old, tmp, [lg.key], os.path.join(tmp, "absent.jsonl"), 4,
               "revocation NOT checked: step 1, opening the export")
    finally:
        shutil.rmtree(tmp)


def test_unsigned_mark_fields_and_missing_entries(s):
    """Issue 23 (7): without --entries the answer is 4, never 0, even for a
    bundle stripped of its revocation that says "current"; unsigned fields
    that the signed entries contradict or do not hold are false (1),
    named; --bundle-checkpoint-is-latest is the one way to 0 without
    entries, and with entries it still finds a stripped revocation."""
    tmp = tempfile.mkdtemp()
    try:
        lg, award, rev = build_revoked_data(5)
        full = with_revoked_mark(lg, award, rev)
        expect(s, full, tmp, [lg.key], None, 3, "revoked on 2026-11-20: non_compliance")
        stripped = with_mark(lg.bundle(award))          # status "current"
        expect(s, stripped, tmp, [lg.key], None, 4, "revocation NOT checked: no --entries given")
        export = os.path.join(tmp, "ledger.jsonl")
        lg.write(export)
        expect(s, stripped, tmp, [lg.key], export, 1, "was revoked by entry %d" % rev)
        tiles = os.path.join(tmp, "tiles")
        write_tiles(tiles, lg.entries)
        expect(s, stripped, tmp, [lg.key], tiles, 1, "was revoked by entry %d" % rev,
               extra=["--bundle-checkpoint-is-latest"])
        expect(s, stripped, tmp, [lg.key], None, 0, "the bundle's own, taken as the latest",
               extra=["--bundle-checkpoint-is-latest"])
        says_revoked = dict(stripped, mark=dict(stripped["mark"], status="revoked"))
        expect(s, says_revoked, tmp, [lg.key], None, 1, "mark: field status")
        says_current = dict(full, mark=dict(full["mark"], status="current"))
        expect(s, says_current, tmp, [lg.key], None, 1, "mark: field status")
        holder = dict(stripped, mark=dict(stripped["mark"], holder="Jo Bloggs"))
        expect(s, holder, tmp, [lg.key], export, 1, "mark: field holder is not in the signed entry")
        why = dict(full, mark=dict(full["mark"], revoked={"date": "2026-11-20", "reason": "typo"}))
        expect(s, why, tmp, [lg.key], None, 1, "mark: field revoked.reason differs")
        when = dict(full, mark=dict(full["mark"], revoked={"date": "2026-01-01", "reason": "non_compliance"}))
        expect(s, when, tmp, [lg.key], None, 1, "mark: field revoked.date differs")
        ghost = dict(stripped, mark=dict(stripped["mark"], revoked={"date": "2026-11-20"}))
        expect(s, ghost, tmp, [lg.key], None, 1, "mark: field revoked is set")
        wrong_id = dict(stripped, mark=dict(stripped["mark"], id="HTQ-2026-000999-1"))
        expect(s, wrong_id, tmp, [lg.key], None, 1, "mark: field id")
    finally:
        shutil.rmtree(tmp)


def build_rotated():
    """K1 signs the award; the log rotates to K2 and goes on.  The
    ledger, the award's index and the bundle made before the rotation."""
    k1, k2 = lf.Key("mark-rot-1"), lf.Key("mark-rot-2")
    lg = lf.Ledger(k1)
    for _ in range(4):
        lg.add()
    award = len(lg.entries)
    lg.add("mark.awarded", FACTS, subject=MARK)
    lg.add()
    old = with_mark(lg.bundle(award))               # signed by K1
    lg.rotate(k2)
    for _ in range(6):
        lg.add()
    return lg, award, old, k1, k2


def test_key_rotation_is_followed_from_a_pinned_first_key(s):
    """Issue 23 (8): after a rotation an older bundle still verifies: the
    export's key.rotated entries are followed from the pinned first key,
    the bundle's checkpoint is checked with the key current at its size
    and the award re-proved in the latest checkpoint; the tiles carry no
    signatures, so from them the policy must list every key.  A forged
    rotation is false."""
    tmp = tempfile.mkdtemp()
    try:
        lg, award, old, k1, k2 = build_rotated()
        export = os.path.join(tmp, "ledger.jsonl")
        lg.write(export)
        size = len(lg.entries)
        expect(s, old, tmp, [k1], export, 0,
               "not revoked as of the checkpoint of %d entries (the export's" % size)
        new = with_mark(lg.bundle(award))           # checkpoint signed by K2
        expect(s, new, tmp, [k1], export, 0,
               "not revoked as of the checkpoint of %d entries (the export's" % size)
        expect(s, new, tmp, [k1], None, 1, "checkpoint")     # K2 unknown without the export
        expect(s, old, tmp, [k1, k2], None, 4, "revocation NOT checked")
        tiles = os.path.join(tmp, "tiles")
        write_tiles(tiles, lg.entries)
        put_checkpoint(tiles, lg.checkpoint())
        expect(s, old, tmp, [k1, k2], tiles, 0,
               "not revoked as of the checkpoint of %d entries (the log's latest" % size)
        expect(s, old, tmp, [k1], tiles, 1, "its checkpoint")
        # a rotation to a forger's key, signed by the forger: refused
        evil = lf.Key("mark-evil")
        fl = lf.Ledger(k1)
        for e in lg.entries[:award + 2]:
            fl.add_raw(e)
        fl.rotate(evil, signer=evil)
        fl.add("mark.revoked", {"reason": "x"}, subject=MARK)
        forged = os.path.join(tmp, "forged.jsonl")
        fl.write(forged)
        expect(s, old, tmp, [k1], forged, 1, c_words=("signature does not verify",))
        # a rotation the policy does not list: refused
        pol = os.path.join(tmp, "policy")
        with open(pol, "w") as f:
            f.write("origin %s\nkey %s\nkey %s\n" % (lf.ORIGIN, k1.vkey, evil.vkey))
        expect(s, old, tmp, [], export, 1, policy=pol, c_words=("not the next key",))
    finally:
        shutil.rmtree(tmp)


def test_policy_file_is_the_trust_root(s):
    """Issue 23 (9): --policy FILE gives the origin and the keys; a log key
    given as a witness, a quorum without witnesses (test_quorum.py has the
    rest), unknown keywords, keys named otherwise and a policy mixed with
    --key are refused."""
    tmp = tempfile.mkdtemp()
    try:
        lg, award, old, k1, k2 = build_rotated()
        export = os.path.join(tmp, "ledger.jsonl")
        lg.write(export)
        pol = os.path.join(tmp, "policy")

        def policy(text):
            with open(pol, "w") as f:
                f.write(text)
            return pol
        good = "# htq verifier policy\norigin %s\nkey %s\nkey %s\n" % (lf.ORIGIN, k1.vkey, k2.vkey)
        expect(s, old, tmp, [], export, 0, "not revoked as of the checkpoint of %d" % len(lg.entries),
               policy=policy(good))
        tiles = os.path.join(tmp, "tiles")
        write_tiles(tiles, lg.entries)
        put_checkpoint(tiles, lg.checkpoint())
        expect(s, old, tmp, [], tiles, 0, "the log's latest", policy=pol)
        r = subprocess.run([os.path.join(s.bin, "htq-verify"), "ledger", export, "--policy", pol],
                           capture_output=True, text=True)
        assert r.returncode == 0 and "ledger valid" in r.stdout, r.stdout + r.stderr
        # another origin in the policy: the log's checkpoints are refused
        other = lf.Key("mark-rot-1", name="other.example/log")
        expect(s, old, tmp, [], export, 1,
               policy=policy("origin other.example/log\nkey %s\n" % other.vkey))
        for text, words in (
                (good + "witness %s\n" % k2.vkey, "not a witness's cosignature key"),
                (good + "quorum 1\n", "quorum without witness lines"),
                (good + "trust everything\n", "unknown keyword"),
                ("origin %s\n" % lf.ORIGIN, "no key"),
                ("key %s\n" % k1.vkey, "no origin"),
                ("origin evil.example/log\nkey %s\n" % k1.vkey, "not the origin"),
                (good + "origin %s\n" % lf.ORIGIN, "a second origin")):
            res = run_both(s, old, tmp, [], export, policy=policy(text))
            for who, code, out in res:
                assert code == 2, (who, text, code, out)
            assert words in res[0][2], (text, res[0][2])
        res = run_both(s, old, tmp, [k1], export, policy=policy(good))
        assert all(code == 2 for _, code, _ in res), res
    finally:
        shutil.rmtree(tmp)


def test_partial_tile_gone_falls_back_to_the_full_tile(s):
    """Issue 23 (10): a checkpoint older than the tile set names partial
    tiles that the log deleted when they filled up; both verifiers read
    the full tile and use its first W hashes and entries."""
    tmp = tempfile.mkdtemp()
    try:
        lg, award, _ = build(300, after=10)        # bundle at 311: .p/55 tiles
        b = with_mark(lg.bundle(award))
        at = lg.checkpoint()
        for _ in range(300):
            lg.add()
        tiles = os.path.join(tmp, "tiles")
        write_tiles(tiles, lg.entries[:311])        # as the log publishes:
        write_tiles(tiles, lg.entries)              # at 611 tile 001 is full,
        for dirpath, dirs, _ in os.walk(tiles):     # its partials deleted
            for d in dirs:
                if d.endswith(".p") and os.path.exists(os.path.join(dirpath, d[:-2])):
                    shutil.rmtree(os.path.join(dirpath, d))
        assert not os.path.exists(os.path.join(tiles, tile_path(-1, 1, 55)))
        assert not os.path.exists(os.path.join(tiles, tile_path(0, 1, 55)))
        expect(s, b, tmp, [lg.key], tiles, 0, "not revoked as of the checkpoint of 311 entries",
               extra=["--bundle-checkpoint-is-latest"])
        put_checkpoint(tiles, at)                   # a mirror's checkpoint lagging
        expect(s, b, tmp, [lg.key], tiles, 0,
               "not revoked as of the checkpoint of 311 entries (the log's latest")
        # the full tile, forged: caught by the root
        p = os.path.join(tiles, tile_path(-1, 1))
        blob = bytearray(open(p, "rb").read())
        i = blob.index(b'"n":')
        blob[i + 1] = ord("m")
        open(p, "wb").write(bytes(blob))
        expect(s, b, tmp, [lg.key], tiles, 1)
    finally:
        shutil.rmtree(tmp)


def test_server_bundles_verify_offline(s):
    """The server's own bundles through both verifiers: a current demo
    mark is genuine and not revoked as proved from the published tiles
    (0), not checked without them (4); the revoked one exits 3.  The
    trust root is a policy file written from a key list kept apart from
    the server under test (here: read once, before the checks)."""
    tmp = tempfile.mkdtemp()
    try:
        keys = s.get("/.well-known/htq-ledger-keys").body.decode().split()
        pol = os.path.join(tmp, "policy")
        with open(pol, "w") as f:
            f.write("origin %s\n" % keys[0].split("+")[0] + "".join("key %s\n" % k for k in keys))
        items = s.get("/api/v1/register").json()["items"]
        seen = set()
        for it in items:
            if it["status"] in seen:
                continue
            seen.add(it["status"])
            r = s.get("/api/v1/marks/" + it["mark_id"])
            assert r.status == 200, r
            b = json.loads(r.body)
            if it["status"] == "current":
                expect(s, b, tmp, [], s.base + "/ledger/", 0, "not revoked as of the checkpoint of",
                       "the log's latest", policy=pol)
                expect(s, b, tmp, [], None, 4, "revocation NOT checked: no --entries given",
                       policy=pol)
            else:
                expect(s, b, tmp, [], s.base + "/ledger/", 3,
                       "revoked on %s" % it["revoked"]["date"], policy=pol)
        assert seen == {"current", "revoked"}, seen
    finally:
        shutil.rmtree(tmp)
