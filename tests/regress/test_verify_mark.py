"""htq-verify mark: a mark bundle checked offline (entry signature,
inclusion proof, checkpoint signature and origin, revocation if present),
and with --entries the proof of non-revocation up to the checkpoint from
an export, a folder of static tiles, or their URL.  The ledgers are built
here from the contract with throwaway keys (ledger_fixtures.py), so every
forgery is one an attacker could make."""
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


def verify(s, bundle, tmp, keys, entries=None):
    path = os.path.join(tmp, "bundle.json")
    with open(path, "w") as f:
        json.dump(bundle, f)
    args = [os.path.join(s.bin, "htq-verify"), "mark", path]
    for k in keys:
        args += ["--key", k.vkey]
    if entries:
        args += ["--entries", entries]
    r = subprocess.run(args, capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr).strip()


def with_mark(b):
    b = dict(b)
    b["mark"] = dict(FACTS, id=MARK, status="current")
    return b


def test_genuine_mark_with_and_without_entries(s):
    tmp = tempfile.mkdtemp()
    try:
        for before in (3, 300, 530):      # start of the scan: 0, 256, 512
            lg, award, _ = build(before)
            b = with_mark(lg.bundle(award))
            code, out = verify(s, b, tmp, [lg.key])
            assert code == 0 and "genuine" in out and "not revoked" not in out, out
            export = os.path.join(tmp, "ledger.jsonl")
            lg.write(export)
            code, out = verify(s, b, tmp, [lg.key], export)
            assert code == 0 and "not revoked as of that checkpoint (read 40 later" in out, out
            tiles = os.path.join(tmp, "tiles-%d" % before)
            write_tiles(tiles, lg.entries)
            code, out = verify(s, b, tmp, [lg.key], tiles)
            assert code == 0 and "read 40 later entries" in out, (before, out)
    finally:
        shutil.rmtree(tmp)


def test_revoked_mark_never_reads_as_success(s):
    tmp = tempfile.mkdtemp()
    try:
        lg, award, rev = build(260, revoke=True)
        tiles = os.path.join(tmp, "tiles")
        write_tiles(tiles, lg.entries)
        b = with_mark(lg.bundle(award, revocation=rev))
        code, out = verify(s, b, tmp, [lg.key], tiles)
        assert code == 3 and "revoked on 2026-11-20: non_compliance" in out, out
        # a bundle that hides the revocation is caught from the tiles
        code, out = verify(s, with_mark(lg.bundle(award)), tmp, [lg.key], tiles)
        assert code == 1 and "was revoked by entry %d" % rev in out, out
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
        code, out = verify(s, with_mark(lg.bundle(award)), tmp, [lg.key], forged)
        assert code == 1 and "do not hash to the checkpoint's root" in out, out
        # an entry bundle cut short is refused, not read as the end
        cut = blob[:len(blob) // 2]
        whole, off = 0, 0       # the entries the cut bundle still holds whole
        while off + 2 <= len(cut) and off + 2 + int.from_bytes(cut[off:off + 2], "big") <= len(cut):
            off += 2 + int.from_bytes(cut[off:off + 2], "big")
            whole += 1
        open(p, "wb").write(cut)
        code, out = verify(s, with_mark(lg.bundle(award)), tmp, [lg.key], forged)
        assert code == 1 and out.startswith(
            "htq-verify: %s: holds %d entries, expected %d" % (tile_path(-1, n, w), whole, w)), out
    finally:
        shutil.rmtree(tmp)


def test_an_older_bundle_is_proved_to_the_tiles_latest_checkpoint(s):
    """A bundle published when the mark was awarded (as the static
    /api/v1/marks/{id} is) against a tile set that has moved on: with the
    tile set's checkpoint, non-revocation is proved up to it; a later
    revocation is found and exits 3; a checkpoint by another key, or tiles
    holding another award entry, fail."""
    tmp = tempfile.mkdtemp()
    try:
        lg, award, _ = build(300, after=10)
        old = with_mark(lg.bundle(award))       # proven at size award + 11
        tiles = os.path.join(tmp, "tiles")
        write_tiles(tiles, lg.entries)          # as published then ...
        for _ in range(250):
            lg.add()
        write_tiles(tiles, lg.entries)          # ... and since
        code, out = verify(s, old, tmp, [lg.key], tiles)    # no checkpoint file
        assert code == 0 and "not revoked as of that checkpoint (read 10 later" in out, out
        with open(os.path.join(tiles, "checkpoint"), "w") as f:
            f.write(lg.checkpoint())
        code, out = verify(s, old, tmp, [lg.key], tiles)
        assert code == 0 and ("latest checkpoint, of %d entries (read 260 later" %
                              len(lg.entries)) in out, out
        # a checkpoint by a key other than the newest given is refused
        with open(os.path.join(tiles, "checkpoint"), "w") as f:
            f.write(lg.checkpoint(signer=lf.Key("mark-other")))
        code, out = verify(s, old, tmp, [lg.key], tiles)
        assert code == 1 and out.startswith(
            "htq-verify: %s: its checkpoint: signed by an unknown key" % tiles), out
        # revoked after the bundle was made: revoked, exit 3
        lg.add("mark.revoked", {"reason": "non_compliance"}, subject=MARK,
               time="2026-11-21T10:00:00Z")
        write_tiles(tiles, lg.entries)
        with open(os.path.join(tiles, "checkpoint"), "w") as f:
            f.write(lg.checkpoint())
        code, out = verify(s, old, tmp, [lg.key], tiles)
        assert code == 3 and "revoked on 2026-11-21: non_compliance" in out, out
        assert "after the bundle's checkpoint" in out, out
    finally:
        shutil.rmtree(tmp)


def test_forged_bundles_are_refused(s):
    tmp = tempfile.mkdtemp()
    try:
        lg, award, _ = build(10)
        good = with_mark(lg.bundle(award))
        code, out = verify(s, good, tmp, [lg.key])
        assert code == 0 and "genuine" in out, out     # the untouched bundle verifies
        tampered = dict(good, entry=good["entry"].replace("Cyber", "Cyder"))
        assert tampered != good
        code, out = verify(s, tampered, tmp, [lg.key])
        assert code == 1 and out.startswith(
            "htq-verify: entry %d: signature does not verify with key" % award), out
        other = lf.Key("mark-other")
        code, out = verify(s, good, tmp, [other])
        assert code == 1 and out.startswith("htq-verify: checkpoint: signed by an unknown key"), out
        evil = dict(good, checkpoint=lf.note(lf.cp_body(len(lg.entries), lg.root(),
                                                        "evil.example/log"), lg.key))
        code, out = verify(s, evil, tmp, [lg.key])
        assert code == 1 and out.startswith(
            'htq-verify: checkpoint: origin is "evil.example/log"'), out
        lying = dict(good, mark=dict(good["mark"], awarded="2020-01-01"))
        code, out = verify(s, lying, tmp, [lg.key])
        assert code == 1 and "mark: field awarded differs" in out, out
        code, out = verify(s, with_mark(lg.bundle(0)), tmp, [lg.key])
        assert code == 1 and "not a mark.awarded" in out, out
        export = os.path.join(tmp, "short.jsonl")
        short = lf.Ledger(lg.key)
        for e in lg.entries[:-3]:
            short.add_raw(e)
        short.write(export)
        code, out = verify(s, good, tmp, [lg.key], export)
        assert code == 1 and "holds only 48 entries" in out, out
    finally:
        shutil.rmtree(tmp)


def test_entries_from_a_url(s):
    if shutil.which("curl") is None:
        raise AssertionError("curl is a build dependency")
    tmp = tempfile.mkdtemp()
    httpd = None
    try:
        lg, award, _ = build(257)
        tiles = os.path.join(tmp, "ledger")
        write_tiles(tiles, lg.entries)
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=tmp)
        handler.log_message = lambda *a: None
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        url = "http://127.0.0.1:%d/ledger/" % httpd.server_address[1]
        code, out = verify(s, with_mark(lg.bundle(award)), tmp, [lg.key], url)
        assert code == 0 and "read 40 later entries" in out, out
        code, out = verify(s, with_mark(lg.bundle(award)), tmp, [lg.key], url + "missing/")
        assert code == 1 and "cannot be fetched" in out, out
    finally:
        if httpd:
            httpd.shutdown()
        shutil.rmtree(tmp)


def test_server_bundles_verify_offline(s):
    """The server's own bundles: a current demo mark is genuine and not
    revoked as proved from the published tiles; the revoked one exits 3."""
    tmp = tempfile.mkdtemp()
    try:
        keys = os.path.join(tmp, "keys.txt")
        with open(keys, "wb") as f:
            f.write(s.get("/.well-known/htq-ledger-keys").body)
        items = s.get("/api/v1/register").json()["items"]
        seen = set()
        for it in items:
            if it["status"] in seen:
                continue
            seen.add(it["status"])
            path = os.path.join(tmp, it["mark_id"] + ".json")
            r = s.get("/api/v1/marks/" + it["mark_id"])
            assert r.status == 200, r
            with open(path, "wb") as f:
                f.write(r.body)
            p = subprocess.run([os.path.join(s.bin, "htq-verify"), "mark", path, "--key", keys,
                                "--entries", s.base + "/ledger/"], capture_output=True, text=True)
            out = p.stdout + p.stderr
            if it["status"] == "current":
                assert p.returncode == 0 and "not revoked as of" in out, out
            else:
                assert p.returncode == 3 and "revoked on %s" % it["revoked"]["date"] in out, out
        assert seen == {"current", "revoked"}, seen
    finally:
        shutil.rmtree(tmp)
