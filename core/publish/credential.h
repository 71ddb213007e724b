/*
 * credential.h - every quality mark as an Open Badges 3.0 / W3C
 * Verifiable Credential (docs/credentials.md), signed with a Data
 * Integrity proof, cryptosuite eddsa-jcs-2022, and its revocation in a
 * Bitstring Status List credential signed the same way.
 */
#ifndef HTQ_CREDENTIAL_H
#define HTQ_CREDENTIAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sodium.h>

#include "htq.h"

/*
 * JSON Canonicalization Scheme (RFC 8785) of v into *out (malloc'd,
 * NUL-terminated, *len bytes).  Only the values our documents use are
 * accepted: objects, arrays, strings (valid UTF-8, any code point),
 * integers of magnitude at most 2^53 - 1 (which ECMAScript prints as
 * plain decimal digits), true, false and null.  A real number, a larger
 * integer or invalid UTF-8 is HTQ_EINVAL (nothing is rounded); nesting
 * deeper than HTQ_JCS_MAX_DEPTH is HTQ_ETOOBIG; HTQ_ENOMEM.
 */
int	 htq_jcs(const json_t *v, char **out, size_t *len);

/* "z" + base58btc of len bytes into out (outsz >= 2 * len + 2). */
int	 htq_base58btc(const uint8_t *in, size_t len, char *out, size_t outsz);

/* The credential signing key: Ed25519, its 32-byte seed in hex on one
 * line of keys/credential.key, mode 0600. */
struct htq_ckey {
	uint8_t		*sk;		/* sodium_malloc'd, 64 bytes */
	uint8_t		 pk[crypto_sign_PUBLICKEYBYTES];
	char		 did[96];	/* did:key:z6Mk... */
	char		 vm[176];	/* did#z6Mk...: the verification method */
};
/* Create path (O_EXCL, 0600) with a new key: HTQ_EEXIST, HTQ_EIO. */
int	 htq_ckey_generate(const char *path);
/* Load it: HTQ_ENOTFOUND (no file), HTQ_EPERM (readable by others),
 * HTQ_EFORMAT, HTQ_EIO, HTQ_ENOMEM. */
int	 htq_ckey_load(const char *path, struct htq_ckey *);
void	 htq_ckey_free(struct htq_ckey *);

/*
 * Add a DataIntegrityProof (eddsa-jcs-2022, proofPurpose assertionMethod,
 * the key's verification method, created when not NULL) to doc, which
 * must have no "proof".  Errors as htq_jcs, HTQ_ECRYPTO.
 */
int	 htq_di_sign(json_t *doc, const struct htq_ckey *, const char *created);
/* Check doc's proof against pk: HTQ_OK, HTQ_EVERIFY, HTQ_EFORMAT. */
int	 htq_di_verify(const json_t *doc, const uint8_t pk[32]);

/*
 * The documents (base: the public URL without a trailing '/').
 * htq_credential_make: the mark's OpenBadgeCredential from its bundle
 * (htq_mark_bundle), with the BitstringStatusListEntry at the award's
 * ledger index, pointing at its proof bundle; signed.
 * htq_status_list_make: the revocation list credential, bits set at the
 * given indexes (each < nbits), nbits a multiple of 8; signed.
 * htq_issuer_profile: the issuer's Profile (issuer.json).
 */
int	 htq_credential_make(const json_t *bundle, const char *base,
	    const char *origin, const struct htq_ckey *, json_t **out);
int	 htq_status_list_make(const uint64_t *revoked, size_t n, uint64_t nbits,
	    const char *base, const struct htq_ckey *, json_t **out);
int	 htq_issuer_profile(const char *base, const struct htq_ckey *,
	    json_t **out);
/* The status list's length for a log of size entries: a multiple of
 * HTQ_STATUS_LIST_BITS (the spec's minimum, 16 KiB of bits) above it. */
uint64_t htq_status_list_bits(uint64_t size);

#define HTQ_CREDENTIAL_NAME	"credential.key"
#define HTQ_ISSUER_NAME	"HTQ quality mark service"

#endif /* HTQ_CREDENTIAL_H */
