"""Installed operation (issue 26): make install puts every program, unit
and file where README "Installing as a service" says, with sane modes,
and make uninstall takes them away again but the operator's settings;
the systemd units pass systemd-analyze verify and carry every hardening
line SECURITY.md lists; the TLS template, rendered with a self-signed
certificate, passes nginx -t and serves what the plain listener serves;
and run.sh prints its banner only when its own instance answers the
health check: another server on the port makes it fail, quickly and
clearly, with no banner."""
import hashlib
import http.server
import os
import re
import shlex
import signal
import shutil
import ssl
import stat
import subprocess
import tempfile
import threading
import time
import http.client

from harness import ROOT, Skip, Stack, fcgi_master, free_port

PROGRAMS = ["htq-fcgi", "htqctl", "htq-verify", "htq-witness", "htq-mailer"]
UNITS = ["htq-fcgi.service", "htq-nginx.service", "htq-witness@.service", "htq-mailer.service"]


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def make(*args):
    """make in the clone, installing the variant under test (under
    make test SAN=1, BIN is bin/san: the sanitizer build)."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "BIN"):
        env.pop(k, None)
    if os.path.normpath(os.environ.get("BIN", "bin")).endswith("bin/san"):
        args = args + ("SAN=1",)
    p = subprocess.run(["make", "--no-print-directory"] + list(args), cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, "make %s: %s%s" % (" ".join(args), p.stdout[-2000:], p.stderr[-2000:])
    return p.stdout


def readme():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        return f.read()


def hardening_lines():
    """The unit lines SECURITY.md's "Installed service" section lists
    (its indented block)."""
    with open(os.path.join(ROOT, "SECURITY.md"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^## Installed service\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert m, "SECURITY.md has no \"## Installed service\" section"
    block = re.search(r"```\n(.*?)```", m.group(1), re.S)
    assert block, "SECURITY.md's Installed service section has no unit lines"
    lines = [l.strip() for l in block.group(1).splitlines() if l.strip()]
    assert len(lines) >= 10, lines
    return lines


def unit_lines(path):
    with open(path, encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def test_install_puts_every_file_where_readme_says(s):
    tmp = tempfile.mkdtemp(prefix="htq-install-")
    try:
        make("install", "DESTDIR=" + tmp, "PREFIX=/usr")
        text = readme()
        # every installed path is the one README names (with PREFIX /usr/local)
        for where in ["$(PREFIX)/bin", "$(PREFIX)/share/htq", "$(PREFIX)/lib/systemd/system",
                      "$(PREFIX)/lib/sysusers.d", "/etc/htq/htq.env", "/var/lib/htq"]:
            assert where in text, "README does not name %s" % where
        for p in PROGRAMS:
            path = os.path.join(tmp, "usr/bin", p)
            assert os.path.isfile(path), path
            assert mode(path) == 0o755, (path, oct(mode(path)))
            assert p in text, "README does not list %s" % p
        share = os.path.join(tmp, "usr/share/htq")
        for rel, m in [("scripts/run.sh", 0o755), ("nginx/htq.conf.in", 0o644),
                       ("nginx/htq-tls.conf.example", 0o644), ("core/store/limits.h", 0o644),
                       ("data/standards.json", 0o644), ("www/index.html", 0o644)]:
            path = os.path.join(share, rel)
            assert os.path.isfile(path), path
            assert mode(path) == m, (path, oct(mode(path)))
        # the web files are world-readable, nothing under share writable by others
        for dirpath, dirs, files in os.walk(share):
            for n in dirs + files:
                m = mode(os.path.join(dirpath, n))
                assert m & 0o022 == 0, (os.path.join(dirpath, n), oct(m))
                assert m & 0o004, (os.path.join(dirpath, n), oct(m))
        for u in UNITS:
            path = os.path.join(tmp, "usr/lib/systemd/system", u)
            assert mode(path) == 0o644, (path, oct(mode(path)))
            with open(path, encoding="utf-8") as f:
                body = f.read()
            assert not re.search(r"@[A-Z_]+@", body), "placeholder left in %s" % u
            assert "/usr/bin" in body and "/var/lib/htq" in body, u
            assert u in text, "README does not list %s" % u
        assert "ExecStart=/usr/bin/htq-fcgi --data /var/lib/htq" in open(
            os.path.join(tmp, "usr/lib/systemd/system/htq-fcgi.service")).read()
        assert mode(os.path.join(tmp, "usr/lib/sysusers.d/htq.conf")) == 0o644
        env = os.path.join(tmp, "etc/htq/htq.env")
        assert mode(env) == 0o644 and os.path.isfile(env + ".example")
        assert not os.path.exists(os.path.join(tmp, "var")), "install must not create the data directory"
        # a second install keeps the operator's settings
        with open(env, "a") as f:
            f.write("HTQ_WORKERS=3\n")
        make("install", "DESTDIR=" + tmp, "PREFIX=/usr")
        assert "HTQ_WORKERS=3" in open(env).read()
        # uninstall: everything but the settings
        make("uninstall", "DESTDIR=" + tmp, "PREFIX=/usr")
        left = sorted(os.path.relpath(os.path.join(d, f), tmp)
                      for d, _, fs in os.walk(tmp) for f in fs)
        assert left == ["etc/htq/htq.env"], left
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_units_verify_and_are_hardened(s):
    lines = hardening_lines()
    tmp = tempfile.mkdtemp(prefix="htq-install-")
    try:
        # installed where their paths exist, so that verify can check them
        make("install", "PREFIX=" + os.path.join(tmp, "usr"),
             "SYSCONFDIR=" + os.path.join(tmp, "etc"))
        unitdir = os.path.join(tmp, "usr/lib/systemd/system")
        for u in UNITS:
            have = unit_lines(os.path.join(unitdir, u))
            missing = [l for l in lines if l not in have]
            assert not missing, "%s lacks %s" % (u, missing)
            assert "Restart=on-failure" in have and "UMask=0077" in have, u
            assert any(l.startswith("StateDirectory=") for l in have), u
            assert not any(l.startswith("ReadWritePaths=") for l in have), u
            users = [l for l in have if l.startswith("User=")]
            assert users and "root" not in users[0], (u, users)
        if shutil.which("systemd-analyze") is None:
            raise Skip("systemd-analyze missing (apt-get install systemd): the units' "
                       "hardening lines were checked, not systemd's parse of them")
        # a template is verified through an instance of it
        for u in ["htq-fcgi.service", "htq-nginx.service", "htq-witness@alpha.service", "htq-mailer.service"]:
            p = subprocess.run(["systemd-analyze", "verify", os.path.join(unitdir, u)],
                               capture_output=True, text=True, timeout=120)
            ours = [l for l in (p.stdout + p.stderr).splitlines() if "htq" in l]
            assert p.returncode == 0 and not ours, "systemd-analyze verify %s: %d\n%s" % (
                u, p.returncode, "\n".join(ours))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def unit_service(path, data):
    """The service of an installed unit as this test runs it without
    systemd: its environment (Environment= and EnvironmentFile=), its
    ExecStartPre= and ExecStart= commands and its User=, with its data
    directory /var/lib/htq moved to data."""
    env, pre, start, user = {}, [], None, None
    for line in unit_lines(path):
        k, _, v = line.replace("/var/lib/htq", data).partition("=")
        if k == "Environment":
            env.update(kv.split("=", 1) for kv in shlex.split(v))
        elif k == "EnvironmentFile":
            with open(v.lstrip("-")) as f:
                env.update(l.strip().split("=", 1) for l in f
                           if l.strip() and not l.startswith("#"))
        elif k == "ExecStartPre":
            pre.append(shlex.split(v))
        elif k == "ExecStart":
            start = shlex.split(v)
        elif k == "User":
            user = v
    return env, pre, start, user


def test_installed_units_start_and_serve(s):
    """The installed tree runs as the units say: htq-fcgi.service's and
    htq-nginx.service's commands, in their order, as their account, with
    their environment and the sample settings (a free port), give a
    serving instance without demo accounts."""
    tmp = tempfile.mkdtemp(prefix="htq-install-")
    os.chmod(tmp, 0o755)
    data = os.path.join(tmp, "data")
    procs = []
    try:
        make("install", "PREFIX=" + os.path.join(tmp, "usr"),
             "SYSCONFDIR=" + os.path.join(tmp, "etc"))
        port = free_port()
        with open(os.path.join(tmp, "etc/htq/htq.env"), "a") as f:
            f.write("HTQ_PORT=%d\nHTQ_WORKERS=2\n" % port)
        os.mkdir(data, 0o700)       # what StateDirectory= makes
        wrap = []
        if os.geteuid() == 0:
            user = unit_service(os.path.join(tmp, "usr/lib/systemd/system/htq-fcgi.service"), data)[3]
            subprocess.run(["id", user], check=True, capture_output=True)
            shutil.chown(data, user, user)
            wrap = ["setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups", "--"]
        for u in ["htq-fcgi.service", "htq-nginx.service"]:
            env, pre, start, _ = unit_service(os.path.join(tmp, "usr/lib/systemd/system", u), data)
            env = dict(env, PATH="/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
            assert "HTQ_DATA" in env and str(port) == env["HTQ_PORT"], env
            for cmd in pre:
                p = subprocess.run(wrap + cmd, env=env, capture_output=True, text=True,
                                   timeout=300, preexec_fn=lambda: os.umask(0o077))
                assert p.returncode == 0, "%s: %s: %s%s" % (u, cmd, p.stdout[-2000:], p.stderr[-2000:])
            procs.append(subprocess.Popen(wrap + start, env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True,
                                          preexec_fn=lambda: os.umask(0o077)))
        deadline = time.time() + 30
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/api/v1/health")
                r = c.getresponse()
                body = r.read()
                if r.status == 200:
                    break
            except OSError:
                pass
            assert time.time() < deadline, "the installed units did not serve"
            assert all(p.poll() is None for p in procs), "a unit's process exited"
            time.sleep(0.1)
        assert b'"size"' in body
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/api/v1/standards/ST0116")
        assert c.getresponse().status == 200        # the catalogue, imported
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/")
        assert c.getresponse().status == 200        # the web files
        assert not os.path.exists(os.path.join(data, "demo-accounts.txt"))
        assert mode(data) == 0o700
        assert open(os.path.join(data, "run", "nginx.conf")).read().count(
            "listen 127.0.0.1:%d;" % port) == 1
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def test_tls_template_serves_what_the_plain_listener_serves(s):
    if shutil.which("openssl") is None:
        raise Skip("openssl missing (apt-get install openssl)")
    tls_port = free_port()
    t = Stack(s.bin)
    try:
        tls = os.path.join(t.data, "run", "tls")
        os.makedirs(tls)
        cert, key = os.path.join(tls, "cert.pem"), os.path.join(tls, "key.pem")
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                            "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                            "-subj", "/CN=htq.test", "-keyout", key, "-out", cert],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        with open(os.path.join(ROOT, "nginx", "htq-tls.conf.example"), encoding="utf-8") as f:
            tmpl = f.read()
        assert "listen 443 ssl http2;" in tmpl
        conf = (tmpl.replace("@SERVER_NAME@", "htq.test").replace("@TLS_CERT@", cert)
                .replace("@TLS_KEY@", key)
                .replace("listen 443 ssl", "listen 127.0.0.1:%d ssl" % tls_port))
        assert "@" not in re.sub(r"#.*", "", conf), "placeholder left in the template"
        with open(os.path.join(tls, "htq-tls.conf"), "w") as f:
            f.write(conf)
        t.start()
        # nginx -t on the configuration as run.sh rendered it, TLS included
        rendered = os.path.join(t.data, "run", "nginx.conf")
        assert "include %s/run/tls/*.conf;" % t.data in open(rendered).read()
        p = subprocess.run(["nginx", "-t", "-p", os.path.join(t.data, "run"),
                            "-e", os.path.join(t.data, "log", "nginx-error.log"),
                            "-c", rendered], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        for path in ["/api/v1/health", "/ledger/checkpoint", "/api/v1/nope", "/"]:
            c = http.client.HTTPSConnection("127.0.0.1", tls_port, context=ctx, timeout=10)
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
            c.close()
            plain = t.request("GET", path)
            assert r.status == plain.status, (path, r.status, plain.status)
            if path != "/api/v1/health":
                assert body == plain.body, path
            assert r.getheader("Strict-Transport-Security") == "max-age=63072000", path
            assert r.getheader("Content-Security-Policy") == plain.header("content-security-policy"), path
        # TLS 1.3, and 1.2 for older clients
        for top in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
            ctx.maximum_version = top
            c = http.client.HTTPSConnection("127.0.0.1", tls_port, context=ctx, timeout=10)
            c.request("GET", "/api/v1/health")
            assert c.getresponse().status == 200
            assert c.sock.version() == {ssl.TLSVersion.TLSv1_3: "TLSv1.3",
                                        ssl.TLSVersion.TLSv1_2: "TLSv1.2"}[top]
            c.close()
    finally:
        t.cleanup()


class _Other(http.server.BaseHTTPRequestHandler):
    """Another server on the port: 200 to everything, with a health body
    like htq's."""

    def do_GET(self):
        body = b'{"status":"ok","ledger":{"size":1,"origin":"x"}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def test_health_carries_this_instances_tag(s):
    r = s.request("GET", "/api/v1/health")
    assert r.status == 200
    tag = r.header("x-htq-instance")
    assert tag and re.fullmatch(r"[0-9a-f]{32}", tag), tag
    # the same for every worker's answer: BLAKE2b-128 of the nonce that
    # run.sh gave this htq-fcgi, never the nonce itself
    for _ in range(8):
        assert s.request("GET", "/api/v1/health").header("x-htq-instance") == tag
    with open("/proc/%d/environ" % fcgi_master(s), "rb") as f:
        env = dict(v.split(b"=", 1) for v in f.read().split(b"\0") if b"=" in v)
    nonce = env[b"HTQ_INSTANCE"]
    assert re.fullmatch(rb"[0-9a-f]{32}", nonce), nonce
    assert hashlib.blake2b(nonce, digest_size=16).hexdigest() == tag
    assert nonce.decode() not in str(s.request("GET", "/api/v1/health").headers)


def test_banner_only_when_this_instance_answers(s):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Other)
    port = srv.server_address[1]
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    t = Stack(s.bin)
    data = t.data
    try:
        env = t.env(HTQ_PORT=str(port))
        t0 = time.time()
        p = subprocess.run([os.path.join(ROOT, "scripts", "run.sh")], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120,
                           start_new_session=True)
        took = time.time() - t0
        out = p.stdout + p.stderr
        print("     another server on the port: run.sh exited %d after %.2f s: %s" % (
            p.returncode, took, [l for l in out.splitlines() if "run.sh:" in l][-1:]))
        assert p.returncode != 0, out[-3000:]
        assert "htq is running" not in out, out[-3000:]
        assert ("port %d answers /api/v1/health, but not as this instance" % port in out
                or "nginx did not start (is port %d free?" % port in out), out[-3000:]
        assert took < 30, took
        # the other server is untouched and nothing of ours is left
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/api/v1/health")
        r = c.getresponse()
        assert r.status == 200 and r.getheader("X-HTQ-Instance") is None
        c.close()
    finally:
        srv.shutdown()
        srv.server_close()
        shutil.rmtree(data, ignore_errors=True)


def fake_fcgi(s, script):
    """A BIN folder whose htq-fcgi is script (REAL: the real program), for
    run.sh to start; readable by the service account."""
    d = tempfile.mkdtemp(prefix="htq-fakebin-")
    os.chmod(d, 0o755)
    shutil.copy(os.path.join(s.bin, "htqctl"), d)
    real = os.path.join(d, "htq-fcgi.real")
    shutil.copy(os.path.join(s.bin, "htq-fcgi"), real)
    with open(os.path.join(d, "htq-fcgi"), "w") as f:
        f.write("#!/bin/sh\n" + script.replace("REAL", real) + "\n")
    os.chmod(os.path.join(d, "htq-fcgi"), 0o755)
    return d


def run_sh(s, bin_dir, prepare=None, **env):
    """run.sh on a new data directory with the given BIN (and env); its
    status, output and time."""
    t = Stack(bin_dir, **env)
    try:
        if prepare:
            prepare(t.data)
        t0 = time.time()
        p = subprocess.run([os.path.join(ROOT, "scripts", "run.sh")], cwd=ROOT,
                           env=t.env(), capture_output=True, text=True, timeout=120,
                           start_new_session=True)
        return p.returncode, p.stdout + p.stderr, time.time() - t0, t.port
    finally:
        shutil.rmtree(t.data, ignore_errors=True)


def test_banner_not_for_another_instances_workers(s):
    """The workers answering on the socket are another instance's (the
    case of an earlier start's workers still holding it): their health
    answers are 200, with another tag, and run.sh stops with an error."""
    d = fake_fcgi(s, 'HTQ_INSTANCE=an-earlier-start exec REAL "$@"')
    try:
        rc, out, took, port = run_sh(s, d)
        print("     another instance's workers: run.sh exited %d after %.2f s" % (rc, took))
        assert rc != 0, out[-3000:]
        assert "htq is running" not in out, out[-3000:]
        assert "port %d answers /api/v1/health, but not as this instance" % port in out, out[-3000:]
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_banner_not_for_a_stale_socket(s):
    """A stale socket file from an earlier start and an htq-fcgi that never
    listens: nginx answers 502 until run.sh gives up, after HTQ_START_WAIT
    (4 s here, 30 by default), with an error and no banner (it used to
    print the banner after the 502s)."""
    d = fake_fcgi(s, "exec sleep 300")

    def stale(data):
        os.makedirs(os.path.join(data, "run"))
        u = __import__("socket").socket(__import__("socket").AF_UNIX)
        u.bind(os.path.join(data, "run", "fcgi.sock"))
        u.close()                   # the file stays, nobody listens

    try:
        rc, out, took, port = run_sh(s, d, stale, HTQ_START_WAIT="4")
        print("     a stale socket: run.sh exited %d after %.2f s" % (rc, took))
        assert rc != 0, out[-3000:]
        assert "htq is running" not in out, out[-3000:]
        assert "did not answer its health check on port %d within 4 s (last status: 502" % port \
            in out, out[-3000:]
        assert 3.5 <= took < 60, took
    finally:
        shutil.rmtree(d, ignore_errors=True)
