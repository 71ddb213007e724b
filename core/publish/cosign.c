/*
 * cosign.c - the log collects witness cosignatures (docs/ledger.md 8).
 *
 * After a commit is published, and on the workers' publish tick when the
 * cosignatures grow old, one process asks each witness of
 * <datadir>/witnesses to cosign the published checkpoint (C2SP
 * tlog-witness POST /add-checkpoint: the old size the witness last
 * cosigned, the consistency proof from it, the signed checkpoint), and
 * appends the cosignature/v1 lines it gets to public/ledger/checkpoint.
 * It runs after the answer has gone: a witness that is slow, down or
 * refusing costs no request anything, and is asked again on the next
 * tick.  The HTTP client is a small one of its own: plain http://,
 * Content-Length bodies, everything bounded in size and time.
 */
#define _GNU_SOURCE
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "publish.h"
#include "aud.h"

#define EM_DASH		"\xe2\x80\x94 "	/* U+2014 and a space */
#define DASH_LEN	(sizeof(EM_DASH) - 1)
/* A cosignature line: dash, name, space, base64 of 76 bytes, '\n'. */
#define COSIG_LINE	(DASH_LEN + AUD_MAX_ORIGIN + 1 + 104 + 2)

/* --- the witness list --- */

/* A decimal from lo to hi with no leading zero. */
static int
parse_num(const char *s, unsigned long lo, unsigned long hi, unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0') || strlen(s) > 10)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* "<name>+<8 hex>+<base64(0x04 || pk)>", the key id checked. */
static int
parse_vkey(const char *s, struct htq_witness *w, const char **err)
{
	const char *p1, *p2;
	uint8_t raw[AUD_PK + 2], kid[AUD_KID];
	char b64[sodium_base64_ENCODED_LEN(AUD_PK + 1,
	    sodium_base64_VARIANT_ORIGINAL)];
	size_t n, rawlen, i;
	unsigned v;

	*err = "is not <name>+<key id>+<base64 key>";
	if ((p1 = strchr(s, '+')) == NULL || (p2 = strchr(p1 + 1, '+')) == NULL
	    || (size_t)(p1 - s) > AUD_MAX_ORIGIN || p2 - p1 != 9)
		return -1;
	memcpy(w->name, s, (size_t)(p1 - s));
	w->name[p1 - s] = '\0';
	if (!aud_name_valid(w->name)) {
		*err = "has an invalid name";
		return -1;
	}
	for (i = 0; i < AUD_KID; i++) {
		char h[3] = { p1[1 + 2 * i], p1[2 + 2 * i], '\0' };

		if (strspn(h, "0123456789abcdef") != 2)
			return -1;
		sscanf(h, "%x", &v);
		kid[i] = (uint8_t)v;
	}
	n = strlen(p2 + 1);
	if (sodium_base642bin(raw, sizeof(raw), p2 + 1, n, NULL, &rawlen,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    rawlen != AUD_PK + 1 || raw[0] != AUD_COSIG_ALG) {
		*err = "is not a cosignature/v1 key (base64 of 0x04 and 32 "
		    "bytes)";
		return -1;
	}
	sodium_bin2base64(b64, sizeof(b64), raw, rawlen,
	    sodium_base64_VARIANT_ORIGINAL);
	if (strcmp(b64, p2 + 1) != 0) {
		*err = "has a key that is not canonical base64";
		return -1;
	}
	memcpy(w->pk, raw + 1, AUD_PK);
	aud_cosig_key_id(w->name, w->pk, w->kid);
	if (memcmp(kid, w->kid, AUD_KID) != 0) {
		*err = "has a key id that is not the key's";
		return -1;
	}
	snprintf(w->vkey, sizeof(w->vkey), "%s", s);
	return 0;
}

/* "http://host[:port][/prefix]": host a name or IPv4 address. */
static int
parse_url(const char *s, struct htq_witness *w)
{
	const char *h, *e, *slash;
	size_t hl;
	unsigned port = 80;
	int n;

	if (strncmp(s, "http://", 7) != 0)
		return -1;
	h = s + 7;
	hl = strcspn(h, ":/");
	if (hl == 0 || hl >= sizeof(w->host) || strspn(h,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
	    != hl)
		return -1;
	memcpy(w->host, h, hl);
	w->host[hl] = '\0';
	e = h + hl;
	if (*e == ':') {
		char num[8];
		size_t pl = strcspn(e + 1, "/");

		if (pl == 0 || pl >= sizeof(num))
			return -1;
		memcpy(num, e + 1, pl);
		num[pl] = '\0';
		if (parse_num(num, 1, 65535, &port) != 0)
			return -1;
		e += 1 + pl;
	}
	snprintf(w->port, sizeof(w->port), "%u", port);
	slash = e;
	if (*slash != '\0' && *slash != '/')
		return -1;
	hl = strlen(slash);
	while (hl > 0 && slash[hl - 1] == '/')
		hl--;
	for (n = 0; (size_t)n < hl; n++)
		if ((unsigned char)slash[n] <= ' ' ||
		    (unsigned char)slash[n] >= 0x7f)
			return -1;
	n = snprintf(w->path, sizeof(w->path), "%.*s/add-checkpoint",
	    (int)hl, slash);
	if (n < 0 || (size_t)n >= sizeof(w->path))
		return -1;
	snprintf(w->url, sizeof(w->url), "%s", s);
	return 0;
}

/* One line (NUL-terminated, no '\n'). */
static int
parse_line(char *line, struct htq_witnesses *ws, int *have_q, int *have_a,
    const char **err)
{
	char *kw = line, *a, *b;
	size_t i;

	if ((a = strchr(line, ' ')) == NULL) {
		*err = "is not \"keyword value\"";
		return -1;
	}
	*a++ = '\0';
	if (strcmp(kw, "witness") == 0) {
		if ((b = strchr(a, ' ')) == NULL || strchr(b + 1, ' ') !=
		    NULL) {
			*err = "is not \"witness <key> <http://host:port>\"";
			return -1;
		}
		*b++ = '\0';
		if (ws->n == HTQ_MAX_WITNESSES) {
			*err = "is one witness too many (at most 16)";
			return -1;
		}
		if (parse_vkey(a, &ws->w[ws->n], err) != 0)
			return -1;
		for (i = 0; i < ws->n; i++)
			if (strcmp(ws->w[i].name, ws->w[ws->n].name) == 0) {
				*err = "names a witness a second time";
				return -1;
			}
		if (parse_url(b, &ws->w[ws->n]) != 0) {
			*err = "has an address that is not "
			    "http://host[:port][/path]";
			return -1;
		}
		ws->n++;
	} else if (strcmp(kw, "quorum") == 0) {
		if (*have_q || parse_num(a, 1, HTQ_MAX_WITNESSES,
		    &ws->quorum) != 0) {
			*err = "is not one quorum of 1 to 16";
			return -1;
		}
		*have_q = 1;
	} else if (strcmp(kw, "max_age") == 0) {
		if (*have_a || parse_num(a, 1, HTQ_WITNESS_MAX_AGE_MAX,
		    &ws->max_age) != 0) {
			*err = "is not one max_age of 1 to 31536000 seconds";
			return -1;
		}
		*have_a = 1;
	} else {
		*err = "has an unknown keyword";
		return -1;
	}
	return 0;
}

int
htq_witnesses_parse(const char *text, size_t len, struct htq_witnesses *ws,
    char *why, size_t whysz)
{
	char line[HTQ_WITNESSES_LINE + 1];
	const char *p = text, *nl, *err = NULL;
	size_t n, ln = 0, i;
	int have_q = 0, have_a = 0;

	memset(ws, 0, sizeof(*ws));
	if (len > HTQ_WITNESSES_MAX) {
		snprintf(why, whysz, "larger than %d bytes", HTQ_WITNESSES_MAX);
		return HTQ_ETOOBIG;
	}
	while (p < text + len) {
		ln++;
		if ((nl = memchr(p, '\n', (size_t)(text + len - p))) == NULL) {
			snprintf(why, whysz, "line %zu: does not end in a "
			    "newline", ln);
			return HTQ_EFORMAT;
		}
		if ((n = (size_t)(nl - p)) > HTQ_WITNESSES_LINE) {
			snprintf(why, whysz, "line %zu: longer than %d bytes",
			    ln, HTQ_WITNESSES_LINE);
			return HTQ_ETOOBIG;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		for (i = 0; i < n; i++)
			if ((unsigned char)line[i] < ' ' || line[i] == 0x7f) {
				snprintf(why, whysz, "line %zu: a control "
				    "character", ln);
				return HTQ_EFORMAT;
			}
		if (n == 0 || line[0] == '#')
			continue;
		if (parse_line(line, ws, &have_q, &have_a, &err) != 0) {
			snprintf(why, whysz, "line %zu: %s", ln, err);
			return HTQ_EFORMAT;
		}
	}
	if ((have_q || have_a) && ws->n == 0) {
		snprintf(why, whysz, "quorum and max_age need witness lines");
		return HTQ_EFORMAT;
	}
	if (have_q && ws->quorum > ws->n) {
		snprintf(why, whysz, "quorum %u is more than the %zu "
		    "witnesses", ws->quorum, ws->n);
		return HTQ_EFORMAT;
	}
	if (!have_q)
		ws->quorum = (unsigned)ws->n;
	if (!have_a)
		ws->max_age = HTQ_WITNESS_MAX_AGE;
	return HTQ_OK;
}

int
htq_witnesses_load(const char *datadir, struct htq_witnesses *ws, char *why,
    size_t whysz)
{
	char path[4096], *buf;
	size_t n;
	FILE *f;
	int rc;

	memset(ws, 0, sizeof(*ws));
	snprintf(path, sizeof(path), "%s/witnesses", datadir);
	if ((f = fopen(path, "rb")) == NULL) {
		if (errno == ENOENT)
			return HTQ_OK;
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
		return HTQ_EIO;
	}
	if ((buf = malloc(HTQ_WITNESSES_MAX + 1)) == NULL) {
		fclose(f);
		return HTQ_ENOMEM;
	}
	n = fread(buf, 1, HTQ_WITNESSES_MAX + 1, f);
	if (ferror(f)) {
		snprintf(why, whysz, "%s: cannot be read", path);
		rc = HTQ_EIO;
	} else {
		char w[256];

		rc = htq_witnesses_parse(buf, n, ws, w, sizeof(w));
		if (rc != HTQ_OK)
			snprintf(why, whysz, "%s: %s", path, w);
	}
	fclose(f);
	free(buf);
	return rc;
}

/* --- the HTTP client --- */

int
htq_http_answer_parse(const char *buf, size_t len, int *status,
    const char **body, size_t *bodylen)
{
	const char *end, *p, *nl;
	long long clen = -1;
	size_t i;
	char *e;

	if ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL) {
		if (len > HTQ_COSIGN_MAX_ANSWER)
			return HTQ_EFORMAT;
		/* a correct beginning of a status line is not whole yet */
		return len < 12 || memcmp(buf, "HTTP/1.", 7) == 0 ?
		    HTQ_EBUSY : HTQ_EFORMAT;
	}
	if (len < 12 || (memcmp(buf, "HTTP/1.1 ", 9) != 0 &&
	    memcmp(buf, "HTTP/1.0 ", 9) != 0))
		return HTQ_EFORMAT;
	for (i = 9; i < 12; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return HTQ_EFORMAT;
	if (buf[9] < '1' || buf[9] > '5')	/* a status is 100 .. 599 */
		return HTQ_EFORMAT;
	if (buf[12] != ' ' && buf[12] != '\r')
		return HTQ_EFORMAT;
	*status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + buf[11] - '0';
	for (p = buf; p < end; p = nl + 2) {
		nl = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
		for (i = 0; p + i < nl; i++)
			if ((unsigned char)p[i] < ' ' && p[i] != '\t')
				return HTQ_EFORMAT;
		if (p == buf)
			continue;
		if (nl - p > 15 && strncasecmp(p, "Content-Length:", 15) == 0) {
			const char *v = p + 15;
			char num[24];
			size_t vl;

			while (*v == ' ' || *v == '\t')
				v++;
			vl = (size_t)(nl - v);
			while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (clen >= 0 || vl == 0 || vl > 10 ||
			    strspn(v, "0123456789") < vl)
				return HTQ_EFORMAT;
			memcpy(num, v, vl);
			num[vl] = '\0';
			clen = strtoll(num, &e, 10);
		} else if (nl - p > 18 &&
		    strncasecmp(p, "Transfer-Encoding:", 18) == 0)
			return HTQ_EFORMAT;
	}
	if (clen < 0 || clen > HTQ_COSIGN_MAX_ANSWER)
		return HTQ_EFORMAT;
	end += 4;
	if ((size_t)(buf + len - end) < (size_t)clen)
		return HTQ_EBUSY;
	if ((size_t)(buf + len - end) > (size_t)clen)
		return HTQ_EFORMAT;
	*body = end;
	*bodylen = (size_t)clen;
	return HTQ_OK;
}

/* Wait for events on fd until the deadline: 0 ready, -1 not. */
static int
wait_fd(int fd, short events, const struct timespec *deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ms, rc;

	do {
		if ((ms = aud_ms_left(deadline)) == 0)
			return -1;
	} while ((rc = poll(&pfd, 1, ms)) < 0 && errno == EINTR);
	return rc == 1 ? 0 : -1;
}

static int
connect_to(const struct htq_witness *w, const struct timespec *deadline,
    const char **err)
{
	struct addrinfo hints, *res = NULL, *ai;
	socklen_t sl;
	int fd = -1, soerr;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(w->host, w->port, &hints, &res) != 0) {
		*err = "its host name does not resolve";
		return -1;
	}
	*err = "connection refused or timed out";
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		sl = sizeof(soerr);
		if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 0
		    && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
		    soerr == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/*
 * POST body to the witness's add-checkpoint; its answer into ans (whole,
 * at most HTQ_COSIGN_MAX_ANSWER bytes), all before HTQ_COSIGN_TIMEOUT_MS.
 * -1 with err saying why.
 */
static int
http_request(const struct htq_witness *w, const char *method,
    const char *path, const char *body, size_t blen, char *ans, int *status,
    const char **abody, size_t *alen, const char **err)
{
	struct timespec deadline;
	char head[HTQ_WITNESSES_LINE + 512];
	size_t off = 0, got = 0, total;
	ssize_t n;
	int fd, hl, rc = HTQ_EBUSY;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += HTQ_COSIGN_TIMEOUT_MS / 1000;
	deadline.tv_nsec += (HTQ_COSIGN_TIMEOUT_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	hl = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: %s:%s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", method, path, w->host, w->port,
	    blen);
	if (hl < 0 || (size_t)hl >= sizeof(head)) {
		*err = "request too long";
		return -1;
	}
	if ((fd = connect_to(w, &deadline, err)) < 0)
		return -1;
	total = (size_t)hl + blen;
	*err = "no whole answer in time";
	while (off < total) {
		const char *src = off < (size_t)hl ? head + off :
		    body + (off - (size_t)hl);
		size_t want = off < (size_t)hl ? (size_t)hl - off : total - off;

		if (wait_fd(fd, POLLOUT, &deadline) != 0 ||
		    (n = send(fd, src, want, MSG_NOSIGNAL)) <= 0)
			goto fail;
		off += (size_t)n;
	}
	while (rc == HTQ_EBUSY) {
		if (got == HTQ_COSIGN_MAX_ANSWER) {
			*err = "answer too large";
			goto fail;
		}
		if (wait_fd(fd, POLLIN, &deadline) != 0 ||
		    (n = recv(fd, ans + got, HTQ_COSIGN_MAX_ANSWER - got, 0)) <
		    0)
			goto fail;
		if (n == 0) {
			*err = "answer cut short";
			goto fail;
		}
		got += (size_t)n;
		rc = htq_http_answer_parse(ans, got, status, abody, alen);
	}
	close(fd);
	if (rc != HTQ_OK) {
		*err = "malformed HTTP answer";
		return -1;
	}
	return 0;
fail:
	close(fd);
	return -1;
}

/*
 * Each witness's last cosigned checkpoint for origin (tlog-witness's
 * GET <prefix>/<hex SHA-256(origin)>/checkpoint), appended to pool
 * (*pool malloc'd, *poollen): a rebuild of the published checkpoint
 * recovers the cosignatures it had, with their times, when the file
 * was lost.  Witnesses that do not answer are skipped.
 */
int
htq_cosig_recover(const struct htq_witnesses *ws, const char *origin,
    char **pool, size_t *poollen)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char path[HTQ_WITNESSES_LINE + 80], hex[2 * sizeof(h) + 1];
	char ans[HTQ_COSIGN_MAX_ANSWER + 1], *b = NULL, *nb;
	const char *err, *ab, *sep;
	size_t i, n = 0, alen, pl;
	int status;

	crypto_hash_sha256(h, (const unsigned char *)origin, strlen(origin));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	for (i = 0; i < ws->n; i++) {
		pl = strlen(ws->w[i].path) - strlen("/add-checkpoint");
		snprintf(path, sizeof(path), "%.*s/%s/checkpoint", (int)pl,
		    ws->w[i].path, hex);
		if (http_request(&ws->w[i], "GET", path, "", 0, ans, &status,
		    &ab, &alen, &err) != 0 || status != 200 ||
		    (sep = memmem(ab, alen, "\n\n", 2)) == NULL)
			continue;
		sep += 2;
		alen -= (size_t)(sep - ab);
		if ((nb = realloc(b, n + alen + 1)) == NULL) {
			free(b);
			return HTQ_ENOMEM;
		}
		b = nb;
		memcpy(b + n, sep, alen);
		n += alen;
		b[n] = '\0';
	}
	*pool = b;
	*poollen = n;
	return HTQ_OK;
}

/* --- the checkpoint and its signature lines --- */

/* Length of the body (through the '\n' before the blank line): 0 when
 * the text is no note. */
static size_t
body_len(const char *text, size_t len)
{
	const char *sep = memmem(text, len, "\n\n", 2);

	return sep == NULL ? 0 : (size_t)(sep - text) + 1;
}

/* Witness i's newest valid line in pool over body: its time (0: none),
 * the line in *line (without '\n'). */
static uint64_t
best_line(const struct htq_witness *w, const char *body, size_t bodylen,
    const char *pool, size_t poollen, const char **line, size_t *linelen)
{
	const char *p, *nl;
	uint64_t ts, best = 0;
	size_t nn = strlen(w->name);

	for (p = pool; p < pool + poollen; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(pool + poollen - p))) ==
		    NULL)
			break;
		if ((size_t)(nl - p) <= DASH_LEN + nn || memcmp(p, EM_DASH,
		    DASH_LEN) != 0 || memcmp(p + DASH_LEN, w->name, nn) != 0 ||
		    p[DASH_LEN + nn] != ' ')
			continue;
		if (aud_cosig_verify(p, (size_t)(nl - p), w->name, w->pk, body,
		    bodylen, &ts) == AUD_OK && ts > best) {
			best = ts;
			*line = p;
			*linelen = (size_t)(nl - p);
		}
	}
	return best;
}

int
htq_cosig_merge(const struct htq_witnesses *ws, const char *note,
    size_t notelen, const char *pool, size_t poollen, char **out,
    size_t *outlen)
{
	const char *line = NULL;
	size_t bl = body_len(note, notelen), ll = 0, i, o;
	char *b;

	if (bl == 0)
		return HTQ_EFORMAT;
	if ((b = malloc(notelen + (ws != NULL ? ws->n : 0) * COSIG_LINE + 1))
	    == NULL)
		return HTQ_ENOMEM;
	memcpy(b, note, notelen);
	o = notelen;
	for (i = 0; ws != NULL && i < ws->n; i++) {
		if (best_line(&ws->w[i], note, bl, pool, poollen, &line, &ll) ==
		    0 || ll + 1 > COSIG_LINE)
			continue;
		memcpy(b + o, line, ll);
		o += ll;
		b[o++] = '\n';
	}
	b[o] = '\0';
	*out = b;
	*outlen = o;
	return HTQ_OK;
}

/* The log's own note in text: the body, the blank line and the signature
 * lines named by origin (the witnesses' dropped), into *out (malloc'd). */
static int
log_note(const char *text, size_t len, const char *origin, char **out,
    size_t *outlen)
{
	size_t bl = body_len(text, len), ol = strlen(origin), o;
	const char *p, *nl;
	char *b;

	if (bl == 0 || (b = malloc(len + 1)) == NULL)
		return bl == 0 ? HTQ_EFORMAT : HTQ_ENOMEM;
	memcpy(b, text, bl + 1);
	o = bl + 1;
	for (p = text + bl + 1; p < text + len; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(text + len - p))) == NULL)
			break;
		if ((size_t)(nl - p) > DASH_LEN + ol && memcmp(p, EM_DASH,
		    DASH_LEN) == 0 && memcmp(p + DASH_LEN, origin, ol) == 0 &&
		    p[DASH_LEN + ol] == ' ') {
			memcpy(b + o, p, (size_t)(nl - p) + 1);
			o += (size_t)(nl - p) + 1;
		}
	}
	b[o] = '\0';
	*out = b;
	*outlen = o;
	return HTQ_OK;
}

/* --- collecting --- */

/* What this process remembers of each witness: the size it last
 * cosigned (a hint; a 409 corrects it) and whether it is failing. */
static struct {
	char		 name[AUD_MAX_ORIGIN + 1];
	uint64_t	 size;
	int		 failing;
} seen[HTQ_MAX_WITNESSES];

/* Slot i is witness w's (a changed list starts it afresh). */
static void
remember(const struct htq_witness *w, size_t i)
{
	if (strcmp(seen[i].name, w->name) != 0) {
		snprintf(seen[i].name, sizeof(seen[i].name), "%s", w->name);
		seen[i].size = 0;
		seen[i].failing = 0;
	}
}

static void
say(const struct htq_witness *w, size_t i, const char *what)
{
	if (what != NULL && !seen[i].failing)
		fprintf(stderr, "htq: witness %s at %s: %s (asking again on "
		    "the next publish)\n", w->name, w->url, what);
	else if (what == NULL && seen[i].failing)
		fprintf(stderr, "htq: witness %s at %s cosigns again\n",
		    w->name, w->url);
	seen[i].failing = what != NULL;
}

/* The add-checkpoint body for old size m: "old m", the proof, a blank
 * line, the note. */
static int
request_body(struct htq_db *db, MDB_txn *txn, uint64_t m, uint64_t size,
    const char *note, size_t notelen, char **out, size_t *outlen)
{
	aud_hash proof[AUD_MAX_PROOF];
	char b64[sodium_base64_ENCODED_LEN(AUD_HASH,
	    sodium_base64_VARIANT_ORIGINAL)];
	size_t k = 0, i, o, cap;
	char *b;
	int rc, n;

	if (m > 0 && m < size && (rc = aud_prove_consistency(htq_db_log(db),
	    txn, m, size, proof, &k)) != AUD_OK)
		return rc;
	cap = 32 + k * sizeof(b64) + notelen;
	if ((b = malloc(cap)) == NULL)
		return HTQ_ENOMEM;
	n = snprintf(b, cap, "old %llu\n", (unsigned long long)m);
	for (o = 0, i = 0; n >= 0 && (size_t)n < cap - o && i <= k; i++) {
		o += (size_t)n;
		if (i == k)
			break;
		sodium_bin2base64(b64, sizeof(b64), proof[i], AUD_HASH,
		    sodium_base64_VARIANT_ORIGINAL);
		n = snprintf(b + o, cap - o, "%s\n", b64);
	}
	if (i != k || o + 1 + notelen > cap) {
		free(b);
		return HTQ_EINVAL;	/* cannot happen: cap is the worst case */
	}
	b[o++] = '\n';
	memcpy(b + o, note, notelen);
	*out = b;
	*outlen = o + notelen;
	return HTQ_OK;
}

/*
 * Ask witness i to cosign note (size), learning its old size from a 409
 * once.  Its line (with '\n') appended to lines on success.
 */
static void
ask(struct htq_db *db, MDB_txn *txn, const struct htq_witness *w, size_t i,
    const char *note, size_t notelen, uint64_t size, char *lines,
    size_t *nlines, size_t linescap)
{
	char ans[HTQ_COSIGN_MAX_ANSWER + 1], why[128], *body = NULL, *e;
	const char *err = NULL, *ab;
	size_t blen, alen, bl = body_len(note, notelen);
	uint64_t ts, m;
	unsigned long long v;
	int status, try, rc;

	remember(w, i);
	m = seen[i].size <= size ? seen[i].size : 0;

	for (try = 0; try < 2; try++) {
		free(body);
		body = NULL;
		if ((rc = request_body(db, txn, m, size, note, notelen, &body,
		    &blen)) != HTQ_OK) {
			snprintf(why, sizeof(why), "no consistency proof from "
			    "size %llu: %s", (unsigned long long)m,
			    htq_strerror(rc));
			err = why;
			break;
		}
		if (http_request(w, "POST", w->path, body, blen, ans, &status,
		    &ab, &alen, &err) != 0)
			break;
		if (status == 409 && try == 0 && alen > 1 && alen < 22 &&
		    ab[alen - 1] == '\n' && ab[0] >= '0' && ab[0] <= '9') {
			ans[ab - ans + (ptrdiff_t)alen - 1] = '\0';
			v = strtoull(ab, &e, 10);
			if (*e == '\0' && v <= size) {
				m = v;	/* its size: once more from there */
				continue;
			}
		}
		if (status != 200) {
			snprintf(why, sizeof(why), "answered %d: %.*s", status,
			    (int)(alen > 80 ? 80 : alen), ab);
			why[strcspn(why, "\r\n")] = '\0';
			for (e = why; *e != '\0'; e++)	/* its text, printable */
				if ((unsigned char)*e < ' ' ||
				    (unsigned char)*e >= 0x7f)
					*e = '?';
			err = why;
			break;
		}
		if (alen < 2 || ab[alen - 1] != '\n' || memchr(ab, '\n',
		    alen - 1) != NULL || aud_cosig_verify(ab, alen - 1,
		    w->name, w->pk, note, bl, &ts) != AUD_OK) {
			err = "answered with no valid cosignature by its key";
			break;
		}
		if (*nlines + alen <= linescap) {
			memcpy(lines + *nlines, ab, alen);
			*nlines += alen;
		}
		seen[i].size = size;
		err = NULL;
		break;
	}
	free(body);
	say(w, i, err);
}

/* Read a small file whole: -1 when absent, unreadable or too large. */
static ssize_t
read_small(const char *path, char *buf, size_t cap)
{
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((size_t)got < cap && (n = read(fd, buf + got,
	    cap - (size_t)got)) > 0)
		got += n;
	close(fd);
	if ((size_t)got == cap)
		return -1;
	buf[got] = '\0';
	return got;
}

/* An flock on path: LOCK_EX, or LOCK_EX | LOCK_NB.  The fd, or -1. */
static int
lock_file(const char *path, int how)
{
	int fd, rc, e;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return -1;
	while ((rc = flock(fd, how)) != 0 && errno == EINTR)
		;
	if (rc != 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * Add lines to the published checkpoint, under the publish lock, if it
 * still has body (bl bytes of cp): the log's note, then each witness's
 * newest valid line.  *moved 1 when a newer checkpoint replaced it.
 */
static int
add_lines(const char *root, const struct htq_witnesses *ws, const char *cp,
    size_t bl, const char *origin, const char *lines, size_t nlines,
    int *moved)
{
	char path[4096 + 32], *cur = NULL, *note = NULL, *pool = NULL;
	char *out = NULL;
	struct htq_atomic a;
	size_t nl, outlen, sigs;
	ssize_t len;
	int fd, rc;

	*moved = 0;
	snprintf(path, sizeof(path), "%s/.lock", root);
	if ((fd = lock_file(path, LOCK_EX)) < 0)
		return HTQ_EIO;
	snprintf(path, sizeof(path), "%s/ledger/checkpoint", root);
	if ((cur = malloc(AUD_MAX_NOTE + 1)) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((len = read_small(path, cur, AUD_MAX_NOTE + 1)) < 0 ||
	    body_len(cur, (size_t)len) != bl || memcmp(cur, cp, bl) != 0) {
		*moved = 1;
		rc = HTQ_OK;
		goto out;
	}
	sigs = (size_t)len - bl - 1;
	if ((rc = log_note(cur, (size_t)len, origin, &note, &nl)) != HTQ_OK)
		goto out;
	if ((pool = malloc(sigs + nlines + 1)) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	memcpy(pool, cur + bl + 1, sigs);
	memcpy(pool + sigs, lines, nlines);
	if ((rc = htq_cosig_merge(ws, note, nl, pool, sigs + nlines, &out,
	    &outlen)) != HTQ_OK)
		goto out;
	if (outlen > AUD_MAX_NOTE || (outlen == (size_t)len &&
	    memcmp(out, cur, outlen) == 0))
		goto out;
	if ((rc = htq_atomic_open(path, 0644, &a)) != HTQ_OK)
		goto out;
	if (fwrite(out, 1, outlen, a.f) != outlen) {
		htq_atomic_abort(&a);
		rc = HTQ_EIO;
		goto out;
	}
	rc = htq_atomic_finish(&a, 0);
out:
	free(cur);
	free(note);
	free(pool);
	free(out);
	close(fd);
	return rc;
}

/* One round: ask the witnesses whose cosignature on the published
 * checkpoint is missing or old, and publish what they answer. */
static int
collect_once(struct htq_db *db, const struct htq_witnesses *ws,
    const char *root, int *moved)
{
	char path[4096 + 32], origin[AUD_MAX_ORIGIN + 1], *cp = NULL;
	char *note = NULL, lines[HTQ_MAX_WITNESSES * COSIG_LINE];
	const char *l;
	size_t bl, nl, nlines = 0, ll, i;
	uint64_t size, ts, now = (uint64_t)time(NULL);
	aud_hash rootv;
	MDB_txn *txn = NULL;
	ssize_t len;
	int rc = HTQ_OK, any = 0;

	*moved = 0;
	snprintf(path, sizeof(path), "%s/ledger/checkpoint", root);
	if ((cp = malloc(AUD_MAX_NOTE + 1)) == NULL)
		return HTQ_ENOMEM;
	if ((len = read_small(path, cp, AUD_MAX_NOTE + 1)) < 0 ||
	    (bl = body_len(cp, (size_t)len)) == 0 ||
	    aud_checkpoint_parse(cp, bl, origin, sizeof(origin), &size,
	    rootv) != AUD_OK ||
	    strcmp(origin, aud_log_origin(htq_db_log(db))) != 0)
		goto out;		/* nothing published yet */
	if ((rc = log_note(cp, (size_t)len, origin, &note, &nl)) != HTQ_OK)
		goto out;
	for (i = 0; i < ws->n; i++) {
		ts = best_line(&ws->w[i], cp, bl, cp + bl + 1,
		    (size_t)len - bl - 1, &l, &ll);
		if (ts != 0 && ts + ws->max_age / 4 >= now)
			continue;	/* fresh enough */
		if (txn == NULL && (rc = htq_txn_read(db, &txn)) != HTQ_OK)
			goto out;
		ask(db, txn, &ws->w[i], i, note, nl, size, lines, &nlines,
		    sizeof(lines));
		any = 1;
	}
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (any && nlines > 0)
		rc = add_lines(root, ws, cp, bl, origin, lines, nlines, moved);
out:
	free(cp);
	free(note);
	return rc;
}

/* The milliseconds until HTQ_COSIGN_SPACING_MS have passed since the
 * collection that last took the lock began (its mtime), at least 1; or 0,
 * and this one's start marked. */
static unsigned
too_soon(int fd)
{
	struct timespec now;
	struct stat st;
	long long ms;

	if (fstat(fd, &st) != 0 || clock_gettime(CLOCK_REALTIME, &now) != 0)
		return 0;
	ms = (long long)(now.tv_sec - st.st_mtim.tv_sec) * 1000 +
	    (now.tv_nsec - st.st_mtim.tv_nsec) / 1000000;
	if (ms >= 0 && ms < HTQ_COSIGN_SPACING_MS)
		return (unsigned)(HTQ_COSIGN_SPACING_MS - ms);
	(void)futimens(fd, NULL);
	return 0;
}

int
htq_cosign_collect(struct htq_db *db, unsigned flags, unsigned *later_ms)
{
	struct htq_witnesses *ws;
	static int bad;
	char root[4096], path[4096 + 32], why[512];
	const char *datadir = htq_db_datadir(db);
	unsigned wait;
	int fd, rc, moved, round;

	if (later_ms != NULL)
		*later_ms = 0;
	if (datadir == NULL || htq_db_log(db) == NULL)
		return HTQ_EINVAL;
	if ((ws = malloc(sizeof(*ws))) == NULL)
		return HTQ_ENOMEM;
	if ((rc = htq_witnesses_load(datadir, ws, why, sizeof(why))) !=
	    HTQ_OK) {
		if (!bad)
			fprintf(stderr, "htq: witnesses: %s (no cosignatures "
			    "collected until it is fixed)\n", why);
		bad = 1;
		free(ws);
		return rc;
	}
	bad = 0;
	if (ws->n == 0) {
		free(ws);
		return HTQ_OK;
	}
	snprintf(path, sizeof(path), "%s/run/cosign.lock", datadir);
	if ((fd = lock_file(path, LOCK_EX | LOCK_NB)) < 0) {
		free(ws);
		if (errno != EWOULDBLOCK)
			return HTQ_EIO;
		/* another process is collecting, perhaps for an older
		 * checkpoint than the one just published: ask again soon */
		if (later_ms != NULL)
			*later_ms = HTQ_COSIGN_BUSY_MS;
		return HTQ_OK;
	}
	if ((flags & HTQ_COSIGN_COMMIT) && (wait = too_soon(fd)) > 0) {
		close(fd);	/* the caller asks again after *later_ms */
		free(ws);
		if (later_ms != NULL)
			*later_ms = wait;
		return HTQ_OK;
	}
	if (!(flags & HTQ_COSIGN_COMMIT))
		(void)futimens(fd, NULL);
	if ((rc = htq_public_dir(datadir, root, sizeof(root))) == HTQ_OK)
		/* once more when a newer checkpoint came meanwhile */
		for (round = 0; round < 2; round++)
			if ((rc = collect_once(db, ws, root, &moved)) !=
			    HTQ_OK || !moved)
				break;
	close(fd);
	free(ws);
	return rc;
}
