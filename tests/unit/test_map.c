/*
 * test_map.c - the LMDB map grows on its own (core/store/db.c): a write
 * that finds it full grows it (doubling) up to HTQ_MAP_MAX and succeeds
 * when tried again; at the maximum htq_db_grow says HTQ_EFULL; another
 * process whose map is smaller than the data adopts the new size
 * (MDB_MAP_RESIZED) when it renews its read transaction.  A real
 * database in a temporary directory, two real processes.
 */
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "store.h"

#define MIB	((size_t)1 << 20)

static size_t
mapsize(struct htq_db *db)
{
	MDB_envinfo info;

	if (mdb_env_info(htq_db_env(db), &info) != 0)
		return 0;
	return info.me_mapsize;
}

/* One write of a 2,000-byte value: HTQ_OK or HTQ_EFULL. */
static int
put_one(struct htq_db *db, int i, const char *text)
{
	MDB_txn *txn;
	char key[32];
	int rc;

	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	snprintf(key, sizeof(key), "fill-%06d", i);
	if ((rc = htq_put_text(txn, htq_dbi(db, HTQ_T_META), key, text, 0)) !=
	    HTQ_OK) {
		mdb_txn_abort(txn);
		return rc;
	}
	return htq_commit(db, txn);
}

/* The other process: opened at the initial size, it reads what the
 * writer wrote beyond it.  Exit status 0 when all is as it should be. */
static int
reader(const char *dir, int ready, int go)
{
	struct htq_db *db;
	MDB_txn *txn;
	MDB_val k = { 11, "fill-000000" }, v;
	char c;

	if (htq_db_open(dir, 0, &db) != HTQ_OK || mapsize(db) != MIB ||
	    htq_txn_read(db, &txn) != HTQ_OK)
		return 2;
	mdb_txn_reset(txn);
	if (write(ready, "r", 1) != 1 || read(go, &c, 1) != 1)
		return 3;
	/* the data is beyond our map now */
	if (mdb_txn_renew(txn) != MDB_MAP_RESIZED)
		return 4;
	if (htq_txn_renew(db, txn) != HTQ_OK || mapsize(db) < 4 * MIB)
		return 5;
	k.mv_size = 11;
	if (mdb_get(txn, htq_dbi(db, HTQ_T_META), &k, &v) != 0)
		return 6;
	mdb_txn_abort(txn);
	htq_db_close(db);
	return 0;
}

static void
test_map_grows_then_stops(void)
{
	struct htq_db *db;
	char dir[64], cmd[96], *text, c;
	int ready[2], go[2], i, rc, grew = 0, st;
	size_t before;
	pid_t pid;

	snprintf(dir, sizeof(dir), "/tmp/htq-unit-XXXXXX");
	T_ASSERT(mkdtemp(dir) != NULL);
	T_EQ(setenv("HTQ_MAP_INITIAL", "1048576", 1), 0);
	T_EQ(setenv("HTQ_MAP_MAX", "4194304", 1), 0);
	T_EQ(htq_db_open(dir, HTQ_DB_CREATE, &db), HTQ_OK);
	T_EQ(mapsize(db), MIB);
	htq_db_close(db);
	T_EQ(pipe(ready), 0);
	T_EQ(pipe(go), 0);
	fflush(stdout);
	if ((pid = fork()) == 0)
		_exit(reader(dir, ready[1], go[0]));
	T_ASSERT(pid > 0);
	T_EQ(read(ready[0], &c, 1), 1);

	T_EQ(htq_db_open(dir, 0, &db), HTQ_OK);
	T_ASSERT((text = malloc(2001)) != NULL);
	memset(text, 'x', 2000);
	text[2000] = '\0';
	for (i = 0; i < 10000; i++) {
		if ((rc = put_one(db, i, text)) == HTQ_OK)
			continue;
		T_EQ(rc, HTQ_EFULL);
		before = mapsize(db);
		if ((rc = htq_db_grow(db)) != HTQ_OK)
			break;
		T_EQ(mapsize(db), 2 * before);
		grew++;
		/* the same write, tried again, goes in */
		T_EQ(put_one(db, i, text), HTQ_OK);
	}
	T_EQ(rc, HTQ_EFULL);
	T_EQ(grew, 2);
	T_EQ(mapsize(db), 4 * MIB);
	T_ASSERT(i > 1000);
	/* at the maximum it stays full, and says so again */
	T_EQ(put_one(db, i, text), HTQ_EFULL);
	T_EQ(htq_db_grow(db), HTQ_EFULL);
	T_EQ(mapsize(db), 4 * MIB);

	T_EQ(write(go[1], "g", 1), 1);
	T_EQ(waitpid(pid, &st, 0), pid);
	T_ASSERT(WIFEXITED(st));
	T_EQ(WEXITSTATUS(st), 0);
	free(text);
	htq_db_close(db);
	/* a size that is not a byte count in range is refused */
	T_EQ(setenv("HTQ_MAP_MAX", "4G", 1), 0);
	T_EQ(htq_db_open(dir, 0, &db), HTQ_EINVAL);
	T_EQ(setenv("HTQ_MAP_MAX", "4096", 1), 0);
	T_EQ(htq_db_open(dir, 0, &db), HTQ_EINVAL);
	unsetenv("HTQ_MAP_MAX");
	unsetenv("HTQ_MAP_INITIAL");
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	T_EQ(system(cmd), 0);
}

int
main(void)
{
	T_RUN(test_map_grows_then_stops);
	return T_DONE();
}
