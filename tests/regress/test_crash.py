"""Crash safety: kill -9 the ledger writer at random moments, over and
over; every append acknowledged before a kill must survive, and the
ledger must still verify end to end."""
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time


def test_kill9_during_appends(s):
    tmp = tempfile.mkdtemp(prefix="htq-crash-")
    try:
        data = os.path.join(tmp, "data")
        s.ctl("init", env=dict(HTQ_DATA=data))
        writer = os.path.join(s.bin, "tests", "ledger_writer")
        acked = {}
        n = 0
        rng = random.Random(1123)
        kills = 0
        while kills < 25:
            p = subprocess.Popen([writer, data, str(n)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            time.sleep(rng.uniform(0.02, 0.25))
            p.send_signal(signal.SIGKILL)
            out, err = p.communicate()
            assert p.returncode == -signal.SIGKILL, (p.returncode, err)
            kills += 1
            for line in out.decode().splitlines():
                if not line.startswith("acked "):
                    continue  # a line cut by the kill was never acknowledged
                parts = line.split()
                if len(parts) == 3:
                    acked[int(parts[1])] = int(parts[2])
                    n = max(n, int(parts[2]) + 1)
        assert len(acked) > 25, "writer acknowledged only %d appends" % len(acked)
        env = dict(HTQ_DATA=data)
        path = os.path.join(tmp, "export.jsonl")
        # a fresh process opens the ledger after the last kill; nothing to
        # repair: the last checkpoint is sealed in the same commit
        s.ctl("ledger", "export", "--out", path, env=env)
        lines = open(path).read().splitlines()
        entries = {}
        for line in lines[:-1]:
            d = json.loads(line)
            e = json.loads(d["entry"])
            entries[d["seq"]] = e["data"]["n"]
        for seq, val in acked.items():
            assert entries.get(seq) == val, "acknowledged entry %d lost" % seq
        key = s.ctl("key", "show", env=env).stdout.decode().strip()
        r = subprocess.run([os.path.join(s.bin, "htq-verify"), "ledger", path, "--key", key],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    finally:
        shutil.rmtree(tmp)
