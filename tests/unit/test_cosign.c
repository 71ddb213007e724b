/*
 * test_cosign.c - the log's side of witness cosignatures
 * (core/publish/cosign.c): the witness list parser, the HTTP answer
 * parser of the client, and which cosignature lines a checkpoint keeps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "publish.h"
#include "aud.h"
#include "t.h"

#define W1	"w1.example"
#define W2	"w2.example"

static struct aud_key *k1, *k2, *logkey;
static char v1[256], v2[256];
static struct htq_witnesses ws;
static char why[512];

static void
setup(void)
{
	uint8_t seed[32];

	if (k1 != NULL)
		return;
	T_ASSERT(sodium_init() >= 0);
	memset(seed, 1, sizeof(seed));
	T_EQ(aud_key_from_seed(seed, W1, &k1), AUD_OK);
	memset(seed, 2, sizeof(seed));
	T_EQ(aud_key_from_seed(seed, W2, &k2), AUD_OK);
	memset(seed, 3, sizeof(seed));
	T_EQ(aud_key_from_seed(seed, "log.example/l", &logkey), AUD_OK);
	T_EQ(aud_cosig_vkey_format(k1, v1, sizeof(v1)), AUD_OK);
	T_EQ(aud_cosig_vkey_format(k2, v2, sizeof(v2)), AUD_OK);
}

static int
parse(const char *text)
{
	return htq_witnesses_parse(text, strlen(text), &ws, why, sizeof(why));
}

static void
test_list_good(void)
{
	char text[2048];

	snprintf(text, sizeof(text), "# two\n\nwitness %s http://127.0.0.1:8451\n"
	    "witness %s http://w2.example/tlog/\nmax_age 600\n", v1, v2);
	T_EQ(parse(text), HTQ_OK);
	T_EQ(ws.n, 2);
	T_EQ(ws.quorum, 2);		/* default: all */
	T_EQ(ws.max_age, 600);
	T_STREQ(ws.w[0].name, W1);
	T_MEMEQ(ws.w[0].pk, k1->pk, 32);
	T_STREQ(ws.w[0].host, "127.0.0.1");
	T_STREQ(ws.w[0].port, "8451");
	T_STREQ(ws.w[0].path, "/add-checkpoint");
	T_STREQ(ws.w[1].port, "80");
	T_STREQ(ws.w[1].path, "/tlog/add-checkpoint");
	T_STREQ(ws.w[1].vkey, v2);
	snprintf(text, sizeof(text), "witness %s http://a:1\nquorum 1\n", v1);
	T_EQ(parse(text), HTQ_OK);
	T_EQ(ws.quorum, 1);
	T_EQ(ws.max_age, HTQ_WITNESS_MAX_AGE);
	T_EQ(parse(""), HTQ_OK);
	T_EQ(ws.n, 0);
}

/* text is refused, why naming want. */
static void
refused(const char *text, const char *want)
{
	int rc = parse(text);

	if (rc == HTQ_OK || strstr(why, want) == NULL)
		T_FAILF("%s: rc %d, why \"%s\", wanted \"%s\"", text, rc, why,
		    want);
}

static void
test_list_refused(void)
{
	char text[HTQ_WITNESSES_MAX + 4096], bad[512];
	size_t i, o;

	snprintf(text, sizeof(text), "quorum 1\n");
	refused(text, "need witness lines");
	snprintf(text, sizeof(text), "witness %s http://a:1\nquorum 2\n", v1);
	refused(text, "quorum 2 is more than the 1");
	snprintf(text, sizeof(text), "witness %s http://a:1\nquorum 0\n", v1);
	refused(text, "line 2: is not one quorum");
	snprintf(text, sizeof(text), "witness %s http://a:1\nquorum 01\n", v1);
	refused(text, "line 2:");
	snprintf(text, sizeof(text), "witness %s http://a:1\nmax_age 31536001\n",
	    v1);
	refused(text, "line 2: is not one max_age");
	snprintf(text, sizeof(text), "#\nwitness %s http://a:1\nwitness %s "
	    "http://b:1\n", v1, v1);
	refused(text, "line 3: names a witness a second time");
	snprintf(text, sizeof(text), "witness %s https://a:1\n", v1);
	refused(text, "line 1: has an address");
	snprintf(text, sizeof(text), "witness %s http://a:99999\n", v1);
	refused(text, "line 1: has an address");
	snprintf(text, sizeof(text), "witness %s http://a b\n", v1);
	refused(text, "line 1: is not \"witness");
	snprintf(text, sizeof(text), "witness %s\n", v1);
	refused(text, "line 1: is not \"witness");
	/* a key id that is not the key's */
	snprintf(bad, sizeof(bad), "%s", v1);
	bad[strlen(W1) + 1] = bad[strlen(W1) + 1] == '0' ? '1' : '0';
	snprintf(text, sizeof(text), "witness %s http://a:1\n", bad);
	refused(text, "line 1: has a key id that is not the key's");
	/* a log key (type 0x01) is no cosignature key */
	snprintf(text, sizeof(text), "witness %s+00000000+AQEBAQEBAQEBAQEBAQEB"
	    "AQEBAQEBAQEBAQEBAQEBAQEBAQEB http://a:1\n", W1);
	refused(text, "line 1: is not a cosignature/v1 key");
	refused("witness x http://a:1\n", "line 1: is not <name>");
	refused("origin x\n", "line 1: has an unknown keyword");
	refused("witness\n", "line 1: is not \"keyword value\"");
	refused("# no newline", "line 1: does not end in a newline");
	refused("#\x01\n", "line 1: a control character");
	/* seventeen witnesses */
	for (i = 0, o = 0; i < 17; i++) {
		struct aud_key *k;
		uint8_t seed[32];
		char name[32], vk[256];

		memset(seed, (int)(10 + i), sizeof(seed));
		snprintf(name, sizeof(name), "w%zu.example", i);
		T_EQ(aud_key_from_seed(seed, name, &k), AUD_OK);
		T_EQ(aud_cosig_vkey_format(k, vk, sizeof(vk)), AUD_OK);
		aud_key_free(k);
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "witness %s http://a:%zu\n", vk, i + 1);
	}
	refused(text, "line 17: is one witness too many");
	/* a line too long, a file too large */
	memset(text, '#', HTQ_WITNESSES_LINE + 1);
	text[HTQ_WITNESSES_LINE + 1] = '\n';
	text[HTQ_WITNESSES_LINE + 2] = '\0';
	refused(text, "line 1: longer than 1024 bytes");
	T_EQ(parse(text), HTQ_ETOOBIG);
	for (i = 0; i < HTQ_WITNESSES_MAX; i += 10)
		memcpy(text + i, "#23456789\n", 10);
	text[i] = '\0';
	refused(text, "larger than");
}

static int
answer(const char *s, int *status, const char **body, size_t *len)
{
	return htq_http_answer_parse(s, strlen(s), status, body, len);
}

static void
test_http_answer(void)
{
	const char *body;
	size_t len;
	int status;

	T_EQ(answer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 4\r\nConnection: close\r\n\r\nabc\n", &status,
	    &body, &len), HTQ_OK);
	T_EQ(status, 200);
	T_EQ(len, 4);
	T_MEMEQ(body, "abc\n", 4);
	T_EQ(answer("HTTP/1.0 409 Conflict\r\ncontent-length:  3 \r\n\r\n12\n",
	    &status, &body, &len), HTQ_OK);
	T_EQ(status, 409);
	T_MEMEQ(body, "12\n", 3);
	/* not whole yet */
	T_EQ(answer("HTTP/1.1 200 OK\r\nContent-Len", &status, &body, &len),
	    HTQ_EBUSY);
	T_EQ(answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", &status,
	    &body, &len), HTQ_EBUSY);
	T_EQ(answer("HTT", &status, &body, &len), HTQ_EBUSY);
	/* refused */
	T_EQ(answer("HTTP/1.1 200 OK\r\n\r\nabc", &status, &body, &len),
	    HTQ_EFORMAT);		/* no length */
	T_EQ(answer("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	    "Content-Length: 1\r\n\r\na", &status, &body, &len), HTQ_EFORMAT);
	T_EQ(answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 1\r\n\r\na", &status, &body, &len), HTQ_EFORMAT);
	T_EQ(answer("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", &status,
	    &body, &len), HTQ_EFORMAT);
	T_EQ(answer("HTTP/1.1 200 OK\r\nContent-Length: 99999\r\n\r\n",
	    &status, &body, &len), HTQ_EFORMAT);
	T_EQ(answer("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab", &status,
	    &body, &len), HTQ_EFORMAT);	/* more than announced */
	T_EQ(answer("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", &status,
	    &body, &len), HTQ_EFORMAT);
	T_EQ(answer("SSH-2.0-x\r\n\r\n", &status, &body, &len), HTQ_EFORMAT);
	T_EQ(answer("HTTP/1.1 200 OK\r\nX: a\x01\r\nContent-Length: 0\r\n\r\n",
	    &status, &body, &len), HTQ_EFORMAT);
}

static void
test_merge_keeps_valid_lines(void)
{
	const char *body = "log.example/l\n5\n"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	const char *other = "log.example/l\n6\n"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	char *note = NULL, *out = NULL, pool[2048], l1[256], l1new[256],
	    l2[256], l2other[256], text[2048];
	size_t outlen;

	snprintf(text, sizeof(text), "witness %s http://a:1\nwitness %s "
	    "http://b:1\n", v1, v2);
	T_EQ(parse(text), HTQ_OK);
	T_EQ(aud_note_sign(logkey, body, &note), AUD_OK);
	T_EQ(aud_cosign(k1, body, strlen(body), 1000, l1, sizeof(l1)), AUD_OK);
	T_EQ(aud_cosign(k1, body, strlen(body), 2000, l1new, sizeof(l1new)),
	    AUD_OK);
	T_EQ(aud_cosign(k2, body, strlen(body), 1500, l2, sizeof(l2)), AUD_OK);
	T_EQ(aud_cosign(k2, other, strlen(other), 1600, l2other,
	    sizeof(l2other)), AUD_OK);
	/* the newest of w1's, w2's for this body; another body's dropped,
	 * and so is a line by a name the list does not have */
	snprintf(pool, sizeof(pool), "%s%s%s%s\xe2\x80\x94 stranger AAAA\n",
	    l1, l2other, l1new, l2);
	T_EQ(htq_cosig_merge(&ws, note, strlen(note), pool, strlen(pool), &out,
	    &outlen), HTQ_OK);
	snprintf(text, sizeof(text), "%s%s%s", note, l1new, l2);
	T_STREQ(out, text);
	T_EQ(outlen, strlen(text));
	free(out);
	/* only another body's: the note alone */
	T_EQ(htq_cosig_merge(&ws, note, strlen(note), l2other, strlen(l2other),
	    &out, &outlen), HTQ_OK);
	T_STREQ(out, note);
	free(out);
	/* no witnesses: the note alone */
	T_EQ(htq_cosig_merge(NULL, note, strlen(note), pool, strlen(pool), &out,
	    &outlen), HTQ_OK);
	T_STREQ(out, note);
	free(out);
	/* a damaged line is dropped */
	l1new[strlen(l1new) - 3] ^= 1;
	snprintf(pool, sizeof(pool), "%s", l1new);
	T_EQ(htq_cosig_merge(&ws, note, strlen(note), pool, strlen(pool), &out,
	    &outlen), HTQ_OK);
	T_STREQ(out, note);
	free(out);
	T_EQ(htq_cosig_merge(&ws, "no note", 7, "", 0, &out, &outlen),
	    HTQ_EFORMAT);
	free(note);
}

int
main(void)
{
	T_RUN_WITH(setup(), test_list_good);
	T_RUN_WITH(setup(), test_list_refused);
	T_RUN_WITH(setup(), test_http_answer);
	T_RUN_WITH(setup(), test_merge_keeps_valid_lines);
	return T_DONE();
}
