"""On SIGTERM the FastCGI master lets a request in flight finish: spoken
directly over the FastCGI socket, the request is started, the master is
told to stop, and only then is the request completed."""
import os
import signal
import socket
import struct
import subprocess
import time

from harness import Stack


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
        pids = subprocess.run(["pgrep", "-f", "htq-fcgi --data %s" % other.data],
                              capture_output=True, text=True).stdout.split()
        master = min(int(p) for p in pids)
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
