/*
 * fuzz_ledger.c - fuzz the verifier's parsers: canonical entries (the
 * fast parser against the decode-and-re-encode definition),
 * signed notes, checkpoint bodies, verifier key strings and verifier
 * policy files.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "aud.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct aud_vkey keys[1];
	static int init;
	struct aud_entry h;
	char why2[256];
	int fast, ref;
	struct aud_vkey vk;
	static struct aud_policy policy;
	char why[256], origin[AUD_MAX_ORIGIN + 1], *s;
	size_t blen, which;
	uint64_t csize;
	aud_hash root;

	if (!init) {
		if (sodium_init() < 0)
			abort();
		aud_vkey_parse("example.com/log+ad7fe150+"
		    "AfRuSbfpXmLPx4rtMjhyUHW3JDB7E6i8b/KOU+gA4ZRw", &keys[0]);
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
	free(s);
	return 0;
}
