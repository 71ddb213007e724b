"""On SIGTERM the FastCGI master lets a request in flight finish: spoken
directly over the FastCGI socket, the request is started, the master is
told to stop, and only then is the request completed."""
import os
import signal
import socket
import struct
import subprocess
import time

from harness import Stack, fcgi_master


def record(rtype, content, rid=1):
    return struct.pack(">BBHHBB", 1, rtype, rid, len(content), 0, 0) + content


def pair(name, value):
    def ln(b):
        return bytes([len(b)]) if len(b) < 128 else struct.pack(">I", len(b) | 0x80000000)
    return ln(name) + ln(value) + name + value


def read_stdout(sock):
    out = b""
    buf = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 8:
            _, rtype, _, clen, plen, _ = struct.unpack(">BBHHBB", buf[:8])
            if len(buf) < 8 + clen + plen:
                break
            if rtype == 6:
                out += buf[8:8 + clen]
            buf = buf[8 + clen + plen:]
            if rtype == 3:
                return out
    return out


def test_in_flight_request_survives_sigterm(s):
    other = Stack(s.bin)
    try:
        other.start()
        sock = socket.socket(socket.AF_UNIX)
        sock.settimeout(15)
        sock.connect(os.path.join(other.data, "run", "fcgi.sock"))
        params = b"".join(pair(k, v) for k, v in (
            (b"REQUEST_METHOD", b"GET"), (b"REQUEST_URI", b"/api/v1/ping"),
            (b"REQUEST_ID", b"drain-test")))
        sock.sendall(record(1, struct.pack(">HB5x", 1, 0)) + record(4, params))
        time.sleep(0.3)  # a worker has accepted and is reading the request
        master = fcgi_master(other)   # not the smallest pid: pids wrap
        os.kill(master, signal.SIGTERM)
        time.sleep(0.5)
        sock.sendall(record(4, b"") + record(5, b""))
        out = read_stdout(sock)
        sock.close()
        assert out.startswith(b"Status: 200"), out[:200]
        assert b'{"pong":true}' in out
        deadline = time.time() + 5
        while time.time() < deadline:
            if subprocess.run(["pgrep", "-f", "htq-fcgi --data %s" % other.data],
                              capture_output=True).returncode != 0:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("htq-fcgi did not stop after draining")
    finally:
        other.cleanup()


def fcgi_pids(st):
    return [int(p) for p in subprocess.run(["pgrep", "-f", "htq-fcgi --data " + st.data],
                                           capture_output=True, text=True).stdout.split()]


def test_idle_stop_is_quick_and_signals_no_reaped_pid(_s):
    """An idle stack stops within 2 s of SIGTERM, three times running:
    the master forgets each worker it reaps and never waits for (or
    signals) one that is gone."""
    st = Stack()
    try:
        for _ in range(3):
            st.start()
            t = time.time()
            rc = st.stop()
            took = time.time() - t
            assert rc == 0 and took < 2.0, (rc, took, st.output()[-2000:])
            assert not fcgi_pids(st)
    finally:
        st.stop()


def test_workers_die_with_their_master(_s):
    """kill -9 of the FastCGI master: its workers go too (none keeps the
    socket), run.sh stops, and the next start works."""
    from harness import fcgi_master
    st = Stack()
    try:
        st.start()
        master = fcgi_master(st)
        assert master and len(fcgi_pids(st)) > 1
        os.kill(master, signal.SIGKILL)
        deadline = time.time() + 5
        while fcgi_pids(st) and time.time() < deadline:
            time.sleep(0.05)
        assert not fcgi_pids(st), fcgi_pids(st)
        st.proc.wait(10)
        st.proc = None
        st.start()
        assert st.get("/api/v1/health").status == 200
    finally:
        st.stop()


def test_a_killed_workers_reader_slot_is_freed(_s):
    """A worker killed with its read slot taken: the worker started in its
    place frees the dead one's slot (mdb_reader_check), so the map's pages
    are reused and the slots do not run out."""
    from harness import fcgi_master, fcgi_workers
    st = Stack()
    try:
        st.start()
        for _ in range(3):
            st.get("/api/v1/standards")	# every worker opens its read slot
        victim = fcgi_workers(fcgi_master(st))[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.time() + 5
        while time.time() < deadline:
            out = subprocess.run(["mdb_stat", "-r", os.path.join(st.data, "db")],
                                 capture_output=True, text=True).stdout
            pids = [int(l.split()[0]) for l in out.splitlines()
                    if l.strip() and l.split()[0].isdigit()]
            if victim not in pids and len(fcgi_workers(fcgi_master(st))) >= 2:
                break
            time.sleep(0.1)
        assert victim not in pids, out
    finally:
        st.stop()
