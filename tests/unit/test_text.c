/*
 * test_text.c - client text in messages and records: htq_clip never
 * cuts a character in two and always leaves valid UTF-8, an error answer
 * that quotes a client's text stays a 4xx, and htq_text_valid refuses the
 * characters that change how text is shown to others.
 */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "fcx.h"
#include "domain.h"

/* 1 when s is valid UTF-8: Jansson checks strings it is given. */
static int
utf8_ok(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

/*
 * Every cut of "ab" and three of ch (a character of 2, 3 or 4 bytes),
 * at 0 to the whole length: valid UTF-8, a prefix of the text, at most
 * the cut long and short of it by less than one character.
 */
static void
cut_every_length(const char *ch)
{
	char src[32], dst[32];
	size_t cut, n, w = strlen(ch);

	snprintf(src, sizeof(src), "ab%s%s%s", ch, ch, ch);
	for (cut = 0; cut <= strlen(src) + 1; cut++) {
		htq_clip(dst, sizeof(dst), src, cut);
		n = strlen(dst);
		if (!utf8_ok(dst))
			T_FAILF("%zu-byte character cut at %zu: invalid", w,
			    cut);
		T_ASSERT(n <= cut && n + w > (cut < strlen(src) ? cut :
		    strlen(src)));
		T_ASSERT(memcmp(dst, src, n) == 0);
		/* the destination's size cuts the same way */
		htq_clip(dst, cut + 1, src, (size_t)-1);
		T_ASSERT(utf8_ok(dst) && strlen(dst) == n);
	}
}

static void
test_clip_never_splits(void)
{
	char buf[8];

	cut_every_length("\xc3\xa9");		/* U+00E9 */
	cut_every_length("\xe2\x82\xac");	/* U+20AC */
	cut_every_length("\xf0\x9f\x98\x80");	/* U+1F600 */
	T_STREQ(htq_clip(buf, sizeof(buf), "abc", 0), "");
	T_STREQ(htq_clip(buf, 0 + 1, "abc", 5), "");
	T_STREQ(htq_clip(buf, sizeof(buf), "abcdefghij", 100), "abcdefg");
}

static void
test_clip_replaces_bad_bytes(void)
{
	static const struct {
		const char	*in, *out;
	} c[] = {
		{ "a\xff" "b", "a?b" },			/* never in UTF-8 */
		{ "a\x80" "b", "a?b" },			/* lone continuation */
		{ "\xc0\xaf", "??" },			/* overlong '/' */
		{ "\xe0\x80\xaf", "???" },		/* overlong, 3 bytes */
		{ "\xed\xa0\x80x", "???x" },		/* a surrogate */
		{ "\xf4\x90\x80\x80", "????" },		/* above U+10FFFF */
		{ "\xe2\x82" "b", "??b" },		/* a character cut short */
		{ "ok\xe2\x82", "ok" },			/* ... at the end */
		{ "\xc3\xa9\xc3", "\xc3\xa9" },
	};
	char buf[32];
	size_t i, cut;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		T_STREQ(htq_clip(buf, sizeof(buf), c[i].in, 64), c[i].out);
		for (cut = 0; cut <= strlen(c[i].in); cut++)
			T_ASSERT(utf8_ok(htq_clip(buf, sizeof(buf), c[i].in,
			    cut)));
	}
	/* in place */
	snprintf(buf, sizeof(buf), "x\xff\xe2\x82\xac\xe2\x82");
	T_STREQ(htq_clip(buf, sizeof(buf), buf, sizeof(buf)),
	    "x?\xe2\x82\xac");
}

/* An error that quotes a client's text cut at 64 bytes in the middle of
 * a character is still a 400 with a JSON body of valid UTF-8. */
static void
test_error_with_cut_text_is_4xx(void)
{
	struct fcx_resp resp;
	static const struct fcx_field fields[] = {
		{ "email", FCX_T_STRING, 1, 1, 100 },
		{ NULL, 0, 0, 0, 0 }
	};
	char key[80], hdr[1024], *owned;
	const char *body;
	json_t *obj;
	size_t blen;

	memset(key, 'a', 63);
	snprintf(key + 63, sizeof(key) - 63, "\xe2\x82\xac");
	memset(&resp, 0, sizeof(resp));
	fcx_error(&resp, 400, "bad_parameter", "unknown \"%.64s\"", key);
	T_EQ(fcx_resp_render(&resp, 0, hdr, sizeof(hdr), &body, &blen,
	    &owned), HTQ_OK);
	T_EQ(resp.status, 400);
	T_ASSERT(utf8_ok(body) && strstr(body, "bad_parameter") != NULL);
	free(owned);
	fcx_resp_free(&resp);

	memset(&resp, 0, sizeof(resp));
	obj = json_pack("{s:s,s:i}", "email", "a@b.test", key, 1);
	T_ASSERT(obj != NULL);
	T_EQ(fcx_validate_body(obj, fields, &resp), HTQ_EINVAL);
	T_EQ(fcx_resp_render(&resp, 0, hdr, sizeof(hdr), &body, &blen,
	    &owned), HTQ_OK);
	T_EQ(resp.status, 400);
	T_ASSERT(utf8_ok(body) && strstr(body, "unknown_field") != NULL);
	free(owned);
	fcx_resp_free(&resp);
	json_decref(obj);
}

static void
test_text_valid(void)
{
	static const char *const good[] = { "", "HNC in Software",
	    "Dipl\xc3\xb4me \xe2\x80\x94 niveau 4", "\xe6\x97\xa5\xe6\x9c\xac",
	    "\xf0\x9f\x98\x80", "\xef\xbf\xbd", "\xd8\xb9\xd8\xb1\xd8\xa8" };
	static const char *const bad[] = {
	    "\x01", "a\x1f", "\x7f", "\r",			/* C0, DEL */
	    "\xc2\x80", "\xc2\x9f",				/* C1 */
	    "\xef\xbf\xbe", "\xef\xbf\xbf", "\xef\xb7\x90",	/* nonchars */
	    "\xf0\x9f\xbf\xbf",
	    "\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac",	/* bidi */
	    "\xe2\x80\xad", "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa7",
	    "\xe2\x81\xa8", "\xe2\x81\xa9", "\xe2\x80\x8e", "\xe2\x80\x8f",
	    "\xd8\x9c",
	    "\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80",	/* not UTF-8 */
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		T_ASSERT(htq_text_valid(good[i], 0));
		T_ASSERT(htq_text_valid(good[i], 1));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (htq_text_valid(bad[i], 0) || htq_text_valid(bad[i], 1))
			T_FAILF("bad[%zu] accepted", i);
	/* tab and newline only in multi-line text */
	T_ASSERT(htq_text_valid("one\n\ttwo", 1));
	T_ASSERT(!htq_text_valid("one\ntwo", 0));
	T_ASSERT(!htq_text_valid("one\ttwo", 0));
	T_ASSERT(!htq_text_valid(NULL, 1));
}

/* The table-driven check names the field that carries such a character. */
static void
test_review_names_the_field(void)
{
	struct htq_why why;
	json_t *r;

	memset(&why, 0, sizeof(why));
	r = json_pack("{s:s,s:s}", "recommendation", "approve", "comments",
	    "fine\x07");
	T_EQ(htq_check_review(r, &why), HTQ_EINVAL);
	T_STREQ(why.field, "comments");
	json_decref(r);
	r = json_pack("{s:s,s:s,s:[{s:s,s:b,s:s}]}", "recommendation",
	    "approve", "comments", "fine\nsee below", "ksb_findings", "ksb",
	    "K1", "agree", 1, "note", "\xe2\x80\xae" "evil");
	T_EQ(htq_check_review(r, &why), HTQ_EINVAL);
	T_STREQ(why.field, "ksb_findings[0].note");
	json_decref(r);
	r = json_pack("{s:s,s:s}", "recommendation", "approve", "comments",
	    "fine\n\tsee below");
	T_EQ(htq_check_review(r, &why), HTQ_OK);
	json_decref(r);
}

int
main(void)
{
	T_RUN(test_clip_never_splits);
	T_RUN(test_clip_replaces_bad_bytes);
	T_RUN(test_error_with_cut_text_is_4xx);
	T_RUN(test_text_valid);
	T_RUN(test_review_names_the_field);
	return T_DONE();
}
