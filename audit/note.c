/*
 * note.c - signing keys, verifier keys and C2SP signed notes.
 *
 * Formats (C2SP signed-note, tlog-checkpoint; the same as Go's
 * golang.org/x/mod/sumdb/note):
 *   key id        SHA-256(name || "\n" || 0x01 || pk)[:4]
 *   verifier key  <name>+<hex key id>+<base64(0x01 || pk)>
 *   private key   PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>
 *   note          <text ending in \n> \n "— " <name> " " base64(kid||sig) \n
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "aud.h"

#define ALG_ED25519	0x01
#define EM_DASH		"\xe2\x80\x94 "	/* U+2014 and a space */
#define KEYFILE_MAX	512

void
aud_key_id(const char *name, const uint8_t pk[AUD_PK], uint8_t kid[AUD_KID])
{
	aud_key_id_alg(name, ALG_ED25519, pk, kid);
}

void
aud_key_id_alg(const char *name, uint8_t alg, const uint8_t pk[AUD_PK],
    uint8_t kid[AUD_KID])
{
	crypto_hash_sha256_state st;
	uint8_t h[AUD_HASH];
	const uint8_t sep[2] = { '\n', alg };

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
	crypto_hash_sha256_update(&st, sep, sizeof(sep));
	crypto_hash_sha256_update(&st, pk, AUD_PK);
	crypto_hash_sha256_final(&st, h);
	memcpy(kid, h, AUD_KID);
}

int
aud_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > AUD_MAX_ORIGIN)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] <= 0x20 || name[i] == '+' ||
		    (unsigned char)name[i] >= 0x7f)
			return 0;
	return 1;
}

int
aud_key_from_seed(const uint8_t seed[32], const char *name,
    struct aud_key **out)
{
	struct aud_key *k;

	*out = NULL;
	if (!aud_name_valid(name))
		return AUD_EINVAL;
	if ((k = sodium_malloc(sizeof(*k))) == NULL)
		return AUD_ENOMEM;
	memset(k, 0, sizeof(*k));
	crypto_sign_seed_keypair(k->pk, k->sk, seed);
	snprintf(k->name, sizeof(k->name), "%s", name);
	aud_key_id(k->name, k->pk, k->kid);
	sodium_mprotect_readonly(k);
	*out = k;
	return AUD_OK;
}

void
aud_key_free(struct aud_key *k)
{
	if (k != NULL)
		sodium_free(k);	/* wipes the memory */
}

void
aud_key_public(const struct aud_key *k, struct aud_vkey *out)
{
	memcpy(out->pk, k->pk, AUD_PK);
	memcpy(out->kid, k->kid, AUD_KID);
	snprintf(out->name, sizeof(out->name), "%s", k->name);
}

/* base64(0x01 || 32 bytes) */
static int
b64_key(const uint8_t raw[32], char *buf, size_t bufsz)
{
	uint8_t tmp[33];

	tmp[0] = ALG_ED25519;
	memcpy(tmp + 1, raw, 32);
	if (bufsz < sodium_base64_ENCODED_LEN(33,
	    sodium_base64_VARIANT_ORIGINAL))
		return AUD_ETOOBIG;
	sodium_bin2base64(buf, bufsz, tmp, sizeof(tmp),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(tmp, sizeof(tmp));
	return AUD_OK;
}

int
aud_vkey_format(const struct aud_vkey *v, char *buf, size_t bufsz)
{
	char hex[2 * AUD_KID + 1], b64[64];
	int n;

	sodium_bin2hex(hex, sizeof(hex), v->kid, AUD_KID);
	if (b64_key(v->pk, b64, sizeof(b64)) != AUD_OK)
		return AUD_ETOOBIG;
	n = snprintf(buf, bufsz, "%s+%s+%s", v->name, hex, b64);
	return n < 0 || (size_t)n >= bufsz ? AUD_ETOOBIG : AUD_OK;
}

/*
 * Split "<prefix><name>+<hexid>+<base64>" and check the id against the
 * key.  raw receives the 32 bytes after the algorithm byte.
 */
static int
parse_key_string(const char *s, char *name, size_t namesz, uint8_t raw[32],
    uint8_t kid[AUD_KID])
{
	const char *p1, *p2;
	uint8_t bin[40];
	size_t binlen, hexlen;

	/* names and hex ids have no '+'; base64 may */
	if ((p1 = strchr(s, '+')) == NULL || p1 == s ||
	    (size_t)(p1 - s) >= namesz || (p2 = strchr(p1 + 1, '+')) == NULL)
		return AUD_EFORMAT;
	memcpy(name, s, (size_t)(p1 - s));
	name[p1 - s] = '\0';
	if (!aud_name_valid(name) || p2 - p1 - 1 != 2 * AUD_KID)
		return AUD_EFORMAT;
	if (sodium_hex2bin(kid, AUD_KID, p1 + 1, 2 * AUD_KID, NULL, &hexlen,
	    NULL) != 0 || hexlen != AUD_KID)
		return AUD_EFORMAT;
	if (sodium_base642bin(bin, sizeof(bin), p2 + 1, strlen(p2 + 1), NULL,
	    &binlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    binlen != 33 || bin[0] != ALG_ED25519)
		return AUD_EFORMAT;
	memcpy(raw, bin + 1, 32);
	sodium_memzero(bin, sizeof(bin));
	return AUD_OK;
}

int
aud_vkey_parse(const char *s, struct aud_vkey *out)
{
	uint8_t want[AUD_KID];
	int rc;

	if ((rc = parse_key_string(s, out->name, sizeof(out->name), out->pk,
	    out->kid)) != AUD_OK)
		return rc;
	aud_key_id(out->name, out->pk, want);
	return memcmp(want, out->kid, AUD_KID) == 0 ? AUD_OK : AUD_EFORMAT;
}

int
aud_key_generate(const char *path, const char *name)
{
	uint8_t seed[32], pk[AUD_PK], sk[64], kid[AUD_KID];
	char b64[64], hex[2 * AUD_KID + 1], line[KEYFILE_MAX];
	int fd, n, rc = AUD_EIO;

	if (!aud_name_valid(name))
		return AUD_EINVAL;
	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	aud_key_id(name, pk, kid);
	sodium_bin2hex(hex, sizeof(hex), kid, AUD_KID);
	b64_key(seed, b64, sizeof(b64));
	n = snprintf(line, sizeof(line), "PRIVATE+KEY+%s+%s+%s\n", name, hex,
	    b64);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		rc = AUD_ETOOBIG;
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = errno == EEXIST ? AUD_EEXIST : AUD_EIO;
		goto out;
	}
	if (write(fd, line, (size_t)n) == n && fsync(fd) == 0)
		rc = AUD_OK;
	if (close(fd) != 0)
		rc = AUD_EIO;
	if (rc != AUD_OK)
		unlink(path);
out:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(b64, sizeof(b64));
	sodium_memzero(line, sizeof(line));
	return rc;
}

int
aud_key_load(const char *path, struct aud_key **out)
{
	static const char prefix[] = "PRIVATE+KEY+";
	struct stat st;
	char *buf = NULL, name[AUD_MAX_ORIGIN + 1];
	uint8_t seed[32], kid[AUD_KID];
	ssize_t n;
	int fd, rc = AUD_EFORMAT;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? AUD_ENOTFOUND : AUD_EIO;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return AUD_EIO;
	}
	if (st.st_mode & 077) {		/* readable by group or others */
		close(fd);
		return AUD_EPERM;
	}
	if ((buf = sodium_malloc(KEYFILE_MAX)) == NULL) {
		close(fd);
		return AUD_ENOMEM;
	}
	n = read(fd, buf, KEYFILE_MAX - 1);
	close(fd);
	if (n <= 0)
		goto out;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strncmp(buf, prefix, sizeof(prefix) - 1) != 0)
		goto out;
	if (parse_key_string(buf + sizeof(prefix) - 1, name, sizeof(name),
	    seed, kid) != AUD_OK)
		goto out;
	if ((rc = aud_key_from_seed(seed, name, out)) != AUD_OK)
		goto out;
	if (memcmp((*out)->kid, kid, AUD_KID) != 0) {
		aud_key_free(*out);
		*out = NULL;
		rc = AUD_EFORMAT;
	}
out:
	sodium_memzero(seed, sizeof(seed));
	sodium_free(buf);
	return rc;
}

int
aud_checkpoint_body(const char *origin, uint64_t size, const aud_hash root,
    char *buf, size_t bufsz)
{
	char b64[sodium_base64_ENCODED_LEN(AUD_HASH,
	    sodium_base64_VARIANT_ORIGINAL)];
	int n;

	sodium_bin2base64(b64, sizeof(b64), root, AUD_HASH,
	    sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(buf, bufsz, "%s\n%llu\n%s\n", origin,
	    (unsigned long long)size, b64);
	return n < 0 || (size_t)n >= bufsz ? AUD_ETOOBIG : AUD_OK;
}

int
aud_checkpoint_parse(const char *body, size_t len, char *origin,
    size_t originsz, uint64_t *size, aud_hash root)
{
	const char *p = body, *end = body + len, *nl;
	char num[24], b64[64];
	size_t rlen;
	char *e;

	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL ||
	    (size_t)(nl - p) >= originsz || nl == p)
		return AUD_EFORMAT;
	memcpy(origin, p, (size_t)(nl - p));
	origin[nl - p] = '\0';
	p = nl + 1;
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL ||
	    nl == p || (size_t)(nl - p) >= sizeof(num) ||
	    (*p == '0' && nl - p > 1))
		return AUD_EFORMAT;
	memcpy(num, p, (size_t)(nl - p));
	num[nl - p] = '\0';
	if (num[strspn(num, "0123456789")] != '\0')
		return AUD_EFORMAT;
	errno = 0;
	*size = strtoull(num, &e, 10);
	if (errno != 0)
		return AUD_EFORMAT;
	p = nl + 1;
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL ||
	    (size_t)(nl - p) >= sizeof(b64))
		return AUD_EFORMAT;
	memcpy(b64, p, (size_t)(nl - p));
	b64[nl - p] = '\0';
	if (sodium_base642bin(root, AUD_HASH, b64, strlen(b64), NULL, &rlen,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 || rlen != AUD_HASH)
		return AUD_EFORMAT;
	return AUD_OK;
}

int
aud_note_sign(const struct aud_key *k, const char *body, char **note)
{
	uint8_t blob[AUD_KID + AUD_SIG];
	char b64[sodium_base64_ENCODED_LEN(AUD_KID + AUD_SIG,
	    sodium_base64_VARIANT_ORIGINAL)];
	size_t blen = strlen(body), sz;
	int n;

	*note = NULL;
	if (blen == 0 || body[blen - 1] != '\n')
		return AUD_EINVAL;
	memcpy(blob, k->kid, AUD_KID);
	crypto_sign_detached(blob + AUD_KID, NULL, (const uint8_t *)body,
	    blen, k->sk);
	if (crypto_sign_verify_detached(blob + AUD_KID, (const uint8_t *)body,
	    blen, k->pk) != 0)
		return AUD_ECRYPTO;
	sodium_bin2base64(b64, sizeof(b64), blob, sizeof(blob),
	    sodium_base64_VARIANT_ORIGINAL);
	sz = blen + 1 + strlen(EM_DASH) + strlen(k->name) + 1 + strlen(b64) +
	    2;
	if ((*note = malloc(sz)) == NULL)
		return AUD_ENOMEM;
	n = snprintf(*note, sz, "%s\n%s%s %s\n", body, EM_DASH, k->name, b64);
	if (n < 0 || (size_t)n >= sz) {
		free(*note);
		*note = NULL;
		return AUD_ETOOBIG;
	}
	return AUD_OK;
}

/*
 * Base64 as Go's base64.StdEncoding decodes it (which note.Open uses):
 * the standard alphabet, padded to a multiple of 4, bits left over in
 * the last quantum ignored.  Returns the decoded length (bytes beyond
 * outsz are dropped) or -1.
 */
static long
b64_decode_go(const char *s, size_t n, uint8_t *out, size_t outsz)
{
	static const char alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, j, o = 0;
	uint32_t acc;
	int pad, v[4];
	const char *c;

	if (n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		pad = 0;
		for (j = 0; j < 4; j++) {
			if (s[i + j] == '=' && i + 4 == n && j >= 2) {
				pad++;
				v[j] = 0;
				continue;
			}
			if (pad || s[i + j] == '\0' ||
			    (c = strchr(alpha, s[i + j])) == NULL)
				return -1;
			v[j] = (int)(c - alpha);
		}
		acc = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		    (uint32_t)v[2] << 6 | (uint32_t)v[3];
		/* bytes past outsz are counted, not kept */
		if (o < outsz)
			out[o] = (uint8_t)(acc >> 16);
		o++;
		if (pad < 2 && o < outsz)
			out[o] = (uint8_t)(acc >> 8);
		o += pad < 2;
		if (pad < 1 && o < outsz)
			out[o] = (uint8_t)acc;
		o += pad < 1;
	}
	return (long)o;
}

size_t
aud_utf8_char(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
	size_t n, i;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, c = p[0] & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

/* Go's unicode.IsSpace. */
static int
unicode_space(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 ||
	    c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	    c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
	    c == 0x3000;
}

/* A signature name as note.Open wants it: non-empty, no space (Unicode),
 * no '+'.  (The whole note was already checked to be UTF-8.) */
static int
sig_name_valid(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p, *end = u + n;
	uint32_t c;
	size_t k;

	if (n == 0)
		return 0;
	while (u < end) {
		if ((k = aud_utf8_char(u, end, &c)) == 0 || unicode_space(c) ||
		    c == '+')
			return 0;
		u += k;
	}
	return 1;
}

struct sigline {
	const char	*name;
	size_t		 namelen;
	uint8_t		 blob[AUD_KID + AUD_SIG + 1];
	size_t		 bloblen;
};

/*
 * The C2SP signed-note grammar exactly as Go's note.Open applies it:
 * the whole note is UTF-8 with no control character but '\n'; the text
 * ends at the last "\n\n" (the first '\n' of it included); after it come
 * one or more lines, each ending in '\n', each "— " NAME " " BASE64 with
 * a valid name, non-empty base64 of at least 5 bytes; at most 100 lines.
 * Any other shape is malformed: the whole note is refused.
 */
static int
note_split(const char *note, size_t len, size_t *bodylen, const char **sigs,
    char *why, size_t whysz)
{
	const unsigned char *u = (const unsigned char *)note, *end = u + len;
	uint32_t c;
	size_t k;
	const char *p, *split = NULL;

	while (u < end) {
		if ((k = aud_utf8_char(u, end, &c)) == 0 || (c < 0x20 && c != '\n')) {
			snprintf(why, whysz, "malformed note (not UTF-8, or a "
			    "control character)");
			return AUD_EFORMAT;
		}
		u += k;
	}
	for (p = note; p + 1 < note + len; p++)
		if (p[0] == '\n' && p[1] == '\n')
			split = p;
	if (split == NULL || split + 2 >= note + len ||
	    note[len - 1] != '\n') {
		snprintf(why, whysz, "malformed note (no blank line followed "
		    "by signature lines)");
		return AUD_EFORMAT;
	}
	*bodylen = (size_t)(split - note) + 1;
	*sigs = split + 2;
	return AUD_OK;
}

static int
sig_parse(const char *p, const char *nl, struct sigline *sl)
{
	static const size_t dl = sizeof(EM_DASH) - 1;
	const char *sp;
	long n;

	if ((size_t)(nl - p) < dl || memcmp(p, EM_DASH, dl) != 0)
		return -1;
	p += dl;
	if ((sp = memchr(p, ' ', (size_t)(nl - p))) == NULL)
		return -1;	/* Go: chop finds no space, b64 is "" */
	sl->name = p;
	sl->namelen = (size_t)(sp - p);
	if (!sig_name_valid(p, sl->namelen) || nl - sp - 1 == 0)
		return -1;
	if ((n = b64_decode_go(sp + 1, (size_t)(nl - sp - 1), sl->blob,
	    sizeof(sl->blob))) < 0)
		return -1;
	if (n < 5)
		return -1;
	sl->bloblen = (size_t)n;	/* may exceed the buffer: then it is
					 * no Ed25519 signature */
	return 0;
}

int
aud_note_verify(const char *note, size_t len, const struct aud_vkey *keys,
    size_t nkeys, size_t *bodylen, size_t *which, char *why, size_t whysz)
{
	struct sigline sl, seen[AUD_MAX_NOTE_SIGS];
	const char *sigs, *p, *nl, *end = note + len;
	size_t i, j, nseen = 0, nsig = 0;
	int known, verified = 0, rc;

	if ((rc = note_split(note, len, bodylen, &sigs, why, whysz)) != AUD_OK)
		return rc;
	/* First the shape of every line: a malformed one spoils the note
	 * wherever it is. */
	for (p = sigs; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (++nsig > AUD_MAX_NOTE_SIGS) {
			snprintf(why, whysz, "malformed note (more than %d "
			    "signatures)", AUD_MAX_NOTE_SIGS);
			return AUD_EFORMAT;
		}
		if (sig_parse(p, nl, &sl) != 0) {
			snprintf(why, whysz, "malformed signature line %zu",
			    nsig);
			return AUD_EFORMAT;
		}
	}
	/* Then the signatures by keys we know (name and key id), the first
	 * one of each (name, id) only, as Go does; with colliding ids, each
	 * key with that id is tried. */
	for (p = sigs; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		sig_parse(p, nl, &sl);
		for (j = 0; j < nseen; j++)
			if (seen[j].namelen == sl.namelen &&
			    memcmp(seen[j].name, sl.name, sl.namelen) == 0 &&
			    memcmp(seen[j].blob, sl.blob, AUD_KID) == 0)
				break;
		if (j < nseen)
			continue;
		known = 0;
		for (i = 0; i < nkeys; i++) {
			if (strlen(keys[i].name) != sl.namelen ||
			    memcmp(keys[i].name, sl.name, sl.namelen) != 0 ||
			    memcmp(keys[i].kid, sl.blob, AUD_KID) != 0)
				continue;
			known = 1;
			if (sl.bloblen == AUD_KID + AUD_SIG &&
			    crypto_sign_verify_detached(sl.blob + AUD_KID,
			    (const uint8_t *)note, *bodylen, keys[i].pk) == 0) {
				if (!verified)
					*which = i;
				verified = 1;
				break;
			}
		}
		if (!known)
			continue;
		if (i == nkeys) {
			snprintf(why, whysz, "signature by %.*s does not "
			    "verify", (int)sl.namelen, sl.name);
			return AUD_EVERIFY;
		}
		seen[nseen++] = sl;
	}
	if (!verified) {
		snprintf(why, whysz, "signed by an unknown key");
		return AUD_EVERIFY;
	}
	return AUD_OK;
}
