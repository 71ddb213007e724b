"""Backup and restore without forking the log (issue 26): htqctl backup
takes a compacting hot copy while submissions are being written, mode
0600, never world-readable and never over an existing file; htqctl
restore writes a new 0700 data directory, verifies the ledger, refuses a
live directory, refuses a backup older than (or forked from) the last
published checkpoint naming both sizes, and --new-origin starts a new
log that verifiers accept under its own key."""
import json
import os
import shutil
import stat
import subprocess
import tempfile
import threading
import time

from harness import EMAIL, Stack, Token, content, demo_marks, export_ledger, verify_export


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def ctl(s, *args, umask=None):
    """htqctl against s's data directory (exit status, stdout, stderr),
    with umask set for the child when given."""
    p = subprocess.run([os.path.join(s.bin, "htqctl")] + list(args), env=s.env(),
                       capture_output=True, text=True,
                       preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)
    return p.returncode, p.stdout, p.stderr


def new_dir():
    """An empty directory for a restore: /tmp/htq-regress-* like a
    Stack's, so that run.sh started as root may hand it over."""
    return tempfile.mkdtemp(prefix="htq-regress-")


def restored_stack(s, data, **env):
    """A Stack (not started) on the restored directory data."""
    st = Stack(s.bin, **env)
    os.rmdir(st.data)
    st.data = data
    st.out_path = os.path.join(data, "run.out")
    return st


def checkpoint(st):
    r = st.get("/ledger/checkpoint")
    assert r.status == 200, r
    return r.body


def test_backup_during_writes_restores_every_acknowledged_write(s):
    """A thread creates drafts over HTTP while htqctl backup runs: every
    draft acknowledged before the backup began is in the restored
    directory, served by a stack started on it; the copy and its key are
    0600, the restored directory 0700 with its database and key 0600; the
    restored ledger verifies with htq-verify (ledger mode); the published
    checkpoint taken before the backup is part of it."""
    tmp = tempfile.mkdtemp(prefix="htq-backup-")
    data = new_dir()
    try:
        with Stack(s.bin) as st:
            author = Token(st, EMAIL["north"])
            body = content(st)
            acked = []          # (id, time the answer arrived)
            stop = threading.Event()
            errors = []

            def writer():
                i = 0
                while not stop.is_set():
                    b = dict(body, qualification=dict(body["qualification"],
                                                      title="backup load %d" % i))
                    r = st.post("/api/v1/submissions", body=b, headers=author.h)
                    if r.status != 201:
                        errors.append(r)
                        return
                    sid = r.json()["id"]
                    r = st.post("/api/v1/submissions/%s/submit" % sid, headers=author.h)
                    if r.status != 200:
                        errors.append(r)
                        return
                    acked.append((sid, time.time()))
                    i += 1
            t = threading.Thread(target=writer)
            t.start()
            while len(acked) < 10 and t.is_alive():
                time.sleep(0.02)
            published = checkpoint(st)
            began = time.time()
            backup = os.path.join(tmp, "htq.backup")
            rc, out, err = ctl(st, "backup", backup, "--with-key")
            time.sleep(0.3)     # writes go on after the copy
            stop.set()
            t.join()
            assert not errors, errors[:1]
            assert rc == 0, err
            before = [i for i, at in acked if at < began]
            assert len(before) >= 10 and len(acked) > len(before), (len(before), len(acked))
            assert "mode 0600" in out and "ledger of" in out and "checkpoint root" in out, out
            assert mode(backup) == 0o600 and mode(backup + ".key") == 0o600
        pubfile = os.path.join(tmp, "checkpoint")
        with open(pubfile, "wb") as f:
            f.write(published)
        rc, out, err = ctl(s, "restore", backup, "--data", data, "--published", pubfile,
                           "--key", backup + ".key")
        assert rc == 0, err
        assert "verified" in out and "is part of it" in out, out
        assert mode(data) == 0o700 and mode(os.path.join(data, "db")) == 0o700
        assert mode(os.path.join(data, "db", "data.mdb")) == 0o600
        assert mode(os.path.join(data, "keys")) == 0o700
        assert mode(os.path.join(data, "keys", "ledger.key")) == 0o600
        rs = restored_stack(s, data)
        try:
            rs.start()
            missing = []
            for i in before:
                r = rs.get("/api/v1/submissions/" + i, headers=author.h)
                if r.status != 200 or r.json()["status"] != "submitted":
                    missing.append((i, r.status))
            assert not missing, "acknowledged before the backup, not restored: %s" % missing
            export_ledger(rs, os.path.join(tmp, "restored.jsonl"))
            verify_export(rs, os.path.join(tmp, "restored.jsonl"), tmp)
        finally:
            rs.cleanup()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)


def test_restore_refuses_a_live_directory(s):
    """Into the running stack's own directory: refused because its socket
    answers; into a directory that holds a database: refused naming it;
    neither is touched."""
    tmp = tempfile.mkdtemp(prefix="htq-backup-")
    try:
        backup = os.path.join(tmp, "b")
        rc, out, err = ctl(s, "backup", backup, "--with-key")
        assert rc == 0, err
        rc, out, err = ctl(s, "restore", backup, "--data", s.data,
                           "--no-published-checkpoint", "--key", backup + ".key")
        assert rc == 1 and "a server is running there" in err and "fcgi.sock" in err, err
        assert s.get("/api/v1/health").status == 200
        other = os.path.join(tmp, "other")
        os.makedirs(os.path.join(other, "db"), mode=0o700)
        with open(os.path.join(other, "db", "data.mdb"), "wb") as f:
            f.write(b"keep me")
        rc, out, err = ctl(s, "restore", backup, "--data", other,
                           "--no-published-checkpoint", "--key", backup + ".key")
        assert rc == 1 and "holds a database" in err, err
        with open(os.path.join(other, "db", "data.mdb"), "rb") as f:
            assert f.read() == b"keep me"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_restore_needs_a_published_checkpoint_and_a_key(s):
    """Without --published (or --no-published-checkpoint) a restore says
    why it needs one; without --key (or --new-origin) why it needs the
    key; --no-published-checkpoint restores and says what was not
    checked."""
    tmp = tempfile.mkdtemp(prefix="htq-backup-")
    data = new_dir()
    try:
        backup = os.path.join(tmp, "b")
        assert ctl(s, "backup", backup, "--with-key")[0] == 0
        rc, out, err = ctl(s, "restore", backup, "--data", data, "--key", backup + ".key")
        assert rc == 2 and "--published" in err and "fork" in err, err
        rc, out, err = ctl(s, "restore", backup, "--data", data, "--no-published-checkpoint")
        assert rc == 2 and "--key" in err and "--new-origin" in err, err
        assert not os.path.exists(os.path.join(data, "db"))
        rc, out, err = ctl(s, "restore", backup, "--data", data, "--no-published-checkpoint",
                           "--key", backup + ".key")
        assert rc == 0 and "not checked against a published checkpoint" in out, err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)


def test_older_backup_is_refused_and_a_new_origin_recovers(s):
    """A backup taken before more entries were published: restored with
    the newer checkpoint it is refused naming both sizes, and nothing is
    left in the directory; a checkpoint of another log of the same origin
    (same size or smaller, other root) is refused as a fork.  With
    --new-origin the restore starts a new log: a stack started on it
    serves checkpoints of the new origin, htq-verify accepts its export
    with its key, and its ledger.restarted entry names the old log and
    the published size."""
    tmp = tempfile.mkdtemp(prefix="htq-backup-")
    data = new_dir()
    try:
        with Stack(s.bin) as st:
            backup = os.path.join(tmp, "old")
            rc, out, err = ctl(st, "backup", backup)
            assert rc == 0, err
            assert "NOT in the copy" in out, out
            old_size = int(out.split("ledger of ")[1].split()[0])
            st.ctl("standards", "eligibility", "ST0116", "--no", "--reason",
                   "withdrawn after the backup")
            newer = checkpoint(st)
            other = checkpoint(s)
            rc, out, err = ctl(st, "backup", backup + "-again", "--with-key")
            assert rc == 0, err
        new_size = int(newer.split(b"\n")[1])
        assert new_size > old_size
        pubfile = os.path.join(tmp, "checkpoint")
        with open(pubfile, "wb") as f:
            f.write(newer)
        # the key of the same log (the later backup's)
        key = backup + "-again.key"
        rc, out, err = ctl(s, "restore", backup, "--data", data, "--published", pubfile,
                           "--key", key)
        assert rc == 1, (out, err)
        assert "%d entries" % old_size in err and "has %d" % new_size in err, err
        assert "--new-origin" in err and "fork" in err, err
        assert not os.path.exists(os.path.join(data, "db", "data.mdb"))
        # another log's checkpoint under the same origin: a fork or a rewind
        otherfile = os.path.join(tmp, "other")
        with open(otherfile, "wb") as f:
            f.write(other)
        rc, out, err = ctl(s, "restore", backup, "--data", data, "--published", otherfile,
                           "--key", key)
        assert rc == 1 and ("would replace the public log" in err or
                            "would rewind the public log" in err), err
        # the documented recovery
        origin = "htq.restored.test/ledger"
        rc, out, err = ctl(s, "restore", backup, "--data", data, "--published", pubfile,
                           "--new-origin", origin)
        assert rc == 0, err
        assert "started a new log " + origin in out and "HTQ_ORIGIN=" + origin in out, out
        assert mode(os.path.join(data, "keys", "ledger.key")) == 0o600
        rs = restored_stack(s, data, HTQ_ORIGIN=origin)
        try:
            rs.start()
            cp = checkpoint(rs)
            assert cp.split(b"\n")[0] == origin.encode(), cp
            assert int(cp.split(b"\n")[1]) == old_size + 1, cp
            keys = rs.get("/api/v1/ledger/key").body.decode()
            assert keys.startswith(origin + "+") and len(keys.splitlines()) == 1, keys
            entries, _ = export_ledger(rs, os.path.join(tmp, "new.jsonl"))
            verify_export(rs, os.path.join(tmp, "new.jsonl"), tmp)
            last = entries[old_size]
            assert last["type"] == "ledger.restarted", last
            assert last["data"]["previous_size"] == old_size, last
            assert last["data"]["published_size"] == new_size, last
            assert last["data"]["previous_origin"] == newer.split(b"\n")[0].decode(), last
            # the old log's checkpoint is no checkpoint of the new one
            r = subprocess.run([os.path.join(s.bin, "htq-verify"), "ledger",
                                os.path.join(tmp, "new.jsonl"), "--key",
                                keys.splitlines()[0], "--checkpoint", pubfile],
                               capture_output=True, text=True)
            assert r.returncode == 1, r.stdout + r.stderr
        finally:
            rs.cleanup()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)


def test_backup_is_never_world_readable_nor_overwritten(s):
    """Under umask 000 the copy (and its key) is 0600 from the start; a
    second backup to the same name is refused and leaves the first as it
    was; --force replaces it, still 0600; a symlink planted at the name is
    not followed."""
    tmp = tempfile.mkdtemp(prefix="htq-backup-")
    try:
        os.chmod(tmp, 0o755)
        backup = os.path.join(tmp, "b")
        rc, out, err = ctl(s, "backup", backup, "--with-key", umask=0)
        assert rc == 0, err
        assert mode(backup) == 0o600 and mode(backup + ".key") == 0o600
        with open(backup, "rb") as f:
            first = f.read()
        rc, out, err = ctl(s, "backup", backup, umask=0)
        assert rc == 1 and "exists" in err and "--force" in err, err
        with open(backup, "rb") as f:
            assert f.read() == first
        rc, out, err = ctl(s, "backup", backup, "--force", umask=0)
        assert rc == 0 and mode(backup) == 0o600, err
        target = os.path.join(tmp, "target")
        with open(target, "w") as f:
            f.write("untouched")
        link = os.path.join(tmp, "link")
        os.symlink(target, link)
        rc, out, err = ctl(s, "backup", link, umask=0)
        assert rc == 1 and "exists" in err, err
        with open(target) as f:
            assert f.read() == "untouched"
        leftovers = [n for n in os.listdir(tmp) if n.startswith("b.") and n != "b.key"]
        assert not leftovers, leftovers
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_restore_removes_public_files_of_marks_it_does_not_hold(s):
    """A restore into the directory of a lost database whose public folder
    remains: the files of a mark the backup does not hold (awarded after
    it) and tiles of a longer log are removed; the backup's marks and
    ledger are published again, and --check finds nothing to repair."""
    tmp = tempfile.mkdtemp(prefix="htq-backup-")
    data = new_dir()
    try:
        backup = os.path.join(tmp, "b")
        assert ctl(s, "backup", backup, "--with-key")[0] == 0
        current, revoked = demo_marks(s)
        gone = "HTQ-2026-999999-Z"
        pub = os.path.join(data, "public")
        for rel in ("marks/%s/bundle.json" % gone, "verify/%s/index.html" % gone,
                    "ledger/tile/entries/x999/999"):
            os.makedirs(os.path.dirname(os.path.join(pub, rel)), exist_ok=True)
            with open(os.path.join(pub, rel), "w") as f:
                f.write("stale")
        rc, out, err = ctl(s, "restore", backup, "--data", data, "--no-published-checkpoint",
                           "--key", backup + ".key")
        assert rc == 0, err
        assert "1 mark the backup does not hold removed" in out, out
        assert not os.path.exists(os.path.join(pub, "marks", gone))
        assert not os.path.exists(os.path.join(pub, "verify", gone))
        assert not os.path.exists(os.path.join(pub, "ledger", "tile", "entries", "x999"))
        for m in (current, revoked):
            assert os.path.exists(os.path.join(pub, "marks", m, "bundle.json")), m
            assert os.path.exists(os.path.join(pub, "verify", m, "index.html")), m
        p = subprocess.run([os.path.join(s.bin, "htqctl"), "--data", data, "ledger",
                            "publish", "--check"], capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)


def test_tampered_backup_is_refused_before_anything_is_written(s):
    """One byte of a ledger entry changed inside the backup file: restore
    names the entry whose signature fails and writes nothing."""
    tmp = tempfile.mkdtemp(prefix="htq-backup-")
    data = new_dir()
    try:
        backup = os.path.join(tmp, "b")
        assert ctl(s, "backup", backup, "--with-key")[0] == 0
        with open(backup, "r+b") as f:
            raw = f.read()
            at = raw.find(b'"actor":"system"')
            assert at > 0
            f.seek(at + len('"actor":"s'))
            f.write(b"S")
        rc, out, err = ctl(s, "restore", backup, "--data", data, "--no-published-checkpoint",
                           "--key", backup + ".key")
        assert rc == 1 and "does not verify" in err and "entry " in err, err
        assert not os.path.exists(os.path.join(data, "db"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)
