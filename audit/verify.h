/*
 * verify.h - internal to htq-verify: the helpers verify_main.c's modes and
 * the monitor (monitor.c) share, and the monitor's own limits.  Not part
 * of audit/'s public interface (aud.h); only verify_main.c and monitor.c
 * include it.
 */
#ifndef VERIFY_H
#define VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "aud.h"

/*
 * Limits of `htq-verify monitor` (docs/ledger.md 6.8).  Its state file
 * keeps the last checkpoint and, for each mark awarded to the watched
 * organisation (every mark without --organisation), the facts a later
 * revocation is reported with; a register of tens of thousands of marks
 * fits in a few MiB.
 */
#define AUD_MON_MAX_MARKS	100000		/* marks remembered */
#define AUD_MON_MAX_STATE	(64 * 1024 * 1024)	/* state file bytes */
#define AUD_MON_MAX_FACT	256		/* a remembered title or name */
#define AUD_MON_MAX_INTERVAL	86400		/* seconds between polls */

/* A checkpoint read and verified: its body's fields and the index of the
 * key (in the list given to read_note) whose signature verified. */
struct cp {
	char		 origin[AUD_MAX_ORIGIN + 1];
	uint64_t	 size;
	aud_hash	 root;
	size_t		 key;	/* index in the keyring */
};

/* Where the log's public files come from. */
struct source {
	const char	*where;		/* export file, tile folder or URL */
	int		 url;		/* http:// or https:// (read with curl) */
};

/* "htq-verify: <message>" on stderr; returns 1. */
int		 fail(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
/* Hex of a key id into out (one buffer per value printed). */
const char	*kidhex(const uint8_t kid[AUD_KID], char out[2 * AUD_KID + 1]);
/* A whole file ("-": stdin) of at most max bytes, NUL-terminated,
 * malloc'd; NULL with why set. */
char		*slurp(const char *path, size_t max, size_t *len, char *why,
		    size_t whysz);
/* Verify a signed checkpoint with keys (nkeys 0: its form only), parse
 * its body, require origin.  An aud_err; why says what failed. */
int		 read_note(const char *note, size_t len,
		    const struct aud_vkey *keys, size_t nkeys,
		    const char *origin, struct cp *cp, char *why, size_t whysz);
int		 is_dir(const char *path);
/* POSIX seconds as "2026-12-07T06:48:17Z" into out; returns out. */
const char	*isotime(uint64_t t, char out[32]);
/* One file of the log's public files ("checkpoint", "tile/..."), at
 * most max bytes, from a folder or with curl from a URL; malloc'd, NULL
 * with why set. */
uint8_t		*fetch_tile(const struct source *src, const char *path,
		    size_t max, size_t *len, char *why, size_t whysz);
/* Tile t, or its full tile when the partial one is gone (*fellback). */
uint8_t		*fetch_tile_at(const struct source *src,
		    const struct aud_tile *t, size_t max, size_t *len,
		    int *fellback, char *why, size_t whysz);
/* The tile at `level` holding index i in a log of size entries. */
void		 tile_for(int level, uint64_t i, uint64_t size,
		    struct aud_tile *t);
/*
 * The compact range over leaves [0, start), start a multiple of 256, of
 * the log of `size` entries, from its hash tiles alone.  AUD_ENOTFOUND
 * when a tile cannot be read, AUD_EFORMAT when one has the wrong
 * length; why says which.
 */
int		 tiles_left_range(const struct source *src, uint64_t start,
		    uint64_t size, struct aud_range *r, char *why,
		    size_t whysz);

/* htq-verify monitor (monitor.c); argv[0] is "monitor". */
int		 cmd_monitor(int argc, char **argv);

#endif /* VERIFY_H */
