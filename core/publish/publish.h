/*
 * publish.h - the publishing layer of core/ (core/publish/): the log as
 * static files (checkpoint, tiles, keys) and the site's files derived
 * from it (register pages, verify pages, bundles, badges, standards'
 * JSON), in <datadir>/public.  It uses core/domain/ and core/store/.
 */
#ifndef HTQ_PUBLISH_H
#define HTQ_PUBLISH_H

#include "htq.h"
#include "aud.h"

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

/*
 * Witness cosignatures (cosign.c; docs/ledger.md 8).  The log's witness
 * list is <datadir>/witnesses: '#' comments, blank lines and
 *
 *	witness <name>+<hex key id>+<base64(0x04 || pk)> http://host:port[/prefix]
 *	quorum <k>		(optional: 1 .. witnesses, default all)
 *	max_age <seconds>	(optional: 1 .. 31536000, default 86400)
 *
 * at most HTQ_MAX_WITNESSES witnesses, lines of at most
 * HTQ_WITNESSES_LINE bytes, HTQ_WITNESSES_MAX bytes in all.
 */
#define HTQ_MAX_WITNESSES	16
#define HTQ_WITNESSES_LINE	1024
#define HTQ_WITNESSES_MAX	(16 * 1024)
#define HTQ_WITNESS_MAX_AGE	86400		/* default max_age */
#define HTQ_WITNESS_MAX_AGE_MAX	31536000
/* Connecting to a witness and reading its whole answer, milliseconds. */
#define HTQ_COSIGN_TIMEOUT_MS	1000
/* Largest answer read from a witness (head and body). */
#define HTQ_COSIGN_MAX_ANSWER	8192

struct htq_witness {
	char		 name[AUD_MAX_ORIGIN + 1];
	uint8_t		 pk[AUD_PK];
	uint8_t		 kid[AUD_KID];
	char		 vkey[AUD_MAX_POLICY_LINE + 1];	/* as given */
	char		 url[HTQ_WITNESSES_LINE];	/* as given */
	char		 host[256];
	char		 port[6];
	char		 path[HTQ_WITNESSES_LINE];	/* .../add-checkpoint */
};
struct htq_witnesses {
	struct htq_witness	 w[HTQ_MAX_WITNESSES];
	size_t			 n;
	unsigned		 quorum;
	unsigned		 max_age;
};
/* Parse the witness list (len bytes of text).  HTQ_EFORMAT or
 * HTQ_ETOOBIG with why naming the line. */
int	 htq_witnesses_parse(const char *text, size_t len,
	    struct htq_witnesses *, char *why, size_t whysz);
/* Read <datadir>/witnesses: no file is no witness (n 0, HTQ_OK);
 * HTQ_EIO when unreadable; else as htq_witnesses_parse. */
int	 htq_witnesses_load(const char *datadir, struct htq_witnesses *,
	    char *why, size_t whysz);
/*
 * A witness's HTTP/1.1 answer, whole (len bytes): its status, and its
 * body by Content-Length (required, once).  HTQ_EFORMAT for anything
 * else; HTQ_EBUSY when it is a correct beginning that is not whole yet.
 */
int	 htq_http_answer_parse(const char *buf, size_t len, int *status,
	    const char **body, size_t *bodylen);
/*
 * The checkpoint text to publish: note (the log's signed note) followed,
 * for each witness of ws in order, by its newest line among the note
 * signature lines of pool (each ending in '\n') that verifies as its
 * cosignature/v1 over note's body.  *out malloc'd, *outlen its length.
 */
int	 htq_cosig_merge(const struct htq_witnesses *ws, const char *note,
	    size_t notelen, const char *pool, size_t poollen, char **out,
	    size_t *outlen);
/*
 * Each witness's last cosigned checkpoint of origin, from its
 * GET <prefix>/<hex SHA-256(origin)>/checkpoint, as signature lines for
 * htq_cosig_merge's pool (*pool malloc'd or NULL, *poollen): what a
 * rebuild uses to recover the cosignatures a lost checkpoint file had.
 * Witnesses that do not answer in time are skipped.
 */
int	 htq_cosig_recover(const struct htq_witnesses *, const char *origin,
	    char **pool, size_t *poollen);
/*
 * Ask the witnesses of <datadir>/witnesses to cosign the published
 * checkpoint, those that have no cosignature on it or one older than
 * max_age / 4, and add their lines to the file (under the publish lock,
 * only while it still holds that checkpoint).  One process at a time
 * (a non-blocking flock on <datadir>/run/cosign.lock: the others return
 * at once); at most HTQ_COSIGN_TIMEOUT_MS per request; a witness that is
 * down or refuses is said on stderr once, and again when it is back.
 * HTQ_COSIGN_COMMIT (after a commit): nothing when a collection began
 * less than HTQ_COSIGN_SPACING_MS ago (the lock file's mtime), so that a
 * burst of commits costs the witnesses, and the disk, one round a
 * second: *later_ms (when not NULL) is then the time until the next may
 * begin, for the caller to ask again; when another process holds the
 * lock it is HTQ_COSIGN_BUSY_MS (that one may be collecting for an older
 * checkpoint); else 0.
 */
#define HTQ_COSIGN_COMMIT	0x01
#define HTQ_COSIGN_SPACING_MS	1000
#define HTQ_COSIGN_BUSY_MS	250
int	 htq_cosign_collect(struct htq_db *, unsigned flags,
	    unsigned *later_ms);
/* The log's signed checkpoint for txn's size with the cosignature lines
 * the published file has for it (the file's text when it is current).
 * *out malloc'd. */
int	 htq_checkpoint_cosigned(struct htq_db *, MDB_txn *, char **out,
	    size_t *outlen);
/* The instance's policy file (docs/ledger.md 6.7): origin, its keys
 * oldest first, and the witnesses, quorum and max_age of
 * <datadir>/witnesses.  *out malloc'd. */
int	 htq_policy_text(struct htq_db *, MDB_txn *, char **out);

#endif /* HTQ_PUBLISH_H */
