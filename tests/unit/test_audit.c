/*
 * test_audit.c - the ledger library: RFC 6962 tree hashes and proofs for
 * every size 0..17 against a straightforward recursive implementation (RFC
 * 6962 section 2.1), for the pure functions and the LMDB store, and for
 * sizes across the store's tile boundaries (64, 4096 leaves); signed
 * notes against pinned bytes; key ids, key files, entries, rotation.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "t.h"
#include "aud.h"
#include "merkle_ref.h"

/* Computed independently with Go's golang.org/x/mod/sumdb/note from the
 * seed 01..0a 00.. and the name example.com/log. */
#define VKEY_KAT "example.com/log+ad7fe150+" \
	"AfRuSbfpXmLPx4rtMjhyUHW3JDB7E6i8b/KOU+gA4ZRw"
#define NOTE_KAT "example.com/log\n5\n" \
	"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n" \
	"\xe2\x80\x94 example.com/log rX/hUKx+2tqfzM+SZnBZRg7mD62dZKXPvGM/" \
	"fIm0UF5Rp3rxHjQfkicjXCVobyB9Cn9C2Tl7TEINY/sl1VepS8ydqg8=\n"

#define MAXN 17

static aud_hash leaves[MAXN];

/* The store's proofs equal the reference's. */
static void
check_inclusion(struct aud_log *l, MDB_txn *txn, uint64_t m, uint64_t n)
{
	aud_hash got[AUD_MAX_PROOF], want[AUD_MAX_PROOF];
	size_t gn, wn = 0;

	T_EQ(aud_prove_inclusion(l, txn, m, n, got, &gn), AUD_OK);
	ref_path(m, 0, n, want, &wn);
	T_EQ(gn, wn);
	T_MEMEQ(got, want, gn * AUD_HASH);
}

static void
check_consistency(struct aud_log *l, MDB_txn *txn, uint64_t m, uint64_t n)
{
	aud_hash got[AUD_MAX_PROOF], want[AUD_MAX_PROOF];
	size_t gn, wn = 0;

	T_EQ(aud_prove_consistency(l, txn, m, n, got, &gn), AUD_OK);
	ref_subproof(m, 0, n, 1, want, &wn);
	T_EQ(gn, wn);
	T_MEMEQ(got, want, gn * AUD_HASH);
}

static void
make_leaves(void)
{
	char buf[16];
	int i;

	for (i = 0; i < MAXN; i++) {
		snprintf(buf, sizeof(buf), "leaf %d", i);
		aud_leaf_hash(buf, strlen(buf), leaves[i]);
	}
}

static void
test_known_hashes(void)
{
	aud_hash h, e;
	static const char empty_hex[] =
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	/* RFC 6962 leaf hash of the empty string */
	static const char leaf_empty_hex[] =
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d";
	char hex[65];

	aud_empty_root(e);
	sodium_bin2hex(hex, sizeof(hex), e, AUD_HASH);
	T_STREQ(hex, empty_hex);
	aud_leaf_hash("", 0, h);
	sodium_bin2hex(hex, sizeof(hex), h, AUD_HASH);
	T_STREQ(hex, leaf_empty_hex);
}

static void
test_compact_range_roots(void)
{
	struct aud_range r;
	aud_hash got, want;
	int n;

	aud_range_init(&r);
	for (n = 0; n <= MAXN; n++) {
		aud_range_root(&r, got);
		ref_mth(0, (uint64_t)n, want);
		T_MEMEQ(got, want, AUD_HASH);
		if (n < MAXN)
			aud_range_append(&r, leaves[n]);
	}
}

static void
test_inclusion_proofs_verify(void)
{
	aud_hash proof[AUD_MAX_PROOF], root, bad;
	uint64_t n, m;
	size_t k;

	for (n = 1; n <= MAXN; n++) {
		ref_mth(0, n, root);
		for (m = 0; m < n; m++) {
			k = 0;
			ref_path(m, 0, n, proof, &k);
			T_EQ(aud_verify_inclusion(m, n, leaves[m], proof, k,
			    root), AUD_OK);
			/* wrong leaf, wrong index, wrong root all fail */
			T_EQ(aud_verify_inclusion(m, n, leaves[(m + 1) % MAXN],
			    proof, k, root), AUD_EVERIFY);
			if (n > 1)
				T_EQ(aud_verify_inclusion((m + 1) % n, n,
				    leaves[m], proof, k, root), AUD_EVERIFY);
			memcpy(bad, root, AUD_HASH);
			bad[0] ^= 1;
			T_EQ(aud_verify_inclusion(m, n, leaves[m], proof, k,
			    bad), AUD_EVERIFY);
			if (k > 0)
				T_EQ(aud_verify_inclusion(m, n, leaves[m], proof,
				    k - 1, root), AUD_EVERIFY);
		}
		T_EQ(aud_verify_inclusion(n, n, leaves[0], proof, 0, root),
		    AUD_EVERIFY);
	}
}

static void
test_consistency_proofs_verify(void)
{
	aud_hash proof[AUD_MAX_PROOF], r1, r2;
	uint64_t n, m;
	size_t k;

	for (n = 1; n <= MAXN; n++) {
		ref_mth(0, n, r2);
		for (m = 1; m <= n; m++) {
			ref_mth(0, m, r1);
			k = 0;
			ref_subproof(m, 0, n, 1, proof, &k);
			T_EQ(aud_verify_consistency(m, n, r1, r2, proof, k),
			    AUD_OK);
			if (m < n) {
				T_EQ(aud_verify_consistency(m, n, r2, r2, proof,
				    k), AUD_EVERIFY);
				T_EQ(aud_verify_consistency(n, m, r2, r1, proof,
				    k), AUD_EVERIFY);
				proof[k - 1][3] ^= 0x40;
				T_EQ(aud_verify_consistency(m, n, r1, r2, proof,
				    k), AUD_EVERIFY);
			}
		}
	}
}

/* --- the store, against the reference --- */

static char dir[64];
static MDB_env *env;

static struct aud_key *key, *key2;
static struct aud_log *lg;

/* Close and remove the store of the previous test, if any; 0 if done. */
static int
close_store(void)
{
	char cmd[128];
	int rc = 0;

	aud_log_close(lg);
	lg = NULL;
	if (env != NULL)
		mdb_env_close(env);
	env = NULL;
	if (dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		rc = system(cmd);
	}
	dir[0] = '\0';
	return rc;
}

/* An empty store in a new temporary directory: each test that uses the
 * store, or dir, makes its own (the previous one is removed). */
static void
open_store(void)
{
	MDB_txn *txn;

	T_EQ(close_store(), 0);
	snprintf(dir, sizeof(dir), "/tmp/htq-audit-XXXXXX");
	T_ASSERT(mkdtemp(dir) != NULL);
	T_EQ(mdb_env_create(&env), 0);
	T_EQ(mdb_env_set_maxdbs(env, 8), 0);
	T_EQ(mdb_env_set_mapsize(env, 64 << 20), 0);
	T_EQ(mdb_env_open(env, dir, MDB_NOTLS, 0600), 0);
	T_EQ(mdb_txn_begin(env, NULL, 0, &txn), 0);
	T_EQ(aud_log_open(txn, "test.example/log", &lg), AUD_OK);
	T_EQ(mdb_txn_commit(txn), 0);
}

/* Append MAXN "test.event" entries signed by key in txn; leaves[] become
 * their leaf hashes (what ref_mth hashes). */
static void
append_entries(MDB_txn *txn)
{
	const uint8_t *sig;
	const char *e;
	size_t len;
	uint64_t n, seq;
	json_t *data;

	ref_leaves = leaves;
	for (n = 0; n < MAXN; n++) {
		data = json_pack("{s:I,s:s}", "n", (json_int_t)n, "z", "é/\"");
		T_EQ(aud_append(lg, txn, key, "test.event", "actor-1", "subj",
		    data, &seq), AUD_OK);
		json_decref(data);
		T_EQ(seq, n);
		T_EQ(aud_entry_get(lg, txn, n, &e, &len, &sig), AUD_OK);
		aud_leaf_hash(e, len, leaves[n]);
		T_EQ(aud_entry_verify(key->pk, e, len, sig), AUD_OK);
	}
}

/* Fixture: a new store holding MAXN entries signed by key, sealed. */
static void
store_fixture(void)
{
	MDB_txn *txn;

	open_store();
	T_EQ(mdb_txn_begin(env, NULL, 0, &txn), 0);
	append_entries(txn);
	T_EQ(aud_seal(lg, txn, key), AUD_OK);
	T_EQ(mdb_txn_commit(txn), 0);
}

/* Fixture: store_fixture's log with the key rotated from key to key2 and
 * one entry signed by key2 after it, sealed (MAXN + 2 entries). */
static void
rotated_fixture(void)
{
	MDB_txn *txn;
	uint64_t seq;

	store_fixture();
	T_EQ(mdb_txn_begin(env, NULL, 0, &txn), 0);
	T_EQ(aud_rotate(lg, txn, key, key2, "admin"), AUD_OK);
	T_EQ(aud_append(lg, txn, key2, "after.rotation", "a", "s", NULL,
	    &seq), AUD_OK);
	T_EQ(seq, MAXN + 1);
	T_EQ(aud_seal(lg, txn, key2), AUD_OK);
	T_EQ(mdb_txn_commit(txn), 0);
}

static void
test_store_matches_reference(void)
{
	aud_hash got[AUD_MAX_PROOF], root, ref;
	size_t gn;
	uint64_t n, m;
	MDB_txn *txn;

	open_store();
	T_EQ(mdb_txn_begin(env, NULL, 0, &txn), 0);
	/* an empty log has the empty root */
	T_EQ(aud_root(lg, txn, 0, root), AUD_OK);
	aud_empty_root(ref);
	T_MEMEQ(root, ref, AUD_HASH);
	append_entries(txn);
	T_EQ(aud_seal(lg, txn, key), AUD_OK);
	T_EQ(mdb_txn_commit(txn), 0);

	T_EQ(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	for (n = 1; n <= MAXN; n++) {
		T_EQ(aud_root(lg, txn, n, root), AUD_OK);
		ref_mth(0, n, ref);
		T_MEMEQ(root, ref, AUD_HASH);
		for (m = 0; m < n; m++) {
			check_inclusion(lg, txn, m, n);
		}
		for (m = 1; m <= n; m++) {
			check_consistency(lg, txn, m, n);
		}
	}
	T_EQ(aud_prove_inclusion(lg, txn, MAXN, MAXN, got, &gn), AUD_ERANGE);
	T_EQ(aud_prove_inclusion(lg, txn, 0, MAXN + 1, got, &gn), AUD_ERANGE);
	T_EQ(aud_prove_consistency(lg, txn, 3, 2, got, &gn), AUD_ERANGE);
	mdb_txn_abort(txn);
}

/*
 * Sizes across tile boundaries (6 tree levels a record: 64 and 4096
 * leaves): roots and inclusion and consistency proofs against the
 * reference.  Then the tiles are dropped, as in a log written before them,
 * and reopening rebuilds them from the entries.
 */
#define DEEPN 4200

static void
check_deep(MDB_env *e, struct aud_log *l)
{
	static const uint64_t sizes[] = { 1, 2, 3, 17, 63, 64, 65, 127, 128,
	    129, 1000, 4095, 4096, 4097, 4160, DEEPN };
	aud_hash root, ref;
	uint64_t n, m, ms[6];
	size_t i, j;
	MDB_txn *txn;

	T_EQ(mdb_txn_begin(e, NULL, MDB_RDONLY, &txn), 0);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		T_EQ(aud_root(l, txn, n, root), AUD_OK);
		ref_mth(0, n, ref);
		T_MEMEQ(root, ref, AUD_HASH);
		ms[0] = 0, ms[1] = n - 1, ms[2] = n / 2, ms[3] = n / 3;
		ms[4] = (n * 7919) % n, ms[5] = n > 16 ? n - 17 : 0;
		for (j = 0; j < 6; j++) {
			m = ms[j];
			check_inclusion(l, txn, m, n);
			m = m + 1;
			check_consistency(l, txn, m, n);
		}
	}
	mdb_txn_abort(txn);
}

/* Append up to size in one write txn, recording leaf hashes. */
static void
append_to(MDB_txn *txn, struct aud_log *l, uint64_t from, uint64_t size,
    const char *subject)
{
	const uint8_t *sig;
	const char *ent;
	size_t len;
	uint64_t n;

	for (n = from; n < size; n++) {
		T_EQ(aud_append(l, txn, key, "test.event", "a", subject, NULL,
		    NULL), AUD_OK);
		T_EQ(aud_entry_get(l, txn, n, &ent, &len, &sig), AUD_OK);
		aud_leaf_hash(ent, len, ref_leaves[n]);
	}
}

/*
 * The store keeps copies of complete upper tiles.  A write txn that
 * completes one and reads it, then aborts, must leave nothing behind: the
 * entries appended instead give other hashes, and proofs must use those.
 */
static void
check_aborted_not_cached(MDB_env *e, struct aud_log *l)
{
	aud_hash got[AUD_MAX_PROOF], root, ref;
	uint64_t m;
	size_t gn;
	MDB_txn *txn;

	T_EQ(mdb_txn_begin(e, NULL, 0, &txn), 0);
	append_to(txn, l, DEEPN, 8192, "aborted");
	T_EQ(aud_root(l, txn, 8192, root), AUD_OK);
	T_EQ(aud_prove_inclusion(l, txn, 5000, 8192, got, &gn), AUD_OK);
	mdb_txn_abort(txn);
	T_EQ(mdb_txn_begin(e, NULL, 0, &txn), 0);
	append_to(txn, l, DEEPN, 8192, "kept");
	T_EQ(mdb_txn_commit(txn), 0);
	T_EQ(mdb_txn_begin(e, NULL, MDB_RDONLY, &txn), 0);
	for (m = 4096; m < 8192; m += 997) {	/* fills the cache ... */
		check_inclusion(l, txn, m, 8192);
	}
	for (m = 4096; m < 8192; m += 1009) {	/* ... and reads it */
		check_inclusion(l, txn, m, 8192);
	}
	T_EQ(aud_root(l, txn, 8192, root), AUD_OK);
	ref_mth(0, 8192, ref);
	T_MEMEQ(root, ref, AUD_HASH);
	mdb_txn_abort(txn);
}

/*
 * Copies of upper tiles not yet complete answer only for the size they
 * were taken at: a log growing one commit at a time, with proofs read in
 * between, must see every new node.
 */
#define GROWN (8192 + 200)

static void
check_growing(MDB_env *e, struct aud_log *l)
{
	aud_hash root, ref;
	uint64_t n, m;
	MDB_txn *txn;

	for (n = 8192; n < GROWN; n++) {
		T_EQ(mdb_txn_begin(e, NULL, 0, &txn), 0);
		append_to(txn, l, n, n + 1, "grown");
		T_EQ(mdb_txn_commit(txn), 0);
		T_EQ(mdb_txn_begin(e, NULL, MDB_RDONLY, &txn), 0);
		T_EQ(aud_root(l, txn, n + 1, root), AUD_OK);
		ref_mth(0, n + 1, ref);
		T_MEMEQ(root, ref, AUD_HASH);
		m = (n * 7919) % (n + 1);
		check_inclusion(l, txn, m, n + 1);
		check_consistency(l, txn, n - 3, n + 1);
		mdb_txn_abort(txn);
	}
}

static void
test_store_across_tiles(void)
{
	char ddir[64], cmd[128];
	struct aud_log *l;
	const uint8_t *sig;
	const char *ent;
	MDB_cursor *c;
	MDB_dbi dbi;
	MDB_env *e;
	MDB_txn *txn;
	MDB_val k, v;
	size_t len;
	uint64_t n;
	int dropped = 0;

	snprintf(ddir, sizeof(ddir), "/tmp/htq-tiles-XXXXXX");
	T_ASSERT(mkdtemp(ddir) != NULL);
	T_EQ(mdb_env_create(&e), 0);
	T_EQ(mdb_env_set_maxdbs(e, 8), 0);
	T_EQ(mdb_env_set_mapsize(e, 64 << 20), 0);
	T_EQ(mdb_env_open(e, ddir, MDB_NOTLS | MDB_NOSYNC, 0600), 0);
	T_ASSERT((ref_leaves = calloc(GROWN, sizeof(aud_hash))) != NULL);
	T_EQ(mdb_txn_begin(e, NULL, 0, &txn), 0);
	T_EQ(aud_log_open(txn, "test.example/log", &l), AUD_OK);
	for (n = 0; n < DEEPN; n++) {
		T_EQ(aud_append(l, txn, key, "test.event", "a", "s", NULL,
		    NULL), AUD_OK);
		T_EQ(aud_entry_get(l, txn, n, &ent, &len, &sig), AUD_OK);
		aud_leaf_hash(ent, len, ref_leaves[n]);
	}
	T_EQ(mdb_txn_commit(txn), 0);
	check_deep(e, l);
	check_aborted_not_cached(e, l);
	check_growing(e, l);
	aud_log_close(l);

	/* back to the pre-tile layout: no tiles, no "layout", an 'h' key */
	T_EQ(mdb_txn_begin(e, NULL, 0, &txn), 0);
	T_EQ(mdb_dbi_open(txn, "ledger_tiles", 0, &dbi), 0);
	T_EQ(mdb_cursor_open(txn, dbi, &c), 0);
	while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
		T_EQ(mdb_cursor_del(c, 0), 0);
		dropped++;
	}
	mdb_cursor_close(c);
	T_ASSERT(dropped > DEEPN / 64);
	T_EQ(mdb_dbi_open(txn, "ledger", 0, &dbi), 0);
	k.mv_size = 7;
	k.mv_data = "mlayout";
	T_EQ(mdb_del(txn, dbi, &k, NULL), 0);
	k.mv_size = 10;
	k.mv_data = "h\0\0\0\0\0\0\0\0\0";
	v.mv_size = AUD_HASH;
	v.mv_data = ref_leaves[0];
	T_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
	T_EQ(mdb_txn_commit(txn), 0);
	T_EQ(mdb_txn_begin(e, NULL, 0, &txn), 0);
	T_EQ(aud_log_open(txn, NULL, &l), AUD_OK);
	T_EQ(mdb_get(txn, dbi, &k, &v), MDB_NOTFOUND);
	T_EQ(mdb_txn_commit(txn), 0);
	check_deep(e, l);

	aud_log_close(l);
	mdb_env_close(e);
	free(ref_leaves);
	ref_leaves = leaves;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", ddir);
	T_EQ(system(cmd), 0);
}

static void
test_entries_chain_and_checkpoint(void)
{
	struct aud_entry head;
	struct aud_vkey vk;
	const uint8_t *sig;
	const char *e, *note;
	char why[128], origin[64];
	size_t len, nlen, blen, which;
	uint64_t size, n;
	aud_hash prev, root, want;
	MDB_txn *txn;

	store_fixture();
	T_EQ(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	memset(prev, 0, sizeof(prev));
	for (n = 0; n < MAXN; n++) {
		T_EQ(aud_entry_get(lg, txn, n, &e, &len, &sig), AUD_OK);
		T_EQ(aud_entry_parse(e, len, &head, why, sizeof(why)), AUD_OK);
		T_EQ(head.seq, n);
		T_STREQ(head.type, "test.event");
		T_MEMEQ(head.prev, prev, AUD_HASH);
		T_MEMEQ(head.kid, key->kid, AUD_KID);
		aud_leaf_hash(e, len, prev);
	}
	T_EQ(aud_entry_get(lg, txn, 0, &e, &len, &sig), AUD_OK);
	T_ASSERT(strncmp(e, "{\"v\":1,\"seq\":0,\"time\":\"", 23) == 0);
	T_ASSERT(strstr(e, "\"data\":{\"n\":0,\"z\":\"é/\\\"\"}") != NULL);
	T_EQ(aud_checkpoint(lg, txn, NULL, &note, &nlen), AUD_OK);
	aud_key_public(key, &vk);
	T_EQ(aud_note_verify(note, nlen, &vk, 1, &blen, &which, why,
	    sizeof(why)), AUD_OK);
	T_EQ(aud_checkpoint_parse(note, blen, origin, sizeof(origin), &size,
	    root), AUD_OK);
	T_STREQ(origin, "test.example/log");
	T_EQ(size, MAXN);
	ref_mth(0, MAXN, want);
	T_MEMEQ(root, want, AUD_HASH);
	mdb_txn_abort(txn);
}

static void
test_wrong_key_refused_and_rotation(void)
{
	const uint8_t *sig;
	const char *e, *keys;
	size_t len, klen;
	uint64_t seq;
	MDB_txn *txn;
	struct aud_entry head;
	char why[64];

	store_fixture();
	T_EQ(mdb_txn_begin(env, NULL, 0, &txn), 0);
	T_EQ(aud_append(lg, txn, key2, "x", "a", "s", NULL, &seq), AUD_EPERM);
	T_EQ(aud_rotate(lg, txn, key, key2, "admin"), AUD_OK);
	T_EQ(aud_append(lg, txn, key, "x", "a", "s", NULL, &seq), AUD_EPERM);
	T_EQ(aud_append(lg, txn, key2, "after.rotation", "a", "s", NULL,
	    &seq), AUD_OK);
	T_EQ(aud_seal(lg, txn, key2), AUD_OK);
	T_EQ(aud_entry_get(lg, txn, seq - 1, &e, &len, &sig), AUD_OK);
	T_EQ(aud_entry_parse(e, len, &head, why, sizeof(why)), AUD_OK);
	T_STREQ(head.type, "key.rotated");
	T_MEMEQ(head.kid, key->kid, AUD_KID);	/* signed by the old key */
	T_EQ(aud_entry_verify(key->pk, e, len, sig), AUD_OK);
	T_EQ(aud_entry_get(lg, txn, seq, &e, &len, &sig), AUD_OK);
	T_EQ(aud_entry_verify(key2->pk, e, len, sig), AUD_OK);
	/* checkpoints are signed on demand by the current key */
	T_EQ(aud_append(lg, txn, key2, "unsealed", "a", "s", NULL, &seq),
	    AUD_OK);
	T_EQ(aud_checkpoint(lg, txn, NULL, &e, &len), AUD_ECONFLICT);
	T_EQ(aud_checkpoint(lg, txn, key, &e, &len), AUD_EPERM);
	T_EQ(aud_checkpoint(lg, txn, key2, &e, &len), AUD_OK);
	{
		struct aud_vkey v2;
		char o[64];
		size_t bl, w;
		uint64_t sz;
		aud_hash rt, want;

		aud_key_public(key2, &v2);
		T_EQ(aud_note_verify(e, len, &v2, 1, &bl, &w, why, sizeof(why)),
		    AUD_OK);
		T_EQ(aud_checkpoint_parse(e, bl, o, sizeof(o), &sz, rt), AUD_OK);
		T_EQ(sz, seq + 1);
		T_EQ(aud_root(lg, txn, sz, want), AUD_OK);
		T_MEMEQ(rt, want, AUD_HASH);
	}
	T_EQ(aud_keys(lg, txn, &keys, &klen), AUD_OK);
	T_ASSERT(memchr(keys, '\n', klen) != NULL);
	T_ASSERT(keys[klen - 1] == '\n');
	T_EQ(mdb_txn_commit(txn), 0);
}

/* A checkpoint note of origin for size with the log's root there (or
 * root when given), signed by k; *note is the caller's. */
static void
sign_cp(MDB_txn *txn, const char *origin, uint64_t size, const aud_hash root,
    const struct aud_key *k, char **note)
{
	char body[256];
	aud_hash r;

	if (root != NULL)
		memcpy(r, root, AUD_HASH);
	else
		T_EQ(aud_root(lg, txn, size, r), AUD_OK);
	T_EQ(aud_checkpoint_body(origin, size, r, body, sizeof(body)), AUD_OK);
	T_EQ(aud_note_sign(k, body, note), AUD_OK);
}

/*
 * aud_log_check (htqctl restore): a stored log with a rotation verifies;
 * a published checkpoint inside it, signed by the key current at its
 * size, is accepted; one for more entries is AUD_ERANGE naming both
 * sizes; another root at its size (a fork), the wrong key or origin are
 * AUD_EVERIFY; a flipped signature byte is caught at its entry.
 */
static void
test_log_check(void)
{
	struct aud_check chk;
	aud_hash other;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	uint8_t ek[9] = { 'e' }, *copy;
	char why[400], *note, want[64];
	const uint64_t size = MAXN + 2;

	rotated_fixture();
	T_EQ(mdb_txn_begin(env, NULL, 0, &txn), 0);
	T_EQ(aud_log_check(lg, txn, NULL, 0, &chk, why, sizeof(why)), AUD_OK);
	T_EQ(chk.size, size);
	T_EQ(chk.nkeys, 2);
	T_EQ(aud_root(lg, txn, size, other), AUD_OK);
	T_MEMEQ(chk.root, other, AUD_HASH);
	/* published at 5, before the rotation: signed by the first key */
	sign_cp(txn, "test.example/log", 5, NULL, key, &note);
	T_EQ(aud_log_check(lg, txn, note, strlen(note), &chk, why,
	    sizeof(why)), AUD_OK);
	T_EQ(chk.pub_size, 5);
	free(note);
	sign_cp(txn, "test.example/log", 5, NULL, key2, &note);
	T_EQ(aud_log_check(lg, txn, note, strlen(note), &chk, why,
	    sizeof(why)), AUD_EVERIFY);
	free(note);
	/* published at the whole size, after it: the new key */
	sign_cp(txn, "test.example/log", size, NULL, key2, &note);
	T_EQ(aud_log_check(lg, txn, note, strlen(note), &chk, why,
	    sizeof(why)), AUD_OK);
	free(note);
	/* a longer published log: the backup would rewind it */
	sign_cp(txn, "test.example/log", size + 3, other, key2, &note);
	T_EQ(aud_log_check(lg, txn, note, strlen(note), &chk, why,
	    sizeof(why)), AUD_ERANGE);
	T_EQ(chk.entries_ok, 0);	/* refused before reading them */
	snprintf(want, sizeof(want), "has %llu entries",
	    (unsigned long long)size);
	T_ASSERT(strstr(why, want) != NULL);
	snprintf(want, sizeof(want), "checkpoint has %llu",
	    (unsigned long long)size + 3);
	T_ASSERT(strstr(why, want) != NULL);
	free(note);
	/* another root at 5: a fork */
	sign_cp(txn, "test.example/log", 5, other, key, &note);
	T_EQ(aud_log_check(lg, txn, note, strlen(note), &chk, why,
	    sizeof(why)), AUD_EVERIFY);
	T_ASSERT(strstr(why, "forked") != NULL);
	T_EQ(chk.entries_ok, 1);	/* the log is fine; the logs differ */
	free(note);
	sign_cp(txn, "other.example/log", 5, NULL, key, &note);
	T_EQ(aud_log_check(lg, txn, note, strlen(note), &chk, why,
	    sizeof(why)), AUD_EVERIFY);
	T_ASSERT(strstr(why, "origin") != NULL);
	free(note);
	T_EQ(aud_log_check(lg, txn, "not a note", 10, &chk, why,
	    sizeof(why)), AUD_EFORMAT);
	/* entry 3 with one signature byte flipped */
	T_EQ(mdb_dbi_open(txn, "ledger", 0, &dbi), 0);
	ek[8] = 3;
	k.mv_size = sizeof(ek);
	k.mv_data = ek;
	T_EQ(mdb_get(txn, dbi, &k, &v), 0);
	T_ASSERT((copy = malloc(v.mv_size)) != NULL);
	memcpy(copy, v.mv_data, v.mv_size);
	copy[0] ^= 1;
	v.mv_data = copy;
	T_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
	free(copy);
	T_EQ(aud_log_check(lg, txn, NULL, 0, &chk, why, sizeof(why)),
	    AUD_EVERIFY);
	T_ASSERT(strncmp(why, "entry 3: signature", 18) == 0);
	mdb_txn_abort(txn);
}

static void
test_signed_note_known_answer(void)
{
	static const uint8_t seed[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct aud_key *k;
	struct aud_vkey vk, parsed;
	char *note, vks[200], why[64];
	size_t blen, which;

	T_EQ(aud_key_from_seed(seed, "example.com/log", &k), AUD_OK);
	aud_key_public(k, &vk);
	T_EQ(aud_vkey_format(&vk, vks, sizeof(vks)), AUD_OK);
	T_STREQ(vks, VKEY_KAT);
	T_EQ(aud_note_sign(k, "example.com/log\n5\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", &note), AUD_OK);
	T_STREQ(note, NOTE_KAT);
	T_EQ(aud_vkey_parse(vks, &parsed), AUD_OK);
	T_EQ(aud_note_verify(note, strlen(note), &parsed, 1, &blen, &which,
	    why, sizeof(why)), AUD_OK);
	note[3] ^= 1;
	T_EQ(aud_note_verify(note, strlen(note), &parsed, 1, &blen, &which,
	    why, sizeof(why)), AUD_EVERIFY);
	free(note);
	T_ASSERT(aud_vkey_parse("example.com/log+00000000+AQ==", &parsed) !=
	    AUD_OK);
	aud_key_free(k);
}

static void
test_key_files(void)
{
	char path[128];
	struct aud_key *k;

	open_store();		/* for its directory */
	snprintf(path, sizeof(path), "%s/ledger.key", dir);
	T_EQ(aud_key_generate(path, "bad name"), AUD_EINVAL);
	T_EQ(aud_key_generate(path, "htq.test/ledger"), AUD_OK);
	T_EQ(aud_key_generate(path, "htq.test/ledger"), AUD_EEXIST);
	T_EQ(aud_key_load(path, &k), AUD_OK);
	T_STREQ(k->name, "htq.test/ledger");
	aud_key_free(k);
	T_EQ(chmod(path, 0640), 0);
	T_EQ(aud_key_load(path, &k), AUD_EPERM);
	T_ASSERT(k == NULL);
	T_EQ(chmod(path, 0600), 0);
	T_EQ(aud_key_load("/nonexistent/key", &k), AUD_ENOTFOUND);
}

static void
test_export(void)
{
	char path[128], line[4096];
	MDB_txn *txn;
	FILE *f;
	int lines = 0;

	rotated_fixture();
	snprintf(path, sizeof(path), "%s/export.jsonl", dir);
	T_ASSERT((f = fopen(path, "w")) != NULL);
	T_EQ(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	T_EQ(aud_export(lg, txn, key2, f, NULL), AUD_OK);
	mdb_txn_abort(txn);
	fclose(f);
	T_ASSERT((f = fopen(path, "r")) != NULL);
	while (fgets(line, sizeof(line), f) != NULL)
		lines++;
	fclose(f);
	T_EQ(lines, MAXN + 2 + 1);	/* entries, rotation + 1, checkpoint */
	T_ASSERT(strncmp(line, "{\"checkpoint\":", 14) == 0);
}

/* Write one export line for (seq, entry, sig). */
static void
put_line(FILE *f, uint64_t seq, const char *e, size_t len, const uint8_t *sig)
{
	char b64[100], *line;
	json_t *o;

	sodium_bin2base64(b64, sizeof(b64), sig, AUD_SIG,
	    sodium_base64_VARIANT_ORIGINAL);
	o = json_pack("{s:I,s:s%,s:s}", "seq", (json_int_t)seq, "entry", e,
	    len, "sig", b64);
	line = json_dumps(o, JSON_COMPACT);
	fprintf(f, "%s\n", line);
	free(line);
	json_decref(o);
}

/*
 * A forged rotation: entry 2 is a key.rotated naming key2, but it is
 * signed by key2 itself (claiming either key id).  htq-verify must refuse
 * both, naming entry 2.
 */
static void
test_forged_rotation_caught(void)
{
	const char *bin = getenv("BIN") ? getenv("BIN") : "bin";
	struct aud_vkey v1, v2;
	struct aud_range r;
	char path[128], cmd[512], vks[200], nks[200], body[256], *e, *note;
	uint8_t sig[AUD_SIG];
	aud_hash prev, leaf, root;
	size_t len;
	uint64_t seq;
	json_t *data;
	FILE *f;
	int variant, st;

	open_store();		/* for its directory */
	aud_key_public(key, &v1);
	aud_key_public(key2, &v2);
	aud_vkey_format(&v1, vks, sizeof(vks));
	aud_vkey_format(&v2, nks, sizeof(nks));
	for (variant = 0; variant < 2; variant++) {
		snprintf(path, sizeof(path), "%s/forged%d.jsonl", dir, variant);
		T_ASSERT((f = fopen(path, "w")) != NULL);
		aud_range_init(&r);
		memset(prev, 0, sizeof(prev));
		for (seq = 0; seq < 4; seq++) {
			int rot = seq == 2;
			const struct aud_key *signer = seq < 2 ? key :
			    (rot && variant == 0) ? key2 : key2;
			const uint8_t *kid = (seq < 2 || (rot && variant == 0))
			    ? key->kid : key2->kid;
			data = rot ? json_pack("{s:s,s:s}", "old_key", vks,
			    "new_key", nks) : json_object();
			T_EQ(aud_entry_encode(seq, "2026-11-23T00:00:00Z", rot ?
			    "key.rotated" : "x", "a", "s", data, prev, kid, &e,
			    &len), AUD_OK);
			json_decref(data);
			T_EQ(aud_entry_sign(signer, e, len, sig), AUD_OK);
			put_line(f, seq, e, len, sig);
			aud_leaf_hash(e, len, leaf);
			aud_range_append(&r, leaf);
			memcpy(prev, leaf, AUD_HASH);
			free(e);
		}
		aud_range_root(&r, root);
		aud_checkpoint_body("test.example/log", 4, root, body,
		    sizeof(body));
		T_EQ(aud_note_sign(key2, body, &note), AUD_OK);
		data = json_pack("{s:s}", "checkpoint", note);
		e = json_dumps(data, JSON_COMPACT);
		fprintf(f, "%s\n", e);
		free(e);
		free(note);
		json_decref(data);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "%s/htq-verify ledger %s --key '%s' "
		    "2>%s.err >/dev/null", bin, path, vks, path);
		st = system(cmd);
		T_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 1);
		snprintf(cmd, sizeof(cmd), "grep -q '^htq-verify: entry 2: ' "
		    "%s.err", path);
		T_EQ(system(cmd), 0);
	}
}

/* --- the canonical form (docs/ledger.md 1.2) --- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11) % n;
}

/* A random string mixing every class the encoder treats apart: plain
 * ASCII, controls, '"', '\', '/', DEL, 2-, 3- and 4-byte UTF-8. */
static json_t *
rnd_string(void)
{
	static const char *const pieces[] = { "a", "Z", "0", " ", "/", "\"",
	    "\\", "\x7f", "\x01", "\x08", "\x09", "\x0a", "\x0c", "\x0d",
	    "\x1f", "\xc3\xa9", "\xe2\x82\xac", "\xe2\x80\xa8", "\xef\xbf\xbf",
	    "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "key", "." };
	char buf[128];
	size_t n = 0, k, len;

	for (k = rnd(8); k > 0; k--) {
		const char *p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];

		len = strlen(p);
		memcpy(buf + n, p, len);
		n += len;
	}
	return json_stringn(buf, n);
}

static json_t *
rnd_value(int depth)
{
	static const json_int_t ints[] = { 0, 1, -1, 42, INT64_MAX,
	    INT64_MIN, 1000000007, -9 };
	json_t *v;
	size_t i, n;

	switch (rnd(depth > 3 ? 5 : 7)) {
	case 0:
		return json_integer(ints[rnd(8)]);
	case 1:
		return rnd_string();
	case 2:
		return json_boolean(rnd(2));
	case 3:
		return json_null();
	case 4:
		return json_integer((json_int_t)rnd(1u << 31) - (1 << 30));
	case 5:
		v = json_array();
		for (i = 0, n = rnd(4); i < n; i++)
			json_array_append_new(v, rnd_value(depth + 1));
		return v;
	default:
		v = json_object();
		for (i = 0, n = rnd(5); i < n; i++) {
			json_t *k = rnd_string();

			json_object_set_new(v, json_string_value(k),
			    rnd_value(depth + 1));
			json_decref(k);
		}
		return v;
	}
}

/* A random valid entry from the server's encoder; *out malloc'd. */
static void
rnd_entry(uint64_t seq, char **out, size_t *len)
{
	static const char *const types[] = { "standard.imported",
	    "key.rotated", "mark.awarded", "x", "a_b.c9" };
	static const char *const actors[] = { "system", "u-0123456789abcdef",
	    "admin@x:y.z-_" };
	static const char *const subjects[] = { "ST0116@1.1", "ledger",
	    "m-1", "!#$%&'()*+,-./:;<=>?@[]^_`{|}~" };
	json_t *data = json_object();
	aud_hash prev;
	uint8_t kid[AUD_KID];
	size_t i, n;

	for (i = 0, n = rnd(6); i < n; i++) {
		json_t *k = rnd_string();

		json_object_set_new(data, json_string_value(k), rnd_value(1));
		json_decref(k);
	}
	randombytes_buf(prev, sizeof(prev));
	randombytes_buf(kid, sizeof(kid));
	T_EQ(aud_entry_encode(seq, "2024-02-29T23:59:59Z", types[rnd(5)],
	    actors[rnd(3)], subjects[rnd(4)], data, prev, kid, out, len),
	    AUD_OK);
	json_decref(data);
}

/*
 * The encoder's output parses, and decoding and re-encoding it gives the
 * same bytes, for many random entries; the one-pass parser agrees.
 */
static void
test_canonical_roundtrip(void)
{
	struct aud_entry e;
	char *s, why[160];
	size_t len;
	int i;

	for (i = 0; i < 3000; i++) {
		rnd_entry((uint64_t)i * 7919, &s, &len);
		if (aud_entry_parse(s, len, &e, why, sizeof(why)) != AUD_OK)
			T_FAILF("%s: %s", why, s);
		if (aud_entry_check_reference(s, len, why, sizeof(why)) != AUD_OK)
			T_FAILF("reference: %s: %s", why, s);
		T_EQ(e.seq, (uint64_t)i * 7919);
		free(s);
	}
}

/*
 * Every single-byte change of valid entries: when the result still
 * decodes as JSON it either re-encodes to the same bytes or is refused,
 * and the one-pass parser says exactly what the definition says.
 */
static void
test_canonical_mutations(void)
{
	struct aud_entry e;
	char *s, why[160], why2[160];
	size_t len, pos;
	int i, b, orig, fast, ref, json_ok = 0, accepted = 0;
	json_t *j;

	for (i = 0; i < 2; i++) {
		rnd_entry((uint64_t)i, &s, &len);
		for (pos = 0; pos < len; pos++) {
			orig = (unsigned char)s[pos];
			for (b = 0; b < 256; b++) {
				if (b == orig)
					continue;
				s[pos] = (char)b;
				fast = aud_entry_parse(s, len, &e, why,
				    sizeof(why));
				ref = aud_entry_check_reference(s, len, why2,
				    sizeof(why2));
				if ((fast == AUD_OK) != (ref == AUD_OK))
					T_FAILF("parser %d, reference %d (%s / "
					    "%s) at %zu = %02x: %.*s", fast, ref,
					    why, why2, pos, b, (int)len, s);
				j = json_loadb(s, len, JSON_REJECT_DUPLICATES,
				    NULL);
				json_ok += j != NULL;
				accepted += fast == AUD_OK;
				json_decref(j);
			}
			s[pos] = (char)orig;
		}
		free(s);
	}
	/* some mutations stay canonical (another digit, letter, key) */
	T_ASSERT(json_ok > 0 && accepted > 0 && accepted < json_ok);
}

/*
 * Entry data given as bytes: canonical data is taken as it is, anything
 * else refused (the whole entry is parsed back before it is returned).
 */
static void
test_entry_from_data_bytes(void)
{
	static const char *const bad[] = { "{\"b\":1,\"a\":2}",
	    "{\"a\": 1}", "{\"a\":1.5}", "{\"a\":\"\\u00e9\"}", "[1]",
	    "{\"a\":1}}", "{\"a\":\"x\\u0000\"}", "{\"a\":1,\"a\":2}", "",
	    "{\"a\":\"\\/\"}" };
	static const char good[] = "{\"a\":\"\xc3\xa9/\\\"\",\"b\":[1,-2,null]}";
	aud_hash prev;
	uint8_t kid[AUD_KID];
	char *e, *e2;
	size_t i, len, len2;
	json_t *data;

	memset(prev, 7, sizeof(prev));
	memset(kid, 9, sizeof(kid));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (aud_entry_encode_data(1, "2026-11-29T00:00:00Z", "x", "a",
		    "s", bad[i], strlen(bad[i]), prev, kid, &e, &len) !=
		    AUD_EINVAL)
			T_FAILF("accepted data %s", bad[i]);
	T_EQ(aud_entry_encode_data(1, "2026-11-29T00:00:00Z", "x", "a", "s",
	    good, strlen(good), prev, kid, &e, &len), AUD_OK);
	/* the same bytes as from the JSON value */
	data = json_loads(good, 0, NULL);
	T_ASSERT(data != NULL);
	T_EQ(aud_entry_encode(1, "2026-11-29T00:00:00Z", "x", "a", "s", data,
	    prev, kid, &e2, &len2), AUD_OK);
	T_EQ(len, len2);
	T_MEMEQ(e, e2, len);
	T_ASSERT(strstr(e, good) != NULL);
	json_decref(data);
	free(e);
	free(e2);
}

/*
 * The verifier policy (docs/ledger.md 6.7): origin and keys, oldest
 * first; comments and blank lines; every departure refused with the line
 * named.  Witness lines: test_policy_witnesses.
 */
static void
test_policy_parse(void)
{
	static struct aud_policy p;
	struct aud_vkey v1, v2;
	char k1[200], k2[200], text[1024], why[256];
	static const struct {
		const char	*fmt;	/* %s: key 1 */
		int		 rc;
		const char	*why;
	} bad[] = {
		{ "origin htq.localhost/ledger\n", AUD_EFORMAT, "no key" },
		{ "key %s\n", AUD_EFORMAT, "no origin" },
		{ "origin htq.localhost/ledger\nkey %s\nwitness w %s\n",
		    AUD_EFORMAT, "line 3: witness takes one value" },
		{ "origin test.example/log\nkey %s\nquorum 1\n",
		    AUD_EFORMAT, "quorum without witness lines" },
		{ "origin htq.localhost/ledger\nkey %s\ntrust all\n",
		    AUD_EFORMAT, "line 3: unknown keyword" },
		{ "origin other.example/log\nkey %s\n", AUD_EFORMAT,
		    "not the origin" },
		{ "origin htq.localhost/ledger\nkey %s\nkey %s\n",
		    AUD_EFORMAT, "line 3: the same key twice" },
		{ "origin htq.localhost/ledger\norigin x\n", AUD_EFORMAT,
		    "line 2: a second origin" },
		{ "origin  htq.localhost/ledger\n", AUD_EFORMAT,
		    "line 1: origin takes one value" },
		{ "origin htq.localhost/ledger\r\nkey %s\n", AUD_EFORMAT,
		    "line 1: a control character" },
		{ "origin htq.localhost/ledger\nkey not-a-key\n", AUD_EFORMAT,
		    "line 2: not a verifier key" },
	};
	size_t i;

	aud_key_public(key, &v1);
	aud_key_public(key2, &v2);
	aud_vkey_format(&v1, k1, sizeof(k1));
	aud_vkey_format(&v2, k2, sizeof(k2));
	snprintf(text, sizeof(text), "# trust root\n\norigin %s\nkey %s\n"
	    "key %s", v1.name, k1, k2);
	T_EQ(aud_policy_parse(text, strlen(text), &p, why, sizeof(why)),
	    AUD_OK);
	T_ASSERT(strcmp(p.origin, v1.name) == 0);
	T_EQ(p.nkeys, 2);
	T_ASSERT(memcmp(p.keys[0].pk, v1.pk, AUD_PK) == 0);
	T_ASSERT(memcmp(p.keys[1].pk, v2.pk, AUD_PK) == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), bad[i].fmt, k1, k1);
		T_EQ(aud_policy_parse(text, strlen(text), &p, why,
		    sizeof(why)), bad[i].rc);
		if (strstr(why, bad[i].why) == NULL)
			T_FAILF("bad[%zu]: %s", i, why);
	}
	memset(text, 'a', sizeof(text));
	T_EQ(aud_policy_parse(text, sizeof(text), &p, why, sizeof(why)),
	    AUD_ETOOBIG);
}

/* Witness keys for the policy tests: seeds 1..n, names w<i>.example/w. */
static struct aud_key *
wkey(int i)
{
	uint8_t seed[32] = { 0 };
	char name[32];
	struct aud_key *k;

	seed[0] = (uint8_t)i;
	snprintf(name, sizeof(name), "w%d.example/w", i);
	if (aud_key_from_seed(seed, name, &k) != AUD_OK)
		abort();
	return k;
}

/* "origin ...\nkey ...\n" for key, then extra into buf. */
static void
policy_text(char *buf, size_t bufsz, const char *extra)
{
	struct aud_vkey v;
	char k[200];

	aud_key_public(key, &v);
	aud_vkey_format(&v, k, sizeof(k));
	snprintf(buf, bufsz, "origin %s\nkey %s\n%s", v.name, k, extra);
}

/*
 * witness, quorum and max_age (docs/ledger.md 6.7): the defaults, every
 * limit at and past its edge, duplicates, a wrong key id, a log key given
 * as a witness, quorum and max_age without witnesses; a witness's own
 * configuration refuses them.
 */
static void
test_policy_witnesses(void)
{
	static struct aud_policy p;
	static struct aud_wit_config wc;
	struct aud_key *wk[AUD_MAX_POLICY_WITNESSES + 1];
	struct aud_vkey lv;
	char v[AUD_MAX_POLICY_WITNESSES + 1][200], extra[8192], text[12288];
	char why[256], bad[200], lk[200];
	static const struct {
		const char	*extra;	/* %s: witness 1, %s: witness 2 */
		int		 rc;
		const char	*why;
	} cases[] = {
		{ "witness %s\nquorum 0\n", AUD_ERANGE, "line 4: quorum 0 is "
		    "out of range" },
		{ "witness %s\nwitness %s\nquorum 3\n", AUD_ERANGE, "quorum 3 "
		    "is more than the 2 witnesses" },
		{ "witness %s\nquorum 17\n", AUD_ERANGE, "out of range" },
		{ "witness %s\nquorum 01\n", AUD_EFORMAT, "not a decimal" },
		{ "witness %s\nquorum -1\n", AUD_EFORMAT, "not a decimal" },
		{ "witness %s\nquorum 1\nquorum 1\n", AUD_EFORMAT, "line 5: a "
		    "second quorum line" },
		{ "witness %s\nmax_age 0\n", AUD_ERANGE, "max_age 0 is out of "
		    "range" },
		{ "witness %s\nmax_age 31536001\n", AUD_ERANGE, "max_age "
		    "31536001 is out of range" },
		{ "witness %s\nmax_age 99999999999999999999999\n", AUD_EFORMAT,
		    "not a decimal" },
		{ "witness %s\nmax_age 60\nmax_age 60\n", AUD_EFORMAT, "a "
		    "second max_age" },
		{ "quorum 1\n", AUD_EFORMAT, "quorum without witness lines" },
		{ "max_age 60\n", AUD_EFORMAT, "max_age without witness lines" },
		{ "witness %s\nwitness %s\n", AUD_EFORMAT, "line 4: witness "
		    "w1.example/w twice" },
		{ "witness %s x\n", AUD_EFORMAT, "witness takes one value" },
		{ "witness\n", AUD_EFORMAT, "not \"keyword value\"" },
	};
	size_t i, n;

	for (i = 0; i <= AUD_MAX_POLICY_WITNESSES; i++) {
		wk[i] = wkey((int)i + 1);
		T_EQ(aud_cosig_vkey_format(wk[i], v[i], sizeof(v[i])), AUD_OK);
	}
	/* one witness: quorum 1 and max_age 86400 by default */
	snprintf(extra, sizeof(extra), "witness %s\n", v[0]);
	policy_text(text, sizeof(text), extra);
	T_EQ(aud_policy_parse(text, strlen(text), &p, why, sizeof(why)),
	    AUD_OK);
	T_EQ(p.nwitnesses, 1);
	T_EQ(p.quorum, 1);
	T_EQ(p.max_age, 86400);
	T_STREQ(p.witnesses[0].name, "w1.example/w");
	T_MEMEQ(p.witnesses[0].pk, wk[0]->pk, AUD_PK);
	/* without witnesses: nothing required, as before */
	policy_text(text, sizeof(text), "");
	T_EQ(aud_policy_parse(text, strlen(text), &p, why, sizeof(why)),
	    AUD_OK);
	T_EQ(p.nwitnesses + p.quorum + p.max_age, 0);
	/* 16 witnesses, quorum 16, max_age a year: the limits themselves */
	for (i = 0, n = 0; i < AUD_MAX_POLICY_WITNESSES; i++)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    "witness %s\n", v[i]);
	snprintf(extra + n, sizeof(extra) - n, "max_age 31536000\n"
	    "quorum 16\n");
	policy_text(text, sizeof(text), extra);
	T_EQ(aud_policy_parse(text, strlen(text), &p, why, sizeof(why)),
	    AUD_OK);
	T_EQ(p.nwitnesses, 16);
	T_EQ(p.quorum, 16);
	T_EQ(p.max_age, 31536000);
	/* a 17th */
	snprintf(extra + n, sizeof(extra) - n, "witness %s\n", v[16]);
	policy_text(text, sizeof(text), extra);
	T_EQ(aud_policy_parse(text, strlen(text), &p, why, sizeof(why)),
	    AUD_ETOOBIG);
	T_ASSERT(strstr(why, "more than 16 witnesses") != NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(extra, sizeof(extra), cases[i].extra, v[0], v[0]);
		if (strstr(cases[i].extra, "witness %s\nwitness %s\nquorum 3"))
			snprintf(extra, sizeof(extra), cases[i].extra, v[0],
			    v[1]);
		policy_text(text, sizeof(text), extra);
		if (aud_policy_parse(text, strlen(text), &p, why,
		    sizeof(why)) != cases[i].rc || strstr(why, cases[i].why) ==
		    NULL)
			T_FAILF("case %zu: %s", i, why);
	}
	/* a wrong key id, uppercase hex, a log key (type 0x01), a cut key */
	memcpy(bad, v[0], sizeof(bad));
	bad[strlen("w1.example/w+")] ^= 1;
	T_ASSERT(aud_cosig_vkey_parse(bad, &lv) == AUD_EFORMAT);
	for (i = strlen("w1.example/w+"); i < strlen("w1.example/w+") + 8; i++)
		bad[i] = v[0][i] >= 'a' ? (char)(v[0][i] - 32) : v[0][i];
	T_ASSERT(strcmp(bad, v[0]) == 0 ||
	    aud_cosig_vkey_parse(bad, &lv) == AUD_EFORMAT);
	aud_key_public(key, &lv);
	aud_vkey_format(&lv, lk, sizeof(lk));
	T_EQ(aud_cosig_vkey_parse(lk, &lv), AUD_EFORMAT);
	memcpy(bad, v[0], sizeof(bad));
	bad[strlen(bad) - 2] = '\0';
	T_EQ(aud_cosig_vkey_parse(bad, &lv), AUD_EFORMAT);
	T_EQ(aud_cosig_vkey_parse(v[0], &lv), AUD_OK);
	snprintf(extra, sizeof(extra), "witness %s\n", bad);
	policy_text(text, sizeof(text), extra);
	T_EQ(aud_policy_parse(text, strlen(text), &p, why, sizeof(why)),
	    AUD_EFORMAT);
	T_ASSERT(strstr(why, "line 3: not a witness's cosignature key") !=
	    NULL);
	/* the same key under two names */
	{
		uint8_t kid[AUD_KID];
		char hex[9], b64[64], *plus = strrchr(v[0], '+');

		aud_cosig_key_id("x.example/w", wk[0]->pk, kid);
		sodium_bin2hex(hex, sizeof(hex), kid, AUD_KID);
		snprintf(b64, sizeof(b64), "%s", plus + 1);
		snprintf(extra, sizeof(extra), "witness %s\nwitness "
		    "x.example/w+%s+%s\n", v[0], hex, b64);
	}
	policy_text(text, sizeof(text), extra);
	T_EQ(aud_policy_parse(text, strlen(text), &p, why, sizeof(why)),
	    AUD_EFORMAT);
	T_ASSERT(strstr(why, "twice (by name or key)") != NULL);
	/* a witness's configuration: a log section never names witnesses */
	snprintf(text, sizeof(text), "name me.example/w\nkeyfile k\norigin "
	    "test.example/log\nkey %s\nwitness %s\n", lk, v[0]);
	T_EQ(aud_wit_config_parse(text, strlen(text), &wc, why, sizeof(why)),
	    AUD_EFORMAT);
	T_ASSERT(strstr(why, "belong in a verifier's policy") != NULL);
	for (i = 0; i <= AUD_MAX_POLICY_WITNESSES; i++)
		aud_key_free(wk[i]);
}

/* Append line to the note in buf (bufsz bytes), checked. */
static void
note_add(char *buf, size_t bufsz, const char *line)
{
	size_t n = strlen(buf);

	T_ASSERT(snprintf(buf + n, bufsz - n, "%s", line) < (int)(bufsz - n));
}

/* A checkpoint note signed by key, then the cosignature lines. */
static size_t
cosigned_note(char *buf, size_t bufsz, char *body, size_t bodysz,
    const char *cosigs)
{
	aud_hash root;
	char *note;

	memset(root, 7, sizeof(root));
	T_EQ(aud_checkpoint_body(key->name, 5, root, body, bodysz), AUD_OK);
	T_EQ(aud_note_sign(key, body, &note), AUD_OK);
	snprintf(buf, bufsz, "%s%s", note, cosigs);
	free(note);
	return strlen(buf);
}

/*
 * The witness rule (docs/ledger.md 6.7): quorum, the time shown (the
 * quorum-th newest), stale, future, unknown key, bad signature, another
 * body, a malformed note, no witnesses.
 */
static void
test_policy_cosigned(void)
{
	static struct aud_policy p;
	struct aud_key *w1 = wkey(1), *w2 = wkey(2), *w3 = wkey(3);
	char v1[200], v2[200], extra[600], text[2048], body[256], other[256];
	char note[4096], c[6][300], why[600];
	const uint64_t now = 1800000000;
	uint64_t when;
	aud_hash root;
	size_t len, blen;

	aud_cosig_vkey_format(w1, v1, sizeof(v1));
	aud_cosig_vkey_format(w2, v2, sizeof(v2));
	snprintf(extra, sizeof(extra), "witness %s\nwitness %s\nmax_age 600\n",
	    v1, v2);
	policy_text(text, sizeof(text), extra);
	T_EQ(aud_policy_parse(text, strlen(text), &p, why, sizeof(why)),
	    AUD_OK);
	T_EQ(p.quorum, 2);
	len = cosigned_note(note, sizeof(note), body, sizeof(body), "");
	blen = strlen(body);
	T_EQ(aud_cosign(w1, body, blen, now - 100, c[0], sizeof(c[0])),
	    AUD_OK);
	T_EQ(aud_cosign(w2, body, blen, now - 50, c[1], sizeof(c[1])), AUD_OK);
	T_EQ(aud_cosign(w2, body, blen, now - 3600, c[2], sizeof(c[2])),
	    AUD_OK);
	T_EQ(aud_cosign(w2, body, blen, now + 301, c[3], sizeof(c[3])),
	    AUD_OK);
	T_EQ(aud_cosign(w3, body, blen, now, c[4], sizeof(c[4])), AUD_OK);
	memset(root, 8, sizeof(root));
	aud_checkpoint_body(key->name, 5, root, other, sizeof(other));
	T_EQ(aud_cosign(w2, other, strlen(other), now - 50, c[5],
	    sizeof(c[5])), AUD_OK);
	/* no cosignature at all */
	T_EQ(aud_policy_cosigned(&p, note, len, now, &when, why, sizeof(why)),
	    AUD_EVERIFY);
	T_STREQ(why, "no valid cosignature from witness w1.example/w; no "
	    "valid cosignature from witness w2.example/w");
	/* both: the older of the two is the time a quorum vouches for */
	len = cosigned_note(note, sizeof(note), body, sizeof(body), c[0]);
	note_add(note, sizeof(note), c[1]);
	len = strlen(note);
	T_EQ(aud_policy_cosigned(&p, note, len, now, &when, why, sizeof(why)),
	    AUD_OK);
	T_EQ(when, now - 100);
	/* at the edges of the window: max_age old and 300 s ahead */
	T_EQ(aud_policy_cosigned(&p, note, len, now + 500, &when, why,
	    sizeof(why)), AUD_OK);
	T_EQ(aud_policy_cosigned(&p, note, len, now + 501, &when, why,
	    sizeof(why)), AUD_EVERIFY);
	T_STREQ(why, "witness w1.example/w has not cosigned since "
	    "2027-01-15T07:58:20Z");
	T_EQ(aud_policy_cosigned(&p, note, len, now - 350, &when, why,
	    sizeof(why)), AUD_OK);
	T_EQ(when, now - 100);
	T_EQ(aud_policy_cosigned(&p, note, len, now - 351, &when, why,
	    sizeof(why)), AUD_EVERIFY);
	T_STREQ(why, "no valid cosignature from witness w2.example/w");
	/* quorum 1: the newest */
	p.quorum = 1;
	T_EQ(aud_policy_cosigned(&p, note, len, now, &when, why, sizeof(why)),
	    AUD_OK);
	T_EQ(when, now - 50);
	/* a hand-made policy's quorum 0 means all, never none */
	p.quorum = 0;
	T_EQ(aud_policy_cosigned(&p, note, len, now, &when, why, sizeof(why)),
	    AUD_OK);
	T_EQ(when, now - 100);
	p.quorum = 2;
	/* stale, future, unknown key, another body: w2 missing */
	cosigned_note(note, sizeof(note), body, sizeof(body), c[0]);
	note_add(note, sizeof(note), c[2]);
	T_EQ(aud_policy_cosigned(&p, note, strlen(note), now, &when, why,
	    sizeof(why)), AUD_EVERIFY);
	T_STREQ(why, "witness w2.example/w has not cosigned since "
	    "2027-01-15T07:00:00Z");
	T_EQ(when, 0);
	cosigned_note(note, sizeof(note), body, sizeof(body), c[0]);
	note_add(note, sizeof(note), c[3]);
	note_add(note, sizeof(note), c[4]);
	note_add(note, sizeof(note), c[5]);
	T_EQ(aud_policy_cosigned(&p, note, strlen(note), now, &when, why,
	    sizeof(why)), AUD_EVERIFY);
	T_STREQ(why, "no valid cosignature from witness w2.example/w");
	/* a bad signature: the last base64 character changed */
	cosigned_note(note, sizeof(note), body, sizeof(body), c[0]);
	c[1][strlen(c[1]) - 3] = c[1][strlen(c[1]) - 3] == 'A' ? 'B' : 'A';
	note_add(note, sizeof(note), c[1]);
	T_EQ(aud_policy_cosigned(&p, note, strlen(note), now, &when, why,
	    sizeof(why)), AUD_EVERIFY);
	T_STREQ(why, "no valid cosignature from witness w2.example/w");
	/* a malformed signature line: the note is refused */
	cosigned_note(note, sizeof(note), body, sizeof(body), c[0]);
	note_add(note, sizeof(note), "\xe2\x80\x94 w2.example/w !!\n");
	T_EQ(aud_policy_cosigned(&p, note, strlen(note), now, &when, why,
	    sizeof(why)), AUD_EFORMAT);
	/* no witnesses: nothing to check */
	policy_text(text, sizeof(text), "");
	T_EQ(aud_policy_parse(text, strlen(text), &p, why, sizeof(why)),
	    AUD_OK);
	T_EQ(aud_policy_cosigned(&p, note, strlen(note), now, &when, why,
	    sizeof(why)), AUD_OK);
	T_EQ(when, 0);
	aud_key_free(w1);
	aud_key_free(w2);
	aud_key_free(w3);
}

int
main(void)
{
	static const uint8_t s1[32] = { 42 }, s2[32] = { 43 };

	if (sodium_init() < 0)
		return 1;
	ref_leaves = leaves;
	make_leaves();
	aud_key_from_seed(s1, "test.example/log", &key);
	aud_key_from_seed(s2, "test.example/log", &key2);
	T_RUN(test_known_hashes);
	T_RUN(test_compact_range_roots);
	T_RUN(test_inclusion_proofs_verify);
	T_RUN(test_consistency_proofs_verify);
	T_RUN(test_store_matches_reference);
	T_RUN(test_store_across_tiles);
	T_RUN(test_entries_chain_and_checkpoint);
	T_RUN(test_wrong_key_refused_and_rotation);
	T_RUN(test_signed_note_known_answer);
	T_RUN(test_key_files);
	T_RUN(test_export);
	T_RUN(test_forged_rotation_caught);
	T_RUN(test_log_check);
	T_RUN(test_canonical_roundtrip);
	T_RUN(test_canonical_mutations);
	T_RUN(test_entry_from_data_bytes);
	T_RUN(test_policy_parse);
	T_RUN(test_policy_witnesses);
	T_RUN(test_policy_cosigned);
	aud_key_free(key);
	aud_key_free(key2);
	if (close_store() != 0)
		return 1;
	return T_DONE();
}
