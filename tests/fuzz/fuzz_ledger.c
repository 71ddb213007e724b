/*
 * fuzz_ledger.c - fuzz the verifier's parsers: canonical entries (the
 * fast parser against the decode-and-re-encode definition),
 * signed notes, checkpoint bodies, verifier key strings, verifier
 * policy files (witness, quorum and max_age lines included), witness
 * keys, and the witness rule (aud_policy_cosigned) on the input as a
 * cosigned checkpoint under a fixed two-witness policy.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "aud.h"

/* A policy with two witnesses (seeds 1 and 2), quorum 1, max_age 600;
 * the time of the rule is fixed, so runs are reproducible. */
#define FUZZ_NOW	1800000000ULL

static void
witness_policy(struct aud_policy *wp)
{
	static const uint8_t s1[32] = { 1 }, s2[32] = { 2 };
	struct aud_key *k1, *k2;
	char v1[300], v2[300], text[1024], why[256];

	if (aud_key_from_seed(s1, "w1.example/w", &k1) != AUD_OK ||
	    aud_key_from_seed(s2, "w2.example/w", &k2) != AUD_OK ||
	    aud_cosig_vkey_format(k1, v1, sizeof(v1)) != AUD_OK ||
	    aud_cosig_vkey_format(k2, v2, sizeof(v2)) != AUD_OK)
		abort();
	snprintf(text, sizeof(text), "origin example.com/log\nkey "
	    "example.com/log+ad7fe150+AfRuSbfpXmLPx4rtMjhyUHW3JDB7E6i8b/KOU+"
	    "gA4ZRw\nwitness %s\nwitness %s\nquorum 1\nmax_age 600\n", v1, v2);
	if (aud_policy_parse(text, strlen(text), wp, why, sizeof(why)) !=
	    AUD_OK)
		abort();
	aud_key_free(k1);
	aud_key_free(k2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct aud_vkey keys[1];
	static int init;
	struct aud_entry h;
	char why2[256];
	int fast, ref;
	struct aud_vkey vk;
	static struct aud_policy policy, wp;
	uint64_t when;
	char why[256], origin[AUD_MAX_ORIGIN + 1], *s;
	size_t blen, which;
	uint64_t csize;
	aud_hash root;

	if (!init) {
		if (sodium_init() < 0)
			abort();
		aud_vkey_parse("example.com/log+ad7fe150+"
		    "AfRuSbfpXmLPx4rtMjhyUHW3JDB7E6i8b/KOU+gA4ZRw", &keys[0]);
		witness_policy(&wp);
		init = 1;
	}
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* the one-pass parser and the definition (decode, re-encode,
	 * compare) must always agree */
	fast = aud_entry_parse(s, size, &h, why, sizeof(why));
	ref = aud_entry_check_reference(s, size, why2, sizeof(why2));
	if ((fast == AUD_OK) != (ref == AUD_OK))
		abort();
	if (aud_note_verify(s, size, keys, 1, &blen, &which, why,
	    sizeof(why)) == AUD_OK || size > 0)
		(void)aud_checkpoint_parse(s, size, origin, sizeof(origin),
		    &csize, root);
	(void)aud_vkey_parse(s, &vk);
	(void)aud_policy_parse(s, size, &policy, why, sizeof(why));
	(void)aud_cosig_vkey_parse(s, &vk);
	if (aud_policy_cosigned(&wp, s, size, FUZZ_NOW, &when, why,
	    sizeof(why)) == AUD_OK && (when + 600 < FUZZ_NOW ||
	    when > FUZZ_NOW + AUD_COSIG_SKEW))
		abort();	/* a time outside the window was accepted */
	free(s);
	return 0;
}
