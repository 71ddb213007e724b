/*
 * merkle_ref.h - RFC 6962 section 2.1 written as plainly as possible:
 * MTH, PATH and SUBPROOF over ref_leaves[], the reference the unit tests
 * compare the log's roots, proofs and tiles with.  Include it after
 * aud.h; point ref_leaves at the leaf hashes the reference is to read.
 */
#ifndef HTQ_MERKLE_REF_H
#define HTQ_MERKLE_REF_H

#include <string.h>

#include "aud.h"

static aud_hash *ref_leaves;	/* what the reference hashes */

/* The largest power of two smaller than n (n > 1). */
static inline uint64_t
ref_split(uint64_t n)
{
	uint64_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

/* MTH(D[lo:hi]) */
static inline void
ref_mth(uint64_t lo, uint64_t hi, aud_hash out)
{
	aud_hash a, b;
	uint64_t k;

	if (hi == lo) {
		aud_empty_root(out);
		return;
	}
	if (hi - lo == 1) {
		memcpy(out, ref_leaves[lo], AUD_HASH);
		return;
	}
	k = ref_split(hi - lo);
	ref_mth(lo, lo + k, a);
	ref_mth(lo + k, hi, b);
	aud_node_hash(a, b, out);
}

/* PATH(m, D[lo:hi]), appended to out[*n...] */
static inline void
ref_path(uint64_t m, uint64_t lo, uint64_t hi, aud_hash *out, size_t *n)
{
	uint64_t k;

	if (hi - lo <= 1)
		return;
	k = ref_split(hi - lo);
	if (m < k) {
		ref_path(m, lo, lo + k, out, n);
		ref_mth(lo + k, hi, out[(*n)++]);
	} else {
		ref_path(m - k, lo + k, hi, out, n);
		ref_mth(lo, lo + k, out[(*n)++]);
	}
}

/* SUBPROOF(m, D[lo:hi], b), appended to out[*n...] */
static inline void
ref_subproof(uint64_t m, uint64_t lo, uint64_t hi, int b, aud_hash *out,
    size_t *n)
{
	uint64_t k;

	if (m == hi - lo) {
		if (!b)
			ref_mth(lo, hi, out[(*n)++]);
		return;
	}
	k = ref_split(hi - lo);
	if (m <= k) {
		ref_subproof(m, lo, lo + k, b, out, n);
		ref_mth(lo + k, hi, out[(*n)++]);
	} else {
		ref_subproof(m - k, lo + k, hi, 0, out, n);
		ref_mth(lo, lo + k, out[(*n)++]);
	}
}

#endif /* HTQ_MERKLE_REF_H */
