/*
 * test_credential.c - the credentials' building blocks (credential.c):
 * JSON Canonicalization against RFC 8785's own examples and its
 * refusals (reals, integers past 2^53 - 1, invalid UTF-8, depth),
 * base58btc against the base58 draft's vectors, the key file, a Data
 * Integrity proof that verifies and fails after one change, and the
 * status list's bits as a gunzip reads them.  That a real verifier
 * accepts the published documents is tests/web/credential.test.mjs.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "t.h"
#include "credential.h"

static char *
jcs_of(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	char *out = NULL;
	size_t len;

	T_ASSERT(v != NULL);
	T_EQ(htq_jcs(v, &out, &len), HTQ_OK);
	T_EQ(strlen(out), len);
	json_decref(v);
	return out;
}

static int
jcs_rc(const json_t *v)
{
	char *out = NULL;
	size_t len;
	int rc = htq_jcs(v, &out, &len);

	T_ASSERT(rc == HTQ_OK || out == NULL);
	free(out);
	return rc;
}

/* RFC 8785 3.2.3: keys sorted by UTF-16 code units (the emoji, a
 * surrogate pair, before U+FB33, unlike UTF-8 byte order). */
static void
test_rfc8785_sorting(void)
{
	char *o = jcs_of("{\"\\u20ac\": \"Euro Sign\", \"\\r\": \"Carriage "
	    "Return\", \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\", "
	    "\"1\": \"One\", \"\\ud83d\\ude00\": \"Emoji: Grinning Face\", "
	    "\"\\u0080\": \"Control\", \"\\u00f6\": \"Latin Small Letter O "
	    "With Diaeresis\"}");

	T_STREQ(o, "{\"\\r\":\"Carriage Return\",\"1\":\"One\","
	    "\"\xc2\x80\":\"Control\",\"\xc3\xb6\":\"Latin Small Letter O With "
	    "Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\",\"\xf0\x9f\x98\x80\":"
	    "\"Emoji: Grinning Face\",\"\xef\xac\xb3\":\"Hebrew Letter Dalet "
	    "With Dagesh\"}");
	free(o);
}

/* RFC 8785 3.2.2's example: literals and the string as given; its
 * numbers are reals, which we refuse rather than print. */
static void
test_rfc8785_example(void)
{
	static const char in[] = "{\"numbers\": [333333333.33333329, 1E30, "
	    "4.50, 2e-3, 0.000000000000000000000000001], \"string\": "
	    "\"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\", "
	    "\"literals\": [null, true, false]}";
	json_t *v = json_loads(in, 0, NULL);
	char *o;
	size_t len;

	T_ASSERT(v != NULL);
	T_EQ(htq_jcs(v, &o, &len), HTQ_EINVAL);
	T_ASSERT(o == NULL);
	json_object_del(v, "numbers");
	T_EQ(htq_jcs(v, &o, &len), HTQ_OK);
	T_STREQ(o, "{\"literals\":[null,true,false],\"string\":"
	    "\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
	free(o);
	json_decref(v);
}

static void
test_integers_strings_and_refusals(void)
{
	json_t *v, *a;
	char *o;
	int i;

	o = jcs_of("[0, -1, 9007199254740991, -9007199254740991, 10, [], {}]");
	T_STREQ(o, "[0,-1,9007199254740991,-9007199254740991,10,[],{}]");
	free(o);
	/* every control character escaped as ECMAScript does, DEL not */
	o = jcs_of("\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f\\u007f"
	    "\\u2028\"");
	T_STREQ(o, "\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f\x7f"
	    "\xe2\x80\xa8\"");
	free(o);
	o = jcs_of("{\"b\":1,\"a\":{\"d\":\"x\",\"c\":true},\"\":null}");
	T_STREQ(o, "{\"\":null,\"a\":{\"c\":true,\"d\":\"x\"},\"b\":1}");
	free(o);

	v = json_integer(9007199254740992LL);
	T_EQ(jcs_rc(v), HTQ_EINVAL);
	json_decref(v);
	v = json_integer(-9007199254740992LL);
	T_EQ(jcs_rc(v), HTQ_EINVAL);
	json_decref(v);
	v = json_real(1.0);
	T_EQ(jcs_rc(v), HTQ_EINVAL);
	json_decref(v);
	v = json_stringn_nocheck("a\xc0\xafz", 4);	/* overlong '/' */
	T_EQ(jcs_rc(v), HTQ_EINVAL);
	json_decref(v);
	v = json_stringn_nocheck("\xed\xa0\x80", 3);	/* a surrogate */
	T_EQ(jcs_rc(v), HTQ_EINVAL);
	json_decref(v);
	v = json_object();
	json_object_setn_nocheck(v, "k\xff", 2, json_true());
	T_EQ(jcs_rc(v), HTQ_EINVAL);
	json_decref(v);
	T_EQ(jcs_rc(NULL), HTQ_EINVAL);

	/* HTQ_JCS_MAX_DEPTH containers nest; one more is refused */
	v = a = json_array();
	for (i = 1; i < HTQ_JCS_MAX_DEPTH; i++) {
		json_t *in = json_array();

		json_array_append_new(a, in);
		a = in;
	}
	T_EQ(jcs_rc(v), HTQ_OK);
	json_array_append_new(a, json_object());
	T_EQ(jcs_rc(v), HTQ_ETOOBIG);
	json_decref(v);
}

/* draft-msporny-base58: "Hello World!", the fox, leading zero bytes. */
static void
test_base58(void)
{
	static const uint8_t z[] = { 0, 0, 0x28, 0x7f, 0xb4, 0xcd };
	const char *fox = "The quick brown fox jumps over the lazy dog.";
	char out[128];

	T_EQ(htq_base58btc((const uint8_t *)"Hello World!", 12, out,
	    sizeof(out)), HTQ_OK);
	T_STREQ(out, "z2NEpo7TZRRrLZSi2U");
	T_EQ(htq_base58btc((const uint8_t *)fox, strlen(fox), out,
	    sizeof(out)), HTQ_OK);
	T_STREQ(out, "zUSm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUU"
	    "Bk6Z");
	T_EQ(htq_base58btc(z, sizeof(z), out, sizeof(out)), HTQ_OK);
	T_STREQ(out, "z11233QC4");
	T_EQ(htq_base58btc(z, sizeof(z), out, 5), HTQ_EINVAL);
}

static void
key_in(char *dir, char *path, size_t sz)
{
	snprintf(dir, 64, "/tmp/htq-cred-XXXXXX");
	T_ASSERT(mkdtemp(dir) != NULL);
	snprintf(path, sz, "%s/credential.key", dir);
}

static void
test_key_and_proof(void)
{
	char dir[64], path[128], *o;
	struct htq_ckey k;
	struct stat st;
	json_t *doc, *p;
	size_t len;

	key_in(dir, path, sizeof(path));
	T_EQ(htq_ckey_load(path, &k), HTQ_ENOTFOUND);
	T_EQ(htq_ckey_generate(path), HTQ_OK);
	T_EQ(htq_ckey_generate(path), HTQ_EEXIST);
	T_EQ(stat(path, &st), 0);
	T_EQ(st.st_mode & 0777, 0600);
	T_EQ(htq_ckey_load(path, &k), HTQ_OK);
	T_ASSERT(strncmp(k.did, "did:key:z6Mk", 12) == 0);
	T_ASSERT(strncmp(k.vm, k.did, strlen(k.did)) == 0);
	T_ASSERT(k.vm[strlen(k.did)] == '#');
	T_STREQ(k.vm + strlen(k.did) + 1, k.did + 8);

	doc = json_pack("{s:[s],s:s,s:{s:s,s:i}}", "@context",
	    "https://www.w3.org/ns/credentials/v2", "id", "urn:x", "credentialSubject",
	    "name", "\xe2\x82\xac test", "n", 7);
	T_EQ(htq_di_sign(doc, &k, "2026-12-07T00:00:00Z"), HTQ_OK);
	T_EQ(htq_di_sign(doc, &k, NULL), HTQ_EINVAL);	/* has a proof */
	p = json_object_get(doc, "proof");
	T_STREQ(json_string_value(json_object_get(p, "cryptosuite")),
	    "eddsa-jcs-2022");
	T_ASSERT(json_equal(json_object_get(p, "@context"),
	    json_object_get(doc, "@context")));
	T_EQ(htq_di_verify(doc, k.pk), HTQ_OK);
	/* the signature is deterministic: the same bytes every publish */
	T_EQ(htq_jcs(doc, &o, &len), HTQ_OK);
	json_object_del(doc, "proof");
	T_EQ(htq_di_sign(doc, &k, "2026-12-07T00:00:00Z"), HTQ_OK);
	{
		char *o2;

		T_EQ(htq_jcs(doc, &o2, &len), HTQ_OK);
		T_STREQ(o, o2);
		free(o2);
	}
	free(o);
	/* a changed value, a changed proof option: refused */
	json_object_set_new(json_object_get(doc, "credentialSubject"), "n",
	    json_integer(8));
	T_EQ(htq_di_verify(doc, k.pk), HTQ_EVERIFY);
	json_object_set_new(json_object_get(doc, "credentialSubject"), "n",
	    json_integer(7));
	T_EQ(htq_di_verify(doc, k.pk), HTQ_OK);
	json_object_set_new(json_object_get(doc, "proof"), "created",
	    json_string("2026-12-08T00:00:00Z"));
	T_EQ(htq_di_verify(doc, k.pk), HTQ_EVERIFY);
	json_object_set_new(json_object_get(doc, "proof"), "proofValue",
	    json_string("z0OIl"));	/* not base58 */
	T_EQ(htq_di_verify(doc, k.pk), HTQ_EFORMAT);
	json_decref(doc);
	htq_ckey_free(&k);

	/* a key file others can read is refused */
	T_EQ(chmod(path, 0640), 0);
	T_EQ(htq_ckey_load(path, &k), HTQ_EPERM);
	unlink(path);
	rmdir(dir);
}

/* The status list: bits 0, 9 and 131071 set, read back by gunzip. */
static void
test_status_list_bits(void)
{
	static const uint64_t rev[] = { 0, 9, HTQ_STATUS_LIST_BITS - 1 };
	char dir[64], path[128];
	struct htq_ckey k;
	const char *enc;
	json_t *c, *bad;
	uint8_t *gz, *bits;
	size_t gzlen, i, set = 0;
	z_stream z;

	T_EQ(htq_status_list_bits(0), HTQ_STATUS_LIST_BITS);
	T_EQ(htq_status_list_bits(HTQ_STATUS_LIST_BITS - 1),
	    HTQ_STATUS_LIST_BITS);
	T_EQ(htq_status_list_bits(HTQ_STATUS_LIST_BITS),
	    2 * HTQ_STATUS_LIST_BITS);
	key_in(dir, path, sizeof(path));
	T_EQ(htq_ckey_generate(path), HTQ_OK);
	T_EQ(htq_ckey_load(path, &k), HTQ_OK);
	T_EQ(htq_status_list_make(rev, 3, HTQ_STATUS_LIST_BITS, "http://h",
	    &k, &c), HTQ_OK);
	T_EQ(htq_status_list_make(rev, 3, 64, "http://h", &k, &bad),
	    HTQ_EINVAL);	/* an index past the end */
	T_ASSERT(bad == NULL);
	T_EQ(htq_di_verify(c, k.pk), HTQ_OK);
	enc = json_string_value(json_object_get(json_object_get(c,
	    "credentialSubject"), "encodedList"));
	T_ASSERT(enc != NULL && enc[0] == 'u');
	gz = malloc(strlen(enc));
	bits = malloc(HTQ_STATUS_LIST_BITS / 8 + 1);
	T_EQ(sodium_base642bin(gz, strlen(enc), enc + 1, strlen(enc + 1),
	    NULL, &gzlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	memset(&z, 0, sizeof(z));
	T_EQ(inflateInit2(&z, 15 + 16), Z_OK);	/* gzip only */
	z.next_in = gz;
	z.avail_in = (uInt)gzlen;
	z.next_out = bits;
	z.avail_out = HTQ_STATUS_LIST_BITS / 8 + 1;
	T_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
	T_EQ(z.total_out, HTQ_STATUS_LIST_BITS / 8);
	inflateEnd(&z);
	T_EQ(bits[0], 0x80);
	T_EQ(bits[1], 0x40);
	T_EQ(bits[HTQ_STATUS_LIST_BITS / 8 - 1], 0x01);
	for (i = 0; i < HTQ_STATUS_LIST_BITS / 8; i++)
		set += (size_t)__builtin_popcount(bits[i]);
	T_EQ(set, 3);
	free(gz);
	free(bits);
	json_decref(c);
	htq_ckey_free(&k);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	T_RUN(test_rfc8785_sorting);
	T_RUN(test_rfc8785_example);
	T_RUN(test_integers_strings_and_refusals);
	T_RUN(test_base58);
	T_RUN(test_key_and_proof);
	T_RUN(test_status_list_bits);
	return T_DONE();
}
