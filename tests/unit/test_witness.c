/*
 * test_witness.c - htq-witness's pure part (audit/witness.c): C2SP
 * tlog-witness add-checkpoint, cosignature/v1, the request and HTTP head
 * parsers, the configuration and the state on disk.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "aud.h"
#include "merkle_ref.h"
#include "t.h"

#define LOG_NAME	"test.example/log"
#define WIT_NAME	"witness.example/w1"
#define NLEAVES		64

static aud_hash leaves[2][NLEAVES];	/* [0] the log, [1] a fork of it */
static struct aud_key *logkey, *otherkey, *witkey;
static struct aud_wit_config config;
static struct aud_witness wit;
static char statedir[64];

/* --- fixtures --- */

static void
setup(void)
{
	uint8_t seed[32];
	struct aud_vkey v;
	char text[1024], vk[256], why[160];
	uint64_t i;
	int n;

	T_ASSERT(sodium_init() >= 0);
	for (i = 0; i < NLEAVES; i++) {
		aud_leaf_hash(&i, sizeof(i), leaves[0][i]);
		/* the fork shares the first 6 leaves */
		if (i < 6)
			memcpy(leaves[1][i], leaves[0][i], AUD_HASH);
		else
			aud_leaf_hash("fork", 4 + (i & 1), leaves[1][i]);
	}
	aud_key_free(logkey);
	aud_key_free(otherkey);
	aud_key_free(witkey);
	memset(seed, 1, sizeof(seed));
	T_EQ(aud_key_from_seed(seed, LOG_NAME, &logkey), AUD_OK);
	memset(seed, 2, sizeof(seed));
	T_EQ(aud_key_from_seed(seed, WIT_NAME, &witkey), AUD_OK);
	memset(seed, 3, sizeof(seed));
	T_EQ(aud_key_from_seed(seed, LOG_NAME, &otherkey), AUD_OK);
	aud_key_public(logkey, &v);
	T_EQ(aud_vkey_format(&v, vk, sizeof(vk)), AUD_OK);
	n = snprintf(text, sizeof(text), "# test\nname %s\nkeyfile /nonexistent\n"
	    "origin %s\nkey %s\n\norigin other.example/log\nkey %s\n",
	    WIT_NAME, LOG_NAME, vk, vk);
	T_ASSERT(n > 0 && (size_t)n < sizeof(text));
	/* the second log's key is named by the first origin: refused */
	T_EQ(aud_wit_config_parse(text, (size_t)n, &config, why, sizeof(why)),
	    AUD_EFORMAT);
	T_ASSERT(strstr(why, "log 2") != NULL);
	n = snprintf(text, sizeof(text), "# test\nname %s\nkeyfile /nonexistent\n"
	    "origin %s\nkey %s\n", WIT_NAME, LOG_NAME, vk);
	T_EQ(aud_wit_config_parse(text, (size_t)n, &config, why, sizeof(why)),
	    AUD_OK);
	T_EQ(config.nlogs, 1);
	snprintf(statedir, sizeof(statedir), "/tmp/htq-witness-XXXXXX");
	T_ASSERT(mkdtemp(statedir) != NULL);
	wit.key = witkey;
	wit.config = &config;
	T_ASSERT((wit.statefd = open(statedir, O_RDONLY | O_DIRECTORY)) >= 0);
}

static void
teardown(void)
{
	char cmd[128];

	close(wit.statefd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", statedir);
	T_EQ(system(cmd), 0);
}

/*
 * A request body: "old M", the proof from M to N in tree t (nproof < 0:
 * none), the blank line, the checkpoint of size N of tree t signed by
 * key under origin.  Malloc'd.
 */
static char *
request(uint64_t m, uint64_t n, int t, const struct aud_key *key,
    const char *origin, int with_proof)
{
	aud_hash proof[AUD_MAX_PROOF], root;
	char body[256], *note, *out, b64[64];
	size_t k = 0, i, off;
	int r;

	ref_leaves = leaves[t];
	ref_mth(0, n, root);
	if (with_proof && m > 0 && m < n)
		ref_subproof(m, 0, n, 1, proof, &k);
	T_EQ(aud_checkpoint_body(origin, n, root, body, sizeof(body)), AUD_OK);
	T_EQ(aud_note_sign(key, body, &note), AUD_OK);
	T_ASSERT((out = malloc(64 + 64 * 45 + strlen(note))) != NULL);
	off = (size_t)snprintf(out, 64, "old %llu\n", (unsigned long long)m);
	for (i = 0; i < k; i++) {
		sodium_bin2base64(b64, sizeof(b64), proof[i], AUD_HASH,
		    sodium_base64_VARIANT_ORIGINAL);
		r = snprintf(out + off, 46, "%s\n", b64);
		T_EQ(r, 45);
		off += (size_t)r;
	}
	out[off++] = '\n';
	memcpy(out + off, note, strlen(note) + 1);
	free(note);
	ref_leaves = leaves[0];
	return out;
}

/* POST a body; the answer's status. */
static int
add(const char *body, struct aud_wit_answer *a)
{
	T_EQ(aud_witness_add(&wit, body, strlen(body), 1700000000, a),
	    a->status == 500 ? a->status : AUD_OK);
	return a->status;
}

static int
add_req(uint64_t m, uint64_t n, int t, struct aud_wit_answer *a)
{
	char *b = request(m, n, t, logkey, LOG_NAME, 1);
	int s = add(b, a);

	free(b);
	return s;
}

static uint64_t
state_size(void)
{
	aud_hash root;
	uint64_t size;

	T_EQ(aud_witness_state(&wit, LOG_NAME, &size, root), AUD_OK);
	return size;
}

/* --- tests --- */

/* The cosignature verifies with libsodium alone, by the spec's rules:
 * key id SHA-256(name "\n" 0x04 pk)[:4], blob kid || u64be(time) || sig,
 * message "cosignature/v1\ntime T\n" || the checkpoint body. */
static void
check_cosig(const char *line, size_t len, uint64_t n, uint64_t ts)
{
	static const char dash[] = "\xe2\x80\x94 " WIT_NAME " ";
	uint8_t blob[4 + 8 + 64], kid[32], pre[256];
	char body[256], msg[512];
	aud_hash root;
	size_t blen, prelen;
	uint64_t got = 0;
	int i, mlen;

	T_ASSERT(len > sizeof(dash) && line[len - 1] == '\n');
	T_MEMEQ(line, dash, sizeof(dash) - 1);
	T_EQ(sodium_base642bin(blob, sizeof(blob), line + sizeof(dash) - 1,
	    len - sizeof(dash), NULL, &blen, NULL,
	    sodium_base64_VARIANT_ORIGINAL), 0);
	T_EQ(blen, sizeof(blob));
	prelen = (size_t)snprintf((char *)pre, sizeof(pre), "%s\n\x04",
	    WIT_NAME);
	memcpy(pre + prelen, witkey->pk, 32);
	crypto_hash_sha256(kid, pre, prelen + 32);
	T_MEMEQ(blob, kid, 4);
	for (i = 0; i < 8; i++)
		got = got << 8 | blob[4 + i];
	T_EQ(got, ts);
	ref_mth(0, n, root);
	T_EQ(aud_checkpoint_body(LOG_NAME, n, root, body, sizeof(body)),
	    AUD_OK);
	mlen = snprintf(msg, sizeof(msg), "cosignature/v1\ntime %llu\n%s",
	    (unsigned long long)ts, body);
	T_EQ(crypto_sign_verify_detached(blob + 12, (uint8_t *)msg,
	    (size_t)mlen, witkey->pk), 0);
	/* and with aud_cosig_verify */
	T_EQ(aud_cosig_verify(line, len - 1, WIT_NAME, witkey->pk, body,
	    strlen(body), &got), AUD_OK);
	/* a flipped message does not verify */
	body[0] ^= 1;
	T_EQ(aud_cosig_verify(line, len - 1, WIT_NAME, witkey->pk, body,
	    strlen(body), &got), AUD_EVERIFY);
}

static void
test_consistent_series_is_cosigned(void)
{
	struct aud_wit_answer a;
	static const uint64_t sizes[] = { 0, 1, 5, 5, 8, 9, 31, 32, 33, 64 };
	size_t i;

	T_EQ(state_size(), 0);
	for (i = 1; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		T_EQ(add_req(sizes[i - 1], sizes[i], 0, &a), 200);
		T_STREQ(a.type, "text/plain; charset=utf-8");
		check_cosig(a.body, a.len, sizes[i], 1700000000);
		T_EQ(state_size(), sizes[i]);
	}
	teardown();
}

static void
test_size_zero(void)
{
	struct aud_wit_answer a;

	/* the empty tree, then size 0 with another root (validly signed) */
	T_EQ(add_req(0, 0, 0, &a), 200);
	check_cosig(a.body, a.len, 0, 1700000000);
	{
		aud_hash root;
		char body[256], *note, req[1024];

		ref_leaves = leaves[0];
		ref_mth(0, 1, root);
		T_EQ(aud_checkpoint_body(LOG_NAME, 0, root, body, sizeof(body)),
		    AUD_OK);
		T_EQ(aud_note_sign(logkey, body, &note), AUD_OK);
		snprintf(req, sizeof(req), "old 0\n\n%s", note);
		free(note);
		T_EQ(add(req, &a), 422);
	}
	teardown();
}

static void
test_wrong_old_size_is_409_with_the_size(void)
{
	struct aud_wit_answer a;

	T_EQ(add_req(0, 5, 0, &a), 200);
	T_EQ(add_req(0, 9, 0, &a), 409);
	T_STREQ(a.type, "text/x.tlog.size");
	T_STREQ(a.body, "5\n");
	T_EQ(add_req(3, 9, 0, &a), 409);
	T_STREQ(a.body, "5\n");
	T_EQ(add_req(6, 9, 0, &a), 409);
	T_EQ(state_size(), 5);
	teardown();
}

static void
test_fork_is_refused_for_ever(void)
{
	struct aud_wit_answer a;
	struct aud_witness again;

	T_EQ(add_req(0, 8, 0, &a), 200);
	/* same size, another root (validly signed by the log) */
	T_EQ(add_req(8, 8, 1, &a), 422);
	/* a fork that grows: its proof cannot reach our root */
	T_EQ(add_req(8, 12, 1, &a), 422);
	T_EQ(state_size(), 8);
	/* a fresh witness on the same state (a restart) still refuses */
	again = wit;
	T_ASSERT((again.statefd = open(statedir, O_RDONLY | O_DIRECTORY)) >= 0);
	close(wit.statefd);
	wit = again;
	T_EQ(add_req(8, 8, 1, &a), 422);
	T_EQ(add_req(0, 8, 1, &a), 409);
	T_STREQ(a.body, "8\n");
	/* the genuine log goes on */
	T_EQ(add_req(8, 8, 0, &a), 200);
	T_EQ(add_req(8, 20, 0, &a), 200);
	teardown();
}

static void
test_rollback_is_refused(void)
{
	struct aud_wit_answer a;

	T_EQ(add_req(0, 9, 0, &a), 200);
	T_EQ(add_req(9, 5, 0, &a), 400);	/* old > size */
	T_EQ(add_req(5, 5, 0, &a), 409);
	T_STREQ(a.body, "9\n");
	T_EQ(add_req(0, 5, 0, &a), 409);
	T_EQ(state_size(), 9);
	teardown();
}

static void
test_bad_proof_is_422(void)
{
	struct aud_wit_answer a;
	char *b, *p;

	T_EQ(add_req(0, 5, 0, &a), 200);
	b = request(5, 13, 0, logkey, LOG_NAME, 1);
	/* flip one base64 character of the first proof line */
	p = strchr(b, '\n') + 1;
	*p = *p == 'A' ? 'B' : 'A';
	T_EQ(add(b, &a), 422);
	free(b);
	/* no proof at all */
	b = request(5, 13, 0, logkey, LOG_NAME, 0);
	T_EQ(add(b, &a), 422);
	free(b);
	T_EQ(state_size(), 5);
	teardown();
	setup();
	/* from size 0 a proof must be empty */
	b = request(0, 5, 0, logkey, LOG_NAME, 0);
	{
		char req[2048];

		snprintf(req, sizeof(req), "old 0\n%s\n\n%s",
		    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		    strchr(b, '\n') + 2);
		T_EQ(add(req, &a), 422);
	}
	free(b);
	T_EQ(state_size(), 0);
	teardown();
}

static void
test_unknown_key_or_bad_signature_is_403(void)
{
	struct aud_wit_answer a;
	char *b, *p;

	/* signed by another key of the same name: ignored, none trusted */
	b = request(0, 5, 0, otherkey, LOG_NAME, 1);
	T_EQ(add(b, &a), 403);
	free(b);
	/* the trusted key's line with a broken signature */
	b = request(0, 5, 0, logkey, LOG_NAME, 1);
	p = b + strlen(b) - 10;
	*p = *p == 'A' ? 'B' : 'A';
	T_EQ(add(b, &a), 403);
	free(b);
	/* an origin the witness does not know */
	b = request(0, 5, 0, logkey, "unknown.example/log", 1);
	T_EQ(add(b, &a), 404);
	free(b);
	T_EQ(state_size(), 0);
	teardown();
}

static void
test_malformed_requests_are_400_and_413(void)
{
	static const char *bad[] = {
		"",
		"old 5",
		"old 5\n",
		"old 05\n\n",
		"old -1\n\n",
		"old 5 \n\n",
		"OLD 5\n\n",
		"old 18446744073709551616\n\n",
		"old 0\nnot base64\n\n",
		"old 0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n\n",
		"old 0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n\n",
		"old 0\n\n",
		"old 0\n\nnot a note\n",
		"old 0\n\ntest.example/log\n5\n\n\xe2\x80\x94 x\n",
	};
	struct aud_wit_answer a;
	struct aud_wit_req r;
	char *b, why[160];
	size_t i, off;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_EQ(aud_witness_add(&wit, bad[i], strlen(bad[i]), 1, &a),
		    AUD_OK);
		if (a.status != 400)
			T_FAILF("bad[%zu]: %d", i, a.status);
	}
	/* 64 proof lines */
	T_ASSERT((b = malloc(64 * 45 + 16)) != NULL);
	off = (size_t)snprintf(b, 16, "old 1\n");
	for (i = 0; i < 64; i++) {
		memcpy(b + off, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		    45);
		off += 45;
	}
	memcpy(b + off, "\nx\n", 4);
	T_EQ(aud_wit_req_parse(b, strlen(b), &r, why, sizeof(why)),
	    AUD_EFORMAT);
	T_ASSERT(strstr(why, "63") != NULL);
	free(b);
	/* over the body limit */
	T_ASSERT((b = calloc(1, AUD_WIT_MAX_BODY + 2)) != NULL);
	memset(b, 'a', AUD_WIT_MAX_BODY + 1);
	T_EQ(aud_witness_add(&wit, b, AUD_WIT_MAX_BODY + 1, 1, &a), AUD_OK);
	T_EQ(a.status, 413);
	free(b);
	T_EQ(state_size(), 0);
	teardown();
}

static void
test_http_head_parse(void)
{
	static const char *bad[] = {
		"POST /add-checkpoint HTTP/1.1\r\n",
		"POST /add-checkpoint HTTP/1.1\n\n",
		"POST /add-checkpoint HTTP/2.0\r\n\r\n",
		"post /add-checkpoint HTTP/1.1\r\n\r\n",
		"POST  /add-checkpoint HTTP/1.1\r\n\r\n",
		"POST /add-checkpoint HTTP/1.1\r\nContent-Length: 1\r\n"
		    "Content-Length: 1\r\n\r\n",
		"POST /add-checkpoint HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST /add-checkpoint HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n",
		"POST /add-checkpoint HTTP/1.1\r\nTransfer-Encoding: chunked"
		    "\r\n\r\n",
		"POST /add-checkpoint HTTP/1.1\r\nHost : x\r\n\r\n",
		"POST /add-checkpoint HTTP/1.1\r\n folded\r\n\r\n",
		"POST /add-checkpoint HTTP/1.1\r\nX: a\nb\r\n\r\n",
		"POST /add-checkpoint HTTP/1.1\r\nX: a\rb\r\n\r\n",
		"POST /add-checkpoint HTTP/1.1\r\nX: a\x01\r\n\r\n",
	};
	static const char good[] = "POST /add-checkpoint HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\ncontent-length:  42 \r\nX-Empty:\r\n\r\n";
	struct aud_http_head h;
	char *big;
	size_t i;

	T_EQ(aud_http_head_parse(good, strlen(good), &h), AUD_OK);
	T_STREQ(h.method, "POST");
	T_STREQ(h.path, "/add-checkpoint");
	T_EQ(h.clen, 42);
	T_EQ(aud_http_head_parse("GET / HTTP/1.0\r\n\r\n", 18, &h), AUD_OK);
	T_EQ(h.clen, -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (aud_http_head_parse(bad[i], strlen(bad[i]), &h) !=
		    AUD_EFORMAT)
			T_FAILF("bad[%zu] accepted", i);
	T_ASSERT((big = malloc(AUD_WIT_MAX_HEAD + 1)) != NULL);
	memset(big, 'a', AUD_WIT_MAX_HEAD + 1);
	T_EQ(aud_http_head_parse(big, AUD_WIT_MAX_HEAD + 1, &h), AUD_ETOOBIG);
	free(big);
	teardown();
}

static void
test_key_id_and_vkey(void)
{
	uint8_t kid[AUD_KID], want[32], pre[64], raw[40];
	char vk[256], hex[9], *p;
	size_t n, rlen;

	aud_cosig_key_id(WIT_NAME, witkey->pk, kid);
	n = (size_t)snprintf((char *)pre, sizeof(pre), "%s\n", WIT_NAME);
	pre[n++] = 0x04;
	memcpy(pre + n, witkey->pk, 32);
	crypto_hash_sha256(want, pre, n + 32);
	T_MEMEQ(kid, want, AUD_KID);
	/* not the log-key id (0x01) */
	T_ASSERT(memcmp(kid, witkey->kid, AUD_KID) != 0);
	T_EQ(aud_cosig_vkey_format(witkey, vk, sizeof(vk)), AUD_OK);
	sodium_bin2hex(hex, sizeof(hex), kid, AUD_KID);
	T_ASSERT(strncmp(vk, WIT_NAME "+", strlen(WIT_NAME) + 1) == 0);
	p = vk + strlen(WIT_NAME) + 1;
	T_ASSERT(strncmp(p, hex, 8) == 0 && p[8] == '+');
	T_EQ(sodium_base642bin(raw, sizeof(raw), p + 9, strlen(p + 9), NULL,
	    &rlen, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	T_EQ(rlen, 33);
	T_EQ(raw[0], 0x04);
	T_MEMEQ(raw + 1, witkey->pk, 32);
	/* a zero or too large timestamp is refused */
	T_EQ(aud_cosign(witkey, "a\n", 2, 0, vk, sizeof(vk)), AUD_ERANGE);
	T_EQ(aud_cosign(witkey, "a\n", 2, (uint64_t)1 << 63, vk, sizeof(vk)),
	    AUD_ERANGE);
	teardown();
}

static void
test_config_parse(void)
{
	static const char *bad[] = {
		"",
		"name w.example/w\nkeyfile k\n",		/* no log */
		"keyfile k\norigin a.example/l\nkey x\n",	/* no name */
		"name w.example/w\nkeyfile k\norigin a.example/l\n", /* no key */
		"name w.example/w\nkeyfile k\nbogus 1\n",
		"name w example\nkeyfile k\n",
		"name w.example/w\nkeyfile k\norigin a.example/l\nwitness x\n",
	};
	struct aud_wit_config c;
	char why[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (aud_wit_config_parse(bad[i], strlen(bad[i]), &c, why,
		    sizeof(why)) == AUD_OK)
			T_FAILF("bad[%zu] accepted", i);
	teardown();
}

static void
test_damaged_state_is_never_size_zero(void)
{
	struct aud_wit_answer a;
	char path[128];

	T_EQ(add_req(0, 7, 0, &a), 200);
	/* the state is the cosigned checkpoint: the log's note and ours */
	{
		char buf[2048];
		aud_hash root;
		uint64_t size;
		ssize_t n;
		char *nl;
		size_t bl, which;

		snprintf(path, sizeof(path), "%s", statedir);
		T_EQ(aud_witness_state(&wit, LOG_NAME, &size, root), AUD_OK);
		T_EQ(size, 7);
		/* find the file and check its cosignature */
		{
			char cmd[256];
			FILE *f;

			snprintf(cmd, sizeof(cmd), "cat %s/*.checkpoint",
			    statedir);
			T_ASSERT((f = popen(cmd, "r")) != NULL);
			n = (ssize_t)fread(buf, 1, sizeof(buf) - 1, f);
			pclose(f);
		}
		T_ASSERT(n > 0);
		buf[n] = '\0';
		T_EQ(aud_note_verify(buf, (size_t)n, NULL, 0, &bl, &which, path,
		    sizeof(path)), AUD_EVERIFY);
		/* the last line is the cosignature */
		for (nl = buf + n - 1; nl > buf && nl[-1] != '\n'; nl--)
			;
		check_cosig(nl, (size_t)(buf + n - nl), 7, 1700000000);
	}
	/* damage it: the witness refuses to answer, never restarts at 0 */
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "for f in %s/*.checkpoint; do "
		    "printf 'garbage\\n' > $f; done", statedir);
		T_EQ(system(cmd), 0);
	}
	T_EQ(aud_witness_add(&wit, "x", 1, 1, &a), AUD_OK);	/* 400 first */
	{
		char *b = request(0, 9, 0, logkey, LOG_NAME, 1);

		T_ASSERT(aud_witness_add(&wit, b, strlen(b), 1700000000, &a) !=
		    AUD_OK);
		T_EQ(a.status, 500);
		free(b);
	}
	teardown();
}

/* The state (and GET /<origin hash>/checkpoint) holds the body, the log
 * signatures the witness verified and its cosignature: nothing else. */
static void
test_state_keeps_verified_signatures_only(void)
{
	struct aud_wit_answer a;
	char *b, *req, buf[AUD_WIT_MAX_STATE], hex[65], *first;
	aud_hash h;
	size_t len, n;

	b = request(0, 5, 0, logkey, LOG_NAME, 1);
	n = strlen(b);
	T_ASSERT((req = malloc(n + 400)) != NULL);
	/* a line by a key it does not know, then a second line by the
	 * log's (name, id) that does not verify: both ignored (as Go) */
	first = strstr(b, "\xe2\x80\x94 " LOG_NAME " ");
	T_ASSERT(first != NULL);
	snprintf(req, n + 400, "%s\xe2\x80\x94 other.example/k "
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAA\n%.*sAAAA\n", b,
	    (int)(strlen(first) - 5), first);
	T_EQ(add(req, &a), 200);
	crypto_hash_sha256(h, (const uint8_t *)LOG_NAME, strlen(LOG_NAME));
	sodium_bin2hex(hex, sizeof(hex), h, AUD_HASH);
	T_EQ(aud_witness_read(&wit, hex, buf, sizeof(buf), &len), AUD_OK);
	/* the request's own note (body, blank line, the log's line), then
	 * the cosignature */
	T_EQ(len, n - 7 + a.len);	/* "old 0\n\n" is not kept */
	T_MEMEQ(buf, b + 7, n - 7);
	T_MEMEQ(buf + n - 7, a.body, a.len);
	T_EQ(aud_witness_read(&wit, "ABC", buf, sizeof(buf), &len), AUD_EINVAL);
	hex[0] = hex[0] == '0' ? '1' : '0';
	T_EQ(aud_witness_read(&wit, hex, buf, sizeof(buf), &len),
	    AUD_ENOTFOUND);
	free(req);
	free(b);
	teardown();
}

int
main(void)
{
	T_RUN_WITH(setup(), test_consistent_series_is_cosigned);
	T_RUN_WITH(setup(), test_size_zero);
	T_RUN_WITH(setup(), test_wrong_old_size_is_409_with_the_size);
	T_RUN_WITH(setup(), test_fork_is_refused_for_ever);
	T_RUN_WITH(setup(), test_rollback_is_refused);
	T_RUN_WITH(setup(), test_bad_proof_is_422);
	T_RUN_WITH(setup(), test_unknown_key_or_bad_signature_is_403);
	T_RUN_WITH(setup(), test_malformed_requests_are_400_and_413);
	T_RUN_WITH(setup(), test_http_head_parse);
	T_RUN_WITH(setup(), test_key_id_and_vkey);
	T_RUN_WITH(setup(), test_config_parse);
	T_RUN_WITH(setup(), test_damaged_state_is_never_size_zero);
	T_RUN_WITH(setup(), test_state_keeps_verified_signatures_only);
	return T_DONE();
}
