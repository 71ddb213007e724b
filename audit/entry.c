/*
 * entry.c - canonical ledger entries and their signatures.
 *
 * An entry is compact JSON with fields in a fixed order:
 *   {"v":1,"seq":N,"time":"...Z","type":"...","actor":"...",
 *    "subject":"...","data":{...sorted keys...},"prev":"<64 hex>",
 *    "kid":"<8 hex>"}
 * The bytes are the entry: verifiers hash what they receive.
 */
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

int
aud_entry_encode(uint64_t seq, const char *time, const char *type,
    const char *actor, const char *subject, const json_t *data,
    const aud_hash prev, const uint8_t kid[AUD_KID], char **out, size_t *len)
{
	char prevhex[2 * AUD_HASH + 1], kidhex[2 * AUD_KID + 1], *d = NULL;
	json_t *sorted = NULL, *e = NULL;
	int rc = AUD_ENOMEM;

	*out = NULL;
	if (data != NULL && !json_is_object(data))
		return AUD_EINVAL;
	if (strlen(type) >= sizeof(((struct aud_entry_head *)0)->type) ||
	    strchr(type, '"') != NULL || strchr(type, '\\') != NULL)
		return AUD_EINVAL;
	/* data with its keys sorted at every level: dump sorted, reload
	 * (Jansson keeps the order it parsed). */
	d = data ? json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS) :
	    strdup("{}");
	if (d == NULL || (sorted = json_loads(d, 0, NULL)) == NULL)
		goto out;
	sodium_bin2hex(prevhex, sizeof(prevhex), prev, AUD_HASH);
	sodium_bin2hex(kidhex, sizeof(kidhex), kid, AUD_KID);
	e = json_pack("{s:i,s:I,s:s,s:s,s:s,s:s,s:O,s:s,s:s}", "v", 1,
	    "seq", (json_int_t)seq, "time", time, "type", type, "actor", actor,
	    "subject", subject, "data", sorted, "prev", prevhex, "kid", kidhex);
	if (e == NULL)
		goto out;
	if ((*out = json_dumps(e, JSON_COMPACT)) == NULL)
		goto out;
	*len = strlen(*out);
	rc = AUD_OK;
	if (*len > AUD_MAX_ENTRY) {
		free(*out);
		*out = NULL;
		rc = AUD_ETOOBIG;
	}
out:
	free(d);
	json_decref(sorted);
	json_decref(e);
	return rc;
}

/* Ed25519 over the context string followed by the entry; verified
 * right after signing. */
int
aud_entry_sign(const struct aud_key *k, const char *entry, size_t len,
    uint8_t sig[AUD_SIG])
{
	static const size_t clen = sizeof(AUD_ENTRY_CONTEXT) - 1;
	uint8_t *msg;
	int rc = AUD_OK;

	if ((msg = malloc(clen + len)) == NULL)
		return AUD_ENOMEM;
	memcpy(msg, AUD_ENTRY_CONTEXT, clen);
	memcpy(msg + clen, entry, len);
	crypto_sign_detached(sig, NULL, msg, clen + len, k->sk);
	/* a signature is checked right after it is made */
	if (crypto_sign_verify_detached(sig, msg, clen + len, k->pk) != 0)
		rc = AUD_ECRYPTO;
	free(msg);
	return rc;
}

int
aud_entry_verify(const uint8_t pk[AUD_PK], const char *entry, size_t len,
    const uint8_t sig[AUD_SIG])
{
	static const size_t clen = sizeof(AUD_ENTRY_CONTEXT) - 1;
	uint8_t stackbuf[2048], *msg = stackbuf;
	int rc;

	if (clen + len > sizeof(stackbuf) &&
	    (msg = malloc(clen + len)) == NULL)
		return AUD_ENOMEM;
	memcpy(msg, AUD_ENTRY_CONTEXT, clen);
	memcpy(msg + clen, entry, len);
	rc = crypto_sign_verify_detached(sig, msg, clen + len, pk) == 0 ?
	    AUD_OK : AUD_EVERIFY;
	if (msg != stackbuf)
		free(msg);
	return rc;
}

/*
 * Read seq, type, prev and kid from a canonical entry by position.  The
 * prefix is {"v":1,"seq":N,"time":"<20 chars>","type":"T", and the
 * suffix ,"prev":"<64 hex>","kid":"<8 hex>"} has a fixed length.
 */
int
aud_entry_head(const char *e, size_t len, struct aud_entry_head *out,
    char *why, size_t whysz)
{
	static const char pre[] = "{\"v\":1,\"seq\":";
	static const char tail1[] = ",\"prev\":\"";
	static const char tail2[] = "\",\"kid\":\"";
	const size_t suffix = sizeof(tail1) - 1 + 2 * AUD_HASH +
	    sizeof(tail2) - 1 + 2 * AUD_KID + 2;
	const char *p, *s, *q;
	size_t hlen;
	uint64_t seq = 0;
	int digits = 0;

	if (len < sizeof(pre) + suffix || memcmp(e, pre, sizeof(pre) - 1)) {
		snprintf(why, whysz, "not a version 1 ledger entry");
		return AUD_EFORMAT;
	}
	for (p = e + sizeof(pre) - 1; p < e + len && *p >= '0' && *p <= '9';
	    p++, digits++) {
		if (seq > (UINT64_MAX - 9) / 10 || (digits == 1 && seq == 0))
			goto bad;
		seq = seq * 10 + (uint64_t)(*p - '0');
	}
	if (digits == 0 || (size_t)(e + len - p) < 36 ||
	    memcmp(p, ",\"time\":\"", 9) != 0 ||
	    memcmp(p + 9 + 20, "\",\"type\":\"", 10) != 0)
		goto bad;
	p += 9 + 20 + 10;
	q = memchr(p, '"', (size_t)(e + len - p));
	if (q == NULL || (size_t)(q - p) >= sizeof(out->type))
		goto bad;
	memcpy(out->type, p, (size_t)(q - p));
	out->type[q - p] = '\0';
	s = e + len - suffix;
	if (memcmp(s, tail1, sizeof(tail1) - 1) != 0)
		goto bad;
	s += sizeof(tail1) - 1;
	if (sodium_hex2bin(out->prev, AUD_HASH, s, 2 * AUD_HASH, NULL, &hlen,
	    NULL) != 0 || hlen != AUD_HASH)
		goto bad;
	s += 2 * AUD_HASH;
	if (memcmp(s, tail2, sizeof(tail2) - 1) != 0)
		goto bad;
	s += sizeof(tail2) - 1;
	if (sodium_hex2bin(out->kid, AUD_KID, s, 2 * AUD_KID, NULL, &hlen,
	    NULL) != 0 || hlen != AUD_KID || memcmp(s + 2 * AUD_KID, "\"}", 2))
		goto bad;
	out->seq = seq;
	return AUD_OK;
bad:
	snprintf(why, whysz, "entry is not in canonical form");
	return AUD_EFORMAT;
}
