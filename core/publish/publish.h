/*
 * publish.h - the publishing layer of core/ (core/publish/): the log as
 * static files (checkpoint, tiles, keys) and the site's files derived
 * from it (register pages, verify pages, bundles, badges, standards'
 * JSON), in <datadir>/public.  It uses core/domain/ and core/store/.
 */
#ifndef HTQ_PUBLISH_H
#define HTQ_PUBLISH_H

#include "htq.h"

/*
 * The ledger as static files for nginx or any static host (C2SP
 * tlog-tiles, docs/ledger.md "Static files"), in <datadir>/public:
 * ledger/checkpoint, ledger/tile/..., .well-known/htq-ledger-keys.
 * They are derived from LMDB: htq_publish writes what changed since the
 * published checkpoint (O(log n) files), under an flock so that
 * concurrent writers never put an older checkpoint over a newer one.
 * HTQ_PUBLISH_REBUILD (start-up, repair) reads every file the log
 * should have and rewrites the missing or different ones.  The checkpoint
 * is written last, and only when every other file was: a failed publish
 * leaves it behind, and the next one starts from there again.
 * HTQ_EIO (a file could not be written), HTQ_ENOMEM, HTQ_EDB, HTQ_EINVAL
 * (no ledger attached).
 */
#define HTQ_PUBLISH_REBUILD	0x01
int	 htq_publish(struct htq_db *, unsigned flags);
/* A commit's publish (the hook the programs register with htq_on_commit
 * calls it): nothing when the published checkpoint covers size already
 * (another writer published it), else as htq_publish. */
int	 htq_publish_upto(struct htq_db *, uint64_t size);
/* Compare every public file with what the database says, writing none:
 * report(ctx, path relative to public/) for each one missing or
 * different, their count in *ndiff.  Errors as htq_publish. */
int	 htq_publish_check(struct htq_db *, void (*report)(void *,
	    const char *rel), void *ctx, size_t *ndiff);
/* The public base URL the badges' QR codes point at (from
 * $HTQ_PUBLIC_URL at the server's start), kept in <datadir>/run/public-url
 * for every publisher.  HTQ_EINVAL for anything but an http(s) URL of
 * printable characters up to HTQ_MAX_URL bytes; HTQ_EIO. */
int	 htq_public_url_set(const char *datadir, const char *url);
/* <datadir>/public */
int	 htq_public_dir(const char *datadir, char *buf, size_t bufsz);

#endif /* HTQ_PUBLISH_H */
