/*
 * mailer.c - htq-mailer: delivers the e-mail queue (core/domain/outbox.c)
 * to an SMTP relay, $HTQ_SMTP_URL (smtp://host:port).
 *
 *   htq-mailer --data DIR
 *
 * One runs per data directory (a lock in DIR/run/mailer.lock; its pid in
 * DIR/run/mailer.pid); scripts/run.sh starts it only when HTQ_SMTP_URL
 * is set, and again if it dies.  Each e-mail goes:
 *
 *   1. claimed: marked "sending" with a new attempt id, committed;
 *   2. sent: one SMTP transaction, with a Message-ID made from the
 *      message id (the same on every attempt);
 *   3. noted: the relay's 250 to the data is at once a line "ID
 *      ATTEMPT" appended to DIR/run/mailer.sent, one write(2): it
 *      survives a kill -9 of this process (not a power cut: it is not
 *      fsynced), and takes microseconds;
 *   4. recorded: removed from the queue, committed; the note file is
 *      then emptied.
 *
 * Nothing is lost: an e-mail leaves the queue only after a 250 (or when
 * its account has gone, or after HTQ_MAIL_MAX_ATTEMPTS tries, the
 * message staying in the portal).  A sender killed after 3 is recorded
 * by the next one, which starts by recording every noted attempt (then
 * empties the file).  A sender killed between the relay taking the
 * data and 3 leaves the e-mail "sending" with nothing noted; the next
 * one puts such e-mails back to pending and sends them again.  No SMTP
 * client can close that window (the relay may have queued the message
 * and its 250 be lost); the note makes it the relay's own time to
 * answer, not ours to commit.  Delivery is therefore at least once, and
 * a copy carries the same Message-ID, which the receiving side uses to
 * drop it (RFC 5322 3.6.4: a Message-ID names one message).  A refusal
 * (4xx, no answer, no connection) is tried again after a wait doubling
 * from HTQ_MAIL_BACKOFF_MIN to HTQ_MAIL_BACKOFF_MAX seconds; a 5xx ends
 * the tries.
 *
 * Plain SMTP, no TLS and no authentication: it speaks to a relay on the
 * same machine or network (in production a local MTA such as Postfix
 * that relays onward with TLS), never straight to the Internet.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netdb.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "htq.h"

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* DIR/run/mailer.sent, open for appending (step 3 above). */
static int	 noted = -1;

struct relay {
	char	 host[256];
	char	 port[8];
	char	 from[320];
	char	 helo[256];
	char	 public_url[512];
};

/* smtp://host:port (port 25 when absent). */
static int
parse_url(const char *url, struct relay *r)
{
	const char *h, *colon;
	size_t hl;
	long port = 25;
	char *end;

	if (url == NULL || strncmp(url, "smtp://", 7) != 0)
		return HTQ_EINVAL;
	h = url + 7;
	colon = strchr(h, ':');
	hl = colon ? (size_t)(colon - h) : strlen(h);
	if (hl == 0 || hl >= sizeof(r->host) || strcspn(h, "/@?#") < hl)
		return HTQ_EINVAL;
	memcpy(r->host, h, hl);
	r->host[hl] = '\0';
	if (colon != NULL) {
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno != 0 || (*end != '\0' && *end != '/') || port < 1 ||
		    port > 65535)
			return HTQ_EINVAL;
	}
	snprintf(r->port, sizeof(r->port), "%ld", port);
	return HTQ_OK;
}

/* --- one SMTP conversation --- */

struct conn {
	int	 fd;
	char	 buf[HTQ_MAIL_LINE];
	size_t	 len;
};

static int
conn_open(struct conn *c, const struct relay *r)
{
	struct addrinfo hints, *res, *ai;
	struct timeval tv = { HTQ_MAIL_TIMEOUT, 0 };
	int one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	c->fd = -1;
	c->len = 0;
	if (getaddrinfo(r->host, r->port, &hints, &res) != 0)
		return HTQ_EIO;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) < 0)
			continue;
		/* a relay that does not answer fails the try (connect too) */
		setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		/* each command waits for its answer: nothing to coalesce */
		if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
			setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	return c->fd >= 0 ? HTQ_OK : HTQ_EIO;
}

static int
send_all(struct conn *c, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = send(c->fd, s, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return HTQ_EIO;
		}
		s += w;
		n -= (size_t)w;
	}
	return HTQ_OK;
}

/* One line (without CRLF) into line; HTQ_EIO when the relay closed,
 * timed out or sent a line over HTQ_MAIL_LINE. */
static int
read_line(struct conn *c, char *line, size_t linesz)
{
	char *nl;
	ssize_t n;
	size_t l;

	for (;;) {
		if ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
			l = (size_t)(nl - c->buf);
			if (l > 0 && c->buf[l - 1] == '\r')
				l--;
			if (l >= linesz)
				return HTQ_EIO;
			memcpy(line, c->buf, l);
			line[l] = '\0';
			l = (size_t)(nl - c->buf) + 1;
			memmove(c->buf, c->buf + l, c->len - l);
			c->len -= l;
			return HTQ_OK;
		}
		if (c->len == sizeof(c->buf))
			return HTQ_EIO;
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return HTQ_EIO;
		c->len += (size_t)n;
	}
}

/* The relay's reply code (last line of a multi-line reply), or 0. */
static int
reply(struct conn *c)
{
	char line[HTQ_MAIL_LINE];

	do {
		if (read_line(c, line, sizeof(line)) != HTQ_OK ||
		    strlen(line) < 3)
			return 0;
	} while (line[3] == '-');
	return atoi(line);
}

/* Send a command line and read the reply code. */
static int
command(struct conn *c, const char *fmt, const char *arg)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), fmt, arg);

	if (n < 0 || (size_t)n >= sizeof(line) || send_all(c, line,
	    (size_t)n) != HTQ_OK)
		return 0;
	return reply(c);
}

/* Append s to the message, CRLF line ends and dot-stuffing (RFC 5321
 * 4.5.2): a line that starts with '.' gets another. */
static int
add_text(char **msg, size_t *len, size_t *cap, const char *s, int bol)
{
	size_t need;

	for (; *s != '\0'; s++) {
		need = *len + 3;
		if (need > *cap) {
			char *p = realloc(*msg, *cap * 2 + need);

			if (p == NULL)
				return HTQ_ENOMEM;
			*msg = p;
			*cap = *cap * 2 + need;
		}
		if (*s == '\r')
			continue;
		if (*s == '\n') {
			(*msg)[(*len)++] = '\r';
			(*msg)[(*len)++] = '\n';
			bol = 1;
			continue;
		}
		if (bol && *s == '.')
			(*msg)[(*len)++] = '.';
		(*msg)[(*len)++] = *s;
		bol = 0;
	}
	return HTQ_OK;
}

/* A header value: one line, and RFC 2047 encoded when not ASCII. */
static void
header_value(const char *in, char *out, size_t outsz)
{
	char clean[512], b64[700];
	size_t i, n = 0;
	int ascii = 1;

	for (i = 0; in[i] != '\0' && n + 1 < sizeof(clean); i++) {
		if (in[i] == '\r' || in[i] == '\n')
			continue;
		ascii &= (unsigned char)in[i] < 0x80;
		clean[n++] = in[i];
	}
	clean[n] = '\0';
	if (ascii) {
		snprintf(out, outsz, "%s", clean);
		return;
	}
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)clean, n,
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, outsz, "=?UTF-8?B?%s?=", b64);
}

/* 1 if an address may be put in <...> on a command line. */
static int
address_ok(const char *a)
{
	return a != NULL && *a != '\0' && strlen(a) < 255 &&
	    strpbrk(a, "<>\r\n \t") == NULL && strchr(a, '@') != NULL;
}

/* Step 3: the line "ID ATTEMPT\n" in one write (a failure is only
 * logged: the e-mail is then as if the sender died before 3). */
static void
note_sent(const json_t *job)
{
	char line[HTQ_ID_LEN + 40];
	int n;

	n = snprintf(line, sizeof(line), "%s %s\n", htq_jstr(job, "id", NULL),
	    htq_jstr(job, "attempt", NULL));
	if (n <= 0 || (size_t)n >= sizeof(line) || noted < 0 ||
	    write(noted, line, (size_t)n) != n)
		fprintf(stderr, "htq-mailer: cannot note %s as sent: %s\n",
		    htq_jstr(job, "id", NULL), strerror(errno));
}

/*
 * At start: record every attempt noted sent by a sender that stopped
 * before recording it (an attempt that is no longer current, recorded
 * already, changes nothing), then empty the file.  *n: lines recorded.
 */
static int
record_noted(struct htq_db *db, size_t *n)
{
	char buf[65536], *line, *next, *sp;
	ssize_t len;
	int rc;

	*n = 0;
	if ((len = pread(noted, buf, sizeof(buf) - 1, 0)) < 0)
		return HTQ_EIO;
	buf[len] = '\0';
	for (line = buf; (next = strchr(line, '\n')) != NULL; line = next + 1) {
		*next = '\0';
		/* "ID ATTEMPT": anything else (a torn line) is skipped */
		if ((sp = strchr(line, ' ')) == NULL || sp - line != HTQ_ID_LEN ||
		    strlen(sp + 1) != 32)
			continue;
		*sp = '\0';
		rc = htq_outbox_result(db, line, sp + 1, 1, 0, 0);
		if (rc == HTQ_OK)
			++*n;
		else if (rc != HTQ_ECONFLICT)
			return rc;
	}
	return ftruncate(noted, 0) == 0 ? HTQ_OK : HTQ_EIO;
}

enum outcome { M_SENT, M_RETRY, M_REFUSED };

/* Deliver job over one SMTP transaction. */
static enum outcome
deliver(const struct relay *r, const json_t *job)
{
	const char *to = htq_jstr(job, "to", NULL);
	const char *mid = htq_jstr(job, "message_id", NULL);
	char subject[800], date[64], head[2048];
	char *msg = NULL;
	size_t len = 0, cap = 4096;
	struct conn c;
	struct tm tm;
	time_t now = time(NULL);
	enum outcome o = M_RETRY;
	int code, n;

	if (!address_ok(to) || mid == NULL)
		return M_REFUSED;
	if (conn_open(&c, r) != HTQ_OK)
		return M_RETRY;
	if ((code = reply(&c)) != 220)
		goto out;
	if ((code = command(&c, "EHLO %s\r\n", r->helo)) != 250 &&
	    (code = command(&c, "HELO %s\r\n", r->helo)) != 250)
		goto out;
	if ((code = command(&c, "MAIL FROM:<%s>\r\n", r->from)) != 250)
		goto out;
	if ((code = command(&c, "RCPT TO:<%s>\r\n", to)) != 250 &&
	    code != 251)
		goto out;
	if ((code = command(&c, "DATA\r\n%s", "")) != 354)
		goto out;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	header_value(htq_jstr(job, "subject", NULL) ? htq_jstr(job, "subject",
	    NULL) : "HTQ approvals", subject, sizeof(subject));
	n = snprintf(head, sizeof(head), "From: HTQ approvals <%s>\n"
	    "To: <%s>\nSubject: %s\nDate: %s\nMessage-ID: %s\n"
	    "Auto-Submitted: auto-generated\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n", r->from, to, subject, date,
	    mid);
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    (msg = malloc(cap)) == NULL)
		goto out;
	if (add_text(&msg, &len, &cap, head, 1) != HTQ_OK ||
	    add_text(&msg, &len, &cap, htq_jstr(job, "body", NULL) ?
	    htq_jstr(job, "body", NULL) : "", 1) != HTQ_OK ||
	    add_text(&msg, &len, &cap, "\n\n", 0) != HTQ_OK ||
	    add_text(&msg, &len, &cap, r->public_url, 1) != HTQ_OK ||
	    add_text(&msg, &len, &cap, htq_jstr(job, "link", NULL) ?
	    htq_jstr(job, "link", NULL) : "/home/", 0) != HTQ_OK ||
	    add_text(&msg, &len, &cap, "\n", 0) != HTQ_OK ||
	    /* the end of the data, unstuffed: CRLF "." CRLF, in the same
	     * write as the data (sent apart, it waited ~40 ms on Nagle's
	     * algorithm, and a sender killed meanwhile had the kernel
	     * deliver it: a second copy) */
	    add_text(&msg, &len, &cap, ".\n", 0) != HTQ_OK)
		goto out;
	if (send_all(&c, msg, len) != HTQ_OK)
		goto out;
	code = reply(&c);
	if (code == 250) {
		o = M_SENT;
		note_sent(job);
	}
	(void)command(&c, "QUIT\r\n%s", "");
out:
	if (o != M_SENT && code >= 500 && code < 600)
		o = M_REFUSED;
	free(msg);
	close(c.fd);
	return o;
}

/* The wait before try attempts + 1. */
static time_t
backoff(json_int_t attempts)
{
	time_t d = HTQ_MAIL_BACKOFF_MIN;

	while (--attempts > 0 && d < HTQ_MAIL_BACKOFF_MAX)
		d *= 2;
	return d > HTQ_MAIL_BACKOFF_MAX ? HTQ_MAIL_BACKOFF_MAX : d;
}

/* Sleep ms milliseconds unless asked to stop. */
static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (!stopping)
		nanosleep(&ts, NULL);
}

static int
run(struct htq_db *db, const struct relay *r)
{
	json_t *job;
	time_t wait;
	enum outcome o;
	MDB_txn *txn;
	size_t n;
	int rc;

	if ((rc = record_noted(db, &n)) != HTQ_OK) {
		fprintf(stderr, "htq-mailer: run/mailer.sent: %s\n",
		    htq_strerror(rc));
		return 1;
	}
	if (n > 0)
		fprintf(stderr, "htq-mailer: %zu e-mail(s) the relay took "
		    "before a sender stopped: recorded as sent, not sent "
		    "again\n", n);
	if ((rc = htq_outbox_recover(db, &n)) != HTQ_OK) {
		fprintf(stderr, "htq-mailer: %s\n", htq_strerror(rc));
		return 1;
	}
	if (n > 0)
		fprintf(stderr, "htq-mailer: %zu e-mail(s) left sending by a "
		    "sender that stopped: sending them again (same "
		    "Message-ID)\n", n);
	while (!stopping) {
		/* a look in a read transaction first: no write while idle */
		if ((rc = htq_txn_read(db, &txn)) != HTQ_OK)
			return 1;
		rc = htq_outbox_count(db, txn, &n);
		mdb_txn_abort(txn);
		if (rc != HTQ_OK)
			return 1;
		if (n == 0) {
			nap(250);
			continue;
		}
		rc = htq_outbox_claim(db, time(NULL), &job, &wait);
		if (rc == HTQ_EBUSY)
			continue;
		if (rc == HTQ_ENOTFOUND) {
			nap(1000);	/* the next is not due yet */
			continue;
		}
		if (rc == HTQ_EFULL) {
			(void)htq_db_grow(db);
			nap(1000);
			continue;
		}
		if (rc != HTQ_OK) {
			fprintf(stderr, "htq-mailer: %s\n", htq_strerror(rc));
			nap(1000);
			continue;
		}
		o = deliver(r, job);
		rc = htq_outbox_result(db, htq_jstr(job, "id", NULL),
		    htq_jstr(job, "attempt", NULL), o == M_SENT, o == M_REFUSED,
		    time(NULL) + backoff(json_integer_value(json_object_get(job,
		    "attempts"))));
		fprintf(stderr, "htq-mailer: %s %s (try %lld)%s\n",
		    htq_jstr(job, "id", NULL), o == M_SENT ? "sent" : o ==
		    M_REFUSED ? "refused by the relay: not tried again" :
		    "not delivered: tried again later",
		    (long long)json_integer_value(json_object_get(job,
		    "attempts")), rc == HTQ_OK ? "" : " (not recorded)");
		json_decref(job);
		/* recorded: the note is done with (a kill before this
		 * line leaves it to be recorded again: no change) */
		if (o == M_SENT && (rc == HTQ_OK || rc == HTQ_ECONFLICT) &&
		    ftruncate(noted, 0) != 0)
			fprintf(stderr, "htq-mailer: run/mailer.sent: %s\n",
			    strerror(errno));
		/* an answer that could not be recorded leaves the e-mail
		 * "sending": end, so that the next sender (run.sh starts
		 * one) sends it again, as after a crash */
		if (rc != HTQ_OK && rc != HTQ_ECONFLICT)
			return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct relay r;
	struct sigaction sa;
	struct htq_db *db = NULL;
	const char *datadir = getenv("HTQ_DATA"), *from, *pub;
	char path[4096], pid[32], host[256];
	int lock, rc, i, status = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			datadir = argv[++i];
		else {
			fprintf(stderr, "usage: htq-mailer [--data DIR]\n");
			return 2;
		}
	}
	memset(&r, 0, sizeof(r));
	if (datadir == NULL || parse_url(getenv("HTQ_SMTP_URL"), &r) !=
	    HTQ_OK) {
		fprintf(stderr, "htq-mailer: needs --data DIR (or HTQ_DATA) "
		    "and HTQ_SMTP_URL=smtp://host:port\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(r.helo, sizeof(r.helo), "%s", host);
	from = getenv("HTQ_MAIL_FROM");
	if (from != NULL && !address_ok(from)) {
		fprintf(stderr, "htq-mailer: HTQ_MAIL_FROM is not an "
		    "address\n");
		return 2;
	}
	snprintf(r.from, sizeof(r.from), "%s", from ? from :
	    "noreply@htq.localhost");
	pub = getenv("HTQ_PUBLIC_URL");
	snprintf(r.public_url, sizeof(r.public_url), "%s", pub ? pub :
	    "http://127.0.0.1:8080");

	/* one sender per data directory */
	snprintf(path, sizeof(path), "%s/run/mailer.lock", datadir);
	if ((lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
	    flock(lock, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "htq-mailer: %s: %s\n", path, errno ==
		    EWOULDBLOCK ? "another htq-mailer runs" : strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/run/mailer.sent", datadir);
	if ((noted = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0) {
		fprintf(stderr, "htq-mailer: %s: %s\n", path, strerror(errno));
		close(lock);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/run/mailer.pid", datadir);
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	{
		struct htq_atomic f;

		if (htq_atomic_open(path, 0600, &f) == HTQ_OK) {
			fputs(pid, f.f);
			(void)htq_atomic_finish(&f, 0);
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = htq_db_open(datadir, 0, &db)) != HTQ_OK) {
		fprintf(stderr, "htq-mailer: cannot open the database in %s: "
		    "%s\n", datadir, htq_strerror(rc));
		goto out;
	}
	fprintf(stderr, "htq-mailer: delivering to %s:%s\n", r.host, r.port);
	status = run(db, &r);
out:
	htq_db_close(db);
	close(lock);
	return status;
}
