/*
 * tiles.c - the log as C2SP tlog-tiles (https://c2sp.org/tlog-tiles):
 * tile paths, which tiles a growing log changes, and entry bundles.
 *
 * Pure arithmetic on sizes and indices: no storage, no I/O.  core/
 * publishes the files (core/publish/publish.c), the stored hashes come from
 * store.c (aud_subtree_hashes), and a verifier can read tiles with the
 * same functions.  Tiles have height 8: a hash tile at level L holds up
 * to 256 hashes of tree level 8L, an entry bundle up to 256 entries.
 */
#include <stdio.h>
#include <string.h>

#include "aud.h"

/* Largest tile index at a level: the tree has fewer than 2^64 leaves,
 * so level L has at most 2^(64-8L) nodes and 2^(56-8L) tiles. */
static uint64_t
max_index(int level)
{
	int shift = AUD_TILE_HEIGHT * (level < 0 ? 0 : level) + 8;

	return shift >= 64 ? 0 : UINT64_MAX >> shift;
}

static int
tile_valid(const struct aud_tile *t)
{
	return t->level >= AUD_TILE_ENTRIES &&
	    t->level <= AUD_TILE_MAXLEVEL && t->w >= 1 &&
	    t->w <= AUD_TILE_WIDTH && t->n <= max_index(t->level);
}

/* Append "x123/" groups (or the last "067") for n, most significant first. */
static int
put_index(char *buf, size_t bufsz, size_t *off, uint64_t n)
{
	unsigned groups[8];
	int k = 0, i, r;

	do {
		groups[k++] = (unsigned)(n % 1000);
		n /= 1000;
	} while (n > 0);
	for (i = k - 1; i >= 0; i--) {
		r = snprintf(buf + *off, bufsz - *off, i ? "x%03u/" : "%03u",
		    groups[i]);
		if (r < 0 || (size_t)r >= bufsz - *off)
			return AUD_ETOOBIG;
		*off += (size_t)r;
	}
	return AUD_OK;
}

int
aud_tile_path(const struct aud_tile *t, char *buf, size_t bufsz)
{
	size_t off;
	int r, rc;

	if (!tile_valid(t) || bufsz == 0)
		return AUD_EINVAL;
	if (t->level == AUD_TILE_ENTRIES)
		r = snprintf(buf, bufsz, "tile/entries/");
	else
		r = snprintf(buf, bufsz, "tile/%d/", t->level);
	if (r < 0 || (size_t)r >= bufsz)
		return AUD_ETOOBIG;
	off = (size_t)r;
	if ((rc = put_index(buf, bufsz, &off, t->n)) != AUD_OK)
		return rc;
	if (t->w < AUD_TILE_WIDTH) {
		r = snprintf(buf + off, bufsz - off, ".p/%u", t->w);
		if (r < 0 || (size_t)r >= bufsz - off)
			return AUD_ETOOBIG;
	}
	return AUD_OK;
}

/* Exactly three decimal digits at p (within end). */
static int
digits3(const char *p, const char *end, unsigned *v)
{
	int i;

	if (end - p < 3)
		return 0;
	for (*v = 0, i = 0; i < 3; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		*v = *v * 10 + (unsigned)(p[i] - '0');
	}
	return 1;
}

/*
 * Read the parts loosely, then accept the path only if aud_tile_path
 * writes it back byte for byte: that rejects leading zero groups,
 * "x000/", widths with leading zeros, ".p/256" and everything else that
 * is not the one canonical name of a tile.
 */
int
aud_tile_parse(const char *path, size_t len, struct aud_tile *out)
{
	const char *p = path, *end = path + len;
	char again[AUD_TILE_PATH];
	struct aud_tile t;
	unsigned g;
	int ndig;

	memset(&t, 0, sizeof(t));
	if (len >= AUD_TILE_PATH || len < 8 || memcmp(p, "tile/", 5) != 0)
		return AUD_EFORMAT;
	p += 5;
	if (end - p > 8 && memcmp(p, "entries/", 8) == 0) {
		t.level = AUD_TILE_ENTRIES;
		p += 8;
	} else if (end - p >= 2 && p[0] >= '0' && p[0] <= '9' &&
	    p[1] == '/') {
		t.level = p[0] - '0';
		p += 2;
	} else
		return AUD_EFORMAT;
	for (;;) {
		if (p < end && *p == 'x') {
			if (!digits3(p + 1, end, &g) || end - p < 5 ||
			    p[4] != '/' || t.n > (UINT64_MAX - g) / 1000)
				return AUD_EFORMAT;
			t.n = t.n * 1000 + g;
			p += 5;
			continue;
		}
		if (!digits3(p, end, &g) || t.n > (UINT64_MAX - g) / 1000)
			return AUD_EFORMAT;
		t.n = t.n * 1000 + g;
		p += 3;
		break;
	}
	t.w = AUD_TILE_WIDTH;
	if (p < end) {
		if (end - p < 4 || memcmp(p, ".p/", 3) != 0)
			return AUD_EFORMAT;
		p += 3;
		for (t.w = 0, ndig = 0; p < end && ndig < 4; p++, ndig++) {
			if (*p < '0' || *p > '9')
				return AUD_EFORMAT;
			t.w = t.w * 10 + (unsigned)(*p - '0');
		}
		if (p != end)
			return AUD_EFORMAT;
	}
	if (!tile_valid(&t) ||
	    aud_tile_path(&t, again, sizeof(again)) != AUD_OK ||
	    strlen(again) != len || memcmp(again, path, len) != 0)
		return AUD_EFORMAT;
	*out = t;
	return AUD_OK;
}

/* The tiles of one level whose node count went from oh to nh. */
static int
level_changed(int level, uint64_t oh, uint64_t nh,
    int (*fn)(void *, const struct aud_tile *), void *ctx)
{
	struct aud_tile t;
	uint64_t n;
	int rc;

	if (nh <= oh)
		return 0;
	t.level = level;
	for (n = oh / AUD_TILE_WIDTH; n <= (nh - 1) / AUD_TILE_WIDTH; n++) {
		t.n = n;
		t.w = nh - n * AUD_TILE_WIDTH >= AUD_TILE_WIDTH ?
		    AUD_TILE_WIDTH : (unsigned)(nh - n * AUD_TILE_WIDTH);
		if ((rc = fn(ctx, &t)) != 0)
			return rc;
	}
	return 0;
}

int
aud_tiles_changed(uint64_t old, uint64_t size,
    int (*fn)(void *, const struct aud_tile *), void *ctx)
{
	int level, shift, rc;

	if (old > size)
		return AUD_EINVAL;
	if ((rc = level_changed(AUD_TILE_ENTRIES, old, size, fn, ctx)) != 0)
		return rc;
	for (level = 0; level <= AUD_TILE_MAXLEVEL; level++) {
		shift = AUD_TILE_HEIGHT * level;
		if ((size >> shift) == 0)
			break;
		if ((rc = level_changed(level, old >> shift, size >> shift, fn,
		    ctx)) != 0)
			return rc;
	}
	return 0;
}

void
aud_tile_span(const struct aud_tile *t, int *tree_level, uint64_t *first)
{
	*tree_level = t->level < 0 ? 0 : AUD_TILE_HEIGHT * t->level;
	*first = t->n * AUD_TILE_WIDTH;
}

int
aud_bundle_next(const uint8_t *b, size_t len, size_t *off,
    const uint8_t **entry, size_t *elen)
{
	size_t n;

	if (*off == len)
		return AUD_ENOTFOUND;
	if (*off > len || len - *off < 2)
		return AUD_EFORMAT;
	n = (size_t)b[*off] << 8 | b[*off + 1];
	if (n == 0 || n > len - *off - 2)
		return AUD_EFORMAT;
	*entry = b + *off + 2;
	*elen = n;
	*off += 2 + n;
	return AUD_OK;
}
