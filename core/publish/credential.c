/*
 * credential.c - Open Badges 3.0 credentials of the quality marks
 * (docs/credentials.md): JSON Canonicalization (RFC 8785) over Jansson
 * values, Data Integrity proofs with cryptosuite eddsa-jcs-2022
 * (SHA-256 and Ed25519 from libsodium), the credential signing key, the
 * issuer's Profile and the Bitstring Status List of revocations (gzip by
 * zlib).
 */
#define _GNU_SOURCE	/* asprintf */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "credential.h"
#include "store.h"

#define CTX_VC2	"https://www.w3.org/ns/credentials/v2"
#define CTX_OB3	"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

/* --- RFC 8785 --------------------------------------------------------- */

struct jbuf {
	char	*p;
	size_t	 n, cap;
};

static int
jput(struct jbuf *b, const char *s, size_t n)
{
	char *np;
	size_t cap;

	if (n > SIZE_MAX / 2 - b->n - 1)
		return HTQ_ENOMEM;
	if (b->n + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL)
			return HTQ_ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return HTQ_OK;
}

/*
 * The next code point of s[*i .. n): its value, or -1 for invalid UTF-8
 * (overlong forms, surrogates, above U+10FFFF, truncated).
 */
static long
utf8_next(const unsigned char *s, size_t n, size_t *i)
{
	unsigned char c = s[*i];
	size_t k, len;
	long cp, min;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2; cp = c & 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3; cp = c & 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4; cp = c & 0x07; min = 0x10000;
	} else
		return -1;
	if (n - *i < len)
		return -1;
	for (k = 1; k < len; k++) {
		if ((s[*i + k] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[*i + k] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*i += len;
	return cp;
}

/* 1 if s[0 .. n) is valid UTF-8. */
static int
utf8_valid(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n)
		if (utf8_next((const unsigned char *)s, n, &i) < 0)
			return 0;
	return 1;
}

/*
 * Object keys are sorted by their UTF-16 code units (RFC 8785 3.2.3),
 * which differs from UTF-8 byte order for code points above U+FFFF
 * (surrogates, 0xD800..) against U+E000..U+FFFF.  Keys were checked to
 * be valid UTF-8 before sorting.
 */
struct u16it {
	const unsigned char	*s;
	size_t			 n, i;
	int			 low;	/* pending low surrogate, or 0 */
};

static int
u16_next(struct u16it *it)
{
	long cp;

	if (it->low) {
		cp = it->low;
		it->low = 0;
		return (int)cp;
	}
	if (it->i >= it->n)
		return -1;
	if ((cp = utf8_next(it->s, it->n, &it->i)) < 0)
		return -1;
	if (cp >= 0x10000) {
		cp -= 0x10000;
		it->low = (int)(0xDC00 + (cp & 0x3FF));
		return (int)(0xD800 + (cp >> 10));
	}
	return (int)cp;
}

struct jkey {
	const char	*k;
	size_t		 n;
	json_t		*v;
};

static int
key_cmp(const void *a, const void *b)
{
	const struct jkey *x = a, *y = b;
	struct u16it i = { (const unsigned char *)x->k, x->n, 0, 0 };
	struct u16it j = { (const unsigned char *)y->k, y->n, 0, 0 };
	int u, v;

	for (;;) {
		u = u16_next(&i);
		v = u16_next(&j);
		if (u != v || u < 0)
			return u < v ? -1 : u > v;
	}
}

/* A string as ECMAScript's JSON.stringify writes it (RFC 8785 3.2.2.2). */
static int
jcs_string(struct jbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7];
	size_t i, run;
	int rc;

	if (!utf8_valid(s, n))
		return HTQ_EINVAL;
	if ((rc = jput(b, "\"", 1)) != HTQ_OK)
		return rc;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		for (run = i; run < n && (unsigned char)s[run] >= 0x20 &&
		    s[run] != '"' && s[run] != '\\'; run++)
			;
		if (run > i) {
			if ((rc = jput(b, s + i, run - i)) != HTQ_OK)
				return rc;
			i = run - 1;
			continue;
		}
		switch (c) {
		case '"':  rc = jput(b, "\\\"", 2); break;
		case '\\': rc = jput(b, "\\\\", 2); break;
		case '\b': rc = jput(b, "\\b", 2); break;
		case '\f': rc = jput(b, "\\f", 2); break;
		case '\n': rc = jput(b, "\\n", 2); break;
		case '\r': rc = jput(b, "\\r", 2); break;
		case '\t': rc = jput(b, "\\t", 2); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			rc = jput(b, esc, 6);
		}
		if (rc != HTQ_OK)
			return rc;
	}
	return jput(b, "\"", 1);
}

static int
jcs_value(struct jbuf *b, const json_t *v, int depth)
{
	struct jkey *keys;
	const char *k;
	json_t *x;
	size_t i, n;
	char num[32];
	json_int_t iv;
	int rc = HTQ_OK;

	if (v == NULL)
		return HTQ_EINVAL;
	switch (json_typeof(v)) {
	case JSON_NULL:
		return jput(b, "null", 4);
	case JSON_TRUE:
		return jput(b, "true", 4);
	case JSON_FALSE:
		return jput(b, "false", 5);
	case JSON_REAL:
		return HTQ_EINVAL;	/* not in our documents: refused */
	case JSON_INTEGER:
		iv = json_integer_value(v);
		if (iv > HTQ_JCS_MAX_INT || iv < -HTQ_JCS_MAX_INT)
			return HTQ_EINVAL;
		n = (size_t)snprintf(num, sizeof(num), "%lld", (long long)iv);
		return jput(b, num, n);
	case JSON_STRING:
		return jcs_string(b, json_string_value(v),
		    json_string_length(v));
	case JSON_ARRAY:
		if (depth >= HTQ_JCS_MAX_DEPTH)
			return HTQ_ETOOBIG;
		if ((rc = jput(b, "[", 1)) != HTQ_OK)
			return rc;
		json_array_foreach(v, i, x) {
			if ((i > 0 && (rc = jput(b, ",", 1)) != HTQ_OK) ||
			    (rc = jcs_value(b, x, depth + 1)) != HTQ_OK)
				return rc;
		}
		return jput(b, "]", 1);
	case JSON_OBJECT:
		if (depth >= HTQ_JCS_MAX_DEPTH)
			return HTQ_ETOOBIG;
		n = json_object_size(v);
		if ((keys = calloc(n ? n : 1, sizeof(*keys))) == NULL)
			return HTQ_ENOMEM;
		i = 0;
		json_object_keylen_foreach((json_t *)v, k, n, x) {
			keys[i].k = k;
			keys[i].n = n;
			keys[i].v = x;
			if (!utf8_valid(k, n))
				rc = HTQ_EINVAL;
			i++;
		}
		n = i;
		if (rc == HTQ_OK) {
			qsort(keys, n, sizeof(*keys), key_cmp);
			rc = jput(b, "{", 1);
		}
		for (i = 0; rc == HTQ_OK && i < n; i++) {
			if (i > 0)
				rc = jput(b, ",", 1);
			if (rc == HTQ_OK)
				rc = jcs_string(b, keys[i].k, keys[i].n);
			if (rc == HTQ_OK)
				rc = jput(b, ":", 1);
			if (rc == HTQ_OK)
				rc = jcs_value(b, keys[i].v, depth + 1);
		}
		free(keys);
		return rc == HTQ_OK ? jput(b, "}", 1) : rc;
	}
	return HTQ_EINVAL;
}

int
htq_jcs(const json_t *v, char **out, size_t *len)
{
	struct jbuf b = { NULL, 0, 0 };
	int rc;

	*out = NULL;
	*len = 0;
	if ((rc = jcs_value(&b, v, 0)) != HTQ_OK) {
		free(b.p);
		return rc;
	}
	if (b.p == NULL)
		return HTQ_EINVAL;
	*out = b.p;
	*len = b.n;
	return HTQ_OK;
}

/* --- multibase ------------------------------------------------------- */

int
htq_base58btc(const uint8_t *in, size_t len, char *out, size_t outsz)
{
	static const char alpha[] =
	    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	uint8_t digits[160];
	size_t i, j, nd = 0, zeros = 0, o = 0;
	unsigned carry;

	if (len > 100 || outsz < 2 * len + 2)
		return HTQ_EINVAL;
	while (zeros < len && in[zeros] == 0)
		zeros++;
	for (i = zeros; i < len; i++) {
		carry = in[i];
		for (j = 0; j < nd; j++) {
			carry += (unsigned)digits[j] << 8;
			digits[j] = (uint8_t)(carry % 58);
			carry /= 58;
		}
		while (carry > 0) {
			digits[nd++] = (uint8_t)(carry % 58);
			carry /= 58;
		}
	}
	out[o++] = 'z';
	for (i = 0; i < zeros; i++)
		out[o++] = '1';
	while (nd > 0)
		out[o++] = alpha[digits[--nd]];
	out[o] = '\0';
	return HTQ_OK;
}

static int
base58_decode(const char *s, uint8_t *out, size_t outsz, size_t *outlen)
{
	static const char alpha[] =
	    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	uint8_t bytes[128];
	size_t i, j, nb = 0, zeros = 0, n = strlen(s);
	const char *p;
	unsigned carry;

	if (n > 160)
		return HTQ_EFORMAT;
	while (zeros < n && s[zeros] == '1')
		zeros++;
	for (i = zeros; i < n; i++) {
		if (s[i] == '\0' || (p = strchr(alpha, s[i])) == NULL)
			return HTQ_EFORMAT;
		carry = (unsigned)(p - alpha);
		for (j = 0; j < nb; j++) {
			carry += (unsigned)bytes[j] * 58;
			bytes[j] = (uint8_t)carry;
			carry >>= 8;
		}
		while (carry > 0) {
			if (nb >= sizeof(bytes))
				return HTQ_EFORMAT;
			bytes[nb++] = (uint8_t)carry;
			carry >>= 8;
		}
	}
	if (zeros + nb > outsz)
		return HTQ_EFORMAT;
	memset(out, 0, zeros);
	for (i = 0; i < nb; i++)
		out[zeros + i] = bytes[nb - 1 - i];
	*outlen = zeros + nb;
	return HTQ_OK;
}

/* --- the key --------------------------------------------------------- */

int
htq_ckey_generate(const char *path)
{
	uint8_t seed[crypto_sign_SEEDBYTES];
	char hex[2 * sizeof(seed) + 2];
	int fd, ok;

	if (sodium_init() < 0)
		return HTQ_ECRYPTO;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) <
	    0)
		return errno == EEXIST ? HTQ_EEXIST : HTQ_EIO;
	randombytes_buf(seed, sizeof(seed));
	sodium_bin2hex(hex, sizeof(hex) - 1, seed, sizeof(seed));
	hex[2 * sizeof(seed)] = '\n';
	ok = write(fd, hex, 2 * sizeof(seed) + 1) ==
	    (ssize_t)(2 * sizeof(seed) + 1) && fsync(fd) == 0;
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(hex, sizeof(hex));
	if (close(fd) != 0 || !ok) {
		unlink(path);
		return HTQ_EIO;
	}
	return HTQ_OK;
}

void
htq_ckey_free(struct htq_ckey *k)
{
	if (k->sk != NULL)
		sodium_free(k->sk);
	k->sk = NULL;
}

int
htq_ckey_load(const char *path, struct htq_ckey *k)
{
	uint8_t *seed = NULL, mc[2 + crypto_sign_PUBLICKEYBYTES];
	char *hex = NULL, mb[72];
	struct stat st;
	ssize_t n;
	size_t bin;
	int fd, rc = HTQ_OK;

	memset(k, 0, sizeof(*k));
	if (sodium_init() < 0)
		return HTQ_ECRYPTO;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? HTQ_ENOTFOUND : HTQ_EIO;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return HTQ_EIO;
	}
	if (st.st_mode & 077) {
		close(fd);
		return HTQ_EPERM;
	}
	seed = sodium_malloc(crypto_sign_SEEDBYTES);
	hex = sodium_malloc(2 * crypto_sign_SEEDBYTES + 2);
	k->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (seed == NULL || hex == NULL || k->sk == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	n = read(fd, hex, 2 * crypto_sign_SEEDBYTES + 2);
	if (n < 2 * crypto_sign_SEEDBYTES || (n > 2 * crypto_sign_SEEDBYTES &&
	    (n != 2 * crypto_sign_SEEDBYTES + 1 ||
	    hex[2 * crypto_sign_SEEDBYTES] != '\n')) ||
	    sodium_hex2bin(seed, crypto_sign_SEEDBYTES, hex,
	    2 * crypto_sign_SEEDBYTES, NULL, &bin, NULL) != 0 ||
	    bin != crypto_sign_SEEDBYTES) {
		rc = HTQ_EFORMAT;
		goto out;
	}
	if (crypto_sign_seed_keypair(k->pk, k->sk, seed) != 0) {
		rc = HTQ_ECRYPTO;
		goto out;
	}
	/* did:key: multicodec ed25519-pub (0xed 0x01) and the key */
	mc[0] = 0xed;
	mc[1] = 0x01;
	memcpy(mc + 2, k->pk, sizeof(k->pk));
	if ((rc = htq_base58btc(mc, sizeof(mc), mb, sizeof(mb))) != HTQ_OK)
		goto out;
	snprintf(k->did, sizeof(k->did), "did:key:%s", mb);
	snprintf(k->vm, sizeof(k->vm), "%s#%s", k->did, mb);
out:
	close(fd);
	if (seed != NULL)
		sodium_free(seed);
	if (hex != NULL)
		sodium_free(hex);
	if (rc != HTQ_OK)
		htq_ckey_free(k);
	return rc;
}

/* --- Data Integrity, eddsa-jcs-2022 ---------------------------------- */

/* SHA-256(JCS(proof options)) || SHA-256(JCS(document without proof)). */
static int
di_hash(const json_t *doc, const json_t *opts, uint8_t h[64])
{
	json_t *d;
	char *t;
	size_t n;
	int rc;

	if ((rc = htq_jcs(opts, &t, &n)) != HTQ_OK)
		return rc;
	crypto_hash_sha256(h, (const unsigned char *)t, n);
	free(t);
	if ((d = json_copy((json_t *)doc)) == NULL)
		return HTQ_ENOMEM;
	json_object_del(d, "proof");
	rc = htq_jcs(d, &t, &n);
	json_decref(d);
	if (rc != HTQ_OK)
		return rc;
	crypto_hash_sha256(h + 32, (const unsigned char *)t, n);
	free(t);
	return HTQ_OK;
}

int
htq_di_sign(json_t *doc, const struct htq_ckey *k, const char *created)
{
	uint8_t h[64], sig[crypto_sign_BYTES];
	char pv[2 * crypto_sign_BYTES + 2];
	json_t *proof, *ctx;
	int rc;

	if (!json_is_object(doc) || json_object_get(doc, "proof") != NULL ||
	    k->sk == NULL)
		return HTQ_EINVAL;
	proof = json_pack("{s:s,s:s,s:s,s:s}", "type", "DataIntegrityProof",
	    "cryptosuite", "eddsa-jcs-2022", "verificationMethod", k->vm,
	    "proofPurpose", "assertionMethod");
	if (proof == NULL)
		return HTQ_ENOMEM;
	if (created != NULL)
		json_object_set_new(proof, "created", json_string(created));
	/* the proof options carry the document's @context (the suite's
	 * "Proof Configuration" step 2) */
	if ((ctx = json_object_get(doc, "@context")) != NULL)
		json_object_set_new(proof, "@context", json_deep_copy(ctx));
	if ((rc = di_hash(doc, proof, h)) != HTQ_OK) {
		json_decref(proof);
		return rc;
	}
	if (crypto_sign_detached(sig, NULL, h, sizeof(h), k->sk) != 0 ||
	    htq_base58btc(sig, sizeof(sig), pv, sizeof(pv)) != HTQ_OK) {
		json_decref(proof);
		return HTQ_ECRYPTO;
	}
	json_object_set_new(proof, "proofValue", json_string(pv));
	json_object_set_new(doc, "proof", proof);
	return HTQ_OK;
}

int
htq_di_verify(const json_t *doc, const uint8_t pk[32])
{
	const json_t *proof = json_object_get(doc, "proof");
	const char *pv = json_string_value(json_object_get(proof,
	    "proofValue"));
	uint8_t h[64], sig[crypto_sign_BYTES + 8];
	size_t n;
	json_t *opts;
	int rc;

	if (!json_is_object(proof) || pv == NULL || pv[0] != 'z' ||
	    base58_decode(pv + 1, sig, sizeof(sig), &n) != HTQ_OK ||
	    n != crypto_sign_BYTES)
		return HTQ_EFORMAT;
	if ((opts = json_copy((json_t *)proof)) == NULL)
		return HTQ_ENOMEM;
	json_object_del(opts, "proofValue");
	rc = di_hash(doc, opts, h);
	json_decref(opts);
	if (rc != HTQ_OK)
		return rc == HTQ_ENOMEM ? rc : HTQ_EFORMAT;
	return crypto_sign_verify_detached(sig, h, sizeof(h), pk) == 0 ?
	    HTQ_OK : HTQ_EVERIFY;
}

/* --- the documents --------------------------------------------------- */

static const char *
jstr(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(o, a);

	if (b != NULL)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : "";
}

static json_t *
issuer_ref(const char *base, const struct htq_ckey *k)
{
	char url[HTQ_MAX_URL + 32];

	snprintf(url, sizeof(url), "%s/issuer.json", base);
	return json_pack("{s:s,s:[s],s:s,s:s}", "id", k->did, "type",
	    "Profile", "name", HTQ_ISSUER_NAME, "url", url);
}

uint64_t
htq_status_list_bits(uint64_t size)
{
	return (size / HTQ_STATUS_LIST_BITS + 1) * HTQ_STATUS_LIST_BITS;
}

int
htq_credential_make(const json_t *bundle, const char *base,
    const char *origin, const struct htq_ckey *k, json_t **out)
{
	const json_t *m = json_object_get(bundle, "mark"),
	    *idx = json_object_get(bundle, "index");
	const json_t *lvl = json_object_get(json_object_get(m,
	    "qualification"), "level");
	const char *id = jstr(m, "id", NULL), *title = jstr(m,
	    "qualification", "title"), *body = jstr(m, "awarding_body",
	    "name"), *awarded = jstr(m, "awarded", NULL);
	char self[HTQ_MAX_URL + 128], page[HTQ_MAX_URL + 128],
	    bun[HTQ_MAX_URL + 128], list[HTQ_MAX_URL + 64],
	    sid[HTQ_MAX_URL + 96], ix[24], from[32], *desc = NULL,
	    *name = NULL, *ev = NULL;
	json_t *c = NULL, *iss;
	int rc = HTQ_ENOMEM;

	*out = NULL;
	if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
	    strlen(awarded) != 10 || id[0] == '\0')
		return HTQ_EFORMAT;
	snprintf(self, sizeof(self), "%s/marks/%s/credential.json", base, id);
	snprintf(page, sizeof(page), "%s/verify/%s", base, id);
	snprintf(bun, sizeof(bun), "%s/marks/%s/bundle.json", base, id);
	snprintf(list, sizeof(list), "%s/credentials/status.json", base);
	snprintf(ix, sizeof(ix), "%lld", (long long)json_integer_value(idx));
	snprintf(sid, sizeof(sid), "%s#%s", list, ix);
	snprintf(from, sizeof(from), "%sT00:00:00Z", awarded);
	if (asprintf(&name, "HTQ quality mark %s: %s", id, title) < 0)
		name = NULL;
	if (asprintf(&desc, "%s (level %lld), offered by %s, is approved as a "
	    "Higher Technical Qualification against occupational standard "
	    "%s %s (%s), route %s. Quality mark %s, awarded %s.", title,
	    json_is_integer(lvl) ? (long long)json_integer_value(lvl) : 0LL,
	    body, jstr(m, "standard", "ref"), jstr(m, "standard", "version"),
	    jstr(m, "standard", "title"), jstr(m, "route", NULL), id,
	    awarded) < 0)
		desc = NULL;
	if (asprintf(&ev, "The mark.awarded entry at index %s of the signed, "
	    "append-only ledger %s, with its signature, inclusion proof and a "
	    "signed checkpoint (and the mark.revoked entry if the mark was "
	    "revoked). Check it offline with 'htq-verify mark' or at %s.", ix,
	    origin, page) < 0)
		ev = NULL;
	if (name == NULL || desc == NULL || ev == NULL ||
	    (iss = issuer_ref(base, k)) == NULL)
		goto out;
	c = json_pack("{s:[s,s],s:s,s:[s,s],s:s,s:o,s:s,"
	    "s:{s:[s],s:[{s:s,s:s,s:s,s:b}],"
	    "s:{s:s,s:[s],s:s,s:s,s:s,s:s,s:{s:s}}},"
	    "s:[{s:s,s:[s],s:s,s:s}],"
	    "s:{s:s,s:s,s:s,s:s,s:s}}",
	    "@context", CTX_VC2, CTX_OB3,
	    "id", self,
	    "type", "VerifiableCredential", "OpenBadgeCredential",
	    "name", name,
	    "issuer", iss,
	    "validFrom", from,
	    "credentialSubject",
	    "type", "AchievementSubject",
	    "identifier", "type", "IdentityObject", "identityType", "name",
	    "identityHash", body, "hashed", 0,
	    "achievement", "id", page, "type", "Achievement",
	    "achievementType", "QualityAssuranceCredential",
	    "humanCode", id, "name", title, "description", desc,
	    "criteria", "narrative", "Approved through the HTQ approval "
	    "process: reviewed against the occupational standard's "
	    "knowledge, skills and behaviours and decided by an approver who "
	    "did not review it.",
	    "evidence", "id", bun, "type", "Evidence", "name",
	    "Ledger proof of the award", "narrative", ev,
	    "credentialStatus", "id", sid, "type", "BitstringStatusListEntry",
	    "statusPurpose", "revocation", "statusListIndex", ix,
	    "statusListCredential", list);
	if (c == NULL)
		goto out;
	if ((rc = htq_di_sign(c, k, from)) != HTQ_OK)
		goto out;
	*out = c;
	c = NULL;
out:
	json_decref(c);
	free(name);
	free(desc);
	free(ev);
	return rc;
}

/* gzip of bits (RFC 1952) then base64url without padding, "u" first. */
static int
encode_list(const uint8_t *bits, size_t n, char **out)
{
	z_stream z;
	uint8_t *gz;
	size_t cap = deflateBound(NULL, (uLong)n) + 64, b64;
	int zrc;

	*out = NULL;
	memset(&z, 0, sizeof(z));
	if ((gz = malloc(cap)) == NULL)
		return HTQ_ENOMEM;
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) !=
	    Z_OK) {
		free(gz);
		return HTQ_ENOMEM;
	}
	z.next_in = (Bytef *)bits;
	z.avail_in = (uInt)n;
	z.next_out = gz;
	z.avail_out = (uInt)cap;
	zrc = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (zrc != Z_STREAM_END) {
		free(gz);
		return HTQ_ENOMEM;
	}
	b64 = sodium_base64_ENCODED_LEN(z.total_out,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if ((*out = malloc(b64 + 1)) == NULL) {
		free(gz);
		return HTQ_ENOMEM;
	}
	(*out)[0] = 'u';
	sodium_bin2base64(*out + 1, b64, gz, z.total_out,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(gz);
	return HTQ_OK;
}

int
htq_status_list_make(const uint64_t *revoked, size_t n, uint64_t nbits,
    const char *base, const struct htq_ckey *k, json_t **out)
{
	char self[HTQ_MAX_URL + 64], subj[HTQ_MAX_URL + 80], *enc = NULL;
	uint8_t *bits;
	json_t *c = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (nbits == 0 || nbits % 8 != 0 || nbits > (uint64_t)1 << 32)
		return HTQ_EINVAL;
	if ((bits = calloc(1, (size_t)(nbits / 8))) == NULL)
		return HTQ_ENOMEM;
	for (i = 0; i < n; i++) {
		if (revoked[i] >= nbits) {
			free(bits);
			return HTQ_EINVAL;
		}
		/* index 0 is the first byte's most significant bit */
		bits[revoked[i] / 8] |= (uint8_t)(0x80 >> (revoked[i] % 8));
	}
	rc = encode_list(bits, (size_t)(nbits / 8), &enc);
	free(bits);
	if (rc != HTQ_OK)
		return rc;
	snprintf(self, sizeof(self), "%s/credentials/status.json", base);
	snprintf(subj, sizeof(subj), "%s#list", self);
	c = json_pack("{s:[s],s:s,s:[s,s],s:s,s:o,s:{s:s,s:s,s:s,s:s}}",
	    "@context", CTX_VC2, "id", self, "type", "VerifiableCredential",
	    "BitstringStatusListCredential", "name",
	    "Revoked HTQ quality marks", "issuer", issuer_ref(base, k),
	    "credentialSubject", "id", subj, "type", "BitstringStatusList",
	    "statusPurpose", "revocation", "encodedList", enc);
	free(enc);
	if (c == NULL)
		return HTQ_ENOMEM;
	if ((rc = htq_di_sign(c, k, NULL)) != HTQ_OK) {
		json_decref(c);
		return rc;
	}
	*out = c;
	return HTQ_OK;
}

int
htq_issuer_profile(const char *base, const struct htq_ckey *k, json_t **out)
{
	char url[HTQ_MAX_URL + 8], desc[512];

	snprintf(url, sizeof(url), "%s/", base);
	snprintf(desc, sizeof(desc), "Issues every HTQ quality mark as an "
	    "Open Badges 3.0 credential, signed with a Data Integrity proof "
	    "(eddsa-jcs-2022) by the Ed25519 key of %s. Revocations are in "
	    "%s/credentials/status.json.", k->did, base);
	*out = json_pack("{s:[s,s],s:s,s:[s],s:s,s:s,s:s}", "@context",
	    CTX_VC2, CTX_OB3, "id", k->did, "type", "Profile", "name",
	    HTQ_ISSUER_NAME, "url", url, "description", desc);
	return *out == NULL ? HTQ_ENOMEM : HTQ_OK;
}
