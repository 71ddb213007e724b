"""Every ledger fixture of ledger_fixtures.py through htq-verify (--jobs 1
and 2) and through the Go verifier: the right exit status, one line of
reason saying the right thing, and the two verifiers agree.  Also the
bounded-memory cases: a 1 GB line and 600 MB of junk after the checkpoint,
streamed into stdin, refused with a small peak RSS."""
import os
import resource
import shutil
import subprocess
import tempfile
import threading

from harness import ROOT, Skip
import ledger_fixtures

GO_CACHE = os.path.join(tempfile.gettempdir(), "htq-gocache")


def run(s, args, **kw):
    return subprocess.run([os.path.join(s.bin, "htq-verify")] + args,
                          capture_output=True, text=True, **kw)


def go_build(tmp):
    if shutil.which("go") is None:
        raise Skip("go not installed (apt-get install golang-go golang-golang-x-mod-dev)")
    exe = os.path.join(tmp, "interop")
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOCACHE=GO_CACHE)
    b = subprocess.run(["go", "build", "-o", exe, "verify.go"],
                       cwd=os.path.join(ROOT, "tests", "interop"),
                       capture_output=True, text=True, env=env)
    assert b.returncode == 0, b.stderr
    return exe


def test_fixtures_htq_verify(s):
    tmp = tempfile.mkdtemp()
    try:
        bad = []
        for name, args, code, reason in ledger_fixtures.cases(tmp):
            for jobs in (["--jobs", "1"], ["--jobs", "2"]) if args[0] == "ledger" else ([],):
                r = run(s, args + jobs)
                lines = r.stderr.strip().splitlines()
                got = r.stdout if code in (0, 3) else r.stderr
                if r.returncode != code or reason not in got or (
                        code not in (0, 3) and len(lines) != 1):
                    bad.append("%s %s: exit %d (want %d), %r lacks %r" % (
                        name, " ".join(jobs), r.returncode, code,
                        (r.stdout + r.stderr).strip()[:300], reason))
        assert not bad, "\n".join(bad)
    finally:
        shutil.rmtree(tmp)


def test_fixtures_go_verifier_agrees(s):
    tmp = tempfile.mkdtemp()
    try:
        exe = go_build(tmp)
        bad = []
        for name, args, code, reason in ledger_fixtures.cases(tmp):
            r = subprocess.run([exe] + args, capture_output=True, text=True)
            if r.returncode != code:
                bad.append("%s: go exit %d, want %d: %s" % (
                    name, r.returncode, code, (r.stdout + r.stderr).strip()[:300]))
        assert not bad, "\n".join(bad)
    finally:
        shutil.rmtree(tmp)


def stream_into(s, prefix, junk_bytes, chunk=b"A" * (1 << 20), limit_as=False):
    """Run htq-verify ledger - with prefix then junk_bytes of chunk on
    stdin; return (exit status, stderr, peak RSS in KiB)."""
    k = ledger_fixtures.Key("fixture-k1")
    pre = None
    if limit_as and "san" not in s.bin:
        def pre():
            resource.setrlimit(resource.RLIMIT_AS, (400 << 20, 400 << 20))
    # /usr/bin/time measures the verifier alone (a child forked from
    # Python would count Python's pages too)
    rssfile = tempfile.mktemp()
    p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rssfile,
                          os.path.join(s.bin, "htq-verify"), "ledger", "-",
                          "--key", k.vkey], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         preexec_fn=pre)
    err = []
    t = threading.Thread(target=lambda: err.append(p.stderr.read()))
    t.start()
    sent = 0
    try:
        p.stdin.write(prefix)
        while sent < junk_bytes:
            p.stdin.write(chunk)
            sent += len(chunk)
        p.stdin.close()
    except BrokenPipeError:
        pass
    p.wait()
    t.join()
    with open(rssfile) as f:
        rss = int(f.read().strip().splitlines()[-1])
    os.unlink(rssfile)
    return p.returncode, err[0].decode(), rss


def test_bounded_memory(s):
    tmp = tempfile.mkdtemp()
    try:
        # a 1 GB line (never written to disk: streamed)
        code, err, rss = stream_into(s, b"", 1 << 30)
        assert code == 1 and "longer than" in err, err
        small = "san" not in s.bin
        assert not small or rss < 16 * 1024, "peak RSS %d KiB" % rss
        # a valid export followed by 600 MB of junk, under ulimit -v
        lg = ledger_fixtures.basic(ledger_fixtures.Key("fixture-k1"))
        path = os.path.join(tmp, "good.jsonl")
        lg.write(path)
        with open(path, "rb") as f:
            good = f.read()
        code, err, rss = stream_into(s, good, 600 << 20, limit_as=True)
        assert code == 1 and "data after the checkpoint line" in err, err
        assert not small or rss < 16 * 1024, "peak RSS %d KiB" % rss
    finally:
        shutil.rmtree(tmp)
