/*
 * fuzz_witness.c - fuzz htq-witness's parsers (audit/witness.c): the
 * HTTP request head, the add-checkpoint body and the whole
 * add-checkpoint path up to the state, and the configuration file.
 *
 * The first byte picks the parser.  A body the request parser accepts
 * is written back byte for byte from what it parsed (the form is
 * canonical: one way to write each request); the answer to any body is
 * one of the statuses tlog-witness allows.  The witness's state
 * directory is a closed descriptor, so nothing is ever written: a body
 * that gets as far as the state (the corpus has one, signed by the
 * log key below) is a 500.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "aud.h"

/* The log the witness trusts: seed 32 x 0x01, named test.example/log
 * (as tests/unit/test_witness.c); the witness key: seed 32 x 0x02. */
static struct aud_wit_config config;
static struct aud_witness wit;

static void
init(void)
{
	struct aud_key *logkey, *witkey;
	struct aud_vkey v;
	uint8_t seed[32];
	char text[512], vk[256], why[128];
	int n;

	if (sodium_init() < 0)
		abort();
	memset(seed, 1, sizeof(seed));
	if (aud_key_from_seed(seed, "test.example/log", &logkey) != AUD_OK)
		abort();
	memset(seed, 2, sizeof(seed));
	if (aud_key_from_seed(seed, "witness.example/w1", &witkey) != AUD_OK)
		abort();
	aud_key_public(logkey, &v);
	aud_key_free(logkey);
	if (aud_vkey_format(&v, vk, sizeof(vk)) != AUD_OK)
		abort();
	n = snprintf(text, sizeof(text), "name witness.example/w1\n"
	    "keyfile /nonexistent\norigin test.example/log\nkey %s\n", vk);
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    aud_wit_config_parse(text, (size_t)n, &config, why,
	    sizeof(why)) != AUD_OK)
		abort();
	wit.key = witkey;
	wit.config = &config;
	wit.statefd = -1;
}

/* The request written back from its parts equals the input. */
static void
check_request(const char *s, size_t size)
{
	struct aud_wit_req r;
	char why[160], b64[64], *back;
	size_t off, i;
	int n;

	if (aud_wit_req_parse(s, size, &r, why, sizeof(why)) != AUD_OK)
		return;
	if (r.nproof > AUD_WIT_MAX_PROOF || r.note < s ||
	    r.note + r.notelen != s + size || r.notelen == 0)
		abort();
	if ((back = malloc(size + 1)) == NULL)
		return;
	n = snprintf(back, size + 1, "old %llu\n", (unsigned long long)r.old);
	off = n > 0 ? (size_t)n : 0;
	for (i = 0; i < r.nproof && off + 46 <= size + 1; i++) {
		sodium_bin2base64(b64, sizeof(b64), r.proof[i], AUD_HASH,
		    sodium_base64_VARIANT_ORIGINAL);
		n = snprintf(back + off, size + 1 - off, "%s\n", b64);
		off += (size_t)n;
	}
	if (i != r.nproof || off + 1 + r.notelen != size)
		abort();
	back[off++] = '\n';
	memcpy(back + off, r.note, r.notelen);
	if (memcmp(back, s, size) != 0)
		abort();
	free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	struct aud_http_head h;
	struct aud_wit_answer a;
	static struct aud_wit_config c;
	char why[160];
	const char *s = (const char *)data + 1;
	size_t i;

	if (!inited) {
		init();
		inited = 1;
	}
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		if (aud_http_head_parse(s, size - 1, &h) == AUD_OK) {
			if (h.method[0] == '\0' || h.path[0] == '\0' ||
			    h.clen < -1 || h.clen > 9999999999LL)
				abort();
			for (i = 0; h.path[i] != '\0'; i++)
				if ((unsigned char)h.path[i] <= 0x20)
					abort();
		}
		break;
	case 1:
		check_request(s, size - 1);
		aud_witness_add(&wit, s, size - 1, 1700000000, &a);
		switch (a.status) {
		case 400: case 403: case 404: case 413: case 500:
			break;
		default:	/* 200, 409, 422 need the state */
			abort();
		}
		if (a.len >= sizeof(a.body) || a.body[a.len] != '\0')
			abort();
		break;
	default:
		if (aud_wit_config_parse(s, size - 1, &c, why, sizeof(why)) ==
		    AUD_OK && (c.nlogs == 0 || c.nlogs > AUD_WIT_MAX_LOGS ||
		    c.name[0] == '\0'))
			abort();
		break;
	}
	return 0;
}
