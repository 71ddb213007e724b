/*
 * fuzz_tiles.c - fuzz the C2SP tile math (audit/tiles.c): any input the
 * path parser accepts is written back byte for byte by aud_tile_path;
 * entry bundles parse without reading past their end; and for sizes
 * taken from the input (anywhere up to 2^64 - 1, a bounded step apart)
 * every tile aud_tiles_changed reports is valid, in order, has the width
 * the new size gives it, and its path parses back to it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aud.h"

struct walk {
	uint64_t	 size;
	int		 level;
	uint64_t	 n;
	int		 count;
};

static int
check(void *ctx, const struct aud_tile *t)
{
	struct walk *w = ctx;
	struct aud_tile back;
	char buf[AUD_TILE_PATH];
	uint64_t nodes;

	if (t->level < w->level || (t->level == w->level && w->count &&
	    t->n <= w->n))
		abort();		/* out of order, or twice */
	if (t->level != w->level)
		w->count = 0;
	w->level = t->level;
	w->n = t->n;
	w->count++;
	nodes = w->size >> (8 * (t->level < 0 ? 0 : t->level));
	if (t->n > nodes / 256 || t->w !=
	    (nodes - t->n * 256 >= 256 ? 256 : nodes - t->n * 256))
		abort();		/* not the width the size gives */
	if (aud_tile_path(t, buf, sizeof(buf)) != AUD_OK ||
	    aud_tile_parse(buf, strlen(buf), &back) != AUD_OK ||
	    back.level != t->level || back.n != t->n || back.w != t->w)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aud_tile t;
	struct walk w;
	char buf[AUD_TILE_PATH];
	const uint8_t *e;
	uint64_t old = 0, step = 0;
	size_t off = 0, elen, i;

	if (aud_tile_parse((const char *)data, size, &t) == AUD_OK &&
	    (aud_tile_path(&t, buf, sizeof(buf)) != AUD_OK ||
	    strlen(buf) != size || memcmp(buf, data, size) != 0))
		abort();
	while (aud_bundle_next(data, size, &off, &e, &elen) == AUD_OK)
		if (e < data || e + elen > data + size)
			abort();
	if (size < 10)
		return 0;
	for (i = 0; i < 8; i++)
		old = old << 8 | data[i];
	step = (uint64_t)data[8] << 8 | data[9];	/* <= 65535 */
	memset(&w, 0, sizeof(w));
	w.size = old > UINT64_MAX - step ? UINT64_MAX : old + step;
	w.level = AUD_TILE_ENTRIES;
	if (aud_tiles_changed(old > w.size ? w.size : old, w.size, check,
	    &w) != 0)
		abort();
	return 0;
}
