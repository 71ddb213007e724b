/*
 * witness_main.c - htq-witness, a C2SP tlog-witness for the logs its
 * configuration lists (docs/ledger.md "Witnesses").
 *
 *   htq-witness keygen NAME KEYFILE
 *   htq-witness serve --config FILE --state DIR --listen 127.0.0.1:PORT
 *
 * keygen writes a new Ed25519 key (mode 0600, refusing to overwrite)
 * and prints the witness's cosignature/v1 verifier key for policies.
 * serve answers POST /add-checkpoint (and GET /<origin hash>/checkpoint)
 * over plain HTTP/1.1: one process,
 * one request per connection, one connection at a time, which makes the
 * check of the old size and the update of the state atomic with no lock
 * beyond the one on the state directory (a second witness on the same
 * directory refuses to start).  Every limit is in aud_limits.h.  Like
 * htq-verify it links only libsodium (and the audit/ library: no LMDB,
 * no FastCGI).
 */
#define _GNU_SOURCE	/* memmem, accept4 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "aud.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: htq-witness keygen NAME KEYFILE\n"
	    "       htq-witness serve --config FILE --state DIR "
	    "--listen 127.0.0.1:PORT\n");
}

static int
keygen(const char *name, const char *path)
{
	struct aud_key *k = NULL;
	char vkey[512];
	int rc;

	if ((rc = aud_key_generate(path, name)) != AUD_OK) {
		fprintf(stderr, "htq-witness: %s: %s\n", path,
		    aud_strerror(rc));
		return 1;
	}
	if ((rc = aud_key_load(path, &k)) != AUD_OK ||
	    (rc = aud_cosig_vkey_format(k, vkey, sizeof(vkey))) != AUD_OK) {
		fprintf(stderr, "htq-witness: %s: %s\n", path,
		    aud_strerror(rc));
		aud_key_free(k);
		return 1;
	}
	printf("%s\n", vkey);
	aud_key_free(k);
	return 0;
}

/* Read a whole small file into buf (at most bufsz - 1 bytes). */
static int
read_file(const char *path, char *buf, size_t bufsz, size_t *len)
{
	FILE *f;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	n = fread(buf, 1, bufsz, f);
	fclose(f);
	if (n == bufsz)
		return -1;
	buf[n] = '\0';
	*len = n;
	return 0;
}

/* Read at most want bytes more into buf + *off, before the deadline. */
static int
read_some(int fd, char *buf, size_t *off, size_t want,
    const struct timespec *deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int ms;

	if ((ms = aud_ms_left(deadline)) == 0 || poll(&pfd, 1, ms) != 1)
		return -1;
	if ((n = read(fd, buf + *off, want)) <= 0)
		return -1;
	*off += (size_t)n;
	return 0;
}

static void
respond(int fd, int status, const char *type, const char *body, size_t len,
    const char *extra)
{
	const char *reason;
	char head[512];
	int n;

	switch (status) {
	case 200: reason = "OK"; break;
	case 400: reason = "Bad Request"; break;
	case 403: reason = "Forbidden"; break;
	case 404: reason = "Not Found"; break;
	case 405: reason = "Method Not Allowed"; break;
	case 408: reason = "Request Timeout"; break;
	case 409: reason = "Conflict"; break;
	case 411: reason = "Length Required"; break;
	case 413: reason = "Content Too Large"; break;
	case 422: reason = "Unprocessable Content"; break;
	case 431: reason = "Request Header Fields Too Large"; break;
	default: reason = "Internal Server Error"; break;
	}
	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n%s\r\n",
	    status, reason, type, len, extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return;
	/* a client that does not read its answer loses it */
	if (write(fd, head, (size_t)n) == n && len > 0)
		(void)!write(fd, body, len);
}

#define TEXT	"text/plain; charset=utf-8"

/*
 * GET /<hex SHA-256(origin)>/checkpoint (tlog-witness's monitor
 * retrieval): the last checkpoint cosigned for that log, with the log's
 * signatures the witness verified and its cosignature; 404 if never.
 */
static void
monitor(const struct aud_witness *w, int fd, const struct aud_http_head *h,
    char *buf)
{
	char hex[2 * AUD_HASH + 1];
	size_t len;
	int rc;

	if (strcmp(h->method, "GET") != 0) {
		respond(fd, 405, TEXT, "GET only\n", 9, "Allow: GET\r\n");
		return;
	}
	memcpy(hex, h->path + 1, 2 * AUD_HASH);
	hex[2 * AUD_HASH] = '\0';
	rc = aud_witness_read(w, hex, buf, AUD_WIT_MAX_STATE, &len);
	if (rc == AUD_OK)
		respond(fd, 200, TEXT, buf, len, NULL);
	else if (rc == AUD_ENOTFOUND || rc == AUD_EINVAL)
		respond(fd, 404, TEXT, "never cosigned\n", 15, NULL);
	else
		respond(fd, 500, TEXT, "state unreadable\n", 17, NULL);
}

/*
 * One connection: the head (bounded), the body (bounded, exactly
 * Content-Length bytes), the answer.  The whole request must arrive
 * within AUD_WIT_READ_SECS.
 */
static void
serve_one(const struct aud_witness *w, int fd, char *buf)
{
	struct aud_http_head h;
	struct aud_wit_answer a;
	struct timespec deadline;
	size_t off = 0, headlen = 0, i;
	char *end;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += AUD_WIT_READ_SECS;
	while ((end = off >= 4 ? memmem(buf, off, "\r\n\r\n", 4) : NULL) ==
	    NULL) {
		if (off >= AUD_WIT_MAX_HEAD) {
			respond(fd, 431, TEXT, "head too large\n", 15, NULL);
			return;
		}
		if (read_some(fd, buf, &off, AUD_WIT_MAX_HEAD + 1 - off,
		    &deadline) != 0) {
			if (off > 0)
				respond(fd, 408, TEXT, "timeout\n", 8, NULL);
			return;
		}
	}
	headlen = (size_t)(end - buf) + 4;
	if ((rc = aud_http_head_parse(buf, headlen, &h)) != AUD_OK) {
		if (rc == AUD_ETOOBIG)
			respond(fd, 431, TEXT, "head too large\n", 15, NULL);
		else
			respond(fd, 400, TEXT, "malformed request\n", 18, NULL);
		return;
	}
	if (strlen(h.path) == 1 + 2 * AUD_HASH + 11 && h.path[0] == '/' &&
	    strcmp(h.path + 1 + 2 * AUD_HASH, "/checkpoint") == 0) {
		monitor(w, fd, &h, buf);
		return;
	}
	if (strcmp(h.path, "/add-checkpoint") != 0) {
		respond(fd, 404, TEXT, "not found\n", 10, NULL);
		return;
	}
	if (strcmp(h.method, "POST") != 0) {
		respond(fd, 405, TEXT, "POST only\n", 10, "Allow: POST\r\n");
		return;
	}
	if (h.clen < 0) {
		respond(fd, 411, TEXT, "Content-Length required\n", 24, NULL);
		return;
	}
	if (h.clen > AUD_WIT_MAX_BODY) {
		respond(fd, 413, TEXT, "body too large\n", 15, NULL);
		return;
	}
	/* the body after the head, in place */
	memmove(buf, buf + headlen, off - headlen);
	off -= headlen;
	if (off > (size_t)h.clen) {
		respond(fd, 400, TEXT, "more than Content-Length\n", 25, NULL);
		return;
	}
	while (off < (size_t)h.clen)
		if (read_some(fd, buf, &off, (size_t)h.clen - off,
		    &deadline) != 0) {
			respond(fd, 408, TEXT, "timeout\n", 8, NULL);
			return;
		}
	rc = aud_witness_add(w, buf, off, (uint64_t)time(NULL), &a);
	respond(fd, a.status, a.type, a.body, a.len, NULL);
	/* one log line; the reason is printable (no control characters
	 * but its final newline) */
	for (i = 0; i < a.len && a.body[i] != '\n'; i++)
		;
	fprintf(stderr, "htq-witness: %d %.*s%s%s\n", a.status,
	    a.status == 200 ? 0 : (int)i, a.body,
	    rc != AUD_OK ? ": " : "", rc != AUD_OK ? aud_strerror(rc) : "");
}

/*
 * Close after the answer without a reset: a client whose request was
 * refused before it was read whole (431, 413) would otherwise get a TCP
 * RST that may destroy the answer before it reads it.  Stop writing,
 * then read and drop what it still sends, bounded in bytes and time.
 */
static void
linger_close(int fd)
{
	struct timespec deadline;
	char sink[4096];
	size_t off, total = 0;

	shutdown(fd, SHUT_WR);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 1;
	while (total < 2 * AUD_WIT_MAX_BODY) {
		off = 0;
		if (read_some(fd, sink, &off, sizeof(sink), &deadline) != 0)
			break;
		total += off;
	}
	close(fd);
}

static int
listen_on(const char *spec)
{
	struct sockaddr_in sin;
	char host[64];
	const char *colon;
	unsigned long port;
	char *e;
	int fd, one = 1;

	if ((colon = strrchr(spec, ':')) == NULL ||
	    (size_t)(colon - spec) >= sizeof(host))
		return -1;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &e, 10);
	if (*e != '\0' || colon[1] == '\0' || port == 0 || port > 65535 ||
	    errno != 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return -1;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, 16) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
serve(const char *config, const char *state, const char *listen_spec)
{
	static struct aud_wit_config c;
	struct timeval sndtimeo = { .tv_sec = 2 };
	struct aud_witness w;
	struct aud_key *k = NULL;
	struct stat st;
	char *text = NULL, *buf = NULL, why[256];
	size_t len;
	int lfd = -1, fd, dfd = -1, rc, status = 1;

	if ((text = malloc(AUD_WIT_MAX_CONFIG + 1)) == NULL ||
	    (buf = malloc(AUD_WIT_MAX_HEAD + AUD_WIT_MAX_BODY + 1)) == NULL)
		goto out;
	if (read_file(config, text, AUD_WIT_MAX_CONFIG + 1, &len) != 0) {
		fprintf(stderr, "htq-witness: %s: cannot read (or larger "
		    "than %d bytes)\n", config, AUD_WIT_MAX_CONFIG);
		goto out;
	}
	if (aud_wit_config_parse(text, len, &c, why, sizeof(why)) != AUD_OK) {
		fprintf(stderr, "htq-witness: %s: %s\n", config, why);
		goto out;
	}
	if ((rc = aud_key_load(c.keyfile, &k)) != AUD_OK) {
		fprintf(stderr, "htq-witness: %s: %s\n", c.keyfile,
		    aud_strerror(rc));
		goto out;
	}
	if (strcmp(k->name, c.name) != 0) {
		fprintf(stderr, "htq-witness: %s: the key is named %s, not "
		    "%s\n", c.keyfile, k->name, c.name);
		goto out;
	}
	if ((dfd = open(state, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstat(dfd, &st) != 0) {
		fprintf(stderr, "htq-witness: %s: %s\n", state,
		    strerror(errno));
		goto out;
	}
	if (st.st_mode & 022) {
		fprintf(stderr, "htq-witness: %s: writable by group or "
		    "others\n", state);
		goto out;
	}
	if (flock(dfd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "htq-witness: %s: another witness uses this "
		    "state\n", state);
		goto out;
	}
	if ((lfd = listen_on(listen_spec)) < 0) {
		fprintf(stderr, "htq-witness: cannot listen on %s (want "
		    "IPv4ADDRESS:PORT): %s\n", listen_spec, strerror(errno));
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	w.key = k;
	w.config = &c;
	w.statefd = dfd;
	fprintf(stderr, "htq-witness: %s cosigning %zu log(s) on %s\n",
	    c.name, c.nlogs, listen_spec);
	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "htq-witness: accept: %s\n",
			    strerror(errno));
			goto out;
		}
		/* a client that does not read its answer cannot hold us */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sndtimeo,
		    sizeof(sndtimeo));
		serve_one(&w, fd, buf);
		linger_close(fd);
	}
out:
	if (lfd >= 0)
		close(lfd);
	if (dfd >= 0)
		close(dfd);
	aud_key_free(k);
	free(text);
	free(buf);
	return status;
}

int
main(int argc, char **argv)
{
	const char *config = NULL, *state = NULL, *listen_spec = NULL;
	int i;

	if (sodium_init() < 0) {
		fprintf(stderr, "htq-witness: sodium_init failed\n");
		return 1;
	}
	if (argc == 4 && strcmp(argv[1], "keygen") == 0)
		return keygen(argv[2], argv[3]);
	if (argc < 2 || strcmp(argv[1], "serve") != 0) {
		usage();
		return 2;
	}
	for (i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--config") == 0)
			config = argv[i + 1];
		else if (strcmp(argv[i], "--state") == 0)
			state = argv[i + 1];
		else if (strcmp(argv[i], "--listen") == 0)
			listen_spec = argv[i + 1];
		else
			break;
	}
	if (i != argc || config == NULL || state == NULL ||
	    listen_spec == NULL) {
		usage();
		return 2;
	}
	return serve(config, state, listen_spec);
}
