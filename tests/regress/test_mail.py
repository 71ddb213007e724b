"""Notifications by e-mail: htq-mailer against a local SMTP sink.

A stack of its own with HTQ_SMTP_URL pointing at a small SMTP server run
by this test (a socket server: Debian's python3-aiosmtpd is not needed).
The demo's steps leave messages, each queued for e-mail in its step's
transaction; the sender is killed with SIGKILL again and again while it
delivers them (scripts/run.sh starts it again), and the relay refuses
the first tries with a 451.  Every message reaches the sink, by its
Message-ID, and nothing else does; a copy sent again after a kill carries
the same Message-ID (at least once, de-duplicated by the receiver), at
most one per kill.  A kill after the relay's 250 (noted at once in
run/mailer.sent) sends nothing again.
"""
import os
import random
import re
import signal
import socket
import threading
import time

from harness import SECRETS, Stack

DEMO = ["admin@htq.test", "author@northfield.test", "author@meridian.test",
        "panel@employer.test", "approver@htq.test", "auditor@htq.test"]


class Sink:
    """A minimal SMTP server: one thread per connection.  gate holds the
    greeting back until set; refuse answers that many DATA with 451; each
    accepted message is stored before the 250 (a crash of the client after
    that point is what makes a second copy)."""

    def __init__(self, delay=0.02, refuse=0, hold_quit=False):
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(16)
        self.port = self.srv.getsockname()[1]
        self.gate = threading.Event()
        self.delay = delay
        self.refuse = refuse
        self.refused = 0
        self.got = []       # (message_id, rcpt, raw)
        self.lock = threading.Lock()
        self.stop = False
        # hold_quit: the first QUIT after an accepted message is answered
        # only once released is set; held is set when it comes
        self.hold_quit = hold_quit
        self.held = threading.Event()
        self.released = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.stop:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            threading.Thread(target=self.talk, args=(c,), daemon=True).start()

    def talk(self, c):
        f = c.makefile("rb")
        try:
            self.gate.wait()
            c.sendall(b"220 sink ESMTP\r\n")
            rcpt = None
            for line in f:
                cmd = line.strip().upper()
                if cmd.startswith(b"EHLO"):
                    c.sendall(b"250-sink\r\n250 8BITMIME\r\n")
                elif cmd.startswith(b"MAIL FROM:"):
                    c.sendall(b"250 ok\r\n")
                elif cmd.startswith(b"RCPT TO:"):
                    rcpt = line.strip()[8:].strip(b"<> ").decode()
                    c.sendall(b"250 ok\r\n")
                elif cmd == b"DATA":
                    c.sendall(b"354 go on\r\n")
                    raw = b""
                    for l in f:
                        if l == b".\r\n":
                            break
                        raw += l[1:] if l.startswith(b"..") else l
                    else:
                        return  # the client went before the end of the data: no message
                    time.sleep(self.delay)
                    with self.lock:
                        if self.refuse > 0:
                            self.refuse -= 1
                            self.refused += 1
                            c.sendall(b"451 try again later\r\n")
                            continue
                        m = re.search(rb"^Message-ID: (<[^>]+>)\r$", raw, re.M)
                        self.got.append((m.group(1).decode() if m else None, rcpt, raw))
                    c.sendall(b"250 queued\r\n")
                elif cmd == b"QUIT":
                    with self.lock:
                        hold = self.hold_quit and self.got and not self.held.is_set()
                        if hold:
                            self.held.set()
                    if hold:
                        self.released.wait(30)
                    c.sendall(b"221 bye\r\n")
                    break
                else:
                    c.sendall(b"500 what\r\n")
        except OSError:
            pass
        finally:
            c.close()

    def ids(self):
        with self.lock:
            return [g[0] for g in self.got]

    def close(self):
        self.released.set()
        self.stop = True
        self.gate.set()
        self.srv.close()


def mailer_pid(st, not_this=None, timeout=5):
    """The running sender's pid (from its pid file, checked in /proc)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            pid = int(open(os.path.join(st.data, "run", "mailer.pid")).read())
            cmd = open("/proc/%d/cmdline" % pid, "rb").read()
            if pid != not_this and b"htq-mailer" in cmd:
                return pid
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise AssertionError("no htq-mailer running:\n" + st.logs()[-2000:])


def test_every_message_delivered_once_by_message_id_across_kill9(s):
    sink = Sink(refuse=2)
    st = Stack(s.bin, HTQ_SMTP_URL="smtp://127.0.0.1:%d" % sink.port, HTQ_WITNESSES=0)
    try:
        st.start()
        t0 = time.time()
        # API tokens: no password hashing per account
        sessions = {}
        for e in DEMO:
            tok = st.ctl("token", "create", "--user", e).stdout.decode().strip()
            SECRETS.append(tok)
            sessions[e] = {"Authorization": "Bearer " + tok}

        def expected():
            want = {}
            for e, cookie in sessions.items():
                for m in st.get("/api/v1/messages?limit=100", headers=cookie).json()["messages"]:
                    want["<%s@htq.localhost>" % m["id"]] = e
            return want

        want = expected()
        assert len(want) >= 10, want
        pid = mailer_pid(st)
        sink.gate.set()
        kills = 0
        for _ in range(5):
            time.sleep(random.uniform(0.05, 0.25))
            os.kill(pid, signal.SIGKILL)
            kills += 1
            pid = mailer_pid(st, not_this=pid)
        deadline = time.time() + 30
        while time.time() < deadline:
            want = expected()
            if set(want) <= set(sink.ids()):
                break
            time.sleep(0.2)
        t1 = time.time()
        time.sleep(1.0)     # a late copy would show now
        got = sink.ids()
        want = expected()
        assert set(got) == set(want), (sorted(set(want) - set(got)),
                                        sorted(set(got) - set(want)),
                                        open(os.path.join(st.data, "log", "mailer.log")).read()[-3000:])
        dups = len(got) - len(set(got))
        assert dups <= kills, (dups, kills)
        assert sink.refused == 2
        for mid, rcpt, raw in sink.got:
            assert rcpt == want[mid], (mid, rcpt)
            head = raw.split(b"\r\n\r\n", 1)[0].decode()
            assert "\r\nSubject: " in "\r\n" + head and "charset=utf-8" in head, head
            assert ("To: <%s>" % rcpt) in head, head
            assert b"http://127.0.0.1:%d/" % st.port in raw
        # the pages still list every message; the ledger holds none
        log = open(os.path.join(st.data, "log", "mailer.log")).read()
        # the relay's two refusals were tried again (logged as such, unless
        # a kill came between the 451 and the log line: then as a later try)
        assert re.search(r"not delivered: tried again later|sent \(try [2-9]", log), log[-2000:]
        print("    %d messages, %d kills, %d second copies; delivered in %.1f s" % (
            len(want), kills, dups, t1 - t0))
    finally:
        st.cleanup()
        sink.close()
    try:
        os.kill(pid, 0)
        raise AssertionError("htq-mailer %d outlived the stack" % pid)
    except ProcessLookupError:
        pass


def test_a_sender_killed_after_the_relays_250_does_not_send_again(s):
    """The relay's 250 is noted at once in run/mailer.sent; a sender killed
    before it records the e-mail in the database (here: while the relay
    holds its answer to QUIT) does not send it again: the next sender
    records the note first.  Without the note the e-mail, left "sending",
    would go out a second time."""
    sink = Sink(delay=0, hold_quit=True)
    st = Stack(s.bin, HTQ_SMTP_URL="smtp://127.0.0.1:%d" % sink.port, HTQ_WITNESSES=0)
    try:
        st.start()
        pid = mailer_pid(st)
        sink.gate.set()
        assert sink.held.wait(20), "no e-mail reached the sink:\n" + st.logs()[-2000:]
        first = sink.ids()[0]
        note = open(os.path.join(st.data, "run", "mailer.sent")).read()
        assert note.startswith(first[1:].split("@")[0] + " "), (note, first)
        os.kill(pid, signal.SIGKILL)
        sink.released.set()
        mailer_pid(st, not_this=pid)
        deadline, log = time.time() + 30, ""
        while time.time() < deadline and sink.ids().count(first) < 2:
            log = open(os.path.join(st.data, "log", "mailer.log")).read()
            if "recorded as sent, not sent again" in log:
                break
            time.sleep(0.1)
        time.sleep(1.5)     # a second copy would come now
        got = sink.ids()
        assert got.count(first) == 1, "sent %d times: %s" % (got.count(first), first)
        assert len(got) == len(set(got)), got
        assert "recorded as sent, not sent again" in log, log[-2000:]
        assert open(os.path.join(st.data, "run", "mailer.sent")).read() == ""
        print("    %d e-mails, the one whose sender was killed after the 250 sent once" % len(got))
    finally:
        st.cleanup()
        sink.close()
