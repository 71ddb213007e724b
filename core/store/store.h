/*
 * store.h - the storage layer of core/ (core/store/): the LMDB
 * environment and its named databases, transactions, the one commit with
 * its after-commit hook, the ledger glue, records as JSON, time, refusals,
 * whole-file writes, limits and errors.  Every layer above uses it; it
 * uses none of them (and audit/ for the ledger).
 *
 * Every function returns an enum htq_err (errors.h: 0 on success) unless
 * it says otherwise, with results in out-parameters.  LMDB's own errors
 * map as htq_mdb_err says: MDB_NOTFOUND -> HTQ_ENOTFOUND, MDB_KEYEXIST ->
 * HTQ_EEXIST, MDB_MAP_FULL -> HTQ_EFULL, anything else -> HTQ_EDB.
 *
 * Processes open the database after fork(): an htq_db is never shared
 * across fork().  Pointers into LMDB returned by *_get functions are owned
 * by LMDB and valid only until the transaction they were read in ends.
 */
#ifndef HTQ_STORE_H
#define HTQ_STORE_H

#include <sys/types.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <stdint.h>
#include <lmdb.h>
#include <jansson.h>

#include "errors.h"
#include "limits.h"

struct htq_db;			/* opaque: LMDB environment + named dbs */

/* Flags for htq_db_open(). */
#define HTQ_DB_CREATE	0x01	/* create datadir/db if missing */
#define HTQ_DB_RDONLY	0x02	/* open read-only */
#define HTQ_DB_COPY	0x04	/* datadir is a backup file (htqctl backup):
				 * opened read-only, without a lock file */

/*
 * Open (or with HTQ_DB_CREATE create) the LMDB environment in
 * <datadir>/db and all named databases.  *out is owned by the caller and
 * freed with htq_db_close().  HTQ_EINVAL a path too long; HTQ_EIO the
 * folders cannot be made; HTQ_ENOTFOUND no database there (without
 * HTQ_DB_CREATE); HTQ_EPERM not ours to open; HTQ_EDB.
 */
int	 htq_db_open(const char *datadir, unsigned flags, struct htq_db **out);
void	 htq_db_close(struct htq_db *);
MDB_env	*htq_db_env(struct htq_db *);

/*
 * The ledger as core/ sees it: every domain change that matters appends
 * an entry inside the same write transaction, so both commit or neither
 * (core/store/ledger.c).  Entries are appended once htq_ledger_attach has
 * loaded the signing key (htqctl, htq-fcgi); without it nothing is
 * recorded.  Checkpoints are signed when read (aud_checkpoint), not per
 * commit.
 */
/* Who later entries name as actor (an account id, or "system"); returns
 * the previous one.  The string must outlive its use. */
const char *htq_set_actor(struct htq_db *, const char *actor);
/* 1 when entries are appended (htq_ledger_attach with a key), else 0. */
int	 htq_db_recording(struct htq_db *);
/* Append an entry (nothing when not recording), naming the actor set
 * with htq_set_actor; htq_record_as names actor (an account
 * id, or "system").  HTQ_EINVAL for data an entry cannot carry (not an
 * object, reals, a NUL in a string, nested too deep); HTQ_EPERM no usable
 * signing key; HTQ_EDB. */
int	 htq_record(struct htq_db *, MDB_txn *, const char *type,
	    const char *subject, json_t *data);
int	 htq_record_as(struct htq_db *, MDB_txn *, const char *actor,
	    const char *type, const char *subject, json_t *data);
/*
 * Commit txn (durably); the one place domain writes end.  When the
 * transaction appended ledger entries and the commit succeeded, the hook
 * registered with htq_on_commit runs after it (the programs register the
 * publisher; a unit test registers none).  What the hook does never
 * changes the result: the commit stands.  HTQ_EFULL the map is full,
 * HTQ_EDB any other failure (the transaction is gone either way).
 */
int	 htq_commit(struct htq_db *, MDB_txn *);
/* size: the log's size after the committed entries. */
typedef void (*htq_commit_hook)(struct htq_db *, uint64_t size, void *ctx);
void	 htq_on_commit(struct htq_db *, htq_commit_hook, void *ctx);
/* How long the last htq_commit's mdb_txn_commit took, in microseconds
 * (a hook reads it: the append latency GET /metrics reports). */
uint64_t htq_commit_us(const struct htq_db *);

/* --- the ledger (core/store/ledger.c) --- */

struct aud_log;
struct aud_key;
/*
 * Open the ledger in db and load <datadir>/keys/ledger.key; from then on
 * htq_record appends.  Without a key file, need_key 0 leaves the ledger
 * readable only (else HTQ_ENOTFOUND); HTQ_EPERM a key file open to
 * others or not the ledger's current key; HTQ_ECRYPTO libsodium would
 * not start.  The key is freed by htq_db_close.
 */
int	 htq_ledger_attach(struct htq_db *, const char *datadir, int need_key);
struct aud_log	*htq_db_log(struct htq_db *);
struct aud_key	*htq_db_key(struct htq_db *);
/* Load keys/ledger.key again (after a rotation by another process). */
int	 htq_ledger_reload_key(struct htq_db *, const char *datadir);
/* <datadir>/keys/<name> */
int	 htq_key_path(const char *datadir, const char *name, char *buf,
	    size_t bufsz);
/* The log origin and key name: $HTQ_ORIGIN or htq.localhost/ledger. */
const char *htq_origin(void);

/* Microseconds on CLOCK_MONOTONIC: the same clock in every process. */
uint64_t htq_mono_us(void);
/* Begin a read-only or a write transaction; end it with mdb_txn_commit or
 * mdb_txn_abort.  Read transactions are cheap and may be reused with
 * mdb_txn_reset/mdb_txn_renew. */
int	 htq_txn_read(struct htq_db *, MDB_txn **out);
int	 htq_txn_write(struct htq_db *, MDB_txn **out);
/*
 * The map grows (core/store/db.c): from HTQ_MAP_INITIAL up to HTQ_MAP_MAX
 * (limits.h, or bytes in the environment).  Both below may remap the
 * database: the caller must have no transaction of this process open
 * (read transactions reset), and no pointer into one kept.
 *   htq_txn_renew: mdb_txn_renew, adopting the size another process grew
 *	the map to (MDB_MAP_RESIZED).
 *   htq_db_grow: after a write refused with HTQ_EFULL (and aborted), make
 *	the map larger (double, at most HTQ_MAP_MAX) so that the write can
 *	be tried again; HTQ_EFULL, said once on stderr, when the map is at
 *	its maximum already.
 */
int	 htq_txn_renew(struct htq_db *, MDB_txn *);
int	 htq_db_grow(struct htq_db *);
/* Map an LMDB return code to enum htq_err (MDB_NOTFOUND -> HTQ_ENOTFOUND,
 * MDB_MAP_FULL and MDB_MAP_RESIZED -> HTQ_EFULL, others -> HTQ_EDB). */
int	 htq_mdb_err(int rc);


/*
 * The named databases.  struct htq_db is private to core/store/: the
 * layers above reach a table through htq_dbi.
 */
enum htq_table {
	HTQ_T_STD,		/* "ST0116@1.1" -> API JSON */
	HTQ_T_STD_LATEST,	/* "ST0116" -> "1.1" */
	HTQ_T_STD_SUM,		/* "ST0116" -> summary JSON */
	HTQ_T_STD_ELIG,		/* "ST0116" -> admin decision */
	HTQ_T_META,		/* schema version, counters */
	HTQ_T_ORG,		/* "o-..." -> organisation */
	HTQ_T_ACCT,		/* "a-..." -> account */
	HTQ_T_ACCT_EMAIL,	/* e-mail -> account id */
	HTQ_T_SESS,		/* hex SHA-256(token) -> session */
	HTQ_T_TOKEN,		/* hex SHA-256(token) -> API token */
	HTQ_T_THROTTLE,		/* SHA-256(e-mail) -> failures */
	HTQ_T_WIN,		/* "w-..." -> submission window */
	HTQ_T_SUB,		/* "s-..." -> submission */
	HTQ_T_SUB_FACTS,	/* "s-..." -> facts: state, people */
	HTQ_T_MARK,		/* "HTQ-..." -> quality mark */
	HTQ_T_MSG,		/* "a-.../n-..." -> an account's message */
	HTQ_T_OUTBOX,		/* "n-..." -> e-mail to send (htq-mailer) */
	HTQ_T_COUNT
};
MDB_dbi	 htq_dbi(struct htq_db *, enum htq_table);
/* The data directory the database was opened in (never NULL once the
 * ledger is attached; NULL before). */
const char *htq_db_datadir(struct htq_db *);
/*
 * The log's checkpoint for its current size, signed with the current
 * key (loaded again when another process rotated it): *note points into
 * the log's memory, valid until the next call.  HTQ_ECONFLICT for an
 * empty log with no key; HTQ_EPERM no usable key; HTQ_EDB.
 */
int	 htq_checkpoint(struct htq_db *, MDB_txn *, const char **note,
	    size_t *len);

/* --- records as JSON (core/store/record.c) --- */

/* The string at o.a, or at o.a.b when b is given; NULL if there is none
 * (not a function of the database: returns the string, not an error). */
const char *htq_jstr(const json_t *o, const char *a, const char *b);
/* JSON documents in LMDB. */
int	 htq_put_text(MDB_txn *, MDB_dbi, const char *key, const char *text,
	    unsigned flags);
int	 htq_put_json(MDB_txn *, MDB_dbi, const char *key, const json_t *,
	    unsigned flags);
/* 1 if the stored bytes v hold s: a look into a record htq_put_json
 * wrote (compact JSON, each field once) without parsing it, such as
 * "\"state\":\"sending\"" (s must need no JSON escape). */
int	 htq_record_holds(const MDB_val *v, const char *s);
int	 htq_get_json(MDB_txn *, MDB_dbi, const char *key, json_t **out);
/* Random pseudonymous id "<prefix>-<16 hex>". */
void	 htq_new_id(char prefix, char id[HTQ_ID_LEN + 1]);
/* Hex SHA-256 of a secret token: the only form in which one is stored. */
void	 htq_token_key(const char *token, char key[65]);

/* Why a request was refused: the field (a JSON path, or "") and a
 * message for people. */
struct htq_why {
	char	 field[96];
	char	 msg[400];
};

/* Set why (field may be ""); returns err.  why may be NULL. */
int	 htq_refuse(struct htq_why *, int err, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * Client text in a message (core/store/text.c).  htq_clip copies at most
 * max bytes of src (and what fits in dst) into dst, never cutting a
 * character in two and writing '?' for each byte that is not valid UTF-8,
 * so that the message is always valid UTF-8 however long src was; dst
 * may be src.  Returns dst, to be passed as a "%s" argument.
 */
char	*htq_clip(char *dst, size_t dstsz, const char *src, size_t max);
/*
 * 1 when s is valid UTF-8 free of the characters that change how the
 * text around them is shown: controls (tab and newline allowed when
 * multiline), noncharacters and bidirectional formatting characters.
 * For every text that reaches a public page, a badge or the ledger.
 */
int	 htq_text_valid(const char *s, int multiline);
/* Why htq_text_valid refused, for messages. */
#define HTQ_TEXT_RULE	"control, noncharacter and bidirectional " \
	"formatting characters are not allowed"
#define HTQ_LINE_RULE	"line breaks, tabs, control, noncharacter and " \
	"bidirectional formatting characters are not allowed"

/* Current time as RFC 3339 UTC ("2026-11-29T07:15:14Z"). */
void	 htq_now_iso(char buf[21]);

/* --- time (core/store/clock.c) --- */

/* "YYYY-MM-DD", a real calendar date from 2000 to 2999: 1, else 0. */
int	 htq_date_valid(const char *);
/* Today's date (UTC) into buf[HTQ_DATE_LEN + 1]. */
void	 htq_today(char *buf);
/* The date days after today (UTC), "YYYY-MM-DD". */
void	 htq_date_in(int days, char buf[HTQ_DATE_LEN + 1]);
/* A day, "2026-12-06", in words: "6 December 2026" (the pages, the
 * messages); anything that is not a real day is returned as it is, NULL
 * as NULL. */
#define HTQ_DAY_TEXT	32
const char *htq_day_text(const char *iso, char buf[HTQ_DAY_TEXT]);

/* --- the data directory and whole-file writes (core/store/files.c) --- */

/*
 * The data directory must not be open to other accounts (mode 0700).
 * HTQ_EPERM when it is; with repair, a directory we own is set to 0700
 * instead (saying so on stderr).  HTQ_ENOTFOUND when it does not exist.
 */
int	 htq_datadir_secure(const char *datadir, int repair);
/*
 * Run as root on a data directory that another account owns, act as that
 * account, so that every file in it keeps one owner.  permanent: for good
 * (servers); otherwise only the effective ids change, and
 * htq_as_caller(1) / htq_as_caller(0) switch to the caller's own ids and
 * back around opening the caller's files (an import, an export).  Both
 * do nothing when not root or the directory is root's.
 */
int	 htq_become_owner(const char *datadir, int permanent);
int	 htq_as_caller(int on);

/* The setting $name as a number from lo to hi; def when it is unset,
 * not a number or out of range (a setting never fails a start). */
int	 htq_env_int(const char *name, int def, int lo, int hi);

/* A file being written under a temporary name beside its target. */
struct htq_atomic {
	FILE	*f;		/* write here */
	char	 path[4096];
	char	 tmp[4096 + 8];
};
/*
 * Create a fresh temporary file (mkstemp: never follows or reuses an
 * existing name) beside path with mode; commit syncs it, renames it over
 * path and syncs the folder; abort removes it.  Exactly one of the two
 * ends each successful open.
 */
int	 htq_atomic_open(const char *path, mode_t mode, struct htq_atomic *);
int	 htq_atomic_commit(struct htq_atomic *);
/* The same with sync 0: renamed without fsync (file nor folder), for
 * derived files that are rebuilt after a crash (core/publish/). */
int	 htq_atomic_finish(struct htq_atomic *, int sync);
void	 htq_atomic_abort(struct htq_atomic *);


#endif /* HTQ_STORE_H */
