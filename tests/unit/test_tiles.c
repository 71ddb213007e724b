/*
 * test_tiles.c - C2SP tlog-tiles (audit/tiles.c): path encoding against
 * known answers and at the limits of a 2^64-leaf tree, the canonical
 * parser's refusals, which tiles change between two sizes against a
 * brute-force comparison of both sizes' whole tile sets, entry bundles,
 * and tile contents from the store (aud_subtree_hashes) against hashes
 * computed from the leaves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <sodium.h>

#include "t.h"
#include "aud.h"

static void
check_path(int level, uint64_t n, unsigned w, const char *want)
{
	struct aud_tile t = { level, n, w }, back;
	char buf[AUD_TILE_PATH];

	T_EQ(aud_tile_path(&t, buf, sizeof(buf)), AUD_OK);
	T_STREQ(buf, want);
	T_EQ(aud_tile_parse(buf, strlen(buf), &back), AUD_OK);
	T_EQ(back.level, level);
	T_EQ(back.n, n);
	T_EQ(back.w, w);
}

static void
test_path_known_answers(void)
{
	check_path(0, 0, 256, "tile/0/000");
	check_path(0, 0, 1, "tile/0/000.p/1");
	check_path(0, 1, 255, "tile/0/001.p/255");
	check_path(0, 999, 256, "tile/0/999");
	check_path(0, 1000, 256, "tile/0/x001/000");
	check_path(0, 1234067, 256, "tile/0/x001/x234/067");
	check_path(3, 1234067, 17, "tile/3/x001/x234/067.p/17");
	check_path(AUD_TILE_ENTRIES, 0, 256, "tile/entries/000");
	check_path(AUD_TILE_ENTRIES, 5, 17, "tile/entries/005.p/17");
	check_path(AUD_TILE_ENTRIES, 1000000, 256, "tile/entries/x001/x000/000");
	/* the limits: a tree of fewer than 2^64 leaves */
	check_path(0, UINT64_MAX >> 8, 256,
	    "tile/0/x072/x057/x594/x037/x927/935");
	check_path(AUD_TILE_ENTRIES, UINT64_MAX >> 8, 255,
	    "tile/entries/x072/x057/x594/x037/x927/935.p/255");
	check_path(1, UINT64_MAX >> 16, 256, "tile/1/x281/x474/x976/x710/655");
	check_path(6, 255, 256, "tile/6/255");
	check_path(7, 0, 255, "tile/7/000.p/255");
}

static void
test_path_refusals(void)
{
	static const struct aud_tile bad[] = {
		{ 0, 0, 0 }, { 0, 0, 257 }, { 8, 0, 1 }, { -2, 0, 1 },
		{ 7, 1, 1 }, { 6, 256, 1 }, { 0, (UINT64_MAX >> 8) + 1, 1 },
		{ AUD_TILE_ENTRIES, (UINT64_MAX >> 8) + 1, 256 },
	};
	static const char *const badp[] = {
		"", "tile", "tile/", "tile/0/", "tile/0/0", "tile/0/00",
		"tile/0/0000", "tile/0/01", "tile/0/x000/001", "tile/0/x001",
		"tile/0/x001/", "tile/0/001/", "tile/0/000.p/256",
		"tile/0/000.p/0", "tile/0/000.p/05", "tile/0/000.p/",
		"tile/0/000.p/1/", "tile/0/000.p/1000", "tile/0/000.p/-1",
		"tile/8/000", "tile/9/000", "tile/00/000", "tile/-1/000",
		"tile//000", "tile/data/000", "tile/entries/", "tile/Entries/000",
		"tile/entries/000.p/x", "tile/0/X001/000", "tile/0/x01/000",
		"tile/0/ 000", "tile/0/000 ", "Tile/0/000", "/tile/0/000",
		"tile/0/x072/x057/x594/x037/x927/936",	/* past 2^56 tiles */
		"tile/0/x999/x999/x999/x999/x999/x999/x999/999",
		"tile/7/001", "tile/1/x281/x474/x976/x710/656",
		"tile/8/000.p/1",
	};
	struct aud_tile t;
	char buf[AUD_TILE_PATH];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_EQ(aud_tile_path(&bad[i], buf, sizeof(buf)), AUD_EINVAL);
	for (i = 0; i < sizeof(badp) / sizeof(badp[0]); i++)
		if (aud_tile_parse(badp[i], strlen(badp[i]), &t) != AUD_EFORMAT)
			T_FAILF("accepted \"%s\"", badp[i]);
	/* a buffer too small is refused, not overrun */
	t.level = 0;
	t.n = UINT64_MAX >> 8;
	t.w = 1;
	T_EQ(aud_tile_path(&t, buf, 20), AUD_ETOOBIG);
	/* not NUL-terminated input: only len bytes are read */
	T_EQ(aud_tile_parse("tile/0/001.p/5XXXX", 14, &t), AUD_OK);
	T_EQ(t.w, 5);
}

/* --- which tiles change, against both sizes' whole tile sets --- */

#define MAXT 4096
struct set {
	struct aud_tile t[MAXT];
	int n;
};

static int
collect(void *ctx, const struct aud_tile *t)
{
	struct set *s = ctx;

	if (s->n == MAXT)
		return 1;
	s->t[s->n++] = *t;
	return 0;
}

/* Every tile of a log of `size`, at its width then: the brute force. */
static void
all_tiles(uint64_t size, struct set *s)
{
	uint64_t count, n;
	int level;

	s->n = 0;
	for (level = AUD_TILE_ENTRIES; level <= AUD_TILE_MAXLEVEL; level++) {
		count = size >> (8 * (level < 0 ? 0 : level));
		if (level >= 0 && count == 0)
			break;
		for (n = 0; n * 256 < count; n++) {
			struct aud_tile t = { level, n, count - n * 256 >= 256 ?
			    256 : (unsigned)(count - n * 256) };
			T_ASSERT(s->n < MAXT);
			s->t[s->n++] = t;
		}
	}
}

static int
has(const struct set *s, const struct aud_tile *t)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->t[i].level == t->level && s->t[i].n == t->n &&
		    s->t[i].w == t->w)
			return 1;
	return 0;
}

static struct set s_old, s_new, s_got;

static void
check_changed(uint64_t old, uint64_t size)
{
	int i, want = 0;

	all_tiles(old, &s_old);
	all_tiles(size, &s_new);
	s_got.n = 0;
	T_EQ(aud_tiles_changed(old, size, collect, &s_got), 0);
	for (i = 0; i < s_new.n; i++) {
		if (has(&s_old, &s_new.t[i]))
			continue;
		want++;
		if (!has(&s_got, &s_new.t[i]))
			T_FAILF("%llu -> %llu: tile %d/%llu.p/%u missing",
			    (unsigned long long)old, (unsigned long long)size,
			    s_new.t[i].level,
			    (unsigned long long)s_new.t[i].n, s_new.t[i].w);
	}
	if (s_got.n != want)
		T_FAILF("%llu -> %llu: %d tiles reported, %d changed",
		    (unsigned long long)old, (unsigned long long)size,
		    s_got.n, want);
}

static void
test_changed_tiles(void)
{
	static const uint64_t edges[][2] = {
		{ 0, 0 }, { 0, 1 }, { 0, 255 }, { 254, 255 }, { 255, 256 },
		{ 256, 257 }, { 255, 257 }, { 0, 256 }, { 511, 512 },
		{ 65535, 65536 }, { 65536, 65537 }, { 0, 65537 },
		{ 65280, 65536 }, { 1, 131072 }, { 131071, 131073 },
	};
	uint64_t a, b;
	size_t i;

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		check_changed(edges[i][0], edges[i][1]);
	for (i = 0; i < 300; i++) {
		a = randombytes_uniform(70000);
		b = a + randombytes_uniform(i % 10 ? 600 : 70000);
		check_changed(a, b);
	}
	/* one entry more changes O(log n) tiles: the two level-0 ones, and
	 * one per level whose count moved */
	s_got.n = 0;
	T_EQ(aud_tiles_changed(1000, 1001, collect, &s_got), 0);
	T_EQ(s_got.n, 2);
	s_got.n = 0;
	T_EQ(aud_tiles_changed(65535, 65536, collect, &s_got), 0);
	T_EQ(s_got.n, 4);	/* entries, 0/255, 1/000, 2/000.p/1 */
	T_EQ(s_got.t[3].level, 2);
	T_EQ(s_got.t[3].w, 1);
	/* at the very top: sizes near 2^64 enumerate a handful of tiles */
	s_got.n = 0;
	T_EQ(aud_tiles_changed(UINT64_MAX - 1, UINT64_MAX, collect, &s_got),
	    0);
	T_EQ(s_got.n, 2);
	/* a carry through every level: one tile each, up to level 7 */
	s_got.n = 0;
	T_EQ(aud_tiles_changed((UINT64_C(1) << 63) - 1, UINT64_C(1) << 63,
	    collect, &s_got), 0);
	T_EQ(s_got.n, 1 + 8);
	T_EQ(s_got.t[s_got.n - 1].level, 7);
	T_EQ(s_got.t[s_got.n - 1].n, 0);
	T_EQ(s_got.t[s_got.n - 1].w, 128);
	for (i = 0; i < (size_t)s_got.n; i++) {
		char buf[AUD_TILE_PATH];

		T_EQ(aud_tile_path(&s_got.t[i], buf, sizeof(buf)), AUD_OK);
	}
	T_EQ(aud_tiles_changed(2, 1, collect, &s_got), AUD_EINVAL);
}

static void
test_bundle_parse(void)
{
	static const uint8_t ok[] = { 0, 2, 'a', 'b', 0, 1, 'c' };
	static const uint8_t cut[] = { 0, 3, 'a', 'b' };
	static const uint8_t empty[] = { 0, 0 };
	const uint8_t *e;
	size_t off = 0, len;

	T_EQ(aud_bundle_next(ok, sizeof(ok), &off, &e, &len), AUD_OK);
	T_EQ(len, 2);
	T_MEMEQ(e, "ab", 2);
	T_EQ(aud_bundle_next(ok, sizeof(ok), &off, &e, &len), AUD_OK);
	T_EQ(len, 1);
	T_EQ(aud_bundle_next(ok, sizeof(ok), &off, &e, &len), AUD_ENOTFOUND);
	off = 0;
	T_EQ(aud_bundle_next(cut, sizeof(cut), &off, &e, &len), AUD_EFORMAT);
	off = 0;
	T_EQ(aud_bundle_next(empty, sizeof(empty), &off, &e, &len),
	    AUD_EFORMAT);
	off = 0;
	T_EQ(aud_bundle_next(ok, 1, &off, &e, &len), AUD_EFORMAT);
}

/* --- tile contents from the store --- */

#define NLEAVES 600

static aud_hash lv[NLEAVES];

/* MTH of the perfect range [lo, lo + n) of lv. */
static void
perfect(uint64_t lo, uint64_t n, aud_hash out)
{
	struct aud_range r;
	uint64_t i;

	aud_range_init(&r);
	for (i = 0; i < n; i++)
		aud_range_append(&r, lv[lo + i]);
	aud_range_root(&r, out);
}

struct contents {
	struct aud_log	*lg;
	MDB_txn		*txn;
	int		 tiles;
};

static int
check_tile(void *ctx, const struct aud_tile *t)
{
	struct contents *c = ctx;
	aud_hash got[256], want;
	const uint8_t *sig;
	const char *e;
	uint64_t first;
	size_t len;
	unsigned i;
	int level;

	c->tiles++;
	aud_tile_span(t, &level, &first);
	if (t->level == AUD_TILE_ENTRIES) {
		for (i = 0; i < t->w; i++) {
			T_EQ(aud_entry_get(c->lg, c->txn, first + i, &e, &len,
			    &sig), AUD_OK);
			aud_leaf_hash(e, len, want);
			T_MEMEQ(want, lv[first + i], AUD_HASH);
		}
		return 0;
	}
	T_EQ(aud_subtree_hashes(c->lg, c->txn, level, first, t->w, got),
	    AUD_OK);
	for (i = 0; i < t->w; i++) {
		perfect((first + i) << level, UINT64_C(1) << level, want);
		T_MEMEQ(got[i], want, AUD_HASH);
	}
	return 0;
}

static void
test_tile_contents_from_store(void)
{
	struct contents c;
	struct aud_key *key;
	struct aud_log *lg;
	uint8_t seed[32] = { 7 };
	char dir[64];
	MDB_env *env;
	MDB_txn *txn;
	json_t *d;
	const uint8_t *sig;
	const char *e;
	aud_hash h[2];
	size_t len;
	int i;

	snprintf(dir, sizeof(dir), "/tmp/htq-tiles-XXXXXX");
	T_ASSERT(mkdtemp(dir) != NULL);
	T_EQ(aud_key_from_seed(seed, "test.example/log", &key), AUD_OK);
	T_EQ(mdb_env_create(&env), 0);
	T_EQ(mdb_env_set_maxdbs(env, 8), 0);
	T_EQ(mdb_env_set_mapsize(env, 64 << 20), 0);
	T_EQ(mdb_env_open(env, dir, MDB_NOTLS, 0600), 0);
	T_EQ(mdb_txn_begin(env, NULL, 0, &txn), 0);
	T_EQ(aud_log_open(txn, "test.example/log", &lg), AUD_OK);
	for (i = 0; i < NLEAVES; i++) {
		d = json_pack("{s:i}", "i", i);
		T_EQ(aud_append(lg, txn, key, "test.event", "actor-1", "subj",
		    d, NULL), AUD_OK);
		json_decref(d);
		T_EQ(aud_entry_get(lg, txn, (uint64_t)i, &e, &len, &sig),
		    AUD_OK);
		aud_leaf_hash(e, len, lv[i]);
	}
	T_EQ(mdb_txn_commit(txn), 0);
	T_EQ(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	memset(&c, 0, sizeof(c));
	c.lg = lg;
	c.txn = txn;
	T_EQ(aud_tiles_changed(0, NLEAVES, check_tile, &c), 0);
	T_EQ(c.tiles, 3 + 3 + 1);	/* entries 000 001 002.p/88, same at
					 * level 0, 1/000.p/2 */
	/* nothing past the log's size */
	T_EQ(aud_subtree_hashes(lg, txn, 8, 2, 1, h), AUD_ERANGE);
	T_EQ(aud_subtree_hashes(lg, txn, 0, NLEAVES - 1, 2, h), AUD_ERANGE);
	T_EQ(aud_subtree_hashes(lg, txn, 0, UINT64_MAX, 1, h), AUD_ERANGE);
	T_EQ(aud_subtree_hashes(lg, txn, 9, 0, 1, h), AUD_OK);
	T_EQ(aud_subtree_hashes(lg, txn, 9, 1, 1, h), AUD_ERANGE);
	T_EQ(aud_subtree_hashes(lg, txn, 64, 0, 1, h), AUD_EINVAL);
	mdb_txn_abort(txn);
	aud_log_close(lg);
	mdb_env_close(env);
	aud_key_free(key);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		T_EQ(system(cmd), 0);
	}
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	T_RUN(test_path_known_answers);
	T_RUN(test_path_refusals);
	T_RUN(test_changed_tiles);
	T_RUN(test_bundle_parse);
	T_RUN(test_tile_contents_from_store);
	return T_DONE();
}
