/*
 * store.c - the ledger in LMDB.
 *
 * Two named databases in the caller's environment.  "ledger", keyed by a
 * one-byte prefix:
 *   'e' seq (8 bytes big-endian) -> signature (64) || entry bytes
 *   'm' name -> "size", "kid" (current key id), "keys" (verifier keys,
 *       one per line, oldest first), "checkpoint" + "cp_size", "origin",
 *       "layout" (of the stored hashes)
 * and "ledger_tiles", a small B-tree of its own so that a proof descends
 * two levels rather than through the entries:
 *   tile level << 56 | index (native integer key) -> 126 stored hashes
 *       (the perfect subtrees of transparency logs), 6 tree levels a
 *       record; see "Tiles" below
 *
 * Appending stores the leaf hash and each subtree it completes: O(log n)
 * work, nothing re-hashed.  Any tree root and any proof is assembled from
 * O(log n) stored hashes read from O(log n / 6) records, never by walking
 * the entries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <sodium.h>

#include "aud.h"

struct aud_log {
	MDB_dbi		 dbi;
	MDB_dbi		 tdbi;		/* "ledger_tiles" */
	char		*cp;		/* checkpoint signed on demand */
	size_t		 cplen;
	uint64_t	 cpsize;
	uint8_t		 cpkid[AUD_KID];
	char		 origin[AUD_MAX_ORIGIN + 1];
};

static int
mdb_to_htq(int rc)
{
	switch (rc) {
	case 0:
		return AUD_OK;
	case MDB_NOTFOUND:
		return AUD_ENOTFOUND;
	case MDB_MAP_FULL:
		return AUD_EFULL;
	default:
		return AUD_EDB;
	}
}

static void
be64(uint8_t out[8], uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

static uint64_t
get_be64(const uint8_t in[8])
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return v;
}

#define META_KEY	32

static int
meta_key(const char *name, char *buf, MDB_val *k)
{
	size_t n = strlen(name);

	if (n + 1 > META_KEY)
		return AUD_EINVAL;
	buf[0] = 'm';
	memcpy(buf + 1, name, n);
	k->mv_size = n + 1;
	k->mv_data = buf;
	return AUD_OK;
}

static int
meta_get(struct aud_log *l, MDB_txn *txn, const char *name, MDB_val *v)
{
	char buf[META_KEY];
	MDB_val k;
	int rc;

	if ((rc = meta_key(name, buf, &k)) != AUD_OK)
		return rc;
	return mdb_to_htq(mdb_get(txn, l->dbi, &k, v));
}

static int
meta_put(struct aud_log *l, MDB_txn *txn, const char *name, const void *val,
    size_t len)
{
	char buf[META_KEY];
	MDB_val k, v = { len, (void *)val };
	int rc;

	if ((rc = meta_key(name, buf, &k)) != AUD_OK)
		return rc;
	return mdb_to_htq(mdb_put(txn, l->dbi, &k, &v, 0));
}

/* 'e' || seq, big-endian so that entries sort in order. */
static void
entry_key(uint8_t key[9], uint64_t seq)
{
	key[0] = 'e';
	be64(key + 1, seq);
}

/* Open a database; create it (with flags) only when missing. */
static int
open_dbi(MDB_txn *txn, const char *name, unsigned flags, MDB_dbi *dbi)
{
	int rc = mdb_dbi_open(txn, name, 0, dbi);

	if (rc == MDB_NOTFOUND)
		rc = mdb_dbi_open(txn, name, MDB_CREATE | flags, dbi);
	return rc;
}

static int	upgrade_layout(struct aud_log *, MDB_txn *);

int
aud_log_open(MDB_txn *txn, const char *origin, struct aud_log **out)
{
	struct aud_log *l;
	MDB_val v;
	int rc;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return AUD_ENOMEM;
	/* Open existing databases; create them only in a write txn (a
	 * read-only txn gets EACCES and the log simply does not exist). */
	if ((rc = open_dbi(txn, "ledger", 0, &l->dbi)) != 0 ||
	    (rc = open_dbi(txn, "ledger_tiles", MDB_INTEGERKEY, &l->tdbi)) != 0) {
		free(l);
		return rc == EACCES ? AUD_ENOTFOUND : mdb_to_htq(rc);
	}
	if (meta_get(l, txn, "origin", &v) == AUD_OK &&
	    v.mv_size < sizeof(l->origin)) {
		memcpy(l->origin, v.mv_data, v.mv_size);
		l->origin[v.mv_size] = '\0';
	} else {
		snprintf(l->origin, sizeof(l->origin), "%s",
		    origin ? origin : AUD_DEFAULT_ORIGIN);
		if (!aud_name_valid(l->origin)) {
			free(l);
			return AUD_EINVAL;
		}
	}
	if ((rc = upgrade_layout(l, txn)) != AUD_OK) {
		free(l);
		return rc;
	}
	*out = l;
	return AUD_OK;
}

void
aud_log_close(struct aud_log *l)
{
	if (l != NULL) {
		free(l->cp);
	}
	free(l);
}

int
aud_log_drop(struct aud_log *l, MDB_txn *txn)
{
	int rc;

	if ((rc = mdb_drop(txn, l->dbi, 0)) == 0)
		rc = mdb_drop(txn, l->tdbi, 0);
	return mdb_to_htq(rc);
}

const char *
aud_log_origin(const struct aud_log *l)
{
	return l->origin;
}

int
aud_size(struct aud_log *l, MDB_txn *txn, uint64_t *size)
{
	MDB_val v;
	int rc = meta_get(l, txn, "size", &v);

	*size = 0;
	if (rc == AUD_ENOTFOUND)
		return AUD_OK;
	if (rc != AUD_OK)
		return rc;
	if (v.mv_size != 8)
		return AUD_EFORMAT;
	*size = get_be64(v.mv_data);
	return AUD_OK;
}

/*
 * Tiles.  Stored hashes live in tiles.  Tile (t, i) holds the perfect
 * subtrees at tree levels 6t .. 6t+5 below node (6t+6, i): 64 + 32 + ... + 2
 * = 126 hashes, level by level, in one record of 4032 bytes, which LMDB
 * keeps on a page of its own.  A proof over n leaves then reads about
 * log64(n) records (4 at a million leaves, all but one from a handful of
 * hot pages) instead of log2(n) keys, and an append rewrites one record
 * (two when it completes a 64-leaf subtree, and so on).  A record fills up
 * as leaves arrive; slots not yet filled are zero and never read, since
 * every reader asks only for subtrees inside a size it checked.
 */
#define TILE_H		6
#define TILE_SLOTS	((2 << TILE_H) - 2)
#define TILE_BYTES	(TILE_SLOTS * AUD_HASH)
#define TILE_LEVELS	(64 / TILE_H + 1)
#define LAYOUT		"tiles6/3"

/* First slot of tree level j (0 <= j < TILE_H) within a tile. */
#define TILE_BASE(j)	((2 << TILE_H) - (2 << (TILE_H - (j))))

/* Where node (level, index) lives: tile level, tile index, slot. */
struct place {
	int		 t;
	uint64_t	 tile;
	int		 slot;
};

static void
place(int level, uint64_t index, struct place *p)
{
	int j = level % TILE_H;

	p->t = level / TILE_H;
	p->tile = index >> (TILE_H - j);
	p->slot = TILE_BASE(j) +
	    (int)(index & ((UINT64_C(1) << (TILE_H - j)) - 1));
}

/* Tiles are keyed by a native integer (MDB_INTEGERKEY: compared as
 * numbers, not bytes): tile level in the top byte, index below. */
static void
tile_key(uint64_t *key, int t, uint64_t tile)
{
	*key = (uint64_t)t << 56 | tile;
}

/*
 * One call's view of the tree: the last tile read at each tile level, as
 * pointers into the map (valid while the transaction neither writes nor
 * ends, which holds for the length of one read-only call).
 */
struct reader {
	struct aud_log	*l;
	MDB_txn		*txn;
	uint64_t	 tile[TILE_LEVELS];
	const uint8_t	*data[TILE_LEVELS];
};

static void
reader_init(struct reader *r, struct aud_log *l, MDB_txn *txn)
{
	r->l = l;
	r->txn = txn;
	memset(r->data, 0, sizeof(r->data));
}

/* Tile `key`, read in place from the B-tree. */
static int
tile_get(struct reader *r, uint64_t key, const uint8_t **data)
{
	MDB_val k = { sizeof(key), &key }, v;
	int rc;

	if ((rc = mdb_to_htq(mdb_get(r->txn, r->l->tdbi, &k, &v))) != AUD_OK)
		return rc == AUD_ENOTFOUND ? AUD_EFORMAT : rc;
	if (v.mv_size != TILE_BYTES)
		return AUD_EFORMAT;
	*data = v.mv_data;
	return AUD_OK;
}

static int
hash_get(struct reader *r, int level, uint64_t index, aud_hash out)
{
	struct place p;
	uint64_t key;
	int rc;

	place(level, index, &p);
	if (r->data[p.t] == NULL || r->tile[p.t] != p.tile) {
		tile_key(&key, p.t, p.tile);
		if ((rc = tile_get(r, key, &r->data[p.t])) != AUD_OK) {
			r->data[p.t] = NULL;
			return rc;
		}
		r->tile[p.t] = p.tile;
	}
	memcpy(out, r->data[p.t] + p.slot * AUD_HASH, AUD_HASH);
	return AUD_OK;
}

/*
 * Store leaf `index` (the size before this append) and every subtree it
 * completes.  A right child's sibling sits in the slot before it, in the
 * same tile; each tile touched is read and written once.
 */
static int
tree_add(struct aud_log *l, MDB_txn *txn, uint64_t index, const aud_hash leaf)
{
	uint8_t buf[TILE_BYTES];
	uint64_t key;
	MDB_val k = { sizeof(key), &key }, v;
	struct place p;
	aud_hash h;
	int level, t = -1, rc;

	memcpy(h, leaf, AUD_HASH);
	for (level = 0;; level++, index >>= 1) {
		place(level, index, &p);
		if (p.t != t) {
			v.mv_size = TILE_BYTES;
			v.mv_data = buf;
			if (t >= 0 && (rc = mdb_put(txn, l->tdbi, &k, &v, 0)) != 0)
				return mdb_to_htq(rc);
			t = p.t;
			tile_key(&key, t, p.tile);
			rc = mdb_get(txn, l->tdbi, &k, &v);
			if (rc == MDB_NOTFOUND)
				memset(buf, 0, sizeof(buf));
			else if (rc != 0)
				return mdb_to_htq(rc);
			else if (v.mv_size != TILE_BYTES)
				return AUD_EFORMAT;
			else
				memcpy(buf, v.mv_data, TILE_BYTES);
		}
		memcpy(buf + p.slot * AUD_HASH, h, AUD_HASH);
		if ((index & 1) == 0)
			break;
		aud_node_hash(buf + (p.slot - 1) * AUD_HASH, h, h);
	}
	v.mv_size = TILE_BYTES;
	v.mv_data = buf;
	return mdb_to_htq(mdb_put(txn, l->tdbi, &k, &v, 0));
}

/*
 * A log whose stored hashes have another layout (one key per hash, prefix
 * 'h', before tiles; or tiles of another height) gets its tiles rebuilt
 * from the entries on first open, in the opener's write transaction.
 */
static int
drop_prefix(struct aud_log *l, MDB_txn *txn, char prefix)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, l->dbi, &c)) != 0)
		return mdb_to_htq(rc);
	k.mv_size = 1;
	k.mv_data = &prefix;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && ((const char *)k.mv_data)[0] == prefix;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? AUD_OK : mdb_to_htq(rc);
}

static int
upgrade_layout(struct aud_log *l, MDB_txn *txn)
{
	uint64_t size, seq;
	const uint8_t *sig;
	const char *e;
	aud_hash leaf;
	MDB_val v;
	size_t len;
	int rc;

	if (meta_get(l, txn, "layout", &v) == AUD_OK &&
	    v.mv_size == strlen(LAYOUT) &&
	    memcmp(v.mv_data, LAYOUT, v.mv_size) == 0)
		return AUD_OK;
	if ((rc = aud_size(l, txn, &size)) != AUD_OK ||
	    (rc = drop_prefix(l, txn, 'h')) != AUD_OK ||
	    (rc = drop_prefix(l, txn, 't')) != AUD_OK ||
	    (rc = mdb_to_htq(mdb_drop(txn, l->tdbi, 1))) != AUD_OK ||
	    (rc = mdb_to_htq(open_dbi(txn, "ledger_tiles", MDB_INTEGERKEY,
	    &l->tdbi))) != AUD_OK)
		return rc;
	for (seq = 0; seq < size; seq++) {
		if ((rc = aud_entry_get(l, txn, seq, &e, &len, &sig)) != AUD_OK)
			return rc;
		aud_leaf_hash(e, len, leaf);
		if ((rc = tree_add(l, txn, seq, leaf)) != AUD_OK)
			return rc;
	}
	return meta_put(l, txn, "layout", LAYOUT, strlen(LAYOUT));
}

int
aud_current_kid(struct aud_log *l, MDB_txn *txn, uint8_t kid[AUD_KID])
{
	MDB_val v;
	int rc = meta_get(l, txn, "kid", &v);

	memset(kid, 0, AUD_KID);
	if (rc == AUD_ENOTFOUND)
		return AUD_OK;
	if (rc == AUD_OK && v.mv_size == AUD_KID)
		memcpy(kid, v.mv_data, AUD_KID);
	return rc;
}

/* Append the verifier key of k to the "keys" list and make it current. */
static int
add_key(struct aud_log *l, MDB_txn *txn, const struct aud_key *k)
{
	struct aud_vkey vk;
	char line[AUD_MAX_ORIGIN + 100], *buf;
	MDB_val v;
	size_t old = 0;
	int rc;

	aud_key_public(k, &vk);
	if ((rc = aud_vkey_format(&vk, line, sizeof(line))) != AUD_OK)
		return rc;
	rc = meta_get(l, txn, "keys", &v);
	if (rc == AUD_OK)
		old = v.mv_size;
	else if (rc != AUD_ENOTFOUND)
		return rc;
	if ((buf = malloc(old + strlen(line) + 2)) == NULL)
		return AUD_ENOMEM;
	if (old)
		memcpy(buf, v.mv_data, old);
	memcpy(buf + old, line, strlen(line));
	buf[old + strlen(line)] = '\n';
	rc = meta_put(l, txn, "keys", buf, old + strlen(line) + 1);
	free(buf);
	if (rc == AUD_OK)
		rc = meta_put(l, txn, "kid", k->kid, AUD_KID);
	if (rc == AUD_OK)
		rc = meta_put(l, txn, "origin", l->origin, strlen(l->origin));
	return rc;
}

/* The key must be the log's current key; the first key becomes it. */
static int
check_key(struct aud_log *l, MDB_txn *txn, const struct aud_key *k)
{
	static const uint8_t none[AUD_KID];
	uint8_t kid[AUD_KID];
	int rc;

	if ((rc = aud_current_kid(l, txn, kid)) != AUD_OK)
		return rc;
	if (memcmp(kid, none, AUD_KID) == 0)
		return add_key(l, txn, k);
	return memcmp(kid, k->kid, AUD_KID) == 0 ? AUD_OK : AUD_EPERM;
}

int
aud_append(struct aud_log *l, MDB_txn *txn, const struct aud_key *k,
    const char *type, const char *actor, const char *subject,
    const json_t *data, uint64_t *seq_out)
{
	char *d;
	size_t dlen;
	int rc;

	if ((rc = aud_data_encode(data, &d, &dlen)) != AUD_OK)
		return rc;
	rc = aud_append_data(l, txn, k, type, actor, subject, d, dlen,
	    seq_out);
	free(d);
	return rc;
}

int
aud_append_data(struct aud_log *l, MDB_txn *txn, const struct aud_key *k,
    const char *type, const char *actor, const char *subject,
    const char *data, size_t dlen, uint64_t *seq_out)
{
	struct reader r[1];
	aud_hash prev, leaf;
	uint8_t seqkey[9], sizeval[8], *rec = NULL;
	char now[32], *entry = NULL;
	MDB_val key = { sizeof(seqkey), seqkey }, val;
	uint64_t size;
	size_t len;
	int rc;

	if ((rc = check_key(l, txn, k)) != AUD_OK ||
	    (rc = aud_size(l, txn, &size)) != AUD_OK)
		return rc;
	reader_init(r, l, txn);
	if (size == 0)
		memset(prev, 0, sizeof(prev));
	else if ((rc = hash_get(r, 0, size - 1, prev)) != AUD_OK)
		return rc;
	aud_time_now(now);
	if ((rc = aud_entry_encode_data(size, now, type, actor, subject, data,
	    dlen, prev, k->kid, &entry, &len)) != AUD_OK)
		return rc;
	if ((rec = malloc(AUD_SIG + len)) == NULL) {
		rc = AUD_ENOMEM;
		goto out;
	}
	/* signed and the signature checked before anything is stored */
	if ((rc = aud_entry_sign(k, entry, len, rec)) != AUD_OK)
		goto out;
	memcpy(rec + AUD_SIG, entry, len);
	entry_key(seqkey, size);
	val.mv_size = AUD_SIG + len;
	val.mv_data = rec;
	if ((rc = mdb_to_htq(mdb_put(txn, l->dbi, &key, &val, MDB_NOOVERWRITE)))
	    != AUD_OK)
		goto out;
	aud_leaf_hash(entry, len, leaf);
	if ((rc = tree_add(l, txn, size, leaf)) != AUD_OK)
		goto out;
	be64(sizeval, size + 1);
	if ((rc = meta_put(l, txn, "size", sizeval, 8)) != AUD_OK)
		goto out;
	if (seq_out != NULL)
		*seq_out = size;
out:
	free(entry);
	free(rec);
	return rc;
}

/* Largest power of two strictly less than n (n >= 2). */
static uint64_t
split(uint64_t n)
{
	return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

/*
 * MTH of leaves [lo, hi): a perfect aligned subtree is one stored hash;
 * otherwise split as RFC 6962 does.  Every split point in the recursions
 * used here is aligned, so the left part is always stored.
 */
static int
subtree(struct reader *r, uint64_t lo, uint64_t hi,
    aud_hash out)
{
	uint64_t n = hi - lo, k;
	aud_hash a, b;
	int level, rc;

	if ((n & (n - 1)) == 0 && (lo & (n - 1)) == 0) {
		level = __builtin_ctzll(n);
		return hash_get(r, level, lo >> level, out);
	}
	k = split(n);
	if ((rc = subtree(r, lo, lo + k, a)) != AUD_OK ||
	    (rc = subtree(r, lo + k, hi, b)) != AUD_OK)
		return rc;
	aud_node_hash(a, b, out);
	return AUD_OK;
}

int
aud_root(struct aud_log *l, MDB_txn *txn, uint64_t size, aud_hash out)
{
	uint64_t cur;
	struct reader r[1];
	int rc;

	if ((rc = aud_size(l, txn, &cur)) != AUD_OK)
		return rc;
	if (size > cur)
		return AUD_ERANGE;
	if (size == 0) {
		aud_empty_root(out);
		return AUD_OK;
	}
	reader_init(r, l, txn);
	return subtree(r, 0, size, out);
}

/*
 * Perfect subtree hashes straight from the stored tiles, in order, with
 * one reader: a C2SP hash tile of 256 hashes reads a handful of records.
 */
int
aud_subtree_hashes(struct aud_log *l, MDB_txn *txn, int level,
    uint64_t first, size_t count, aud_hash *out)
{
	struct reader r[1];
	uint64_t cur;
	size_t i;
	int rc;

	if (level < 0 || level > 63 || count == 0)
		return AUD_EINVAL;
	if ((rc = aud_size(l, txn, &cur)) != AUD_OK)
		return rc;
	if (first > (cur >> level) || count > (cur >> level) - first)
		return AUD_ERANGE;
	reader_init(r, l, txn);
	for (i = 0; i < count; i++)
		if ((rc = hash_get(r, level, first + i, out[i])) != AUD_OK)
			return rc;
	return AUD_OK;
}

/* PATH(m, D[lo:hi]) of RFC 6962 2.1.1, leaf level first. */
static int
path(struct reader *r, uint64_t m, uint64_t lo, uint64_t hi,
    aud_hash *out, size_t *n)
{
	uint64_t k;
	int rc;

	if (hi - lo <= 1)
		return AUD_OK;
	k = split(hi - lo);
	if (m < k) {
		if ((rc = path(r, m, lo, lo + k, out, n)) != AUD_OK)
			return rc;
		rc = subtree(r, lo + k, hi, out[(*n)++]);
	} else {
		if ((rc = path(r, m - k, lo + k, hi, out, n)) != AUD_OK)
			return rc;
		rc = subtree(r, lo, lo + k, out[(*n)++]);
	}
	return rc;
}

/* SUBPROOF(m, D[lo:hi], b) of RFC 6962 2.1.2. */
static int
subproof(struct reader *r, uint64_t m, uint64_t lo,
    uint64_t hi, int b, aud_hash *out, size_t *n)
{
	uint64_t k;
	int rc;

	if (m == hi - lo) {
		if (b)
			return AUD_OK;
		return subtree(r, lo, hi, out[(*n)++]);
	}
	k = split(hi - lo);
	if (m <= k) {
		if ((rc = subproof(r, m, lo, lo + k, b, out, n)) != AUD_OK)
			return rc;
		return subtree(r, lo + k, hi, out[(*n)++]);
	}
	if ((rc = subproof(r, m - k, lo + k, hi, 0, out, n)) != AUD_OK)
		return rc;
	return subtree(r, lo, lo + k, out[(*n)++]);
}

int
aud_prove_inclusion(struct aud_log *l, MDB_txn *txn, uint64_t index,
    uint64_t size, aud_hash *out, size_t *n)
{
	uint64_t cur;
	struct reader r[1];
	int rc;

	*n = 0;
	reader_init(r, l, txn);
	if ((rc = aud_size(l, txn, &cur)) != AUD_OK)
		return rc;
	if (size > cur || index >= size)
		return AUD_ERANGE;
	return path(r, index, 0, size, out, n);
}

int
aud_prove_consistency(struct aud_log *l, MDB_txn *txn, uint64_t m,
    uint64_t n, aud_hash *out, size_t *k)
{
	uint64_t cur;
	struct reader r[1];
	int rc;

	*k = 0;
	if ((rc = aud_size(l, txn, &cur)) != AUD_OK)
		return rc;
	if (n > cur || m > n)
		return AUD_ERANGE;
	if (m == 0 || m == n)
		return AUD_OK;
	reader_init(r, l, txn);
	return subproof(r, m, 0, n, 1, out, k);
}

int
aud_seal(struct aud_log *l, MDB_txn *txn, const struct aud_key *k)
{
	char body[AUD_MAX_ORIGIN + 100], *note = NULL;
	uint8_t cps[8];
	uint64_t size;
	aud_hash root;
	MDB_val v;
	int rc;

	if ((rc = aud_size(l, txn, &size)) != AUD_OK)
		return rc;
	if (meta_get(l, txn, "cp_size", &v) == AUD_OK && v.mv_size == 8 &&
	    get_be64(v.mv_data) == size)
		return AUD_OK;
	if ((rc = check_key(l, txn, k)) != AUD_OK ||
	    (rc = aud_root(l, txn, size, root)) != AUD_OK ||
	    (rc = aud_checkpoint_body(l->origin, size, root, body,
	    sizeof(body))) != AUD_OK ||
	    (rc = aud_note_sign(k, body, &note)) != AUD_OK)
		return rc;
	be64(cps, size);
	if ((rc = meta_put(l, txn, "checkpoint", note, strlen(note))) == AUD_OK)
		rc = meta_put(l, txn, "cp_size", cps, 8);
	free(note);
	return rc;
}

int
aud_rotate(struct aud_log *l, MDB_txn *txn, const struct aud_key *old,
    const struct aud_key *new_key, const char *actor)
{
	struct aud_vkey ov, nv;
	char os[AUD_MAX_ORIGIN + 100], ns[AUD_MAX_ORIGIN + 100];
	MDB_val kv;
	json_t *data;
	int rc;

	/* docs/ledger.md 3: the new key is new and has the same name */
	if (memcmp(old->kid, new_key->kid, AUD_KID) == 0 ||
	    memcmp(old->pk, new_key->pk, AUD_PK) == 0 ||
	    strcmp(old->name, new_key->name) != 0)
		return AUD_EINVAL;
	aud_key_public(old, &ov);
	aud_key_public(new_key, &nv);
	if ((rc = aud_vkey_format(&ov, os, sizeof(os))) != AUD_OK ||
	    (rc = aud_vkey_format(&nv, ns, sizeof(ns))) != AUD_OK)
		return rc;
	/* never back to a retired key: verifiers refuse that */
	if (meta_get(l, txn, "keys", &kv) == AUD_OK) {
		const char *p = kv.mv_data, *end = p + kv.mv_size, *nl;

		for (; p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				nl = end;
			if ((size_t)(nl - p) == strlen(ns) &&
			    memcmp(p, ns, strlen(ns)) == 0)
				return AUD_EINVAL;
		}
	}
	if ((data = json_pack("{s:s,s:s}", "old_key", os, "new_key", ns)) ==
	    NULL)
		return AUD_ENOMEM;
	rc = aud_append(l, txn, old, "key.rotated", actor, "ledger", data,
	    NULL);
	json_decref(data);
	if (rc != AUD_OK)
		return rc;
	return add_key(l, txn, new_key);
}

int
aud_entry_get(struct aud_log *l, MDB_txn *txn, uint64_t seq,
    const char **entry, size_t *len, const uint8_t **sig)
{
	uint8_t key[9];
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	entry_key(key, seq);
	if ((rc = mdb_to_htq(mdb_get(txn, l->dbi, &k, &v))) != AUD_OK)
		return rc;
	if (v.mv_size <= AUD_SIG)
		return AUD_EFORMAT;
	*sig = v.mv_data;
	*entry = (const char *)v.mv_data + AUD_SIG;
	*len = v.mv_size - AUD_SIG;
	return AUD_OK;
}

/* A metadata value as a pointer into LMDB, valid until txn ends. */
static int
meta_text(struct aud_log *l, MDB_txn *txn, const char *name,
    const char **text, size_t *len)
{
	MDB_val v;
	int rc = meta_get(l, txn, name, &v);

	if (rc != AUD_OK)
		return rc;
	*text = v.mv_data;
	*len = v.mv_size;
	return AUD_OK;
}

/*
 * The checkpoint for the current size.  A stored one (aud_seal) is used
 * when it is current; otherwise it is signed now with key and kept in the
 * log handle until the size changes.  Ed25519 is deterministic, so every
 * process signs the same note for the same size.  AUD_EPERM when key is
 * not the log's current key (reload it), AUD_ECONFLICT without a key.
 */
int
aud_checkpoint(struct aud_log *l, MDB_txn *txn, const struct aud_key *key,
    const char **note, size_t *len)
{
	static const uint8_t none[AUD_KID];
	char body[AUD_MAX_ORIGIN + 100], *signed_note;
	uint8_t kid[AUD_KID];
	uint64_t size;
	aud_hash root;
	MDB_val v;
	int rc;

	if ((rc = aud_size(l, txn, &size)) != AUD_OK)
		return rc;
	if (meta_get(l, txn, "cp_size", &v) == AUD_OK && v.mv_size == 8 &&
	    get_be64(v.mv_data) == size)
		return meta_text(l, txn, "checkpoint", note, len);
	if (key == NULL)
		return AUD_ECONFLICT;
	if ((rc = aud_current_kid(l, txn, kid)) != AUD_OK)
		return rc;
	if (memcmp(kid, none, AUD_KID) == 0)	/* empty log, no key yet */
		memcpy(kid, key->kid, AUD_KID);
	if (memcmp(kid, key->kid, AUD_KID) != 0)
		return AUD_EPERM;
	if (l->cp != NULL && l->cpsize == size &&
	    memcmp(l->cpkid, kid, AUD_KID) == 0) {
		*note = l->cp;
		*len = l->cplen;
		return AUD_OK;
	}
	if ((rc = aud_root(l, txn, size, root)) != AUD_OK ||
	    (rc = aud_checkpoint_body(l->origin, size, root, body,
	    sizeof(body))) != AUD_OK ||
	    (rc = aud_note_sign(key, body, &signed_note)) != AUD_OK)
		return rc;
	free(l->cp);
	l->cp = signed_note;
	l->cplen = strlen(signed_note);
	l->cpsize = size;
	memcpy(l->cpkid, kid, AUD_KID);
	*note = l->cp;
	*len = l->cplen;
	return AUD_OK;
}

int
aud_keys(struct aud_log *l, MDB_txn *txn, const char **text, size_t *len)
{
	return meta_text(l, txn, "keys", text, len);
}

int
aud_export(struct aud_log *l, MDB_txn *txn, const struct aud_key *key,
    FILE *out, void (*progress)(uint64_t, uint64_t))
{
	char b64[sodium_base64_ENCODED_LEN(AUD_SIG,
	    sodium_base64_VARIANT_ORIGINAL)], *line;
	const char *note;
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t size, seq = 0;
	uint8_t first[9];
	size_t nlen;
	json_t *o;
	int rc, op = MDB_SET_RANGE;

	if ((rc = aud_size(l, txn, &size)) != AUD_OK ||
	    (rc = aud_checkpoint(l, txn, key, &note, &nlen)) != AUD_OK)
		return rc;
	if ((rc = mdb_to_htq(mdb_cursor_open(txn, l->dbi, &cur))) != AUD_OK)
		return rc;
	entry_key(first, 0);
	k.mv_size = sizeof(first);
	k.mv_data = first;
	while (seq < size && mdb_cursor_get(cur, &k, &v, op) == 0) {
		op = MDB_NEXT;
		if (k.mv_size != 9 || ((uint8_t *)k.mv_data)[0] != 'e' ||
		    get_be64((uint8_t *)k.mv_data + 1) != seq ||
		    v.mv_size <= AUD_SIG) {
			rc = AUD_EFORMAT;
			break;
		}
		sodium_bin2base64(b64, sizeof(b64), v.mv_data, AUD_SIG,
		    sodium_base64_VARIANT_ORIGINAL);
		o = json_pack("{s:I,s:s%,s:s}", "seq", (json_int_t)seq,
		    "entry", (const char *)v.mv_data + AUD_SIG,
		    v.mv_size - AUD_SIG, "sig", b64);
		line = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (line == NULL) {
			rc = AUD_ENOMEM;
			break;
		}
		if (fputs(line, out) == EOF || fputc('\n', out) == EOF)
			rc = AUD_EIO;
		free(line);
		if (rc != AUD_OK)
			break;
		if (++seq % 65536 == 0 && progress)
			progress(seq, size);
	}
	mdb_cursor_close(cur);
	if (rc == AUD_OK && seq != size)
		rc = AUD_EFORMAT;
	if (rc != AUD_OK)
		return rc;
	o = json_pack("{s:s%}", "checkpoint", note, nlen);
	line = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (line == NULL)
		return AUD_ENOMEM;
	if (fputs(line, out) == EOF || fputc('\n', out) == EOF ||
	    fflush(out) == EOF)
		rc = AUD_EIO;
	free(line);
	if (progress)
		progress(seq, size);
	return rc;
}
