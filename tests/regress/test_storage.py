"""Full storage, on a stack of its own whose data directory is a small
tmpfs (root only): writes fail with a JSON 507 naming the full disk, reads
go on, nothing acknowledged is lost, writes succeed again as soon as space
is freed (no restart), and a start on the full disk still serves reads."""
import os
import shutil
import subprocess
import tempfile
import time

from harness import Skip, Stack, Token, assert_json_error, content

MIB = 1 << 20


def fill(path, leave=0):
    """Write path until the file system has at most leave bytes free (or
    none: ENOSPC ends it); the bytes written."""
    n = 0
    with open(path, "ab") as f:
        try:
            while True:
                st = os.statvfs(os.path.dirname(path))
                free = st.f_bavail * st.f_frsize
                if free <= leave:
                    break
                step = min(MIB, max(4096, free - leave))
                f.write(b"\0" * step)
                f.flush()
                n += step
        except OSError:
            pass
    return n


def test_full_disk_is_a_507_and_heals_without_restart(s):
    if os.geteuid() != 0:
        raise Skip("mounting a small tmpfs needs root")
    st = Stack(s.bin)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96m,mode=0700",
                       "htq-full", st.data], capture_output=True).returncode != 0:
        os.rmdir(st.data)
        raise Skip("mount -t tmpfs is not permitted here")
    # run.sh's output (and the workers' log lines) outside the full disk
    out = tempfile.NamedTemporaryFile(prefix="htq-full-", suffix=".out", delete=False)
    out.close()
    st.out_path = out.name
    ballast = os.path.join(st.data, "ballast")
    try:
        st.start()
        author = Token(st, "author@northfield.test")
        body = content(st)
        acked = []
        r = st.post("/api/v1/submissions", body=body, headers=author.h)
        assert r.status == 201, r
        acked.append(r.json()["id"])
        # leave about 1 MiB: a few hundred drafts fill it
        fill(ballast, leave=MIB)
        refused = None
        for _ in range(3000):
            t0 = time.time()
            r = st.post("/api/v1/submissions", body=body, headers=author.h)
            took = time.time() - t0
            if r.status == 201:
                acked.append(r.json()["id"])
                continue
            refused = r
            break
        assert refused is not None, "the disk never filled"
        doc = assert_json_error(refused, 507, "insufficient_storage")
        assert "disk of the data directory is full" in doc["error"]["message"], doc
        assert took < 1.0, took
        print("  full disk: %d drafts acknowledged, then 507 in %.3f s"
              % (len(acked), took))
        # still full: writes are 507, reads go on, nothing acknowledged lost
        for _ in range(3):
            assert_json_error(st.post("/api/v1/submissions", body=body, headers=author.h),
                              507, "insufficient_storage")
        assert st.get("/api/v1/health").status == 200
        for sid in acked:
            r = st.get("/api/v1/submissions/" + sid, headers=author.h)
            assert r.status == 200, (sid, r)
        assert st.get("/").status == 200
        # a body nginx must keep in a file until it is all in (over
        # 16 KiB) cannot be kept: a JSON 507 too
        big = dict(body, units=body["units"] + [
            {"id": "X%d" % i, "title": "x" * 200} for i in range(200)])
        assert_json_error(st.post("/api/v1/submissions", body=big, headers=author.h),
                          507, "insufficient_storage")
        # the log names the cause: the errno text and the path
        log = st.output()
        assert "No space left on device" in log and st.data + "/db" in log, log[-2000:]
        # space freed: writes succeed again at once, no restart
        os.truncate(ballast, max(0, os.path.getsize(ballast) - 4 * MIB))
        r = st.post("/api/v1/submissions", body=body, headers=author.h)
        assert r.status == 201, r
        acked.append(r.json()["id"])
        for sid in acked:
            assert st.get("/api/v1/submissions/" + sid, headers=author.h).status == 200
        # a start on a full disk serves reads (the www copy cannot be
        # made again; the one there is kept)
        fill(ballast)
        assert st.stop() == 0
        fill(ballast)
        st.start()
        assert "cannot copy" in st.output(), st.output()[-2000:]
        assert "the disk of %s is full" % st.data in st.output(), st.output()[-2000:]
        assert st.get("/").status == 200
        for sid in acked:
            assert st.get("/api/v1/submissions/" + sid, headers=author.h).status == 200
        # (start-up gave up its reserve for nginx's pid file: full again)
        fill(ballast)
        assert_json_error(st.post("/api/v1/submissions", body=body, headers=author.h),
                          507, "insufficient_storage")
        os.unlink(ballast)
        r = st.post("/api/v1/submissions", body=body, headers=author.h)
        assert r.status == 201, r
        # this stack's output is not in the suite's log checks
        assert st.stop() == 0
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            assert marker not in st.output(), st.output()[-3000:]
    finally:
        st.stop()
        subprocess.run(["umount", st.data], capture_output=True)
        st.cleanup()
        os.unlink(out.name)


def map_size(data):
    """The map size the database file records (the last writer's)."""
    out = subprocess.run(["mdb_stat", "-e", os.path.join(data, "db")],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.strip().startswith("Map size:"):
            return int(line.split(":")[1])
    raise AssertionError("no map size in mdb_stat's output: " + out)


def test_map_grows_to_its_maximum_then_503(s):
    """The LMDB map starts at HTQ_MAP_INITIAL and grows on its own (both
    workers writing) up to HTQ_MAP_MAX; there, writes are a JSON 503
    database_full within a second, with a log line saying how to raise
    it; reads go on and nothing acknowledged is lost."""
    if not shutil.which("mdb_stat"):
        raise Skip("mdb_stat (lmdb-utils) is not installed")
    st = Stack(s.bin, workers=2, HTQ_MAP_INITIAL=MIB, HTQ_MAP_MAX=4 * MIB)
    try:
        st.start()
        assert map_size(st.data) == MIB, map_size(st.data)
        author = Token(st, "author@northfield.test")
        body = content(st)
        acked, sizes, refused = [], set(), None
        for i in range(5000):
            t0 = time.time()
            r = st.post("/api/v1/submissions", body=body, headers=author.h)
            took = time.time() - t0
            if r.status != 201:
                refused = r
                break
            acked.append(r.json()["id"])
            if i % 10 == 0:
                sizes.add(map_size(st.data))
        assert refused is not None, "the map never filled"
        doc = assert_json_error(refused, 503, "database_full")
        assert "HTQ_MAP_MAX" in doc["error"]["message"], doc
        assert took < 1.0, took
        # it grew, by doubling, to the maximum, and no further
        assert {2 * MIB, 4 * MIB} <= sizes | {map_size(st.data)}, sizes
        assert max(sizes | {map_size(st.data)}) == 4 * MIB, sizes
        log = st.output()
        assert "grew from %d to %d bytes" % (MIB, 2 * MIB) in log, log[-3000:]
        assert "at its maximum, %d bytes (HTQ_MAP_MAX)" % (4 * MIB) in log, log[-3000:]
        assert "set HTQ_MAP_MAX" in log, log[-3000:]
        # both workers wrote beyond the initial map (each adopts or grows)
        after = log[log.index("grew from %d" % MIB):]
        pids = {line.split("pid=")[1].split()[0] for line in after.splitlines()
                if 'method="POST" path="/api/v1/submissions" status=201' in line}
        assert len(pids) == 2, pids
        print("  map: %d drafts acknowledged in 1 MiB growing to 4 MiB, then 503 in %.3f s"
              % (len(acked), took))
        # still full: 503 again and again (a worker that had not yet seen
        # the maximum says so too).  Pages an older snapshot still held
        # when a write was refused are free again once its reader ends
        # (under load, a moment later), so a later draft may fit: that is
        # a 201 like any other, and must not be lost either.
        full = 0
        for _ in range(200):
            t0 = time.time()
            r = st.post("/api/v1/submissions", body=body, headers=author.h)
            assert time.time() - t0 < 1.0
            if r.status == 201:
                acked.append(r.json()["id"])
                continue
            assert_json_error(r, 503, "database_full")
            full += 1
            if full == 4:
                break
        assert full == 4, "the map stopped being full: %d more drafts fitted" % (len(acked))
        assert st.get("/api/v1/health").status == 200
        for sid in acked:
            r = st.get("/api/v1/submissions/" + sid, headers=author.h)
            assert r.status == 200, (sid, r)
        # a restart with a larger maximum: writes go on
        assert st.stop() == 0
        st.extra_env["HTQ_MAP_MAX"] = 16 * MIB
        st.start()
        r = st.post("/api/v1/submissions", body=body, headers=author.h)
        assert r.status == 201, r
        assert st.stop() == 0
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            assert marker not in st.output(), st.output()[-3000:]
    finally:
        st.stop()
        st.cleanup()


def test_map_settings_are_checked(s):
    """A map size that is not a byte count in range is refused by name."""
    st = Stack(s.bin)
    try:
        for bad in ("lots", "4G", "-1", "100", str(1 << 41)):
            r = st.ctl("init", check=False, env={"HTQ_MAP_MAX": bad})
            assert r.returncode != 0, bad
            assert b"HTQ_MAP_MAX must be a number of bytes" in r.stderr, r.stderr
    finally:
        st.cleanup()


def test_openapi_documents_full_storage(s):
    """Every change the API takes documents both storage refusals, and the
    served document says so too."""
    import json
    with open(os.path.join(s.root, "schemas", "openapi.json")) as f:
        api = json.load(f)
    n = 0
    for path, ops in api["paths"].items():
        for method, op in ops.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            n += 1
            r = op["responses"]
            for status, code in (("507", "insufficient_storage"), ("503", "database_full")):
                assert r.get(status, {}).get("description", "").startswith(code), (method, path)
                assert r[status]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"}, (method, path)
    assert n >= 10, n
    assert "507 insufficient_storage" in api["info"]["description"]
    assert "503 database_full" in api["info"]["description"]
    assert s.get("/api/v1/openapi.json").json() == api


def test_logs_are_bounded(s):
    """With a tiny HTQ_LOG_MAX, many requests leave nginx's logs bounded
    (renamed to NAME.1 by the service account, nginx told to reopen), and
    the newest lines still reach the new files."""
    limit = 8192
    # logins beyond the first are refused with a warning in the error log
    st = Stack(s.bin, HTQ_LOG_MAX=limit, HTQ_LOGIN_RATE=1, HTQ_LOGIN_BURST=1)
    log_dir = os.path.join(st.data, "log")
    access = os.path.join(log_dir, "nginx-access.log")
    error = os.path.join(log_dir, "nginx-error.log")
    try:
        st.start()
        largest, t0 = 0, time.time()
        for i in range(400):
            # over 8 s at least: the logs are checked every 2 s, so that
            # a file reaches at most HTQ_LOG_MAX and what 2 s bring
            time.sleep(max(0, t0 + i * 0.02 - time.time()))
            assert st.get("/api/v1/health").status == 200
            r = st.post("/api/v1/session?n=%d" % i, body={"email": "nobody-%d@x.test" % i,
                                                 "password": "not-the-password"})
            assert r.status in (401, 429), r
            if i % 20 == 0:
                largest = max(largest, *(os.path.getsize(f) for f in (access, error)
                                         if os.path.exists(f)))
        time.sleep(3)	# a check (every 2 s) and a flush (every 1 s)
        for f in (access, error):
            assert os.path.exists(f + ".1"), os.listdir(log_dir)
            assert os.path.getsize(f) <= limit, (f, os.path.getsize(f))
            if os.geteuid() == 0:	# the service account's, not root's
                assert os.stat(f).st_uid != 0 and os.stat(f + ".1").st_uid != 0
        nginx_logs = [n for n in os.listdir(log_dir) if n.startswith("nginx-")]
        on_disk = sum(os.path.getsize(os.path.join(log_dir, n)) for n in nginx_logs)
        assert sorted(nginx_logs) == sorted(
            ["nginx-access.log", "nginx-access.log.1", "nginx-error.log", "nginx-error.log.1"])
        # the demo witnesses' logs (a line a cosignature) stay under it too
        for n in os.listdir(log_dir):
            if n.startswith("witness-"):
                assert os.path.getsize(os.path.join(log_dir, n)) <= 2 * limit, (n, os.path.getsize(os.path.join(log_dir, n)))
        # the oldest lines were dropped (more than one rotation), the
        # last ones kept
        text = ""
        for n in nginx_logs:
            with open(os.path.join(log_dir, n)) as f:
                text += f.read()
        assert "?n=0 " not in text and "?n=1 " not in text, on_disk
        assert "?n=399 " in text
        # 800 requests wrote some 200 KB of lines
        assert on_disk <= 12 * limit, on_disk
        # after the rotations the newest lines are in the new files
        st.get("/api/v1/health?marker-after-rotation=1")
        st.post("/api/v1/session?marker-after-rotation=2", body={"email": "a@x.test", "password": "p"})
        time.sleep(1.5)
        with open(access) as f:
            assert "marker-after-rotation=1" in f.read()
        with open(error) as f:
            assert "marker-after-rotation=2" in f.read()
        print("  logs: %d bytes on disk after 800 requests, largest file seen %d (HTQ_LOG_MAX %d)"
              % (on_disk, largest, limit))
    finally:
        st.stop()
        st.cleanup()


def test_log_max_is_checked(s):
    """A log bound that is not a number of bytes stops the start, named."""
    st = Stack(s.bin, HTQ_LOG_MAX="64M")
    try:
        try:
            st.start(timeout=15)
            raise AssertionError("started with HTQ_LOG_MAX=64M")
        except RuntimeError:
            pass
        assert "HTQ_LOG_MAX" in st.output(), st.output()[-2000:]
    finally:
        st.stop()
        st.cleanup()
