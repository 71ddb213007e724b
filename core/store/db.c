/*
 * db.c - the LMDB environment shared by core/ and audit/.
 *
 * One environment in <datadir>/db holds every named database: the
 * catalogue here, the ledger's own databases (opened by audit/), and later
 * accounts and submissions.  Durable by default: every committed write
 * transaction is fsync'd before mdb_txn_commit returns.
 */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_private.h"
#include "aud.h"

int
htq_mdb_err(int rc)
{
	switch (rc) {
	case 0:
		return HTQ_OK;
	case MDB_NOTFOUND:
		return HTQ_ENOTFOUND;
	case MDB_KEYEXIST:
		return HTQ_EEXIST;
	case MDB_MAP_FULL:
	case MDB_MAP_RESIZED:	/* another process grew it: htq_db_grow */
		return HTQ_EFULL;
	case ENOSPC:
	case EDQUOT:
		return HTQ_ENOSPC;
	case ENOMEM:
		return HTQ_ENOMEM;
	case ENOENT:
		return HTQ_ENOTFOUND;
	case EACCES:
		return HTQ_EPERM;
	default:
		return HTQ_EDB;
	}
}

/* The named databases, in enum htq_table's order. */
static const char *const tables[HTQ_T_COUNT] = {
	[HTQ_T_STD] = "std",
	[HTQ_T_STD_LATEST] = "std_latest",
	[HTQ_T_STD_SUM] = "std_sum",
	[HTQ_T_STD_ELIG] = "std_elig",
	[HTQ_T_META] = "meta",
	[HTQ_T_ORG] = "org",
	[HTQ_T_ACCT] = "acct",
	[HTQ_T_ACCT_EMAIL] = "acct_email",
	[HTQ_T_SESS] = "sess",
	[HTQ_T_TOKEN] = "token",
	[HTQ_T_THROTTLE] = "throttle",
	[HTQ_T_WIN] = "win",
	[HTQ_T_SUB] = "sub",
	[HTQ_T_SUB_FACTS] = "sub_facts",
	[HTQ_T_MARK] = "mark",
	[HTQ_T_MSG] = "msg",
	[HTQ_T_OUTBOX] = "outbox",
};

MDB_dbi
htq_dbi(struct htq_db *db, enum htq_table t)
{
	return db->dbi[t];
}

const char *
htq_db_datadir(struct htq_db *db)
{
	return db->datadir;
}

/* Open (creating when allowed) the named databases core/ uses. */
static int
open_dbis(struct htq_db *db, int create)
{
	MDB_txn *txn;
	size_t i;
	int rc;

	rc = mdb_txn_begin(db->env, NULL, create ? 0 : MDB_RDONLY, &txn);
	if (rc != 0)
		return htq_mdb_err(rc);
	for (i = 0; i < HTQ_T_COUNT; i++) {
		rc = mdb_dbi_open(txn, tables[i], create ? MDB_CREATE : 0,
		    &db->dbi[i]);
		if (rc != 0) {
			mdb_txn_abort(txn);
			return htq_mdb_err(rc);
		}
	}
	return htq_mdb_err(mdb_txn_commit(txn));
}

/*
 * A map size from the environment (bytes, HTQ_MAP_MIN to HTQ_MAP_LIMIT),
 * dflt when unset; HTQ_EINVAL, said on stderr, when it is not such a
 * number.
 */
static int
env_size(const char *name, size_t dflt, size_t *out)
{
	const char *s = getenv(name);
	unsigned long long v;
	char *end;

	*out = dflt;
	if (s == NULL || *s == '\0')
		return HTQ_OK;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 ||
	    v < HTQ_MAP_MIN || v > HTQ_MAP_LIMIT) {
		fprintf(stderr, "htq: %s must be a number of bytes from %zu "
		    "to %zu\n", name, HTQ_MAP_MIN, HTQ_MAP_LIMIT);
		return HTQ_EINVAL;
	}
	*out = (size_t)v;
	return HTQ_OK;
}

static size_t
map_size(MDB_env *env)
{
	MDB_envinfo info;

	if (mdb_env_info(env, &info) != 0)
		return 0;
	return info.me_mapsize;
}

/*
 * After mdb_env_open: the size the file records when it is larger than
 * want (a map another process, or an earlier run, grew), else want; and
 * doubled, up to max, until at least half of it is free, so that a
 * process that does not grow the map while it writes (htqctl) has room.
 */
static int
map_at_open(MDB_env *env, size_t want, size_t max)
{
	MDB_envinfo info;
	MDB_stat st;
	size_t have, used;
	int rc;

	if ((rc = mdb_env_set_mapsize(env, 0)) != 0)
		return rc;
	if ((have = map_size(env)) > want)
		want = have;
	if (mdb_env_info(env, &info) == 0 && mdb_env_stat(env, &st) == 0) {
		used = ((size_t)info.me_last_pgno + 1) * st.ms_psize;
		while (used > want / 2 && want < max)
			want = want > max / 2 ? max : want * 2;
	}
	if (want == have)
		return 0;
	return mdb_env_set_mapsize(env, want);
}

int
htq_db_open(const char *datadir, unsigned flags, struct htq_db **out)
{
	struct htq_db *db;
	char path[4096];
	size_t initial, max;
	int rc, n, dead;

	*out = NULL;
	if ((rc = env_size("HTQ_MAP_MAX", HTQ_MAP_MAX, &max)) != HTQ_OK ||
	    (rc = env_size("HTQ_MAP_INITIAL", HTQ_MAP_INITIAL, &initial)) !=
	    HTQ_OK)
		return rc;
	if (initial > max)
		initial = max;
	n = snprintf(path, sizeof(path), (flags & HTQ_DB_COPY) ? "%s" :
	    "%s/db", datadir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return HTQ_EINVAL;
	if (flags & HTQ_DB_CREATE) {
		if (mkdir(datadir, 0700) != 0 && errno != EEXIST)
			return HTQ_EIO;
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return HTQ_EIO;
	}
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return HTQ_ENOMEM;
	db->map_max = max;
	if ((rc = mdb_env_create(&db->env)) != 0)
		goto fail;
	if ((rc = mdb_env_set_mapsize(db->env, initial)) != 0 ||
	    (rc = mdb_env_set_maxdbs(db->env, HTQ_MAX_DBS)) != 0 ||
	    (rc = mdb_env_set_maxreaders(db->env, HTQ_MAX_READERS)) != 0)
		goto fail;
	/* MDB_NOTLS: a worker keeps one read txn and resets/renews it per
	 * request, independent of write txns in the same thread. */
	/* a backup is one file that nobody else opens: no lock file is
	 * left beside it */
	if (flags & HTQ_DB_COPY)
		flags |= HTQ_DB_RDONLY;
	rc = mdb_env_open(db->env, path, MDB_NOTLS |
	    ((flags & HTQ_DB_RDONLY) ? MDB_RDONLY : 0) |
	    ((flags & HTQ_DB_COPY) ? MDB_NOSUBDIR | MDB_NOLOCK : 0), 0600);
	if (rc != 0)
		goto fail;
	if (!(flags & HTQ_DB_COPY) && (rc = map_at_open(db->env, initial,
	    max)) != 0)
		goto fail;
	/* A process killed inside a read transaction leaves its reader slot
	 * taken, and the pages it could see are never reused: the map fills
	 * and the slots run out.  Every open (a worker started again after a
	 * death, htqctl) frees the slots of processes that are gone. */
	if (!(flags & HTQ_DB_COPY))
		(void)mdb_reader_check(db->env, &dead);
	if ((rc = open_dbis(db, !(flags & HTQ_DB_RDONLY))) != HTQ_OK) {
		htq_db_close(db);
		return rc;
	}
	*out = db;
	return HTQ_OK;
fail:
	htq_db_close(db);
	return htq_mdb_err(rc);
}

void
htq_db_close(struct htq_db *db)
{
	if (db == NULL)
		return;
	aud_log_close(db->log);
	aud_key_free(db->key);
	free(db->datadir);
	if (db->env != NULL)
		mdb_env_close(db->env);
	free(db);
}

MDB_env *
htq_db_env(struct htq_db *db)
{
	return db->env;
}

int
htq_txn_read(struct htq_db *db, MDB_txn **out)
{
	return htq_mdb_err(mdb_txn_begin(db->env, NULL, MDB_RDONLY, out));
}

int
htq_txn_write(struct htq_db *db, MDB_txn **out)
{
	return htq_mdb_err(mdb_txn_begin(db->env, NULL, 0, out));
}

int
htq_txn_renew(struct htq_db *db, MDB_txn *txn)
{
	int rc = mdb_txn_renew(txn);

	/* another process wrote beyond our map: adopt its size (LMDB's
	 * mdb_env_set_mapsize(env, 0)), with no transaction of ours open */
	if (rc == MDB_MAP_RESIZED &&
	    (rc = mdb_env_set_mapsize(db->env, 0)) == 0)
		rc = mdb_txn_renew(txn);
	return htq_mdb_err(rc);
}

/*
 * The map is full for this process: adopt what another process grew it
 * to, and make it at least twice what it was, at most map_max (a size
 * another process chose, larger still, is kept).  LMDB remaps the file;
 * each process has its own map, and the others adopt the new size when
 * their data outgrows theirs (MDB_MAP_RESIZED, htq_txn_renew).
 */
int
htq_db_grow(struct htq_db *db)
{
	size_t cur, want, theirs;
	const char *path;
	int rc;

	if ((cur = map_size(db->env)) == 0)
		return HTQ_EDB;
	if ((rc = mdb_env_set_mapsize(db->env, 0)) != 0)
		return htq_mdb_err(rc);
	theirs = map_size(db->env);
	want = cur >= db->map_max / 2 ? db->map_max : cur * 2;
	if (want < theirs)
		want = theirs;
	if (want <= cur) {
		if (theirs != cur)
			(void)mdb_env_set_mapsize(db->env, cur);
		if (!db->map_said && mdb_env_get_path(db->env, &path) == 0)
			fprintf(stderr, "htq: %d: the LMDB map of %s is at its "
			    "maximum, %zu bytes (HTQ_MAP_MAX): writes are "
			    "refused (503 database_full) until it is raised: "
			    "set HTQ_MAP_MAX (bytes, at most %zu) in the "
			    "service's environment and restart it\n",
			    (int)getpid(), path, cur, HTQ_MAP_LIMIT);
		db->map_said = 1;
		return HTQ_EFULL;
	}
	if ((rc = mdb_env_set_mapsize(db->env, want)) != 0)
		return htq_mdb_err(rc);
	if (mdb_env_get_path(db->env, &path) == 0)
		fprintf(stderr, "htq: %d: the LMDB map of %s grew from %zu to "
		    "%zu bytes (HTQ_MAP_MAX: %zu)\n", (int)getpid(), path, cur,
		    want, db->map_max);
	return HTQ_OK;
}

/*
 * LMDB reports a short write as EIO (mdb_page_flush, mdb_env_write_meta):
 * what a write that fills the disk part way through returns.  An EIO
 * while the data file's disk has less than HTQ_DISK_FULL_SLACK bytes free
 * is taken for the full disk it almost surely is.
 */
static int
commit_err(struct htq_db *db, int rc)
{
	struct statvfs sv;
	const char *path;

	if (rc == EIO && mdb_env_get_path(db->env, &path) == 0 &&
	    statvfs(path, &sv) == 0 &&
	    (unsigned long long)sv.f_bavail * sv.f_frsize < HTQ_DISK_FULL_SLACK)
		return HTQ_ENOSPC;
	return htq_mdb_err(rc);
}

int
htq_commit(struct htq_db *db, MDB_txn *txn)
{
	uint64_t t0 = htq_mono_us();
	int rc = commit_err(db, mdb_txn_commit(txn)), dirty = db->dirty;

	db->commit_us = htq_mono_us() - t0;
	db->dirty = 0;
	if (rc == HTQ_OK && dirty && db->after_commit != NULL)
		db->after_commit(db, db->dirty_size, db->after_ctx);
	return rc;
}

uint64_t
htq_commit_us(const struct htq_db *db)
{
	return db->commit_us;
}

void
htq_on_commit(struct htq_db *db, htq_commit_hook fn, void *ctx)
{
	db->after_commit = fn;
	db->after_ctx = ctx;
}
