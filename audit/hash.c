/*
 * hash.c - RFC 6962 hashing, compact ranges and proof verification.
 *
 * The verification algorithms follow RFC 9162 sections 2.1.3.2 and
 * 2.1.4.2 step by step, so that they can be read side by side.
 */
#include <string.h>

#include <sodium.h>

#include "aud.h"

void
aud_leaf_hash(const void *data, size_t len, aud_hash out)
{
	crypto_hash_sha256_state st;
	static const uint8_t zero = 0x00;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &zero, 1);
	crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, out);
}

void
aud_node_hash(const aud_hash left, const aud_hash right, aud_hash out)
{
	uint8_t buf[1 + 2 * AUD_HASH];

	buf[0] = 0x01;
	memcpy(buf + 1, left, AUD_HASH);
	memcpy(buf + 1 + AUD_HASH, right, AUD_HASH);
	crypto_hash_sha256(out, buf, sizeof(buf));
}

void
aud_empty_root(aud_hash out)
{
	crypto_hash_sha256(out, (const uint8_t *)"", 0);
}

void
aud_range_init(struct aud_range *r)
{
	memset(r, 0, sizeof(*r));
}

/*
 * Push a leaf: like binary addition, merge the trailing perfect subtrees
 * of equal size (one per trailing 1 bit of the old size).
 */
void
aud_range_append(struct aud_range *r, const aud_hash leaf)
{
	uint64_t s;

	memcpy(r->h[r->n++], leaf, AUD_HASH);
	for (s = r->size; s & 1; s >>= 1) {
		aud_node_hash(r->h[r->n - 2], r->h[r->n - 1], r->h[r->n - 2]);
		r->n--;
	}
	r->size++;
}

/* The root folds the subtrees from the right (smallest) to the left. */
void
aud_range_root(const struct aud_range *r, aud_hash out)
{
	aud_hash acc;
	int i;

	if (r->n == 0) {
		aud_empty_root(out);
		return;
	}
	memcpy(acc, r->h[r->n - 1], AUD_HASH);
	for (i = r->n - 2; i >= 0; i--)
		aud_node_hash(r->h[i], acc, acc);
	memcpy(out, acc, AUD_HASH);
}

int
aud_verify_inclusion(uint64_t index, uint64_t size, const aud_hash leaf,
    const aud_hash *proof, size_t n, const aud_hash root)
{
	uint64_t fn, sn;
	aud_hash r;
	size_t i;

	if (index >= size)
		return AUD_EVERIFY;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, AUD_HASH);
	for (i = 0; i < n; i++) {
		if (sn == 0)
			return AUD_EVERIFY;
		if ((fn & 1) || fn == sn) {
			aud_node_hash(proof[i], r, r);
			if (!(fn & 1))
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else
			aud_node_hash(r, proof[i], r);
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || sodium_memcmp(r, root, AUD_HASH) != 0)
		return AUD_EVERIFY;
	return AUD_OK;
}

int
aud_verify_consistency(uint64_t m, uint64_t n, const aud_hash mroot,
    const aud_hash nroot, const aud_hash *proof, size_t k)
{
	uint64_t fn, sn;
	aud_hash fr, sr;
	size_t i = 0;

	if (m > n)
		return AUD_EVERIFY;
	if (m == 0) {
		/* The empty tree's root is SHA-256 of nothing; any other
		 * "root of size 0" is false, whatever extends it. */
		aud_empty_root(fr);
		if (sodium_memcmp(mroot, fr, AUD_HASH) != 0 || k != 0 ||
		    (n == 0 && sodium_memcmp(nroot, fr, AUD_HASH) != 0))
			return AUD_EVERIFY;
		return AUD_OK;
	}
	if (m == n)
		return k == 0 && sodium_memcmp(mroot, nroot, AUD_HASH) == 0 ?
		    AUD_OK : AUD_EVERIFY;
	if (k == 0)
		return AUD_EVERIFY;
	/* 1. an exact power of two: the old root is the first node */
	if ((m & (m - 1)) == 0) {
		memcpy(fr, mroot, AUD_HASH);
	} else
		memcpy(fr, proof[i++], AUD_HASH);
	memcpy(sr, fr, AUD_HASH);
	fn = m - 1;
	sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < k; i++) {
		if (sn == 0)
			return AUD_EVERIFY;
		if ((fn & 1) || fn == sn) {
			aud_node_hash(proof[i], fr, fr);
			aud_node_hash(proof[i], sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else
			aud_node_hash(sr, proof[i], sr);
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || sodium_memcmp(fr, mroot, AUD_HASH) != 0 ||
	    sodium_memcmp(sr, nroot, AUD_HASH) != 0)
		return AUD_EVERIFY;
	return AUD_OK;
}
