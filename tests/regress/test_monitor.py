"""htq-verify monitor (docs/ledger.md 6.8) against the real stack: an
awarding body polls the log's public files and learns of each award,
revocation and withdrawal in its name, and nothing of another's; a second
poll prints nothing new; a log that forks (same size, or a larger tree
whose old part differs) or rolls back is an ALARM (exit 3) naming both
checkpoints, each signed with the log's own key; a checkpoint the policy's
witnesses did not cosign, tiles that do not hash to the checkpoint, and
malformed or oversized answers are "could not check" (exit 1) and leave
the state file as it was."""
import base64
import json
import os
import random
import shutil
import subprocess
import tempfile
import time

import ledger_fixtures as lf
from harness import content, create, people
from test_verify_mark import tile_path, write_tiles
from test_witness import DASH, Witness, log_signer

NORTH = "Northfield College"


def write_policy(s, tmp, extra="", name="policy"):
    keys = s.get("/.well-known/htq-ledger-keys").body.decode().split()
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write("origin %s\n" % keys[0].split("+")[0] + "".join("key %s\n" % k for k in keys))
        f.write(extra)
    return path


def monitor(s, where, policy, state, *extra):
    """htq-verify monitor --once: (exit status, stdout, stderr)."""
    r = subprocess.run([os.path.join(s.bin, "htq-verify"), "monitor", where, "--policy", policy,
                        "--state", state, "--once"] + list(extra),
                       capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout, r.stderr


def events(out):
    """The event lines: {mark or submission id: [type, ...]}."""
    got = {}
    for line in out.splitlines():
        f = line.split(" ")
        if len(f) > 2 and f[1] in ("mark.awarded", "mark.revoked", "submission.withdrawn"):
            got.setdefault(f[2], []).append(f[1])
    return got


def submit(s, p, who, title):
    body = content(s, title=title, qan="610/%04d/%d" % (random.randrange(10000),
                                                       random.randrange(10)))
    sub = create(s, p[who], body)
    r = s.post("/api/v1/submissions/%s/submit" % sub["id"], headers=p[who].h)
    assert r.status == 200, r
    return sub["id"]


def award(s, p, who, title):
    sid = submit(s, p, who, title)
    r = s.post("/api/v1/submissions/%s/reviews" % sid, headers=p["reviewer"].h,
               body={"recommendation": "approve", "comments": "sound"})
    assert r.status == 201, r
    r = s.post("/api/v1/submissions/%s/decision" % sid, headers=p["approver"].h,
               body={"outcome": "approved", "reasons": "fine"})
    assert r.status == 200, r
    return r.json()["mark"]


def raw_entries(s):
    """Every entry's exact bytes, in seq order, from the API."""
    out, start = [], 0
    while True:
        doc = s.get("/api/v1/ledger/entries?start=%d" % start).json()
        out += [e["entry"].encode() for e in doc["entries"]]
        if "next" not in doc:
            return out
        start = doc["next"]


def body(origin, size, root):
    return "%s\n%d\n%s\n" % (origin, size, base64.b64encode(root).decode())


def test_monitor_reports_each_organisations_marks(s):
    """Two awarding bodies, one by name and one by id: each sees its own
    award (and the revocation of its own mark, and its own withdrawal),
    never the other's; a second poll prints nothing new; without
    --organisation every one is printed; the state file is 0600."""
    tmp = tempfile.mkdtemp()
    try:
        p = people(s)
        url = s.base + "/ledger/"
        pol = write_policy(s, tmp)
        st_n, st_m, st_all = (os.path.join(tmp, n) for n in ("north", "meridian", "all"))
        meridian = p["meridian"].org
        # first runs: every entry from 0, the demo's marks included
        rc, out, err = monitor(s, url, pol, st_n, "--organisation", NORTH)
        assert rc == 0, (out, err)
        assert "checkpoint of" in out and "verified" in out, out
        assert os.stat(st_n).st_mode & 0o777 == 0o600
        first = events(out)
        for line in out.splitlines()[1:]:
            assert '"%s"' % NORTH in line, line
        rc, out, err = monitor(s, url, pol, st_m, "--organisation", meridian)
        assert rc == 0, (out, err)
        for line in out.splitlines()[1:]:
            assert '"%s"' % meridian in line, line
        assert not set(events(out)) & set(first), "the demo's marks are Northfield's"
        # news: an award to each, a revocation of Northfield's, a withdrawal of Meridian's
        mn = award(s, p, "north", "HNC in Monitoring North %d" % random.randrange(10**6))
        mm = award(s, p, "meridian", "HNC in Monitoring Meridian %d" % random.randrange(10**6))
        r = s.post("/api/v1/marks/%s/revoke" % mn, headers=p["approver"].h,
                   body={"reason": "non_compliance", "note": "monitor test"})
        assert r.status == 200, r
        sw = submit(s, p, "meridian", "HNC in Withdrawn Things %d" % random.randrange(10**6))
        r = s.post("/api/v1/submissions/%s/withdraw" % sw, headers=p["meridian"].h)
        assert r.status == 200, r
        sn = submit(s, p, "north", "HNC in Withdrawn North %d" % random.randrange(10**6))
        r = s.post("/api/v1/submissions/%s/withdraw" % sn, headers=p["north"].h)
        assert r.status == 200, r
        rc, out, err = monitor(s, url, pol, st_n, "--organisation", NORTH)
        assert rc == 0, (out, err)
        got = events(out)
        # Northfield is watched by name: its withdrawal (which names its id
        # only) is known by the id its demo award gave that name
        assert got == {mn: ["mark.awarded", "mark.revoked"], sn: ["submission.withdrawn"]}, out
        assert 'reason="non_compliance"' in out and "HNC in Monitoring North" in out, out
        rc, out, err = monitor(s, url, pol, st_m, "--organisation", meridian)
        assert rc == 0, (out, err)
        assert events(out) == {mm: ["mark.awarded"], sw: ["submission.withdrawn"]}, out
        assert '"Meridian Awards"' in out and 'from="submitted"' in out, out
        # again: nothing new, nothing printed
        for st, org in ((st_n, NORTH), (st_m, meridian)):
            rc, out, err = monitor(s, url, pol, st, "--organisation", org)
            assert (rc, out) == (0, ""), (out, err)
        # everyone, from the start
        rc, out, err = monitor(s, url, pol, st_all)
        assert rc == 0, (out, err)
        got = events(out)
        assert got[mn] == ["mark.awarded", "mark.revoked"] and got[mm] == ["mark.awarded"]
        assert got[sw] == got[sn] == ["submission.withdrawn"] and set(first) <= set(got)
        # a state made for one organisation is not used for another
        rc, out, err = monitor(s, url, pol, st_n, "--organisation", meridian)
        assert rc == 2 and "was made with --organisation" in err, (rc, out, err)
        rc, out, err = monitor(s, url, pol, st_n)
        assert rc == 2, (rc, out, err)
        state = json.load(open(st_n))
        assert state["organisation"] == NORTH and mn in state["marks"] and mm not in state["marks"]
    finally:
        shutil.rmtree(tmp)


def copy_ledger(s, tmp):
    """A copy of the log's public files in a folder (what a mirror or a
    hostile host serves)."""
    d = os.path.join(tmp, "copy")
    shutil.copytree(os.path.join(s.data, "public", "ledger"), d)
    return d


def test_monitor_alarms_on_a_fork_and_a_rollback(s):
    """Checkpoints signed with the log's own key that contradict the one
    kept: another root at the same size, fewer entries, and a larger tree
    (its tiles consistent with it) whose first entries differ.  Each is
    ALARM, exit 3, with both checkpoints; the state file is unchanged."""
    tmp = tempfile.mkdtemp()
    try:
        url = s.base + "/ledger/"
        pol = write_policy(s, tmp)
        state = os.path.join(tmp, "state")
        rc, out, err = monitor(s, url, pol, state)
        assert rc == 0, (out, err)
        kept = json.load(open(state))["checkpoint"]
        origin, size, root = kept.split("\n")[:3]
        size = int(size)
        sign = log_signer(s)
        before = open(state, "rb").read()

        def hostile(note):
            d = copy_ledger(s, tmp)
            with open(os.path.join(d, "checkpoint"), "w") as f:
                f.write(note)
            rc, out, err = monitor(s, d, pol, state)
            shutil.rmtree(d)
            assert open(state, "rb").read() == before, "the state is kept"
            return rc, out, err

        # same size, another root
        rc, out, err = hostile(sign(body(origin, size, b"\x07" * 32)))
        assert rc == 3 and out.startswith("ALARM: the log forked"), (rc, out, err)
        assert kept in out, "both checkpoints are shown"
        # rollback
        rc, out, err = hostile(sign(body(origin, size - 1, b"\x07" * 32)))
        assert rc == 3 and "ALARM: the log was rolled back" in out, (rc, out, err)
        # a larger tree, whole and consistent with its own checkpoint, in
        # which entry 0 differs: the old root recomputed from it differs
        ents = raw_entries(s)[:size]
        assert len(ents) == size
        forged = ents[0].replace(b'"actor":"system"', b'"actor":"systen"', 1)
        assert forged != ents[0]
        more = ents[-1].replace(b'"seq":%d,' % (size - 1), b'"seq":%d,' % size, 1)
        assert more != ents[-1]
        ents = [forged] + ents[1:] + [more]
        d = os.path.join(tmp, "forked")
        write_tiles(d, ents)
        with open(os.path.join(d, "checkpoint"), "w") as f:
            f.write(sign(body(origin, len(ents), lf.mth([lf.leaf_hash(e) for e in ents]))))
        rc, out, err = monitor(s, d, pol, state)
        assert rc == 3 and "ALARM: the log forked: its tree at %d entries" % size in out, \
            (rc, out, err)
        assert open(state, "rb").read() == before
        # the honest log still passes
        rc, out, err = monitor(s, url, pol, state)
        assert rc == 0, (rc, out, err)
    finally:
        shutil.rmtree(tmp)


def test_monitor_could_not_check(s):
    """Not a proof of anything, so no alarm, exit 1, the state kept: a
    checkpoint without the policy's witness quorum, one signed by an
    unknown key, tiles that do not hash to the checkpoint, an oversized
    checkpoint, a bundle cut short.  A damaged state file or policy is a
    usage error (2)."""
    tmp = tempfile.mkdtemp()
    try:
        url = s.base + "/ledger/"
        pol = write_policy(s, tmp)
        state = os.path.join(tmp, "state")
        # a witness the log does not have: no quorum, nothing written
        wkey = os.path.join(tmp, "w.key")
        r = subprocess.run([os.path.join(s.bin, "htq-witness"), "keygen",
                            "absent.witness.test", wkey], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        wpol = write_policy(s, tmp, "witness %s\nmax_age 600\n" % r.stdout.strip(),
                            name="witnessed")
        rc, out, err = monitor(s, url, wpol, state)
        assert rc == 1 and out.startswith("could not check: ") and \
            "no valid cosignature from witness absent.witness.test" in out, (rc, out, err)
        assert not os.path.exists(state)
        rc, out, err = monitor(s, url, pol, state)
        assert rc == 0, (out, err)
        before = open(state, "rb").read()
        # tiles changed under a genuine, larger checkpoint
        s.ctl("standards", "eligibility", "ST0118", "--yes")   # the log grows
        d = copy_ledger(s, tmp)
        n = int(open(os.path.join(d, "checkpoint")).read().split("\n")[1])
        last = os.path.join(d, tile_path(-1, (n - 1) // 256, n % 256 or 256))
        data = bytearray(open(last, "rb").read())
        i = data.rfind(b'"actor":"')
        data[i + 9] ^= 0x01
        with open(last, "wb") as f:
            f.write(bytes(data))
        rc, out, err = monitor(s, d, pol, state)
        assert rc == 1 and "do not hash to the checkpoint's root" in out, (rc, out, err)
        assert open(state, "rb").read() == before
        # a bundle cut short
        with open(last, "wb") as f:
            f.write(bytes(data[:len(data) // 2]))
        rc, out, err = monitor(s, d, pol, state)
        assert rc == 1 and "could not check: " in out, (rc, out, err)
        # an oversized checkpoint, and one signed by a key the policy lacks
        with open(os.path.join(d, "checkpoint"), "w") as f:
            f.write("x" * 5000)
        rc, out, err = monitor(s, d, pol, state)
        assert rc == 1 and "larger than 4096 bytes" in out, (rc, out, err)
        note = open(os.path.join(s.data, "public", "ledger", "checkpoint")).read()
        other = lf.Key("monitor-other", name=note.split("\n")[0])
        b = note[:note.index("\n\n") + 1]
        with open(os.path.join(d, "checkpoint"), "w") as f:
            f.write(b + "\n" + "\u2014 %s %s\n" % (other.name, base64.b64encode(
                other.kid + other.sign(b.encode())).decode()))
        rc, out, err = monitor(s, d, pol, state)
        assert rc == 1 and "newest key" in out, (rc, out, err)
        assert open(state, "rb").read() == before
        # usage errors: a damaged state file, a bad policy, no folder
        bad = os.path.join(tmp, "bad")
        for text in ("{", '{"v":1}', json.dumps({"v": 1, "checkpoint": "x", "organisation": None,
                                                  "marks": {}})):
            with open(bad, "w") as f:
                f.write(text)
            rc, out, err = monitor(s, url, pol, bad)
            assert rc == 2 and "state" in err, (text, rc, out, err)
        with open(bad, "w") as f:
            f.write("origin x\nkee y\n")
        rc, out, err = monitor(s, url, bad, state)
        assert rc == 2 and "policy" in err, (rc, out, err)
        rc, out, err = monitor(s, os.path.join(tmp, "nowhere"), pol, state)
        assert rc == 2, (rc, out, err)
        assert open(state, "rb").read() == before
    finally:
        shutil.rmtree(tmp)


def test_monitor_keeps_polling_after_a_failed_poll(s):
    """Without --once a poll that could not check is reported and the
    next one goes on: a mirror serving a broken checkpoint, then the
    real one, then a new entry, each seen by the same running monitor."""
    tmp = tempfile.mkdtemp()
    proc = None
    try:
        pol = write_policy(s, tmp)
        state = os.path.join(tmp, "state")
        d = copy_ledger(s, tmp)
        good = open(os.path.join(d, "checkpoint")).read()
        with open(os.path.join(d, "checkpoint"), "w") as f:
            f.write("not a checkpoint\n")
        out = open(os.path.join(tmp, "out"), "w+")
        proc = subprocess.Popen([os.path.join(s.bin, "htq-verify"), "monitor", d, "--policy", pol,
                                 "--state", state, "--interval", "1"], stdout=out,
                                stderr=subprocess.STDOUT)

        def wait_for(text, timeout=20):
            deadline = time.time() + timeout
            while time.time() < deadline:
                out.seek(0)
                got = out.read()
                if text in got:
                    return got
                assert proc.poll() is None, got
                time.sleep(0.1)
            raise AssertionError("no %r in %r" % (text, got))
        wait_for("could not check: the checkpoint: ")
        with open(os.path.join(d, "checkpoint"), "w") as f:
            f.write(good)
        size = int(good.split("\n")[1])
        wait_for("checkpoint of %d entries verified" % size)
        s.ctl("standards", "eligibility", "ST0118", "--yes")   # the log grows
        shutil.rmtree(d)
        d = copy_ledger(s, tmp)    # the mirror catches up
        got = wait_for("checkpoint of %d entries verified" % (size + 1))
        assert "ALARM" not in got, got
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(tmp)


def mutate(data, rnd):
    """data with a few random bytes changed, cut, or inserted; never data
    itself (a byte "changed" to its own value once left a good checkpoint
    that rightly verified)."""
    b = bytearray(data)
    for _ in range(rnd.randrange(1, 4)):
        op = rnd.randrange(3)
        i = rnd.randrange(len(b) or 1)
        if op == 0 and b:
            b[i] ^= rnd.randrange(1, 256)
        elif op == 1:
            del b[i:]
        else:
            b[i:i] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 8)))
    return bytes(b) if b != data else mutate(data, rnd)


def test_monitor_survives_mutated_input(s):
    """Fuzz-style: random mutations of the state file, the checkpoint and
    the last entry bundle.  Never a crash or a signal; a mutated state is
    refused (2) or still valid (0); a mutated checkpoint or bundle under
    a good state is "could not check" (1), never an alarm (the mutations
    are not signed by the log)."""
    tmp = tempfile.mkdtemp()
    rnd = random.Random(24)
    try:
        pol = write_policy(s, tmp)
        d = copy_ledger(s, tmp)
        state = os.path.join(tmp, "state")
        good_state_path = os.path.join(tmp, "state0")
        s.ctl("standards", "eligibility", "ST0118", "--yes")
        rc, out, err = monitor(s, d, pol, good_state_path)   # the state at the copy's size
        assert rc == 0, (out, err)
        good_state = open(good_state_path, "rb").read()
        shutil.rmtree(d)
        d = copy_ledger(s, tmp)                               # one entry more
        cpath = os.path.join(d, "checkpoint")
        good_cp = open(cpath, "rb").read()
        # the log's own note only: a mutation that cut just the witnesses'
        # cosignature lines would leave a checkpoint this policy (no
        # witnesses) rightly accepts
        body, sigs = good_cp.split(b"\n\n", 1)
        good_cp = body + b"\n\n" + sigs.split(b"\n")[0] + b"\n"
        with open(cpath, "wb") as f:
            f.write(good_cp)
        n = int(good_cp.split(b"\n")[1])
        last = os.path.join(d, tile_path(-1, (n - 1) // 256, n % 256 or 256))
        good_bundle = open(last, "rb").read()
        runs = 0
        for what, path, good, allowed in (("state", state, good_state, (0, 2)),
                                          ("checkpoint", cpath, good_cp, (1,)),
                                          ("bundle", last, good_bundle, (1,))):
            for _ in range(40):
                with open(state, "wb") as f:
                    f.write(good_state)
                with open(path, "wb") as f:
                    f.write(mutate(good, rnd))
                rc, out, err = monitor(s, d, pol, state)
                assert rc in allowed, (what, rc, out, err)
                assert "Sanitizer" not in err and "ALARM" not in out, (what, out, err)
                runs += 1
            with open(path, "wb") as f:
                f.write(good)
        rc, out, err = monitor(s, d, pol, state)
        assert rc == 0 and "checkpoint of %d entries verified" % n in out, (rc, out, err)
        assert runs == 120
    finally:
        shutil.rmtree(tmp)


def test_monitor_accepts_a_witnessed_checkpoint(s):
    """A real htq-witness cosigns the log's checkpoint; served with that
    cosignature, it passes a policy naming the witness, and the time
    printed is the cosignature's.  A quorum of two with one witness
    absent, and a max_age the cosignature has outlived, are "could not
    check" in the words of docs/ledger.md 6.7."""
    tmp = tempfile.mkdtemp()
    w = Witness(s, tmp)
    try:
        w.start()
        note = s.get("/ledger/checkpoint").body.decode()
        status, _, cosig = w.add(0, [], note)
        assert status == 200, (status, cosig)
        cosig = cosig.decode()
        blob = base64.b64decode(cosig.split(" ")[-1])
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int.from_bytes(blob[4:12], "big")))
        d = copy_ledger(s, tmp)
        with open(os.path.join(d, "checkpoint"), "w") as f:
            f.write(note + cosig)
        assert cosig.startswith(DASH + w.vkey.split("+")[0] + " ")
        r = subprocess.run([os.path.join(s.bin, "htq-witness"), "keygen", "absent.witness.test",
                            os.path.join(tmp, "absent.key")], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        absent = r.stdout.strip()
        pol = write_policy(s, tmp, "witness %s\n" % w.vkey, name="one")
        rc, out, err = monitor(s, d, pol, os.path.join(tmp, "st1"))
        assert rc == 0 and "witnessed at %s (quorum 1 of 1);" % when in out, \
            (rc, out, err)
        pol = write_policy(s, tmp, "witness %s\nwitness %s\nquorum 1\n" % (w.vkey, absent),
                           name="q1")
        rc, out, err = monitor(s, d, pol, os.path.join(tmp, "st2"))
        assert rc == 0, (rc, out, err)
        pol = write_policy(s, tmp, "witness %s\nwitness %s\n" % (w.vkey, absent), name="q2")
        rc, out, err = monitor(s, d, pol, os.path.join(tmp, "st3"))
        assert rc == 1 and "could not check: the checkpoint of %s entries: not witnessed " \
            "(quorum 2 of 2 within 86400 s): no valid cosignature from witness " \
            "absent.witness.test\n" % note.split("\n")[1] == out, (rc, out, err)
        assert not os.path.exists(os.path.join(tmp, "st3"))
        # the log still serves its own, uncosigned checkpoint: refused too
        pol = write_policy(s, tmp, "witness %s\n" % w.vkey, name="live")
        rc, out, err = monitor(s, s.base + "/ledger/", pol, os.path.join(tmp, "st4"))
        assert rc == 1 and "could not check: " in out, (rc, out, err)
        time.sleep(2.1)
        pol = write_policy(s, tmp, "witness %s\nmax_age 1\n" % w.vkey, name="stale")
        rc, out, err = monitor(s, d, pol, os.path.join(tmp, "st5"))
        assert rc == 1 and "witness witness.test/w1 has not cosigned since %s" % when in out, \
            (rc, out, err)
    finally:
        w.stop()
        shutil.rmtree(tmp)


def test_monitor_follows_a_rotation_listed_in_the_policy(s):
    """After htqctl key rotate the checkpoint is signed by a key the old
    policy lacks: could not check, naming the key it expected, the state
    kept.  With the new key listed the same state (its checkpoint signed
    by the old key) goes on, and the rotation entry is read and proved."""
    tmp = tempfile.mkdtemp()
    try:
        url = s.base + "/ledger/"
        old = write_policy(s, tmp, name="old")
        state = os.path.join(tmp, "state")
        rc, out, err = monitor(s, url, old, state)
        assert rc == 0, (out, err)
        before = open(state, "rb").read()
        size = int(json.load(open(state))["checkpoint"].split("\n")[1])
        r = s.ctl("key", "rotate")
        assert b"rotated" in r.stdout, r
        rc, out, err = monitor(s, url, old, state)
        assert rc == 1 and "could not check: the checkpoint: " in out and \
            "policy's newest key" in out, (rc, out, err)
        assert open(state, "rb").read() == before
        new = write_policy(s, tmp, name="new")
        assert open(new).read().count("\nkey ") == open(old).read().count("\nkey ") + 1
        rc, out, err = monitor(s, url, new, state)
        assert rc == 0 and "checkpoint of %d entries verified" % (size + 1) in out, (rc, out, err)
    finally:
        shutil.rmtree(tmp)
