"""Full storage, on a stack of its own whose data directory is a small
tmpfs (root only): writes fail with a JSON 507 naming the full disk, reads
go on, nothing acknowledged is lost, writes succeed again as soon as space
is freed (no restart), and a start on the full disk still serves reads."""
import os
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
