/*
 * witness.c - a C2SP tlog-witness: the checks of POST /add-checkpoint,
 * cosignature/v1 (C2SP tlog-cosignature, Ed25519) and the witness's
 * durable state.  The program around it (HTTP, keys, configuration
 * file) is witness_main.c; everything here is reachable from the unit
 * tests and the fuzz target without a socket.
 *
 * What a cosignature says (tlog-cosignature): "as of time T, the
 * consistent tree head with the largest size this witness has observed
 * for this origin has this root".  So the witness keeps, per origin, the
 * last checkpoint it cosigned, and only ever moves it forward along a
 * verified consistency proof: a fork (same size, other root) and a
 * rollback are refused for ever, across restarts and kill -9.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "aud.h"

#define EM_DASH		"\xe2\x80\x94 "	/* U+2014 and a space */
#define COSIG_HEADER	"cosignature/v1\ntime "
#define HASH_B64	44	/* base64 of 32 bytes, padded */

/* --- configuration --- */

/* Parse one log's section (its "origin" line and the lines up to the
 * next one) as a policy file. */
static int
config_log(struct aud_wit_config *c, const char *text, size_t len,
    char *why, size_t whysz)
{
	char pwhy[160];
	size_t i;
	int rc;

	if (c->nlogs == AUD_WIT_MAX_LOGS) {
		snprintf(why, whysz, "more than %d logs", AUD_WIT_MAX_LOGS);
		return AUD_ETOOBIG;
	}
	if ((rc = aud_policy_parse(text, len, &c->logs[c->nlogs].policy,
	    pwhy, sizeof(pwhy))) != AUD_OK) {
		snprintf(why, whysz, "log %zu: %s", c->nlogs + 1, pwhy);
		return rc == AUD_EINVAL || rc == AUD_ERANGE ? AUD_EFORMAT : rc;
	}
	/* a witness checks the log's signature, not other witnesses' */
	if (c->logs[c->nlogs].policy.nwitnesses > 0) {
		snprintf(why, whysz, "log %zu: witness, quorum and max_age "
		    "lines belong in a verifier's policy, not a witness's "
		    "configuration", c->nlogs + 1);
		return AUD_EFORMAT;
	}
	for (i = 0; i < c->nlogs; i++)
		if (strcmp(c->logs[i].policy.origin,
		    c->logs[c->nlogs].policy.origin) == 0) {
			snprintf(why, whysz, "log %zu: origin %s twice",
			    c->nlogs + 1, c->logs[i].policy.origin);
			return AUD_EFORMAT;
		}
	c->nlogs++;
	return AUD_OK;
}

/* "keyword value" into its two parts (NUL-terminated copies). */
static int
config_word(const char *p, size_t n, const char *kw, char *val,
    size_t valsz)
{
	size_t k = strlen(kw);

	if (n <= k + 1 || memcmp(p, kw, k) != 0 || p[k] != ' ' ||
	    n - k - 1 >= valsz)
		return 0;
	memcpy(val, p + k + 1, n - k - 1);
	val[n - k - 1] = '\0';
	return val[0] != '\0' && strchr(val, ' ') == NULL;
}

int
aud_wit_config_parse(const char *text, size_t len, struct aud_wit_config *c,
    char *why, size_t whysz)
{
	const char *p, *nl, *end = text + len, *sect = NULL;
	size_t n, lineno = 0, i;
	int rc;

	memset(c, 0, sizeof(*c));
	if (len > AUD_WIT_MAX_CONFIG) {
		snprintf(why, whysz, "larger than %d bytes",
		    AUD_WIT_MAX_CONFIG);
		return AUD_ETOOBIG;
	}
	for (i = 0; i < len; i++)
		if (((unsigned char)text[i] < 0x20 && text[i] != '\n') ||
		    text[i] == 0x7f) {
			snprintf(why, whysz, "a control character");
			return AUD_EFORMAT;
		}
	for (p = text; p < end; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > AUD_MAX_POLICY_LINE) {
			snprintf(why, whysz, "line %zu: too long", lineno);
			return AUD_ETOOBIG;
		}
		if (n >= 7 && memcmp(p, "origin ", 7) == 0) {
			if (sect != NULL && (rc = config_log(c, sect,
			    (size_t)(p - sect), why, whysz)) != AUD_OK)
				return rc;
			sect = p;
			continue;
		}
		if (sect != NULL || n == 0 || p[0] == '#')
			continue;	/* a log's line, or a comment */
		if (config_word(p, n, "name", c->name, sizeof(c->name))) {
			if (!aud_name_valid(c->name)) {
				snprintf(why, whysz, "line %zu: not a key name",
				    lineno);
				return AUD_EFORMAT;
			}
			continue;
		}
		if (config_word(p, n, "keyfile", c->keyfile,
		    sizeof(c->keyfile)))
			continue;
		snprintf(why, whysz, "line %zu: not \"name NAME\", \"keyfile "
		    "PATH\" or \"origin ORIGIN\"", lineno);
		return AUD_EFORMAT;
	}
	if (sect != NULL && (rc = config_log(c, sect, (size_t)(end - sect),
	    why, whysz)) != AUD_OK)
		return rc;
	if (c->name[0] == '\0' || c->keyfile[0] == '\0' || c->nlogs == 0) {
		snprintf(why, whysz, "a name, a keyfile and at least one log "
		    "(origin and key lines) are needed");
		return AUD_EFORMAT;
	}
	return AUD_OK;
}

/* --- cosignature/v1 --- */

void
aud_cosig_key_id(const char *name, const uint8_t pk[AUD_PK],
    uint8_t kid[AUD_KID])
{
	aud_key_id_alg(name, AUD_COSIG_ALG, pk, kid);
}

int
aud_cosig_vkey_format(const struct aud_key *k, char *buf, size_t bufsz)
{
	uint8_t kid[AUD_KID], raw[1 + AUD_PK];
	char hex[2 * AUD_KID + 1], b64[sodium_base64_ENCODED_LEN(1 + AUD_PK,
	    sodium_base64_VARIANT_ORIGINAL)];
	int n;

	aud_cosig_key_id(k->name, k->pk, kid);
	sodium_bin2hex(hex, sizeof(hex), kid, AUD_KID);
	raw[0] = AUD_COSIG_ALG;
	memcpy(raw + 1, k->pk, AUD_PK);
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
	    sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(buf, bufsz, "%s+%s+%s", k->name, hex, b64);
	return n < 0 || (size_t)n >= bufsz ? AUD_ETOOBIG : AUD_OK;
}

/* "cosignature/v1\ntime <ts>\n" || body, malloc'd into *msg. */
static int
cosig_message(uint64_t ts, const char *body, size_t bodylen, uint8_t **msg,
    size_t *msglen)
{
	char hdr[64];
	int n;

	n = snprintf(hdr, sizeof(hdr), COSIG_HEADER "%llu\n",
	    (unsigned long long)ts);
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return AUD_ETOOBIG;
	if ((*msg = malloc((size_t)n + bodylen)) == NULL)
		return AUD_ENOMEM;
	memcpy(*msg, hdr, (size_t)n);
	memcpy(*msg + n, body, bodylen);
	*msglen = (size_t)n + bodylen;
	return AUD_OK;
}

int
aud_cosign(const struct aud_key *k, const char *body, size_t bodylen,
    uint64_t ts, char *buf, size_t bufsz)
{
	uint8_t blob[AUD_KID + AUD_COSIG_SIG], *msg = NULL;
	char b64[sodium_base64_ENCODED_LEN(AUD_KID + AUD_COSIG_SIG,
	    sodium_base64_VARIANT_ORIGINAL)];
	size_t msglen;
	int i, n, rc;

	if (ts == 0 || ts > (uint64_t)INT64_MAX)
		return AUD_ERANGE;
	if ((rc = cosig_message(ts, body, bodylen, &msg, &msglen)) != AUD_OK)
		return rc;
	aud_cosig_key_id(k->name, k->pk, blob);
	for (i = 0; i < 8; i++)
		blob[AUD_KID + i] = (uint8_t)(ts >> (56 - 8 * i));
	crypto_sign_detached(blob + AUD_KID + 8, NULL, msg, msglen, k->sk);
	rc = AUD_ECRYPTO;
	if (crypto_sign_verify_detached(blob + AUD_KID + 8, msg, msglen,
	    k->pk) != 0)
		goto out;
	sodium_bin2base64(b64, sizeof(b64), blob, sizeof(blob),
	    sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(buf, bufsz, "%s%s %s\n", EM_DASH, k->name, b64);
	rc = n < 0 || (size_t)n >= bufsz ? AUD_ETOOBIG : AUD_OK;
out:
	free(msg);
	return rc;
}

int
aud_cosig_verify(const char *line, size_t len, const char *name,
    const uint8_t pk[AUD_PK], const char *body, size_t bodylen,
    uint64_t *ts)
{
	static const size_t dl = sizeof(EM_DASH) - 1;
	uint8_t blob[AUD_KID + AUD_COSIG_SIG + 1], kid[AUD_KID], *msg = NULL;
	size_t nl = strlen(name), blen, msglen;
	int i, rc;

	if (len < dl + nl + 1 || memcmp(line, EM_DASH, dl) != 0 ||
	    memcmp(line + dl, name, nl) != 0 || line[dl + nl] != ' ')
		return AUD_EVERIFY;
	line += dl + nl + 1;
	len -= dl + nl + 1;
	if (sodium_base642bin(blob, sizeof(blob), line, len, NULL, &blen,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    blen != AUD_KID + AUD_COSIG_SIG)
		return AUD_EVERIFY;
	aud_cosig_key_id(name, pk, kid);
	if (memcmp(kid, blob, AUD_KID) != 0)
		return AUD_EVERIFY;
	*ts = 0;
	for (i = 0; i < 8; i++)
		*ts = *ts << 8 | blob[AUD_KID + i];
	if (*ts > (uint64_t)INT64_MAX)
		return AUD_EVERIFY;
	if ((rc = cosig_message(*ts, body, bodylen, &msg, &msglen)) != AUD_OK)
		return rc;
	rc = crypto_sign_verify_detached(blob + AUD_KID + 8, msg, msglen,
	    pk) == 0 ? AUD_OK : AUD_EVERIFY;
	free(msg);
	return rc;
}

/* --- the request --- */

/* An ASCII decimal with no leading zero (but "0"), fitting uint64. */
static int
parse_u64(const char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20 || (p[0] == '0' && n > 1))
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return 0;
}

/* One proof line: exactly the canonical padded base64 of 32 bytes. */
static int
parse_hash(const char *p, size_t n, aud_hash out)
{
	char back[HASH_B64 + 1];
	size_t blen;

	if (n != HASH_B64 || sodium_base642bin(out, AUD_HASH, p, n, NULL,
	    &blen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    blen != AUD_HASH)
		return -1;
	sodium_bin2base64(back, sizeof(back), out, AUD_HASH,
	    sodium_base64_VARIANT_ORIGINAL);
	return memcmp(back, p, HASH_B64) == 0 ? 0 : -1;
}

int
aud_wit_req_parse(const char *body, size_t len, struct aud_wit_req *r,
    char *why, size_t whysz)
{
	const char *p = body, *end = body + len, *nl;

	memset(r, 0, sizeof(*r));
	if (len > AUD_WIT_MAX_BODY) {
		snprintf(why, whysz, "request body over %d bytes",
		    AUD_WIT_MAX_BODY);
		return AUD_ETOOBIG;
	}
	if ((nl = memchr(p, '\n', len)) == NULL || nl - p < 4 ||
	    memcmp(p, "old ", 4) != 0 ||
	    parse_u64(p + 4, (size_t)(nl - p - 4), &r->old) != 0) {
		snprintf(why, whysz, "first line is not \"old <size>\"");
		return AUD_EFORMAT;
	}
	for (p = nl + 1; p < end && *p != '\n'; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			snprintf(why, whysz, "no blank line before the "
			    "checkpoint");
			return AUD_EFORMAT;
		}
		if (r->nproof == AUD_WIT_MAX_PROOF) {
			snprintf(why, whysz, "more than %d proof lines",
			    AUD_WIT_MAX_PROOF);
			return AUD_EFORMAT;
		}
		if (parse_hash(p, (size_t)(nl - p), r->proof[r->nproof]) != 0) {
			snprintf(why, whysz, "proof line %zu is not a base64 "
			    "hash", r->nproof + 1);
			return AUD_EFORMAT;
		}
		r->nproof++;
	}
	if (p >= end || p + 1 >= end) {
		snprintf(why, whysz, "no checkpoint after the blank line");
		return AUD_EFORMAT;
	}
	r->note = p + 1;
	r->notelen = (size_t)(end - p - 1);
	if (r->notelen > AUD_MAX_NOTE) {
		snprintf(why, whysz, "checkpoint over %d bytes", AUD_MAX_NOTE);
		return AUD_EFORMAT;
	}
	return AUD_OK;
}

/* RFC 9110 tchar. */
static int
tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* One header field; sets h->clen for Content-Length. */
static int
http_field(const char *p, size_t n, struct aud_http_head *h)
{
	const char *colon, *v, *ve;
	uint64_t cl;
	size_t i;

	if ((colon = memchr(p, ':', n)) == NULL || colon == p)
		return AUD_EFORMAT;
	for (i = 0; p + i < colon; i++)
		if (!tchar((unsigned char)p[i]))
			return AUD_EFORMAT;	/* also folding, space before ':' */
	for (v = colon + 1, ve = p + n; v < ve && (*v == ' ' || *v == '\t');)
		v++;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	for (i = 0; v + i < ve; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
			return AUD_EFORMAT;
	if ((size_t)(colon - p) == 17 &&
	    strncasecmp(p, "transfer-encoding", 17) == 0)
		return AUD_EFORMAT;	/* no chunked bodies here */
	if ((size_t)(colon - p) == 14 &&
	    strncasecmp(p, "content-length", 14) == 0) {
		if (h->clen != -1 || ve - v > 10 ||
		    parse_u64(v, (size_t)(ve - v), &cl) != 0)
			return AUD_EFORMAT;
		h->clen = (long long)cl;
	}
	return AUD_OK;
}

int
aud_http_head_parse(const char *head, size_t len, struct aud_http_head *h)
{
	const char *p = head, *end = head + len, *eol, *sp1, *sp2;
	size_t n;

	memset(h, 0, sizeof(*h));
	h->clen = -1;
	if (len > AUD_WIT_MAX_HEAD)
		return AUD_ETOOBIG;
	if (len < 4 || memcmp(end - 4, "\r\n\r\n", 4) != 0)
		return AUD_EFORMAT;
	/* request line: METHOD SP PATH SP HTTP/1.x */
	eol = memchr(p, '\r', len);
	n = (size_t)(eol - p);
	if ((sp1 = memchr(p, ' ', n)) == NULL || sp1 == p ||
	    (size_t)(sp1 - p) >= sizeof(h->method) ||
	    (sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1))) == NULL ||
	    sp2 == sp1 + 1 || (size_t)(sp2 - sp1 - 1) >= sizeof(h->path) ||
	    eol - sp2 - 1 != 8 || (memcmp(sp2 + 1, "HTTP/1.1", 8) != 0 &&
	    memcmp(sp2 + 1, "HTTP/1.0", 8) != 0))
		return AUD_EFORMAT;
	for (p = head; p < sp1; p++)
		if (*p < 'A' || *p > 'Z')
			return AUD_EFORMAT;
	for (p = sp1 + 1; p < sp2; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return AUD_EFORMAT;
	memcpy(h->method, head, (size_t)(sp1 - head));
	memcpy(h->path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	/* header fields, each ending in CRLF; the last CRLF ends them */
	for (p = eol; ; p = eol) {
		if (p[0] != '\r' || p[1] != '\n')
			return AUD_EFORMAT;	/* a bare CR */
		p += 2;
		if (p == end - 2)
			return AUD_OK;
		if ((eol = memchr(p, '\r', (size_t)(end - p))) == NULL ||
		    memchr(p, '\n', (size_t)(eol - p)) != NULL)
			return AUD_EFORMAT;	/* a bare LF */
		if (http_field(p, (size_t)(eol - p), h) != AUD_OK)
			return AUD_EFORMAT;
	}
}

/* --- state --- */

/* "<hex SHA-256(origin)>.checkpoint" (the tlog-witness origin hash). */
static void
state_name(const char *origin, char name[2 * AUD_HASH + 12])
{
	aud_hash h;

	crypto_hash_sha256(h, (const uint8_t *)origin, strlen(origin));
	sodium_bin2hex(name, 2 * AUD_HASH + 1, h, AUD_HASH);
	memcpy(name + 2 * AUD_HASH, ".checkpoint", 12);
}

int
aud_witness_state(const struct aud_witness *w, const char *origin,
    uint64_t *size, aud_hash root)
{
	char name[2 * AUD_HASH + 12], buf[AUD_WIT_MAX_STATE + 1],
	    got[AUD_MAX_ORIGIN + 1], why[128];
	size_t bodylen, which, off = 0;
	ssize_t n;
	int fd, rc;

	state_name(origin, name);
	if ((fd = openat(w->statefd, name, O_RDONLY | O_NOFOLLOW)) < 0) {
		if (errno != ENOENT)
			return AUD_EIO;
		*size = 0;
		aud_empty_root(root);
		return AUD_OK;
	}
	while (off < sizeof(buf) && (n = read(fd, buf + off,
	    sizeof(buf) - off)) > 0)
		off += (size_t)n;
	close(fd);
	if (off == sizeof(buf))
		return AUD_EFORMAT;
	/* the form only (no keys: AUD_EVERIFY is the expected answer) */
	rc = aud_note_verify(buf, off, NULL, 0, &bodylen, &which, why,
	    sizeof(why));
	if (rc != AUD_EVERIFY ||
	    aud_checkpoint_parse(buf, bodylen, got, sizeof(got), size,
	    root) != AUD_OK || strcmp(got, origin) != 0)
		return AUD_EFORMAT;
	return AUD_OK;
}

/*
 * The checkpoint as the witness keeps and serves it (tlog-witness: "the
 * cosignature from the log key(s) that the witness verified"): its body,
 * the blank line, the first signature line of each trusted (name, key
 * id) -- aud_note_verify has just checked every one of those -- and the
 * cosignature.  Lines by keys the witness does not know are dropped.
 */
static int
state_text(const char *note, size_t notelen, size_t bodylen,
    const struct aud_policy *p, const char *cosig, char *out, size_t outsz,
    size_t *outlen)
{
	static const size_t dl = sizeof(EM_DASH) - 1;
	const char *q, *nl, *sp, *end = note + notelen;
	uint8_t blob[128], seen[AUD_MAX_POLICY_KEYS] = { 0 };
	size_t off, blen, i, clen = strlen(cosig);

	if (bodylen + 1 > outsz)
		return AUD_ETOOBIG;
	memcpy(out, note, bodylen + 1);		/* body and blank line */
	off = bodylen + 1;
	for (q = note + bodylen + 1; q < end; q = nl + 1) {
		nl = memchr(q, '\n', (size_t)(end - q));	/* the note's form */
		if ((size_t)(nl - q) <= dl || memcmp(q, EM_DASH, dl) != 0 ||
		    (sp = memchr(q + dl, ' ', (size_t)(nl - q - dl))) == NULL ||
		    sodium_base642bin(blob, sizeof(blob), sp + 1,
		    (size_t)(nl - sp - 1), NULL, &blen, NULL,
		    sodium_base64_VARIANT_ORIGINAL) != 0 || blen < AUD_KID)
			continue;
		for (i = 0; i < p->nkeys; i++)
			if (!seen[i] && strlen(p->keys[i].name) ==
			    (size_t)(sp - q - dl) && memcmp(p->keys[i].name,
			    q + dl, (size_t)(sp - q - dl)) == 0 &&
			    memcmp(p->keys[i].kid, blob, AUD_KID) == 0)
				break;
		if (i == p->nkeys)
			continue;
		seen[i] = 1;
		if (off + (size_t)(nl - q) + 1 > outsz)
			return AUD_ETOOBIG;
		memcpy(out + off, q, (size_t)(nl - q) + 1);
		off += (size_t)(nl - q) + 1;
	}
	if (off + clen > outsz)
		return AUD_ETOOBIG;
	memcpy(out + off, cosig, clen);
	*outlen = off + clen;
	return AUD_OK;
}

/* Write the whole file: temporary name, fsync, rename, fsync dir. */
static int
state_write(const struct aud_witness *w, const char *origin,
    const char *text, size_t len)
{
	char name[2 * AUD_HASH + 12], tmp[2 * AUD_HASH + 20];
	int fd, rc = AUD_EIO;

	state_name(origin, name);
	snprintf(tmp, sizeof(tmp), "%.64s.tmp", name);
	fd = openat(w->statefd, tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW, 0600);
	if (fd < 0)
		return AUD_EIO;
	if (write(fd, text, len) == (ssize_t)len && fsync(fd) == 0)
		rc = AUD_OK;
	if (close(fd) != 0)
		rc = AUD_EIO;
	if (rc == AUD_OK && (renameat(w->statefd, tmp, w->statefd, name) != 0
	    || fsync(w->statefd) != 0))
		rc = AUD_EIO;
	if (rc != AUD_OK)
		unlinkat(w->statefd, tmp, 0);
	return rc;
}

int
aud_witness_read(const struct aud_witness *w, const char *hexhash,
    char *buf, size_t bufsz, size_t *len)
{
	char name[2 * AUD_HASH + 12];
	ssize_t n;
	size_t i;
	int fd;

	*len = 0;
	for (i = 0; i < 2 * AUD_HASH; i++)
		if (!((hexhash[i] >= '0' && hexhash[i] <= '9') ||
		    (hexhash[i] >= 'a' && hexhash[i] <= 'f')))
			return AUD_EINVAL;
	if (hexhash[i] != '\0')
		return AUD_EINVAL;
	snprintf(name, sizeof(name), "%s.checkpoint", hexhash);
	if ((fd = openat(w->statefd, name, O_RDONLY | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? AUD_ENOTFOUND : AUD_EIO;
	while (*len < bufsz && (n = read(fd, buf + *len, bufsz - *len)) > 0)
		*len += (size_t)n;
	close(fd);
	return *len == bufsz ? AUD_ETOOBIG : AUD_OK;
}

/* --- add-checkpoint --- */

static int
answer(struct aud_wit_answer *a, int status, const char *type,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
answer(struct aud_wit_answer *a, int status, const char *type,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	a->status = status;
	a->type = type;
	va_start(ap, fmt);
	n = vsnprintf(a->body, sizeof(a->body), fmt, ap);
	va_end(ap);
	a->len = n < 0 ? 0 : (size_t)n >= sizeof(a->body) ?
	    sizeof(a->body) - 1 : (size_t)n;
	return AUD_OK;
}

#define TEXT	"text/plain; charset=utf-8"

static const struct aud_wit_log *
find_log(const struct aud_wit_config *c, const char *origin)
{
	size_t i;

	for (i = 0; i < c->nlogs; i++)
		if (strcmp(c->logs[i].policy.origin, origin) == 0)
			return &c->logs[i];
	return NULL;
}

int
aud_witness_add(const struct aud_witness *w, const char *body, size_t len,
    uint64_t now, struct aud_wit_answer *a)
{
	struct aud_wit_req r;
	const struct aud_wit_log *log;
	char why[160], origin[AUD_MAX_ORIGIN + 1], cosig[256],
	    text[AUD_WIT_MAX_STATE];
	size_t bodylen, which, textlen;
	uint64_t size, have;
	aud_hash root, haveroot, empty;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = aud_wit_req_parse(body, len, &r, why, sizeof(why))) !=
	    AUD_OK)
		return answer(a, rc == AUD_ETOOBIG ? 413 : 400, TEXT, "%s\n",
		    why);
	/* the note's form, then its body as a checkpoint */
	rc = aud_note_verify(r.note, r.notelen, NULL, 0, &bodylen, &which,
	    why, sizeof(why));
	if (rc == AUD_EFORMAT)
		return answer(a, 400, TEXT, "%s\n", why);
	if (aud_checkpoint_parse(r.note, bodylen, origin, sizeof(origin),
	    &size, root) != AUD_OK)
		return answer(a, 400, TEXT, "not a checkpoint\n");
	if ((log = find_log(w->config, origin)) == NULL)
		return answer(a, 404, TEXT, "unknown log origin\n");
	/* signatures by unknown keys are ignored; one by a trusted key
	 * must be there, and every trusted (name, id) must verify */
	if (aud_note_verify(r.note, r.notelen, log->policy.keys,
	    log->policy.nkeys, &bodylen, &which, why, sizeof(why)) != AUD_OK)
		return answer(a, 403, TEXT, "%s\n", why);
	if (r.old > size)
		return answer(a, 400, TEXT, "old size %llu is larger than the "
		    "checkpoint's %llu\n", (unsigned long long)r.old,
		    (unsigned long long)size);
	if ((rc = aud_witness_state(w, origin, &have, haveroot)) != AUD_OK) {
		answer(a, 500, TEXT, "witness state unreadable\n");
		return rc;
	}
	if (r.old != have)
		return answer(a, 409, "text/x.tlog.size", "%llu\n",
		    (unsigned long long)have);
	aud_empty_root(empty);
	if (size == 0 && sodium_memcmp(root, empty, AUD_HASH) != 0)
		return answer(a, 422, TEXT, "size 0 with a root other than "
		    "the empty tree's\n");
	if (r.old == 0 && r.nproof != 0)
		return answer(a, 422, TEXT, "a proof from size 0\n");
	if (aud_verify_consistency(r.old, size, haveroot, root, r.proof,
	    r.nproof) != AUD_OK)
		return answer(a, 422, TEXT, r.old == size ? "same size, "
		    "another root\n" : "consistency proof does not verify\n");
	if ((rc = aud_cosign(w->key, r.note, bodylen, now, cosig,
	    sizeof(cosig))) != AUD_OK) {
		answer(a, 500, TEXT, "cannot cosign\n");
		return rc;
	}
	/* durable before the answer: a cosigned size is never forgotten */
	if ((rc = state_text(r.note, r.notelen, bodylen, &log->policy, cosig,
	    text, sizeof(text), &textlen)) != AUD_OK ||
	    (rc = state_write(w, origin, text, textlen)) != AUD_OK) {
		answer(a, 500, TEXT, "cannot record the checkpoint\n");
		return rc;
	}
	return answer(a, 200, TEXT, "%s", cosig);
}

int
aud_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}
