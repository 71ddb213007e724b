/*
 * fuzz_cosign.c - fuzz the log side of witness cosignatures: the witness
 * list (core/publish/cosign.c htq_witnesses_parse), a witness's HTTP
 * answer (htq_http_answer_parse), the merge of cosignature lines into the
 * published checkpoint (htq_cosig_merge) and the cosignature ages
 * /metrics reads off that checkpoint (fcgi/metrics.c).
 *
 * The first byte picks the parser; the rest is its input, bounded only
 * by the fuzzer's -max_len (the runner uses 65536, four times the
 * witness list's HTQ_WITNESSES_MAX and eight times an answer's
 * HTQ_COSIGN_MAX_ANSWER), so every limit is driven past.  Properties
 * checked beyond "no crash":
 *  - a list accepted keeps every limit: 1..HTQ_MAX_WITNESSES witnesses,
 *    a quorum between 1 and their number, max_age within its bounds, no
 *    name twice, each key id the one its key gives;
 *  - an answer accepted has a status of three digits and a body inside
 *    the buffer, exactly Content-Length long, ending the input;
 *  - a merge never adds a line that is not a valid cosignature of one of
 *    the listed witnesses over the note's body, and at most one per
 *    witness: the output starts with the note, byte for byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "aud.h"
#include "fcx.h"
#include "metrics.h"
#include "publish.h"

static struct htq_witnesses fixed;	/* two witnesses, keys known */
static struct aud_key *wkey[2], *logkey;
static char *note;			/* a log note of size 5 */
static size_t notelen, bodylen;

static void
init(void)
{
	static const char *const names[2] = { "w1.example", "w2.example" };
	char text[2048], vk[2][256], why[128];
	uint8_t seed[32];
	aud_hash root;
	char body[256];
	int n, i;

	if (sodium_init() < 0)
		abort();
	for (i = 0; i < 2; i++) {
		memset(seed, 7 + i, sizeof(seed));
		if (aud_key_from_seed(seed, names[i], &wkey[i]) != AUD_OK ||
		    aud_cosig_vkey_format(wkey[i], vk[i], sizeof(vk[i])) !=
		    AUD_OK)
			abort();
	}
	n = snprintf(text, sizeof(text), "witness %s http://127.0.0.1:1\n"
	    "witness %s http://127.0.0.1:2/p\nquorum 2\nmax_age 600\n",
	    vk[0], vk[1]);
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    htq_witnesses_parse(text, (size_t)n, &fixed, why, sizeof(why)) !=
	    HTQ_OK || fixed.n != 2)
		abort();
	memset(seed, 1, sizeof(seed));
	memset(root, 0x5a, sizeof(root));
	if (aud_key_from_seed(seed, "test.example/log", &logkey) != AUD_OK ||
	    aud_checkpoint_body("test.example/log", 5, root, body,
	    sizeof(body)) != AUD_OK ||
	    aud_note_sign(logkey, body, &note) != AUD_OK)
		abort();
	notelen = strlen(note);
	bodylen = strlen(body);
}

static void
check_list(const uint8_t *d, size_t n)
{
	struct htq_witnesses *ws = malloc(sizeof(*ws));
	char why[256];
	uint8_t kid[AUD_KID];
	size_t i, j;

	if (ws == NULL)
		abort();
	if (htq_witnesses_parse((const char *)d, n, ws, why, sizeof(why)) ==
	    HTQ_OK) {
		if (n > HTQ_WITNESSES_MAX || ws->n > HTQ_MAX_WITNESSES ||
		    (ws->n > 0 && (ws->quorum < 1 || ws->quorum > ws->n)) ||
		    ws->max_age < 1 || ws->max_age > HTQ_WITNESS_MAX_AGE_MAX)
			abort();
		for (i = 0; i < ws->n; i++) {
			aud_cosig_key_id(ws->w[i].name, ws->w[i].pk, kid);
			if (memcmp(kid, ws->w[i].kid, AUD_KID) != 0)
				abort();
			for (j = 0; j < i; j++)
				if (strcmp(ws->w[i].name, ws->w[j].name) == 0)
					abort();
		}
	} else if (memchr(why, '\0', sizeof(why)) == NULL)
		abort();
	free(ws);
}

static void
check_answer(const uint8_t *d, size_t n)
{
	const char *body;
	size_t blen;
	int status;

	if (htq_http_answer_parse((const char *)d, n, &status, &body,
	    &blen) != HTQ_OK)
		return;
	if (status < 100 || status > 999 || body < (const char *)d ||
	    body + blen != (const char *)d + n)
		abort();
}

/* The input is the pool of lines; cosignatures made here are mixed in so
 * that valid ones reach the checks. */
static void
check_merge(const uint8_t *d, size_t n)
{
	char line[2][512], *pool, *out = NULL;
	size_t plen, outlen, off, len, got[2] = { 0, 0 };
	uint64_t ts;
	int i, k;

	for (i = 0; i < 2; i++)
		if (aud_cosign(wkey[i], note, bodylen, 1700000000 +
		    (n > 0 ? d[0] : 0) + (uint64_t)i, line[i],
		    sizeof(line[i])) != AUD_OK)
			abort();
	plen = n + strlen(line[0]) + strlen(line[1]);
	if ((pool = malloc(plen + 1)) == NULL)
		abort();
	off = 0;
	if (n > 0 && (d[0] & 1)) {
		memcpy(pool, line[0], strlen(line[0]));
		off = strlen(line[0]);
	}
	memcpy(pool + off, d, n);
	off += n;
	if (n == 0 || !(d[0] & 1)) {
		memcpy(pool + off, line[0], strlen(line[0]));
		off += strlen(line[0]);
	}
	if (n > 0 && (d[0] & 2)) {
		memcpy(pool + off, line[1], strlen(line[1]));
		off += strlen(line[1]);
	}
	if (htq_cosig_merge(&fixed, note, notelen, pool, off, &out,
	    &outlen) == HTQ_OK) {
		if (outlen < notelen || memcmp(out, note, notelen) != 0)
			abort();
		/* every added line verifies for one witness, once each */
		for (off = notelen; off < outlen; off += len + 1) {
			const char *nl = memchr(out + off, '\n', outlen - off);

			if (nl == NULL)
				abort();
			len = (size_t)(nl - (out + off));
			for (k = 0; k < 2; k++)
				if (aud_cosig_verify(out + off, len,
				    fixed.w[k].name, fixed.w[k].pk, note,
				    bodylen, &ts) == AUD_OK)
					break;
			if (k == 2 || got[k]++)
				abort();
		}
	}
	free(out);
	free(pool);
}

static void
count(void *ctx, const char *name, uint64_t t)
{
	(void)t;
	if (strlen(name) == 0)
		abort();
	++*(size_t *)ctx;
}

static void
check_ages(const uint8_t *d, size_t n)
{
	size_t calls = 0;

	if (fcx_metrics_cosignatures((const char *)d, n, count, &calls) !=
	    calls)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		init();
		ready = 1;
	}
	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0:
		check_list(data + 1, size - 1);
		break;
	case 1:
		check_answer(data + 1, size - 1);
		break;
	case 2:
		check_merge(data + 1, size - 1);
		break;
	default:
		check_ages(data + 1, size - 1);
		break;
	}
	return 0;
}
