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

int
htq_db_open(const char *datadir, unsigned flags, struct htq_db **out)
{
	struct htq_db *db;
	char path[4096];
	int rc, n, dead;

	*out = NULL;
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
	if ((rc = mdb_env_create(&db->env)) != 0)
		goto fail;
	if ((rc = mdb_env_set_mapsize(db->env, HTQ_MAP_SIZE)) != 0 ||
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
