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
	crypto_hash_sha256_state st;
	uint8_t h[AUD_HASH];
	static const uint8_t sep[2] = { '\n', ALG_ED25519 };

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

int
aud_note_verify(const char *note, size_t len, const struct aud_vkey *keys,
    size_t nkeys, size_t *bodylen, size_t *which, char *why, size_t whysz)
{
	const char *sep = NULL, *p, *end = note + len, *nl, *sp;
	uint8_t blob[AUD_KID + AUD_SIG + 8];
	char name[AUD_MAX_ORIGIN + 1], b64[128];
	size_t i, blen, nlen;
	int unknown = 0;

	/* the signatures follow the last blank line */
	for (p = note; p + 1 < end; p++)
		if (p[0] == '\n' && p[1] == '\n')
			sep = p;
	if (sep == NULL || len == 0 || note[len - 1] != '\n') {
		snprintf(why, whysz, "not a signed note (no blank line before "
		    "the signatures)");
		return AUD_EFORMAT;
	}
	*bodylen = (size_t)(sep - note) + 1;
	for (p = sep + 2; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (strncmp(p, EM_DASH, strlen(EM_DASH)) != 0) {
			snprintf(why, whysz, "malformed signature line");
			return AUD_EFORMAT;
		}
		p += strlen(EM_DASH);
		sp = memchr(p, ' ', (size_t)(nl - p));
		if (sp == NULL || (nlen = (size_t)(sp - p)) >= sizeof(name) ||
		    (size_t)(nl - sp - 1) >= sizeof(b64)) {
			snprintf(why, whysz, "malformed signature line");
			return AUD_EFORMAT;
		}
		memcpy(name, p, nlen);
		name[nlen] = '\0';
		memcpy(b64, sp + 1, (size_t)(nl - sp - 1));
		b64[nl - sp - 1] = '\0';
		if (sodium_base642bin(blob, sizeof(blob), b64, strlen(b64), NULL,
		    &blen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    blen != AUD_KID + AUD_SIG) {
			unknown = 1;
			continue;
		}
		for (i = 0; i < nkeys; i++) {
			if (strcmp(keys[i].name, name) != 0 ||
			    memcmp(keys[i].kid, blob, AUD_KID) != 0)
				continue;
			if (crypto_sign_verify_detached(blob + AUD_KID,
			    (const uint8_t *)note, *bodylen, keys[i].pk) != 0) {
				snprintf(why, whysz, "signature by %s does not "
				    "verify", name);
				return AUD_EVERIFY;
			}
			*which = i;
			return AUD_OK;
		}
		unknown = 1;
	}
	snprintf(why, whysz, "%s", unknown ? "signed by an unknown key" :
	    "no signatures");
	return AUD_EVERIFY;
}
