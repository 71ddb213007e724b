/*
 * entry.c - canonical ledger entries and their signatures.
 *
 * An entry is compact JSON with fields in a fixed order:
 *   {"v":1,"seq":N,"time":"...Z","type":"...","actor":"...",
 *    "subject":"...","data":{...sorted keys...},"prev":"<64 hex>",
 *    "kid":"<8 hex>"}
 * The bytes are the entry: verifiers hash what they receive.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "aud.h"

void
aud_time_now(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Depth of nesting in v (an object or array counts 1); reals and
 * strings with a NUL are not allowed in data.  1 on success. */
static int
data_allowed(const json_t *v, int depth)
{
	const char *k;
	json_t *x;
	size_t i;

	if (depth > AUD_MAX_DEPTH)
		return 0;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, k, x)
			if (!data_allowed(x, depth + 1))
				return 0;
		return 1;
	case JSON_ARRAY:
		json_array_foreach(v, i, x)
			if (!data_allowed(x, depth + 1))
				return 0;
		return 1;
	case JSON_STRING:
		return memchr(json_string_value(v), '\0',
		    json_string_length(v)) == NULL;
	case JSON_REAL:
		return 0;
	default:
		return 1;
	}
}

int
aud_data_encode(const json_t *data, char **out, size_t *len)
{
	*out = NULL;
	if (data != NULL && (!json_is_object(data) || !data_allowed(data, 1)))
		return AUD_EINVAL;
	*out = data ? json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS) :
	    strdup("{}");
	if (*out == NULL)
		return AUD_ENOMEM;
	*len = strlen(*out);
	return AUD_OK;
}

int
aud_entry_encode_data(uint64_t seq, const char *time, const char *type,
    const char *actor, const char *subject, const char *data, size_t dlen,
    const aud_hash prev, const uint8_t kid[AUD_KID], char **out, size_t *len)
{
	char prevhex[2 * AUD_HASH + 1], kidhex[2 * AUD_KID + 1], head[512];
	char tail[128], why[128];
	struct aud_entry check;
	size_t hlen, tlen;
	int n;

	*out = NULL;
	if (seq > INT64_MAX || !aud_time_valid(time, strlen(time)) ||
	    !aud_type_valid(type, strlen(type)) ||
	    !aud_actor_valid(actor, strlen(actor)) ||
	    !aud_subject_valid(subject, strlen(subject)))
		return AUD_EINVAL;
	if (dlen > AUD_MAX_ENTRY)
		return AUD_ETOOBIG;
	sodium_bin2hex(prevhex, sizeof(prevhex), prev, AUD_HASH);
	sodium_bin2hex(kidhex, sizeof(kidhex), kid, AUD_KID);
	/* the fields in their fixed order around data's bytes; the forms
	 * checked above need no escaping */
	n = snprintf(head, sizeof(head), "{\"v\":1,\"seq\":%llu,"
	    "\"time\":\"%s\",\"type\":\"%s\",\"actor\":\"%s\","
	    "\"subject\":\"%s\",\"data\":", (unsigned long long)seq, time,
	    type, actor, subject);
	if (n < 0 || (size_t)n >= sizeof(head))
		return AUD_EINVAL;
	hlen = (size_t)n;
	tlen = (size_t)snprintf(tail, sizeof(tail), ",\"prev\":\"%s\","
	    "\"kid\":\"%s\"}", prevhex, kidhex);
	*len = hlen + dlen + tlen;
	if (*len > AUD_MAX_ENTRY)
		return AUD_ETOOBIG;
	if ((*out = malloc(*len + 1)) == NULL)
		return AUD_ENOMEM;
	memcpy(*out, head, hlen);
	memcpy(*out + hlen, data, dlen);
	memcpy(*out + hlen + dlen, tail, tlen + 1);
	/* what we write is what every verifier accepts: data too must be
	 * canonical (sorted keys, the encoder's escapes, no reals) */
	if (aud_entry_parse(*out, *len, &check, why, sizeof(why)) != AUD_OK) {
		free(*out);
		*out = NULL;
		return AUD_EINVAL;
	}
	return AUD_OK;
}

int
aud_entry_encode(uint64_t seq, const char *time, const char *type,
    const char *actor, const char *subject, const json_t *data,
    const aud_hash prev, const uint8_t kid[AUD_KID], char **out, size_t *len)
{
	char *d;
	size_t dlen;
	int rc;

	*out = NULL;
	if ((rc = aud_data_encode(data, &d, &dlen)) != AUD_OK)
		return rc;
	rc = aud_entry_encode_data(seq, time, type, actor, subject, d, dlen,
	    prev, kid, out, len);
	free(d);
	return rc;
}

/*
 * What is signed: the context string followed by the entry, in buf when
 * it fits (else malloc'd; the caller frees *msg unless it is buf).
 */
static int
signed_bytes(const char *entry, size_t len, uint8_t *buf, size_t bufsz,
    uint8_t **msg, size_t *mlen)
{
	static const size_t clen = sizeof(AUD_ENTRY_CONTEXT) - 1;

	*msg = buf;
	if (clen + len > bufsz && (*msg = malloc(clen + len)) == NULL)
		return AUD_ENOMEM;
	memcpy(*msg, AUD_ENTRY_CONTEXT, clen);
	memcpy(*msg + clen, entry, len);
	*mlen = clen + len;
	return AUD_OK;
}

/* Ed25519 over the context string followed by the entry. */
static int
sign_only(const struct aud_key *k, const char *entry,
    size_t len, uint8_t sig[AUD_SIG])
{
	uint8_t buf[2048], *msg;
	size_t mlen;

	if (signed_bytes(entry, len, buf, sizeof(buf), &msg, &mlen) != AUD_OK)
		return AUD_ENOMEM;
	crypto_sign_detached(sig, NULL, msg, mlen, k->sk);
	if (msg != buf)
		free(msg);
	return AUD_OK;
}

/* The same, verified right after signing. */
int
aud_entry_sign(const struct aud_key *k, const char *entry, size_t len,
    uint8_t sig[AUD_SIG])
{
	int rc;

	if ((rc = sign_only(k, entry, len, sig)) != AUD_OK)
		return rc;
	/* a signature is checked right after it is made */
	return aud_entry_verify(k->pk, entry, len, sig) == AUD_OK ? AUD_OK :
	    AUD_ECRYPTO;
}

int
aud_entry_verify(const uint8_t pk[AUD_PK], const char *entry, size_t len,
    const uint8_t sig[AUD_SIG])
{
	uint8_t buf[2048], *msg;
	size_t mlen;
	int rc;

	if (signed_bytes(entry, len, buf, sizeof(buf), &msg, &mlen) != AUD_OK)
		return AUD_ENOMEM;
	rc = crypto_sign_verify_detached(sig, msg, mlen, pk) == 0 ? AUD_OK :
	    AUD_EVERIFY;
	if (msg != buf)
		free(msg);
	return rc;
}

/* --- the canonical form, parsed in one pass (docs/ledger.md 1.2) --- */

struct scan {
	const char	*p, *end;
	const char	*field;		/* being parsed, for messages */
	char		*why;
	size_t		 whysz;
};

static int
bad(struct scan *s, const char *reason)
{
	snprintf(s->why, s->whysz, "field %s: %s", s->field, reason);
	return AUD_EFORMAT;
}

/* Expect the literal bytes lit. */
static int
lit(struct scan *s, const char *lit, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
		return -1;
	s->p += n;
	return 0;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

int
aud_time_valid(const char *t, size_t len)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, mo, d, h, mi, sec, leap, i;

	if (len != sizeof(shape) - 1)
		return 0;
	for (i = 0; i < (int)len; i++)
		if (shape[i] == 'd' ? !is_digit(t[i]) : t[i] != shape[i])
			return 0;
#define N2(o) ((t[o] - '0') * 10 + (t[(o) + 1] - '0'))
	y = N2(0) * 100 + N2(2);
	mo = N2(5);
	d = N2(8);
	h = N2(11);
	mi = N2(14);
	sec = N2(17);
#undef N2
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 ||
	    sec > 59)
		return 0;
	return d <= mdays[mo - 1] + (mo == 2 && leap);
}

int
aud_type_valid(const char *t, size_t len)
{
	size_t i;

	if (len == 0 || len > AUD_MAX_TYPE || t[0] < 'a' || t[0] > 'z')
		return 0;
	for (i = 0; i < len; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || is_digit(t[i]) ||
		    t[i] == '.' || t[i] == '_'))
			return 0;
	return 1;
}

int
aud_actor_valid(const char *t, size_t len)
{
	size_t i;

	if (len == 0 || len > AUD_MAX_ACTOR)
		return 0;
	for (i = 0; i < len; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' &&
		    t[i] <= 'Z') || is_digit(t[i]) || strchr("._:@-", t[i]) !=
		    NULL) || t[i] == '\0')
			return 0;
	return 1;
}

int
aud_subject_valid(const char *t, size_t len)
{
	size_t i;

	if (len == 0 || len > AUD_MAX_SUBJECT)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)t[i] < 0x21 || (unsigned char)t[i] > 0x7e ||
		    t[i] == '"' || t[i] == '\\')
			return 0;
	return 1;
}

/* A quoted string without escapes, whose content satisfies valid, into
 * out (size outsz). */
static int
plain_string(struct scan *s, int (*valid)(const char *, size_t), char *out,
    size_t outsz)
{
	const char *q;
	size_t n;

	if (lit(s, "\"", 1) != 0 ||
	    (q = memchr(s->p, '"', (size_t)(s->end - s->p))) == NULL)
		return bad(s, "not a string");
	n = (size_t)(q - s->p);
	if (!valid(s->p, n) || n >= outsz)
		return bad(s, "not of the documented form");
	memcpy(out, s->p, n);
	out[n] = '\0';
	s->p = q + 1;
	return AUD_OK;
}

/* Lower-case hex of exactly n bytes, quoted. */
static int
hex_string(struct scan *s, uint8_t *out, size_t n)
{
	size_t i;

	if (lit(s, "\"", 1) != 0 || (size_t)(s->end - s->p) < 2 * n + 1 ||
	    s->p[2 * n] != '"')
		return bad(s, "not a string of the right length");
	for (i = 0; i < 2 * n; i++)
		if (!is_digit(s->p[i]) && !(s->p[i] >= 'a' && s->p[i] <= 'f'))
			return bad(s, "not lower-case hex");
	sodium_hex2bin(out, n, s->p, 2 * n, NULL, NULL, NULL);
	s->p += 2 * n + 1;
	return AUD_OK;
}

/* A canonical integer: -?(0|[1-9][0-9]*), no "-0", in int64 range. */
static int
integer(struct scan *s, int allow_negative, uint64_t *out)
{
	uint64_t v = 0, lim = INT64_MAX;
	int neg = 0, nd = 0;

	if (s->p < s->end && *s->p == '-' && allow_negative) {
		neg = 1;
		lim = (uint64_t)INT64_MAX + 1;
		s->p++;
	}
	if (s->p < s->end && *s->p == '0') {
		s->p++;
		if (neg)
			return bad(s, "-0 is not canonical");
		nd = 1;
	} else
		for (; s->p < s->end && is_digit(*s->p); s->p++, nd++) {
			if (v > (lim - (uint64_t)(*s->p - '0')) / 10)
				return bad(s, "integer out of range");
			v = v * 10 + (uint64_t)(*s->p - '0');
		}
	if (nd == 0)
		return bad(s, "not an integer");
	if (s->p < s->end && (is_digit(*s->p) || *s->p == '.' ||
	    *s->p == 'e' || *s->p == 'E'))
		return bad(s, "not a canonical integer");
	if (out != NULL)
		*out = v;
	return AUD_OK;
}

/*
 * A string in the encoder's escaping: '"' and '\' as \" and \\, U+0008,
 * U+0009, U+000A, U+000C, U+000D as \b \t \n \f \r, the other controls
 * U+0001..U+001F as \u00XX with upper-case hex; every other character,
 * non-ASCII included, as raw UTF-8.  U+0000 is not allowed.
 */
static int
canon_string(struct scan *s)
{
	const unsigned char *p, *end = (const unsigned char *)s->end;
	uint32_t cp;
	size_t n;
	int c;

	if (lit(s, "\"", 1) != 0)
		return bad(s, "not a string");
	for (p = (const unsigned char *)s->p; p < end;) {
		if (*p == '"') {
			s->p = (const char *)p + 1;
			return AUD_OK;
		}
		if (*p < 0x20)
			return bad(s, "raw control character in a string");
		if (*p != '\\') {
			if ((n = aud_utf8_char(p, end, &cp)) == 0)
				return bad(s, "invalid UTF-8");
			p += n;
			continue;
		}
		if (end - p < 2)
			break;
		switch (p[1]) {
		case '"': case '\\': case 'b': case 't': case 'n': case 'f':
		case 'r':
			p += 2;
			continue;
		case 'u':
			if (end - p < 6 || p[2] != '0' || p[3] != '0' ||
			    p[4] > '1' || p[4] < '0' ||
			    !(is_digit(p[5]) || (p[5] >= 'A' && p[5] <= 'F')))
				return bad(s, "escape not in canonical form");
			c = (p[4] - '0') * 16 + (is_digit(p[5]) ? p[5] - '0' :
			    p[5] - 'A' + 10);
			if (c == 0 || c == 8 || c == 9 || c == 10 || c == 12 ||
			    c == 13)
				return bad(s, "escape not in canonical form");
			p += 6;
			continue;
		default:
			return bad(s, "escape not in canonical form");
		}
	}
	return bad(s, "unterminated string");
}

/* The next byte of a canonical string's value; *p moves on. */
static int
string_byte(const char **p)
{
	const char *q = *p;
	int c;

	if (q[0] != '\\') {
		*p = q + 1;
		return (unsigned char)q[0];
	}
	switch (q[1]) {
	case 'b': c = 8; break;
	case 't': c = 9; break;
	case 'n': c = 10; break;
	case 'f': c = 12; break;
	case 'r': c = 13; break;
	case 'u':
		*p = q + 6;
		return (q[4] - '0') * 16 + (is_digit(q[5]) ? q[5] - '0' :
		    q[5] - 'A' + 10);
	default: c = (unsigned char)q[1]; break;
	}
	*p = q + 2;
	return c;
}

/* Compare two canonical quoted strings by their values' bytes. */
static int
key_cmp(const char *a, const char *b)
{
	int ca, cb;

	a++;
	b++;
	for (;;) {
		if (*a == '"' || *b == '"')
			return (*a == '"' ? 0 : 1) - (*b == '"' ? 0 : 1);
		ca = string_byte(&a);
		cb = string_byte(&b);
		if (ca != cb)
			return ca - cb;
	}
}

static int value(struct scan *, int depth);

static int
object(struct scan *s, int depth)
{
	const char *prev = NULL, *key;
	int rc;

	if (depth > AUD_MAX_DEPTH)
		return bad(s, "nested too deeply");
	if (lit(s, "{", 1) != 0)
		return bad(s, "not an object");
	if (lit(s, "}", 1) == 0)
		return AUD_OK;
	for (;;) {
		key = s->p;
		if ((rc = canon_string(s)) != AUD_OK)
			return rc;
		if (prev != NULL && key_cmp(prev, key) >= 0)
			return bad(s, "keys not in strictly increasing order "
			    "(unsorted or duplicate)");
		prev = key;
		if (lit(s, ":", 1) != 0)
			return bad(s, "expected ':' right after a key");
		if ((rc = value(s, depth + 1)) != AUD_OK)
			return rc;
		if (lit(s, "}", 1) == 0)
			return AUD_OK;
		if (lit(s, ",", 1) != 0)
			return bad(s, "expected ',' or '}'");
	}
}

static int
value(struct scan *s, int depth)
{
	int rc;

	if (s->p >= s->end)
		return bad(s, "truncated");
	switch (*s->p) {
	case '{':
		return object(s, depth);
	case '[':
		if (depth > AUD_MAX_DEPTH)
			return bad(s, "nested too deeply");
		s->p++;
		if (lit(s, "]", 1) == 0)
			return AUD_OK;
		for (;;) {
			if ((rc = value(s, depth + 1)) != AUD_OK)
				return rc;
			if (lit(s, "]", 1) == 0)
				return AUD_OK;
			if (lit(s, ",", 1) != 0)
				return bad(s, "expected ',' or ']'");
		}
	case '"':
		return canon_string(s);
	case 't':
		return lit(s, "true", 4) == 0 ? AUD_OK : bad(s, "bad literal");
	case 'f':
		return lit(s, "false", 5) == 0 ? AUD_OK : bad(s, "bad literal");
	case 'n':
		return lit(s, "null", 4) == 0 ? AUD_OK : bad(s, "bad literal");
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return integer(s, 1, NULL);
	default:
		return bad(s, "not a JSON value in canonical form");
	}
}

int
aud_entry_parse(const char *e, size_t len, struct aud_entry *out,
    char *why, size_t whysz)
{
	struct scan s = { e, e + len, "v", why, whysz };
	uint64_t v;
	int rc;

	if (len > AUD_MAX_ENTRY) {
		snprintf(why, whysz, "entry longer than %d bytes",
		    AUD_MAX_ENTRY);
		return AUD_EFORMAT;
	}
#define FIELD(name, text) do {						\
	s.field = name;							\
	if (lit(&s, text, sizeof(text) - 1) != 0)			\
		return bad(&s, "missing, misplaced or not canonical");	\
} while (0)
	FIELD("v", "{\"v\":");
	if ((rc = integer(&s, 0, &v)) != AUD_OK)
		return rc;
	if (v != 1)
		return bad(&s, "version is not 1");
	FIELD("seq", ",\"seq\":");
	if ((rc = integer(&s, 0, &out->seq)) != AUD_OK)
		return rc;
	FIELD("time", ",\"time\":");
	if ((rc = plain_string(&s, aud_time_valid, out->time,
	    sizeof(out->time))) != AUD_OK)
		return rc;
	FIELD("type", ",\"type\":");
	if ((rc = plain_string(&s, aud_type_valid, out->type,
	    sizeof(out->type))) != AUD_OK)
		return rc;
	FIELD("actor", ",\"actor\":");
	if ((rc = plain_string(&s, aud_actor_valid, out->actor,
	    sizeof(out->actor))) != AUD_OK)
		return rc;
	FIELD("subject", ",\"subject\":");
	if ((rc = plain_string(&s, aud_subject_valid, out->subject,
	    sizeof(out->subject))) != AUD_OK)
		return rc;
	FIELD("data", ",\"data\":");
	out->data = s.p;
	if ((rc = object(&s, 1)) != AUD_OK)
		return rc;
	out->datalen = (size_t)(s.p - out->data);
	FIELD("prev", ",\"prev\":");
	if ((rc = hex_string(&s, out->prev, AUD_HASH)) != AUD_OK)
		return rc;
	FIELD("kid", ",\"kid\":");
	if ((rc = hex_string(&s, out->kid, AUD_KID)) != AUD_OK)
		return rc;
	s.field = "kid";
	if (lit(&s, "}", 1) != 0 || s.p != s.end)
		return bad(&s, "bytes after the last field");
#undef FIELD
	return AUD_OK;
}

int
aud_entry_check_reference(const char *e, size_t len, char *why,
    size_t whysz)
{
	static const char *const names[] = { "v", "seq", "time", "type",
	    "actor", "subject", "data", "prev", "kid" };
	json_t *j, *x;
	json_error_t err;
	aud_hash prev;
	uint8_t kid[AUD_KID];
	const char *s;
	char *re = NULL;
	size_t i, n, relen;
	int rc = AUD_EFORMAT;

	if ((j = json_loadb(e, len, JSON_REJECT_DUPLICATES, &err)) == NULL) {
		snprintf(why, whysz, "not JSON: %s", err.text);
		return AUD_EFORMAT;
	}
	if (!json_is_object(j) || json_object_size(j) != 9) {
		snprintf(why, whysz, "not an object of 9 fields");
		goto out;
	}
	for (i = 0; i < 9; i++)
		if (json_object_get(j, names[i]) == NULL) {
			snprintf(why, whysz, "field %s missing", names[i]);
			goto out;
		}
	x = json_object_get(j, "v");
	if (!json_is_integer(x) || json_integer_value(x) != 1 ||
	    !json_is_integer(json_object_get(j, "seq")) ||
	    json_integer_value(json_object_get(j, "seq")) < 0 ||
	    !json_is_object(json_object_get(j, "data"))) {
		snprintf(why, whysz, "v, seq or data of the wrong type");
		goto out;
	}
	for (i = 2; i < 9; i++)
		if (i != 6 && !json_is_string(json_object_get(j, names[i]))) {
			snprintf(why, whysz, "field %s not a string", names[i]);
			goto out;
		}
	s = json_string_value(json_object_get(j, "prev"));
	n = json_string_length(json_object_get(j, "prev"));
	if (n != 2 * AUD_HASH || strspn(s, "0123456789abcdef") != n ||
	    sodium_hex2bin(prev, AUD_HASH, s, n, NULL, NULL, NULL) != 0) {
		snprintf(why, whysz, "field prev not 64 lower-case hex");
		goto out;
	}
	s = json_string_value(json_object_get(j, "kid"));
	n = json_string_length(json_object_get(j, "kid"));
	if (n != 2 * AUD_KID || strspn(s, "0123456789abcdef") != n ||
	    sodium_hex2bin(kid, AUD_KID, s, n, NULL, NULL, NULL) != 0) {
		snprintf(why, whysz, "field kid not 8 lower-case hex");
		goto out;
	}
	for (i = 2; i < 6; i++)
		if (strlen(json_string_value(json_object_get(j, names[i]))) !=
		    json_string_length(json_object_get(j, names[i]))) {
			snprintf(why, whysz, "field %s has a NUL", names[i]);
			goto out;
		}
	rc = aud_entry_encode(
	    (uint64_t)json_integer_value(json_object_get(j, "seq")),
	    json_string_value(json_object_get(j, "time")),
	    json_string_value(json_object_get(j, "type")),
	    json_string_value(json_object_get(j, "actor")),
	    json_string_value(json_object_get(j, "subject")),
	    json_object_get(j, "data"), prev, kid, &re, &relen);
	if (rc != AUD_OK) {
		snprintf(why, whysz, "a field has not its documented form");
		rc = AUD_EFORMAT;
		goto out;
	}
	if (relen != len || memcmp(re, e, len) != 0) {
		snprintf(why, whysz, "re-encoding gives other bytes");
		rc = AUD_EFORMAT;
	}
out:
	free(re);
	json_decref(j);
	return rc;
}
