"""GET /metrics: the Prometheus text format, parsed by the Prometheus
client's own parser; counters summed over both workers; histograms whole;
the ledger gauges agreeing with the published checkpoint; and who may read
it: anonymous callers on loopback only (through nginx, straight to a
worker's FastCGI socket, and through a second nginx on a non-loopback
address of this machine), an admin's token from anywhere, nobody else."""
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid

from harness import SECRETS, Skip, assert_json_error, race

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    # Debian's python3-prometheus-client (scripts/deps.sh test), when the
    # python3 running the tests is not Debian's own
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        text_string_to_metric_families = None

CTYPE = "text/plain; version=0.0.4"


def parse(text):
    """{family name: family} from the exposition text."""
    if text_string_to_metric_families is None:
        raise Skip("python3-prometheus-client is not installed (scripts/deps.sh test)")
    return {f.name: f for f in text_string_to_metric_families(text)}


def scrape(s, **kw):
    r = s.get("/metrics", **kw)
    assert r.status == 200, r
    assert r.header("content-type").startswith(CTYPE), r.header("content-type")
    assert r.header("cache-control") == "no-store", r.header("cache-control")
    return parse(r.body.decode("utf-8"))


def value(fams, family, sample=None, **labels):
    """The value of the sample of family with exactly these labels (0 when
    there is none: counters are printed once they are counted)."""
    f = fams[family]
    for x in f.samples:
        if x.name == (sample or family) and x.labels == labels:
            return x.value
    return 0


def request_count(fams, method, route, status):
    # the parser names a counter's family without its _total
    return value(fams, "htq_http_requests", "htq_http_requests_total",
                 method=method, route=route, status=str(status))


def admin_token(s, email="admin@htq.test"):
    token = s.ctl("token", "create", "--user", email, "--name", "metrics").stdout
    token = token.decode().strip()
    SECRETS.append(token)
    return {"Authorization": "Bearer " + token}


def served(s, path, status):
    """The workers' log lines for GET path answered with status, each as
    (its request id, the line)."""
    want = 'method="GET" path="%s" status=%d ' % (path, status)
    out = []
    for line in s.output().splitlines():
        if want in line:
            m = re.search(r' rid=("?)([^" ]*)\1 ', line)
            out.append((m.group(2) if m else "", line))
    return out


def test_metrics_count_requests_by_route_and_status_over_both_workers(s):
    health_before = len(served(s, "/api/v1/health", 200))
    before = scrape(s)
    miss = "/api/v1/no-such-%s" % uuid.uuid4().hex
    sent = [("/api/v1/health", 200, "GET", "/api/v1/health")] * 6 + \
           [("/api/v1/standards/ST9999", 404, "GET", "/api/v1/standards/{ref}")] * 3 + \
           [("/api/v1/admin/accounts", 401, "GET", "/api/v1/admin/accounts")] * 2 + \
           [(miss, 404, "", "none")] * 24
    got = race(len(sent), lambda i: s.get(sent[i][0]).status)
    assert got == [x[1] for x in sent], got
    after = scrape(s)
    health = served(s, "/api/v1/health", 200)
    for path, status, method, route in set(sent):
        n = sum(1 for x in sent if x[0] == path)
        d = request_count(after, method, route, status) - request_count(before, method, route, status)
        if path == "/api/v1/health" and d > n:
            # a health check from outside this test can land in the
            # window (CI saw one more, twice): counted only if a worker
            # really served it (its log line), and named here
            extra = len(health) - health_before - n
            logdir = os.path.join(s.data, "log")
            seen = "".join(l for f in sorted(os.listdir(logdir)) if f.startswith("nginx-access")
                           for l in open(os.path.join(logdir, f), errors="replace")
                           if any(rid and rid in l for rid, _ in health[health_before:]))
            assert d <= n + extra, "%s %s %d: counted %d more, sent %d, served %d more" % (
                method, route, status, d, n, n + extra)
            print("    %d health check(s) from elsewhere in the window, served and counted:\n%s" % (
                d - n, seen[-1500:] or "\n".join(l for _, l in health[health_before:])[-1500:]))
            continue
        assert d == n, "%s %s %d: counted %d more, sent %d" % (method, route, status, d, n)
    # the 24 misses were answered by both workers (their log lines name
    # each worker's pid), and all of them were counted above
    pids = set(re.findall(r'pid=(\d+) [^\n]*path="%s"' % re.escape(miss), s.output()))
    assert len(pids) == 2, "the misses were served by %d worker(s): %s" % (len(pids), pids)
    # the latency histogram counted the same requests
    d = value(after, "htq_http_request_duration_seconds", "htq_http_request_duration_seconds_count",
              method="GET", route="/api/v1/health") - \
        value(before, "htq_http_request_duration_seconds", "htq_http_request_duration_seconds_count",
              method="GET", route="/api/v1/health")
    assert d == 6, d


def check_histogram(fam):
    groups = {}
    for x in fam.samples:
        key = tuple(sorted((k, v) for k, v in x.labels.items() if k != "le"))
        groups.setdefault(key, {"b": [], "count": None, "sum": None})
        if x.name.endswith("_bucket"):
            groups[key]["b"].append((float(x.labels["le"]), x.value))
        elif x.name.endswith("_count"):
            groups[key]["count"] = x.value
        elif x.name.endswith("_sum"):
            groups[key]["sum"] = x.value
    assert groups, "no samples in %s" % fam.name
    for key, g in groups.items():
        les = [le for le, _ in g["b"]]
        assert les == sorted(les) and les[-1] == float("inf"), (fam.name, key, les)
        counts = [v for _, v in g["b"]]
        assert counts == sorted(counts), "%s %s: buckets not cumulative: %s" % (fam.name, key, counts)
        assert counts[-1] == g["count"], "%s %s: +Inf %s != count %s" % (
            fam.name, key, counts[-1], g["count"])
        assert g["sum"] is not None and g["sum"] >= 0, (fam.name, key)
    return groups


def test_metrics_histograms_are_whole_and_appends_are_timed(s):
    fams = scrape(s)
    for name in ("htq_http_request_duration_seconds", "htq_ledger_append_duration_seconds"):
        assert fams[name].type == "histogram", fams[name].type
        assert fams[name].documentation, name
    check_histogram(fams["htq_http_request_duration_seconds"])
    before = check_histogram(fams["htq_ledger_append_duration_seconds"])[()]["count"]
    # two admin changes: each commits one ledger entry
    h = admin_token(s)
    for body in ({"eligible": False, "reason": "metrics test"}, {"eligible": True}):
        r = s.post("/api/v1/admin/standards/ST0116/eligibility", body=body, headers=h)
        assert r.status == 200, r
    fams = scrape(s)
    g = check_histogram(fams["htq_ledger_append_duration_seconds"])[()]
    assert g["count"] == before + 2, (before, g["count"])
    assert g["sum"] > 0


def checkpoint_size(s):
    r = s.get("/ledger/checkpoint")
    assert r.status == 200, r
    return int(r.body.decode().split("\n")[1]), r.body.decode()


def test_metrics_ledger_gauges_match_the_published_checkpoint(s):
    fams = scrape(s)
    size, note = checkpoint_size(s)
    assert value(fams, "htq_ledger_entries") == size == s.get("/api/v1/health").json()["ledger"]["size"]
    assert value(fams, "htq_ledger_published_entries") == size
    assert value(fams, "htq_ledger_publish_lag_entries") == 0
    for name in ("htq_ledger_entries", "htq_ledger_publish_lag_entries", "htq_workers_running",
                 "htq_disk_free_bytes", "htq_lmdb_used_bytes"):
        assert fams[name].type == "gauge", name
    assert value(fams, "htq_workers_running") == s.workers
    assert fams["htq_worker_restarts"].type == "counter"
    st = os.statvfs(s.data)
    total = value(fams, "htq_disk_total_bytes")
    assert total == st.f_blocks * st.f_frsize
    assert 0 < value(fams, "htq_disk_free_bytes") <= total
    used, mapsize = value(fams, "htq_lmdb_used_bytes"), value(fams, "htq_lmdb_map_size_bytes")
    assert 0 < used <= os.path.getsize(os.path.join(s.data, "db", "data.mdb")) <= mapsize
    # one cosignature age per witness line on the published checkpoint
    # (none without witnesses: the family is still declared)
    ages = fams["htq_witness_cosignature_age_seconds"]
    assert ages.type == "gauge"
    cosigned = [l.split(" ")[1] for l in note.split("\n\n", 1)[1].splitlines()
                if l.startswith("\u2014 ") and len(l.split(" ")[2]) == 104]
    assert sorted(x.labels["witness"] for x in ages.samples) == sorted(cosigned)
    for x in ages.samples:
        assert -5 <= x.value < 10 ** 9, x


def test_metrics_witness_cosignature_age(s):
    """A cosignature line (C2SP tlog-cosignature: key id, 8-byte time,
    signature) added to the published checkpoint shows up with its age;
    the file is put back as it was."""
    import base64
    path = os.path.join(s.data, "public", "ledger", "checkpoint")
    with open(path, "rb") as f:
        orig = f.read()
    st = os.stat(path)
    t = int(time.time()) - 100
    sig = base64.b64encode(b"\x01\x02\x03\x04" + struct.pack("!Q", t) + b"\x00" * 64).decode()
    tmp = path + ".metrics-test"
    try:
        with open(tmp, "wb") as f:
            f.write(orig + ("\u2014 witness.test/w\"1\" %s\n" % sig).encode())
        os.chown(tmp, st.st_uid, st.st_gid)
        os.chmod(tmp, st.st_mode & 0o777)
        os.rename(tmp, path)
        fams = scrape(s)
        ages = {x.labels["witness"]: x.value for x in fams["htq_witness_cosignature_age_seconds"].samples}
        assert list(ages) == ['witness.test/w"1"'], ages
        assert 100 <= ages['witness.test/w"1"'] <= 130, ages
    finally:
        with open(tmp, "wb") as f:
            f.write(orig)
        os.chown(tmp, st.st_uid, st.st_gid)
        os.chmod(tmp, st.st_mode & 0o777)
        os.rename(tmp, path)
    assert not scrape(s)["htq_witness_cosignature_age_seconds"].samples


def test_metrics_counts_a_worker_restart(s):
    before = scrape(s)
    # the worker that logged the last request
    victim = re.findall(r"time=\S+ pid=(\d+) rid=", s.output())[-1]
    os.kill(int(victim), 9)
    deadline = time.time() + 10
    while time.time() < deadline:
        fams = scrape(s)
        if value(fams, "htq_worker_restarts", "htq_worker_restarts_total") > \
                value(before, "htq_worker_restarts", "htq_worker_restarts_total"):
            break
        time.sleep(0.1)
    assert value(fams, "htq_worker_restarts", "htq_worker_restarts_total") == \
        value(before, "htq_worker_restarts", "htq_worker_restarts_total") + 1
    assert value(fams, "htq_workers_running") == s.workers
    # the replacement adds to its slot: nothing counted before is lost
    assert request_count(fams, "GET", "/api/v1/health", 200) >= \
        request_count(before, "GET", "/api/v1/health", 200)


def test_metrics_refused_to_others_and_to_other_roles(s):
    # from another loopback address (127.0.0.2 is not 127.0.0.1): nginx
    # refuses it without a token: the worker never sees it
    before = scrape(s)
    assert_json_error(s.get("/metrics", source="127.0.0.2"), 401, "unauthenticated")
    assert request_count(scrape(s), "GET", "/metrics", 401) == \
        request_count(before, "GET", "/metrics", 401)
    admin = admin_token(s)
    auditor = admin_token(s, "auditor@htq.test")
    # an admin's token from anywhere
    assert s.get("/metrics", source="127.0.0.2", headers=admin).status == 200
    assert s.get("/metrics", headers=admin).status == 200
    # credentials are judged wherever they come from: another role's, or a
    # token that is no token, are refused even on loopback
    for src in (None, "127.0.0.2"):
        assert_json_error(s.get("/metrics", source=src, headers=auditor), 403, "forbidden")
        assert_json_error(s.get("/metrics", source=src, headers={
            "Authorization": "Bearer htq_" + "0" * 64}), 401, "unauthenticated")
    # no query, no body
    assert_json_error(s.get("/metrics?x=1"), 400)
    assert_json_error(s.request("GET", "/metrics", body=b"x"), 400)
    assert_json_error(s.request("POST", "/metrics"), 405)


# --- FastCGI straight to a worker: its own decision, whatever nginx did ---

def fcgi_record(kind, content, rid=1):
    return struct.pack("!BBHHBx", 1, kind, rid, len(content), 0) + content


def fcgi_params(params):
    out = b""
    for k, v in params.items():
        k, v = k.encode(), v.encode()
        for n in (len(k), len(v)):
            out += struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)
        out += k + v
    return out


def fcgi_get(sock_path, path, remote_addr, headers=None, delay=0):
    """GET path from the worker on sock_path as if nginx passed
    REMOTE_ADDR remote_addr, its bytes sent delay seconds after the
    connection; (status, body), status None when the worker closed the
    connection with no answer."""
    params = {"REQUEST_METHOD": "GET", "REQUEST_URI": path, "QUERY_STRING": "",
              "CONTENT_LENGTH": "", "REMOTE_ADDR": remote_addr,
              "SERVER_PROTOCOL": "HTTP/1.1", "REQUEST_ID": uuid.uuid4().hex}
    params.update(headers or {})
    msg = fcgi_record(1, struct.pack("!HB5x", 1, 0)) + \
        fcgi_record(4, fcgi_params(params)) + fcgi_record(4, b"") + fcgi_record(5, b"")
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(10)
    c.connect(sock_path)
    time.sleep(delay)
    try:
        c.sendall(msg)
    except OSError:
        return None, b""
    data = b""
    while True:
        chunk = c.recv(65536)
        if not chunk:
            break
        data += chunk
    c.close()
    out, i = b"", 0
    while i + 8 <= len(data):
        _, kind, _, n, pad = struct.unpack("!BBHHBx", data[i:i + 8])
        if kind == 6:
            out += data[i + 8:i + 8 + n]
        i += 8 + n + pad
    if not data:
        return None, b""
    head, _, body = out.partition(b"\r\n\r\n")
    m = re.search(rb"^Status: (\d+)", head, re.M)
    return int(m.group(1)) if m else 200, body


def test_metrics_worker_decides_by_the_address_nginx_passes(s):
    sock = os.path.join(s.data, "run", "fcgi.sock")
    if not os.path.exists(sock):
        raise Skip("no FastCGI socket at %s" % sock)
    for addr in ("127.0.0.1", "::1"):
        status, body = fcgi_get(sock, "/metrics", addr)
        assert status == 200 and b"# TYPE htq_ledger_entries gauge" in body, (addr, status, body[:200])
    for addr in ("192.0.2.9", "127.0.0.2", "::ffff:127.0.0.1", "10.1.2.3", ""):
        status, body = fcgi_get(sock, "/metrics", addr)
        assert status == 401 and b'"unauthenticated"' in body, (addr, status, body)
    auth = admin_token(s)["Authorization"]
    status, _ = fcgi_get(sock, "/metrics", "192.0.2.9", {"HTTP_AUTHORIZATION": auth})
    assert status == 200


def non_loopback_address():
    """An IPv4 address of this machine that is not loopback, or None."""
    out = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True,
                         text=True).stdout if shutil.which("ip") else ""
    for m in re.finditer(r"inet (\d+\.\d+\.\d+\.\d+)/", out):
        if not m.group(1).startswith("127."):
            return m.group(1)
    return None


def test_metrics_through_nginx_on_a_non_loopback_address(s):
    """The stack's own nginx configuration, listening on an address of
    this machine's network interface instead: REMOTE_ADDR is then that
    address, as for any client on the network."""
    addr = non_loopback_address()
    if addr is None:
        raise Skip("this machine has no non-loopback IPv4 address")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    conf_path = os.path.join(s.data, "run", "nginx.conf")
    with open(conf_path) as f:
        conf = f.read()
    probe = socket.socket()
    probe.bind((addr, 0))
    port = probe.getsockname()[1]
    probe.close()
    listen = "listen 127.0.0.1:%d;" % s.port
    assert listen in conf, "no %r in %s" % (listen, conf_path)
    tmp = tempfile.mkdtemp(prefix="htq-metrics-nginx-", dir=os.path.join(s.data, "run"))
    conf = conf.replace(listen, "listen %s:%d;" % (addr, port))
    conf = re.sub(r"(?m)^pid .*;$", "pid %s/nginx.pid;" % tmp, conf)
    conf = re.sub(r"(?m)^(\s*)access_log .*;$", r"\1access_log %s/access.log htq;" % tmp, conf)
    with open(os.path.join(tmp, "nginx.conf"), "w") as f:
        f.write(conf)
    owner = os.stat(conf_path)
    for p in (tmp, os.path.join(tmp, "nginx.conf")):
        os.chown(p, owner.st_uid, owner.st_gid)

    def as_owner():
        if os.getuid() == 0 and owner.st_uid != 0:
            os.setgroups([])
            os.setgid(owner.st_gid)
            os.setuid(owner.st_uid)
    proc = subprocess.Popen([nginx, "-p", tmp, "-e", os.path.join(tmp, "error.log"),
                             "-c", os.path.join(tmp, "nginx.conf")],
                            preexec_fn=as_owner, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        import http.client

        def get(path, headers=None):
            c = http.client.HTTPConnection(addr, port, timeout=10)
            c.request("GET", path, headers=headers or {})
            r = c.getresponse()
            out = (r.status, r.getheader("content-type") or "", r.read())
            c.close()
            return out
        deadline = time.time() + 10
        while True:
            try:
                st, _, _ = get("/api/v1/health")
                if st == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.time() < deadline, "the second nginx did not answer"
            time.sleep(0.05)
        st, ct, body = get("/metrics")
        assert st == 401 and ct.startswith("application/json") and b"unauthenticated" in body, (st, body)
        st, _, body = get("/metrics", admin_token(s))
        assert st == 200 and b"htq_ledger_entries" in body, (st, body[:200])
        st, _, body = get("/metrics", {"Authorization": "Bearer htq_" + "1" * 64})
        assert st == 401, (st, body)
        with open(os.path.join(tmp, "access.log")) as f:
            assert addr + ' "GET /metrics' in f.read()
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
