"""The ledger as static C2SP tlog-tiles (docs/ledger.md "Static files"):
served by nginx with no FastCGI, rebuilt from the tiles alone to the signed
checkpoint's root across tile boundaries, read by Go's sumdb/tlog tile
functions, rebuilt after deleting them all, repaired after a crash between
a commit and its publishing."""
import base64
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile

from harness import ROOT, Stack, go_interop


def tile_path(level, n, w):
    """C2SP path of tile (level, n) at width w; level -1: entry bundle."""
    s = "%03d" % (n % 1000)
    n //= 1000
    while n > 0:
        s = "x%03d/%s" % (n % 1000, s)
        n //= 1000
    return "tile/%s/%s%s" % ("entries" if level < 0 else level, s,
                              "" if w == 256 else ".p/%d" % w)


def leaf_hash(b):
    return hashlib.sha256(b"\x00" + b).digest()


def node_hash(a, b):
    return hashlib.sha256(b"\x01" + a + b).digest()


def perfect_root(hs):
    """Root of a perfect subtree over a power-of-two list of hashes."""
    assert hs and len(hs) & (len(hs) - 1) == 0, len(hs)
    while len(hs) > 1:
        hs = [node_hash(hs[i], hs[i + 1]) for i in range(0, len(hs), 2)]
    return hs[0]


def parse_bundle(data):
    out, off = [], 0
    while off < len(data):
        assert len(data) - off >= 2, "bundle cut short"
        n = data[off] << 8 | data[off + 1]
        assert n > 0 and off + 2 + n <= len(data), "bad length in bundle"
        out.append(data[off + 2:off + 2 + n])
        off += 2 + n
    return out


def rebuild(s):
    """Read the checkpoint, every hash tile and entry bundle over HTTP
    from nginx; check every level against the one below, the entries
    against level 0, and the root computed from the tiles alone against
    the signed checkpoint.  Returns (size, entries)."""
    r = s.get("/ledger/checkpoint")
    assert r.status == 200, r
    lines = r.body.decode().split("\n")
    size, root = int(lines[1]), base64.b64decode(lines[2])
    levels = []
    while size >> (8 * len(levels)):
        L, count, hs = len(levels), size >> (8 * len(levels)), []
        for n in range((count + 255) // 256):
            w = min(256, count - 256 * n)
            t = s.get("/ledger/" + tile_path(L, n, w))
            assert t.status == 200, (tile_path(L, n, w), t)
            assert len(t.body) == 32 * w, (tile_path(L, n, w), len(t.body))
            hs += [t.body[i:i + 32] for i in range(0, len(t.body), 32)]
        levels.append(hs)
    for L in range(1, len(levels)):
        for j, h in enumerate(levels[L]):
            assert perfect_root(levels[L - 1][256 * j:256 * j + 256]) == h, \
                "tile level %d hash %d is not the root of the 256 below" % (L, j)
    entries = []
    for n in range((size + 255) // 256):
        w = min(256, size - 256 * n)
        t = s.get("/ledger/" + tile_path(-1, n, w))
        assert t.status == 200, (tile_path(-1, n, w), t)
        got = parse_bundle(t.body)
        assert len(got) == w, (n, len(got), w)
        entries += got
    if size:
        assert [leaf_hash(e) for e in entries] == levels[0], "bundles != level 0"
    # the root from the tiles alone: each perfect subtree of the size's
    # binary decomposition from the tile level just below its height
    subtrees, start = [], 0
    for k in range(63, -1, -1):
        if size & (1 << k):
            L = min(k // 8, len(levels) - 1)
            first, cnt = start >> (8 * L), 1 << (k - 8 * L)
            subtrees.append(perfect_root(levels[L][first:first + cnt]))
            start += 1 << k
    h = subtrees[-1] if subtrees else hashlib.sha256(b"").digest()
    for x in reversed(subtrees[:-1]):
        h = node_hash(x, h)
    assert h == root, "root from the tiles != the checkpoint's at size %d" % size
    return size, entries


def files(data):
    """{relative path: bytes} of the published files."""
    out, pub = {}, os.path.join(data, "public")
    for d, dirs, names in os.walk(pub):
        for name in names:
            if name == ".lock" or len(name) > 7 and name[-7] == ".":  # a temporary
                continue
            p = os.path.join(d, name)
            with open(p, "rb") as f:
                out[os.path.relpath(p, pub)] = f.read()
    return out


def published_size(data):
    with open(os.path.join(data, "public", "ledger", "checkpoint")) as f:
        return int(f.read().split("\n")[1])


def go_tiles(s):
    tmp = tempfile.mkdtemp()
    try:
        exe = go_interop(tmp)
        r = subprocess.run([exe, "tiles", s.base], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert "tiles ok" in r.stdout, r.stdout
    finally:
        shutil.rmtree(tmp)


def test_static_checkpoint_keys_and_tiles(s):
    cp = s.get("/ledger/checkpoint")
    assert cp.status == 200 and cp.header("content-type").startswith("text/plain"), cp
    assert "max-age=5" in cp.header("cache-control"), cp.headers
    assert cp.body == s.ctl("ledger", "checkpoint").stdout  # the signed one
    assert cp.body == s.get("/api/v1/ledger/checkpoint").body
    keys = s.get("/.well-known/htq-ledger-keys")
    assert keys.status == 200 and keys.header("content-type").startswith("text/plain")
    assert keys.body == s.get("/api/v1/ledger/key").body
    # the trust policy, as htqctl ledger policy prints it (the portal's
    # ledger page applies its witness rule); data for any origin
    pol = s.get("/.well-known/htq-policy")
    assert pol.status == 200 and pol.header("content-type").startswith("text/plain"), pol
    assert pol.body == s.ctl("ledger", "policy").stdout
    assert pol.header("access-control-allow-origin") == "*" and "max-age=300" in pol.header("cache-control")
    assert b"\nkey " + keys.body.split(b"\n")[0] in pol.body
    size, entries = rebuild(s)
    assert size == s.get("/api/v1/health").json()["ledger"]["size"]
    api = s.get("/api/v1/ledger/entries?start=0&end=%d" % min(size, 50)).json()["entries"]
    assert [e["entry"].encode() for e in api] == entries[:len(api)]
    part = s.get("/ledger/" + tile_path(0, size // 256, size % 256))
    assert part.status == 200 and part.header("content-type") == "application/octet-stream"
    assert part.header("cache-control") == "public, max-age=5", part.headers
    assert part.header("access-control-allow-origin") == "*"
    # a tile that does not exist yet: JSON 404, and never cached as missing
    r = s.get("/ledger/tile/0/x999/000")
    assert r.status == 404 and r.header("cache-control") is None, r.headers
    # the API's checkpoint with a query is still the worker's (which refuses it)
    assert s.get("/api/v1/ledger/checkpoint?x=1").status == 400
    # a write by htqctl publishes before htqctl exits
    before = size
    s.ctl("standards", "eligibility", "ST0118", "--no", "--reason", "tiles test")
    s.ctl("standards", "eligibility", "ST0118", "--yes")
    assert published_size(s.data) == before + 2
    assert s.get("/ledger/checkpoint").body == s.get("/api/v1/ledger/checkpoint").body
    rebuild(s)


def test_tiles_across_boundaries_rebuild_and_go(s):
    """Ledgers of 255, 256, 257 and 65,537 entries: the tree rebuilt from the
    tiles over HTTP matches each signed checkpoint; Go's tlog reads them;
    deleting every published file and restarting rebuilds the same bytes."""
    st = Stack(workers=1)
    try:
        st.ctl("init")
        writer = os.path.join(st.bin, "tests", "ledger_writer")

        def grow(count, start):
            p = subprocess.run([writer, st.data, str(start), str(count), "10000"],
                               capture_output=True, text=True)
            assert p.returncode == 0, p.stderr

        grow(255, 0)
        st.start()  # the master publishes what the writer left unpublished
        assert rebuild(st)[0] == 255
        assert st.get("/ledger/tile/0/000.p/255").status == 200
        assert st.get("/ledger/tile/0/000").status == 404
        grow(1, 255)
        st.ctl("ledger", "publish")
        assert rebuild(st)[0] == 256
        full = st.get("/ledger/tile/0/000")
        assert full.status == 200 and len(full.body) == 8192
        assert full.header("cache-control") == "public, max-age=31536000, immutable", full.headers
        assert full.header("content-type") == "application/octet-stream"
        bundle = st.get("/ledger/tile/entries/000")
        assert bundle.header("cache-control") == "public, max-age=31536000, immutable"
        # a full tile supersedes its partial ones
        assert not os.path.exists(os.path.join(st.data, "public/ledger/tile/0/000.p"))
        grow(1, 256)
        st.ctl("ledger", "publish")
        assert rebuild(st)[0] == 257
        assert st.get("/ledger/tile/1/000.p/1").status == 200
        assert st.get("/ledger/tile/0/000").body == full.body  # immutable
        grow(65537 - 257, 257)
        st.ctl("ledger", "publish")
        assert rebuild(st)[0] == 65537
        assert len(st.get("/ledger/tile/1/000").body) == 8192
        assert len(st.get("/ledger/tile/2/000.p/1").body) == 32
        assert st.get("/ledger/checkpoint").body == st.ctl("ledger", "checkpoint").stdout
        go_tiles(st)
        # delete everything published, restart: the same files again
        before = files(st.data)
        st.stop()
        shutil.rmtree(os.path.join(st.data, "public"))
        st.start()
        after = files(st.data)
        assert set(after) <= set(before), sorted(set(after) - set(before))[:5]
        for path, data in after.items():
            assert before[path] == data, "%s differs after the rebuild" % path
        assert "ledger/tile/0/256.p/1" in after and "ledger/checkpoint" in after
        # a damaged full tile is found and rewritten at start
        with open(os.path.join(st.data, "public/ledger/tile/0/100"), "r+b") as f:
            f.write(b"\xff")
        st.stop()
        st.start()
        assert files(st.data) == after
        rebuild(st)
    finally:
        st.cleanup()


def test_crash_between_commit_and_publish_is_repaired(s):
    """A writer that committed and died before publishing leaves the files
    behind the log (tests/tools/ledger_writer commits and never
    publishes: the state such a crash leaves).  Stopped, `htqctl ledger
    publish --check` names what is behind and the next start repairs it;
    running, the workers' check repairs it within seconds, no commit
    needed; and a commit of anyone's publishes the lost entry with its
    own."""
    import time
    writer = os.path.join(s.bin, "tests", "ledger_writer")
    s.stop()
    before = published_size(s.data)
    subprocess.run([writer, s.data, "700000", "1"], check=True, capture_output=True)
    p = s.ctl("ledger", "publish", "--check", check=False)
    assert p.returncode == 1 and b"ledger/checkpoint\n" in p.stdout, (p.returncode, p.stdout)
    assert published_size(s.data) == before
    s.start()
    size = s.get("/api/v1/health").json()["ledger"]["size"]
    assert size == before + 1 and published_size(s.data) == size
    assert s.get("/ledger/checkpoint").body == s.ctl("ledger", "checkpoint").stdout
    assert s.ctl("ledger", "publish", "--check", check=False).returncode == 0
    assert rebuild(s)[0] == size
    # running: the workers catch up on their own
    subprocess.run([writer, s.data, "700001", "1"], check=True, capture_output=True)
    deadline = time.time() + 10
    while published_size(s.data) != size + 1 and time.time() < deadline:
        time.sleep(0.1)
    assert published_size(s.data) == size + 1
    assert s.ctl("ledger", "publish", "--check", check=False).returncode == 0
    # and a commit publishes whatever is behind with its own
    s.stop()
    subprocess.run([writer, s.data, "700002", "1"], check=True, capture_output=True)
    s.ctl("standards", "eligibility", "ST0119", "--no", "--reason", "crash test")
    assert published_size(s.data) == size + 3
    s.start()
    s.ctl("standards", "eligibility", "ST0119", "--yes")
    assert published_size(s.data) == size + 4


def test_concurrent_writers_never_publish_older(s):
    """Writers in parallel (htqctl processes, each publishing after its own
    commits): the published checkpoint only ever grows, and ends at the
    log's size and signed checkpoint."""
    import threading
    seen, stop = [], threading.Event()

    def watch():
        while not stop.is_set():
            r = s.get("/ledger/checkpoint")
            if r.status == 200:
                seen.append(int(r.body.decode().split("\n")[1]))

    t = threading.Thread(target=watch)
    t.start()
    try:
        env = s.env()
        procs = []
        for ref in ("ST0046", "ST0049", "ST0215", "ST0626"):
            script = " && ".join(
                "%s standards eligibility %s %s" % (
                    os.path.join(s.bin, "htqctl"), ref,
                    "--no --reason concurrent" if i % 2 == 0 else "--yes")
                for i in range(6))
            procs.append(subprocess.Popen(["sh", "-c", script], env=env, cwd=ROOT,
                                          stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE))
        for p in procs:
            _, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
    finally:
        stop.set()
        t.join()
    assert seen == sorted(seen), "published checkpoint went back: %r" % seen
    assert s.get("/ledger/checkpoint").body == s.ctl("ledger", "checkpoint").stdout
    assert rebuild(s)[0] == s.get("/api/v1/health").json()["ledger"]["size"]
