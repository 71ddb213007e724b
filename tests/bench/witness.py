#!/usr/bin/env python3
"""The witness's rate against the verifier's, on the same checkpoints
(tests/bench/run.sh; issue 24: a witness handles at least half the rate of
`htq-verify consistency`):

  grow the running stack's ledger N times (one entry each, by htqctl),
  keeping each checkpoint and the consistency proof from the one before;
  then, in ROUNDS rounds, a fresh htq-witness (its own key and state
  directory) takes the N add-checkpoint requests one after another over
  HTTP, each verified, made durable and cosigned, and `htq-verify
  consistency` checks the same N steps, one process each (what an auditor
  runs): the rates, and the median of the rounds' ratios.

  witness.py PORT DATA BIN OUTFILE

Writes shell assignments to OUTFILE for run.sh to print and check.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "regress"))
from test_witness import Witness  # noqa: E402  (the regress suite's driver)

PORT, DATA, BIN, OUT = sys.argv[1:5]
N, ROUNDS = 100, 3


class Stack:
    """What Witness needs of the harness's Stack, for a running stack."""
    bin = BIN

    def get(self, path):
        import http.client

        c = http.client.HTTPConnection("127.0.0.1", int(PORT), timeout=30)
        try:
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
        finally:
            c.close()
        assert r.status == 200, (path, r.status, body[:200])

        class R:
            pass
        out = R()
        out.body = body
        return out


def checkpoint(s):
    note = s.get("/api/v1/ledger/checkpoint").body.decode()
    return note, int(note.split("\n")[1])


def main():
    s = Stack()
    ctl = [os.path.join(BIN, "htqctl"), "--data", DATA]
    notes = [checkpoint(s)]
    for i in range(N):
        subprocess.run(ctl + ["standards", "eligibility", "ST0118", "--yes"],
                       check=True, capture_output=True)
        notes.append(checkpoint(s))
        assert notes[-1][1] > notes[-2][1], "the ledger did not grow"
    proofs = [json.loads(s.get("/api/v1/ledger/proof/consistency?old=%d&new=%d"
                               % (notes[i][1], notes[i + 1][1])).body)
              for i in range(N)]
    tmp = tempfile.mkdtemp(prefix="htq-bench-witness-")
    try:
        files = []
        for i, (n, _) in enumerate(notes):
            files.append(os.path.join(tmp, "cp%d" % i))
            with open(files[-1], "w") as f:
                f.write(n)
        pfiles = []
        for i, p in enumerate(proofs):
            pfiles.append(os.path.join(tmp, "proof%d" % i))
            with open(pfiles[-1], "w") as f:
                json.dump(p, f)
        keys = os.path.join(tmp, "keys")
        with open(keys, "w") as f:
            f.write(s.get("/api/v1/ledger/key").body.decode())
        wit_rates, ver_rates, ratios = [], [], []
        for r in range(ROUNDS):
            wdir = os.path.join(tmp, "w%d" % r)
            os.mkdir(wdir)
            w = Witness(s, wdir)
            w.start()
            try:
                # the witness has cosigned nothing: its first checkpoint
                st, _, body = w.add(0, [], notes[0][0])
                assert st == 200, (st, body)
                t0 = time.perf_counter()
                for i in range(N):
                    st, _, body = w.add(notes[i][1], proofs[i]["hashes"], notes[i + 1][0])
                    assert st == 200, (i, st, body)
                tw = time.perf_counter() - t0
            finally:
                w.stop()
            t0 = time.perf_counter()
            for i in range(N):
                p = subprocess.run([os.path.join(BIN, "htq-verify"), "consistency",
                                    files[i], files[i + 1], "--proof", pfiles[i],
                                    "--key", keys], capture_output=True, text=True)
                assert p.returncode == 0, p.stderr
            tv = time.perf_counter() - t0
            wit_rates.append(N / tw)
            ver_rates.append(N / tv)
            ratios.append(tv / tw)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with open(OUT, "w") as f:
        f.write("wit_rate=%.0f\nwit_verify_rate=%.0f\nwit_ratio=%.2f\nwit_n=%d\n" % (
            statistics.median(wit_rates), statistics.median(ver_rates),
            statistics.median(ratios), N))


main()
