/*
 * ctl_backup.c - htqctl backup and htqctl restore.
 *
 * A backup is LMDB's compacting copy of the running database (one file,
 * mode 0600, taken in one read transaction while writers go on), and with
 * --with-key a copy of the ledger signing key in FILE.key (0600).  A
 * restore writes a new data directory from it, verifies the restored log
 * as htq-verify's ledger mode does (audit/store_check.c), refuses to
 * rewind or fork the log the site last published unless a new log is
 * started (--new-origin), and rebuilds the public files.
 * docs/ledger.md 5.2 and README.md "Backup and restore" are the contract.
 */
#define _XOPEN_SOURCE 700	/* nftw */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"
#include "aud.h"

/* The signing key file is a few hundred bytes. */
#define KEY_FILE_MAX	4096

/*
 * Put the finished temporary file tmp at path: without force a link, which
 * fails when path exists (never overwritten, never through a symlink at
 * path), then tmp is removed; with force a rename over it.
 */
static int
place(const char *tmp, const char *path, int force)
{
	int rc = 0;

	if (force)
		rc = rename(tmp, path);
	else {
		rc = link(tmp, path);
		unlink(tmp);
	}
	return rc == 0 ? HTQ_OK : errno == EEXIST ? HTQ_EEXIST : HTQ_EIO;
}

/* Sync the folder holding path, so that a new name survives a crash. */
static void
sync_dir_of(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/*
 * Copy the key file open on in (named src in messages) to dst (mode 0600,
 * never over an existing file unless force), through sodium_malloc'd
 * memory wiped after.  src must not be open to group or others (the rule
 * aud_key_load applies).  The caller opens and closes in.
 */
static int
copy_key(int in, const char *src, const char *dst, int force, char *why,
    size_t whysz)
{
	char tmp[4096 + 8];
	struct stat st;
	uint8_t *buf;
	ssize_t n;
	int out = -1, rc = HTQ_EIO;

	if ((buf = sodium_malloc(KEY_FILE_MAX)) == NULL)
		return HTQ_ENOMEM;
	if (fstat(in, &st) != 0) {
		snprintf(why, whysz, "cannot read the key file %.300s: %s", src,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		snprintf(why, whysz, "the key file %.300s is open to other "
		    "accounts (mode %04o) or not a file: chmod 600 it",
		    src, (unsigned)(st.st_mode & 07777));
		rc = HTQ_EPERM;
		goto out;
	}
	if ((n = read(in, buf, KEY_FILE_MAX)) <= 0 || n == KEY_FILE_MAX) {
		snprintf(why, whysz, "the key file %.300s is empty or too large",
		    src);
		rc = HTQ_EFORMAT;
		goto out;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", dst) >= (int)sizeof(tmp) ||
	    (out = mkstemp(tmp)) < 0) {
		snprintf(why, whysz, "cannot create a file beside %.300s: %s", dst,
		    strerror(errno));
		goto out;
	}
	if (fchmod(out, 0600) != 0 || write(out, buf, (size_t)n) != n ||
	    fsync(out) != 0) {
		snprintf(why, whysz, "cannot write %.300s: %s", tmp,
		    strerror(errno));
		close(out);
		unlink(tmp);
		goto out;
	}
	close(out);
	if ((rc = place(tmp, dst, force)) != HTQ_OK) {
		snprintf(why, whysz, rc == HTQ_EEXIST ? "%.300s exists (--force "
		    "replaces it)" : "cannot create %.300s", dst);
		goto out;
	}
	sync_dir_of(dst);
	rc = HTQ_OK;
out:
	sodium_free(buf);
	return rc;
}

/* Base64 of a root, as checkpoints write it. */
static void
root_b64(const aud_hash root, char out[64])
{
	sodium_bin2base64(out, 64, root, AUD_HASH,
	    sodium_base64_VARIANT_ORIGINAL);
}

/*
 * The log of a backup file, checked (pub: the published checkpoint, or
 * NULL).  Opens the file read-only without a lock; *dbp is the caller's.
 */
static int
open_copy(const char *file, struct htq_db **dbp, MDB_txn **txnp,
    struct aud_log **logp)
{
	int rc;

	*dbp = NULL;
	*txnp = NULL;
	*logp = NULL;
	if ((rc = htq_db_open(file, HTQ_DB_COPY, dbp)) != HTQ_OK)
		return rc;
	if ((rc = htq_txn_read(*dbp, txnp)) != HTQ_OK)
		goto fail;
	if ((rc = aud_log_open(*txnp, NULL, logp)) != HTQ_OK) {
		mdb_txn_abort(*txnp);
		*txnp = NULL;
		goto fail;
	}
	return HTQ_OK;
fail:
	htq_db_close(*dbp);
	*dbp = NULL;
	return rc;
}

static void
close_copy(struct htq_db *db, MDB_txn *txn, struct aud_log *log)
{
	aud_log_close(log);
	if (txn != NULL)
		mdb_txn_abort(txn);
	htq_db_close(db);
}

static int
backup_usage(void)
{
	fprintf(stderr, "usage: htqctl backup FILE [--with-key] [--force]\n");
	return 2;
}

static int
cmd_backup(struct ctl *c, int argc, char **argv)
{
	char tmp[4096 + 8], keyfile[4096 + 8], keysrc[4096], why[600];
	char b64[64];
	const char *file = NULL;
	struct htq_db *copy;
	struct aud_log *log;
	struct aud_check chk;
	struct stat st;
	MDB_txn *txn;
	int i, fd, rc, with_key = 0, force = 0;

	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl backup FILE [--with-key] [--force]\n\n"
		    "Copy the database while the service runs: LMDB's "
		    "compacting copy, taken in one\nread transaction, written "
		    "to FILE with mode 0600.  Prints its size and the\n"
		    "ledger's size and root in the copy.  The ledger signing "
		    "key is NOT in FILE:\nback up DATA/keys/ledger.key "
		    "separately, or give --with-key to write it to\nFILE.key "
		    "(mode 0600; keep it apart from FILE, encrypted).  "
		    "Refuses to replace\nan existing FILE unless --force.  "
		    "Restore with 'htqctl restore'.\n");
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--with-key") == 0)
			with_key = 1;
		else if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (file == NULL && argv[i][0] != '-')
			file = argv[i];
		else
			return backup_usage();
	}
	if (file == NULL)
		return backup_usage();
	if (sodium_init() < 0)
		return ctl_fail("libsodium", HTQ_ECRYPTO);
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", file) >= (int)sizeof(tmp) ||
	    snprintf(keyfile, sizeof(keyfile), "%s.key", file) >=
	    (int)sizeof(keyfile))
		return ctl_fail(file, HTQ_EINVAL);
	if ((rc = ctl_open(c, 0)) != HTQ_OK)
		return ctl_fail("database", rc);
	/* the caller's file, created as the caller: mkstemp makes it 0600
	 * and never follows or reuses a name */
	htq_as_caller(1);
	if (!force && lstat(file, &st) == 0) {
		htq_as_caller(0);
		fprintf(stderr, "htqctl: %s exists: choose a new name, or give "
		    "--force to replace it\n", file);
		return 1;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		htq_as_caller(0);
		fprintf(stderr, "htqctl: cannot create a file beside %s: %s\n",
		    file, strerror(errno));
		return 1;
	}
	rc = fchmod(fd, 0600) == 0 ? htq_mdb_err(mdb_env_copyfd2(
	    htq_db_env(c->db), fd, MDB_CP_COMPACT)) : HTQ_EIO;
	if (rc == HTQ_OK && fsync(fd) != 0)
		rc = HTQ_EIO;
	if (close(fd) != 0 && rc == HTQ_OK)
		rc = HTQ_EIO;
	if (rc != HTQ_OK) {
		unlink(tmp);
		htq_as_caller(0);
		fprintf(stderr, "htqctl: copying the database to %s failed: "
		    "%s (is there room?)\n", tmp, htq_strerror(rc));
		return 1;
	}
	if ((rc = place(tmp, file, force)) != HTQ_OK) {
		htq_as_caller(0);
		fprintf(stderr, "htqctl: %s: %s\n", file, rc == HTQ_EEXIST ?
		    "it appeared while copying: choose a new name, or give "
		    "--force" : strerror(errno));
		return 1;
	}
	sync_dir_of(file);
	/* what the copy holds, read from the copy itself */
	rc = open_copy(file, &copy, &txn, &log);
	if (rc == HTQ_OK) {
		rc = aud_log_check(log, txn, NULL, 0, &chk, why, sizeof(why));
		close_copy(copy, txn, log);
	} else
		snprintf(why, sizeof(why), "%s", htq_strerror(rc));
	if (rc != HTQ_OK || stat(file, &st) != 0) {
		htq_as_caller(0);
		fprintf(stderr, "htqctl: the copy %s does not verify: %s; do "
		    "not rely on it (run 'htqctl ledger export' and "
		    "htq-verify on the live data)\n", file, why);
		return 1;
	}
	root_b64(chk.root, b64);
	printf("wrote %s (%lld bytes, mode 0600): ledger of %llu entries, "
	    "checkpoint root %s\n", file, (long long)st.st_size,
	    (unsigned long long)chk.size, b64);
	if (!with_key) {
		htq_as_caller(0);
		printf("the ledger signing key is NOT in the copy: keep "
		    "%s/keys/ledger.key backed up apart\n(or run again "
		    "with --with-key); a restore needs it, or starts a new "
		    "log\n", c->datadir);
		return 0;
	}
	/* the key is read as the data directory's owner, written as the
	 * caller */
	htq_as_caller(0);
	if ((rc = htq_key_path(c->datadir, "ledger.key", keysrc,
	    sizeof(keysrc))) != HTQ_OK)
		return ctl_fail("key", rc);
	{
		int sfd = open(keysrc, O_RDONLY | O_NOFOLLOW);

		if (sfd < 0) {
			fprintf(stderr, "htqctl: cannot read %s: %s\n", keysrc,
			    strerror(errno));
			return 1;
		}
		htq_as_caller(1);
		rc = copy_key(sfd, keysrc, keyfile, force, why, sizeof(why));
		htq_as_caller(0);
		close(sfd);
	}
	if (rc != HTQ_OK) {
		fprintf(stderr, "htqctl: the database copy is written, but "
		    "not the key: %s\n", why);
		return 1;
	}
	printf("wrote %s (the ledger signing key, mode 0600): keep it apart "
	    "from %s and encrypted\n", keyfile, file);
	return 0;
}

/* --- restore --- */

/* 1 when a server answers on DIR/run/fcgi.sock. */
static int
server_answers(const char *dir, char *sock, size_t socksz)
{
	struct sockaddr_un sa;
	int fd, live;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/run/fcgi.sock",
	    dir) >= (int)sizeof(sa.sun_path))
		return 0;
	snprintf(sock, socksz, "%s", sa.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return 0;
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return live;
}

static int
make_dirs(const char *dir)
{
	static const char *const subs[] = { "", "/db", "/keys", "/run",
	    "/log" };
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (snprintf(path, sizeof(path), "%s%s", dir, subs[i]) >=
		    (int)sizeof(path))
			return HTQ_EINVAL;
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return HTQ_EIO;
	}
	return htq_datadir_secure(dir, 1);
}

/* Copy the backup file into DIR/db/data.mdb (0600). */
static int
copy_db(const char *file, const char *dir)
{
	char dst[4096], tmp[4096 + 8], buf[65536];
	ssize_t n;
	int in, out, rc = HTQ_EIO;

	if (snprintf(dst, sizeof(dst), "%s/db/data.mdb", dir) >=
	    (int)sizeof(dst) || snprintf(tmp, sizeof(tmp), "%s.XXXXXX",
	    dst) >= (int)sizeof(tmp))
		return HTQ_EINVAL;
	htq_as_caller(1);
	in = open(file, O_RDONLY);
	htq_as_caller(0);
	if (in < 0)
		return HTQ_EIO;
	if ((out = mkstemp(tmp)) < 0) {
		close(in);
		return HTQ_EIO;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	if (n == 0 && fchmod(out, 0600) == 0 && fsync(out) == 0)
		rc = HTQ_OK;
	close(in);
	if (close(out) != 0)
		rc = HTQ_EIO;
	if (rc == HTQ_OK)
		rc = place(tmp, dst, 0);
	else
		unlink(tmp);
	if (rc == HTQ_OK)
		sync_dir_of(dst);
	return rc;
}

/*
 * --new-origin: replace the restored log by a new one of origin `origin`
 * and a new key (DIR/keys/ledger.key): every entry of the backup's log is
 * recorded again at the same index (so marks keep their entries),
 * signed by the new key, a key.rotated of the old log as
 * key.rotated_previous_log; then ledger.restarted names the old log (its
 * origin, size and root, and the published checkpoint's size and root),
 * and the mark counters skip as many serials as the published log had
 * entries beyond the backup.
 */
static int
new_log(const char *dir, const char *origin, struct aud_log *old,
    MDB_txn *otxn, const struct aud_check *chk, char *why, size_t whysz)
{
	char keypath[4096], b64[64], pb64[64];
	struct htq_db *db = NULL;
	struct aud_log *log = NULL;
	struct aud_key *key = NULL;
	struct aud_entry e;
	const uint8_t *sig;
	const char *entry, *type;
	MDB_txn *txn = NULL;
	json_t *data = NULL;
	uint64_t seq;
	size_t len;
	int rc;

	if (!aud_name_valid(origin)) {
		snprintf(why, whysz, "--new-origin %.100s: not a log origin "
		    "(printable, no spaces or '+')", origin);
		return HTQ_EINVAL;
	}
	if (strcmp(origin, aud_log_origin(old)) == 0) {
		snprintf(why, whysz, "--new-origin must differ from the old "
		    "log's origin %s", origin);
		return HTQ_EINVAL;
	}
	if ((rc = htq_key_path(dir, "ledger.key", keypath,
	    sizeof(keypath))) != HTQ_OK ||
	    (rc = aud_key_generate(keypath, origin)) != HTQ_OK ||
	    (rc = aud_key_load(keypath, &key)) != HTQ_OK) {
		snprintf(why, whysz, "cannot create the new key %.300s: %s",
		    keypath, htq_strerror(rc));
		return rc;
	}
	if ((rc = htq_db_open(dir, 0, &db)) != HTQ_OK ||
	    (rc = htq_txn_write(db, &txn)) != HTQ_OK)
		goto out;
	if ((rc = aud_log_open(txn, NULL, &log)) != HTQ_OK ||
	    (rc = aud_log_drop(log, txn)) != HTQ_OK)
		goto out;
	aud_log_close(log);
	if ((rc = aud_log_open(txn, origin, &log)) != HTQ_OK)
		goto out;
	for (seq = 0; seq < chk->size; seq++) {
		if ((rc = aud_entry_get(old, otxn, seq, &entry, &len, &sig)) !=
		    HTQ_OK || (rc = aud_entry_parse(entry, len, &e, why,
		    whysz)) != HTQ_OK)
			goto out;
		type = strcmp(e.type, "key.rotated") == 0 ?
		    "key.rotated_previous_log" : e.type;
		if ((rc = aud_append_data(log, txn, key, type, e.actor,
		    e.subject, e.data, e.datalen, NULL)) != HTQ_OK)
			goto out;
	}
	root_b64(chk->root, b64);
	root_b64(chk->pub_root, pb64);
	data = json_pack("{s:s,s:I,s:s,s:I,s:s?}", "previous_origin",
	    aud_log_origin(old), "previous_size", (json_int_t)chk->size,
	    "previous_root", b64, "published_size",
	    (json_int_t)(chk->have_pub ? chk->pub_size : chk->size),
	    "published_root", chk->have_pub ? pb64 : NULL);
	if (data == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((rc = aud_append(log, txn, key, "ledger.restarted", "system",
	    "ledger", data, NULL)) != HTQ_OK)
		goto out;
	if (chk->have_pub && chk->pub_size > chk->size &&
	    (rc = htq_mark_serials_skip(db, txn, chk->pub_size - chk->size)) !=
	    HTQ_OK)
		goto out;
	rc = htq_mdb_err(mdb_txn_commit(txn));
	txn = NULL;
out:
	if (rc != HTQ_OK && why[0] == '\0')
		snprintf(why, whysz, "starting the new log failed: %s",
		    htq_strerror(rc));
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(data);
	aud_log_close(log);
	aud_key_free(key);
	htq_db_close(db);
	return rc;
}

/* --- public files the restored database does not hold --- */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP)
		return rmdir(path) == 0 ? 0 : -1;
	return unlink(path) == 0 ? 0 : -1;
}

/* Remove dir/sub and everything under it (links are removed, never
 * followed); 0 when it is gone or was never there. */
static int
rm_tree(const char *dir, const char *sub)
{
	char path[4096];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, sub) >=
	    (int)sizeof(path))
		return -1;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * A public folder left in DIR (a restore into the directory of a lost
 * database) may hold the files of marks the backup does not know and
 * tiles of a longer or another log: remove marks/<id> and verify/<id>
 * of every id the database does not hold, and the ledger and register
 * folders, which the rebuild writes again.  *removed counts the marks.
 */
static int
prune_public(struct htq_db *db, const char *pub, size_t *removed)
{
	static const char *const kinds[] = { "marks", "verify" };
	char path[4096];
	struct dirent *d;
	MDB_txn *txn;
	json_t *m;
	DIR *dp;
	size_t i;
	int rc = HTQ_OK;

	*removed = 0;
	if (rm_tree(pub, "ledger") != 0 || rm_tree(pub, "register") != 0)
		return HTQ_EIO;
	if ((rc = htq_txn_read(db, &txn)) != HTQ_OK)
		return rc;
	for (i = 0; i < 2 && rc == HTQ_OK; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", pub, kinds[i]) >=
		    (int)sizeof(path) || (dp = opendir(path)) == NULL)
			continue;
		while ((d = readdir(dp)) != NULL) {
			if (d->d_name[0] == '.')
				continue;
			m = NULL;
			if (htq_mark_id_valid(d->d_name) &&
			    htq_mark_get(db, txn, d->d_name, &m) == HTQ_OK) {
				json_decref(m);
				continue;
			}
			if (snprintf(path, sizeof(path), "%s/%s", kinds[i],
			    d->d_name) >= (int)sizeof(path) ||
			    rm_tree(pub, path) != 0) {
				rc = HTQ_EIO;
				break;
			}
			if (i == 0)
				(*removed)++;
		}
		closedir(dp);
	}
	mdb_txn_abort(txn);
	return rc;
}

/* A failed restore leaves no database or key behind in DIR (its empty
 * folders stay), so that the next try starts from the same place. */
static void
undo_restore(struct ctl *c, const char *dir)
{
	static const char *const files[] = { "db/data.mdb", "db/lock.mdb",
	    "keys/ledger.key" };
	char path[4096];
	size_t i;

	htq_db_close(c->db);
	c->db = NULL;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (snprintf(path, sizeof(path), "%s/%s", dir, files[i]) <
		    (int)sizeof(path))
			(void)unlink(path);
	fprintf(stderr, "htqctl: nothing restored: the database and key "
	    "written into %s were removed\n", dir);
}

static int
restore_usage(void)
{
	fprintf(stderr, "usage: htqctl restore FILE --data DIR "
	    "(--published CHECKPOINT | --no-published-checkpoint)\n"
	    "                     (--key KEYFILE | --new-origin ORIGIN)\n");
	return 2;
}

static int
cmd_restore(struct ctl *c, int argc, char **argv)
{
	const char *file = NULL, *dir = NULL, *pubfile = NULL, *keyfile = NULL;
	const char *origin = NULL;
	char path[4096], sock[200], why[600], pwhy[600], b64[64];
	char pubdir[4096];
	char *pub = NULL;
	size_t publen = 0, removed;
	struct htq_db *copy = NULL;
	struct aud_log *log = NULL;
	struct aud_check chk, pchk;
	MDB_txn *txn = NULL;
	struct stat st;
	int i, rc, no_pub = 0, rewound = 0, ret = 1, wrote = 0;

	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl restore FILE --data DIR\n"
		    "         (--published CHECKPOINT | "
		    "--no-published-checkpoint)\n"
		    "         (--key KEYFILE | --new-origin ORIGIN)\n\n"
		    "Restore a backup ('htqctl backup') into a new data "
		    "directory DIR (0700):\nnever over a running server or an "
		    "existing database.  The restored ledger is\nverified as "
		    "htq-verify's ledger mode does and the public files are "
		    "rebuilt.\n\n"
		    "--published CHECKPOINT  the last checkpoint the site "
		    "published (its\n    ledger/checkpoint file): the "
		    "backup's log must hold it, with its root at\n    its "
		    "size; a backup older than it would re-issue its "
		    "entries and mark ids\n    under the same key, a fork "
		    "every verifier rejects.\n"
		    "--no-published-checkpoint  nothing was ever published, "
		    "or you accept that risk.\n"
		    "--key KEYFILE  the log's signing key (FILE.key of backup "
		    "--with-key, or your\n    offline copy of "
		    "keys/ledger.key): it must be the log's current key.\n"
		    "--new-origin ORIGIN  start a new log instead: a new key "
		    "named ORIGIN, every\n    entry recorded again at its "
		    "index, then a ledger.restarted entry naming\n    the "
		    "old log; the way back from a backup older than the "
		    "published log.\n    Run the server with "
		    "HTQ_ORIGIN=ORIGIN and give auditors the new key.\n");
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--published") == 0 && i + 1 < argc)
			pubfile = argv[++i];
		else if (strcmp(argv[i], "--no-published-checkpoint") == 0)
			no_pub = 1;
		else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
			keyfile = argv[++i];
		else if (strcmp(argv[i], "--new-origin") == 0 && i + 1 < argc)
			origin = argv[++i];
		else if (file == NULL && argv[i][0] != '-')
			file = argv[i];
		else
			return restore_usage();
	}
	if (dir == NULL)
		dir = c->datadir;
	if (file == NULL || (pubfile != NULL && no_pub) ||
	    (keyfile != NULL && origin != NULL))
		return restore_usage();
	if (pubfile == NULL && !no_pub) {
		fprintf(stderr, "htqctl: restore needs the last checkpoint the "
		    "site published (--published FILE, e.g. a copy of\n"
		    "https://<site>/ledger/checkpoint): a backup older than "
		    "it would give its entries and mark ids\nagain to other "
		    "decisions under the same key, a fork every verifier "
		    "rejects.  If nothing was\never published, say so with "
		    "--no-published-checkpoint.\n");
		return 2;
	}
	if (sodium_init() < 0)
		return ctl_fail("libsodium", HTQ_ECRYPTO);
	if (keyfile == NULL && origin == NULL) {
		fprintf(stderr, "htqctl: restore needs the log's signing key "
		    "to publish and append: --key FILE (the\nFILE.key of "
		    "'htqctl backup --with-key', or your offline copy of "
		    "keys/ledger.key), or\n--new-origin ORIGIN to start a new "
		    "log with a new key.\n");
		return 2;
	}
	/* never over a live directory */
	if (server_answers(dir, sock, sizeof(sock))) {
		fprintf(stderr, "htqctl: refusing to restore into %s: a server "
		    "is running there (its socket %s answers); stop it, and "
		    "restore into a new directory\n", dir, sock);
		return 1;
	}
	if (snprintf(path, sizeof(path), "%s/db/data.mdb", dir) >=
	    (int)sizeof(path))
		return restore_usage();
	if (lstat(path, &st) == 0) {
		fprintf(stderr, "htqctl: refusing to restore into %s: it holds "
		    "a database (%s); restore into a new directory, or move "
		    "that database away first\n", dir, path);
		return 1;
	}
	if (pubfile != NULL) {
		if ((rc = ctl_read_file(pubfile, AUD_MAX_NOTE, &pub, &publen)) !=
		    HTQ_OK) {
			fprintf(stderr, "htqctl: cannot read the published "
			    "checkpoint %s: %s (save the site's "
			    "/ledger/checkpoint to a file and give its "
			    "path)\n", pubfile, rc == HTQ_ETOOBIG ?
			    "larger than a checkpoint" : strerror(errno));
			return 1;
		}
	}
	/* the backup's log before anything is written: every entry, then
	 * against the published checkpoint */
	htq_as_caller(1);
	rc = open_copy(file, &copy, &txn, &log);
	htq_as_caller(0);
	if (rc != HTQ_OK) {
		fprintf(stderr, "htqctl: %s is not a backup htqctl can read: "
		    "%s (give the file 'htqctl backup' wrote)\n", file,
		    htq_strerror(rc));
		goto out;
	}
	rc = aud_log_check(log, txn, pub, publen, &chk, why, sizeof(why));
	if (rc != HTQ_OK && pub != NULL && !chk.have_pub) {
		/* the checkpoint itself: malformed, or of another origin */
		fprintf(stderr, "htqctl: the published checkpoint %s: %s; give "
		    "the checkpoint this log last published\n", pubfile, why);
		goto out;
	}
	if (rc != HTQ_OK && !chk.entries_ok && rc != HTQ_ERANGE) {
		fprintf(stderr, "htqctl: the backup's ledger does not verify: "
		    "%s; it cannot be restored\n", why);
		goto out;
	}
	if (rc != HTQ_OK) {
		/* the published checkpoint refused it: keep why, and check
		 * the log itself too when the refusal came first */
		pchk = chk;
		if (rc == HTQ_ERANGE && origin != NULL &&
		    aud_log_check(log, txn, NULL, 0, &chk, pwhy,
		    sizeof(pwhy)) != HTQ_OK) {
			fprintf(stderr, "htqctl: the backup's ledger does not "
			    "verify: %s; it cannot be restored\n", pwhy);
			goto out;
		}
		if (origin == NULL) {
			fprintf(stderr, "htqctl: refusing to restore: %s.  "
			    "Restoring it would %s the public log: a fork "
			    "every verifier rejects.  Restore a newer "
			    "backup, or start a new log with --new-origin "
			    "ORIGIN (docs/ledger.md 5.2)\n", why,
			    rc == HTQ_ERANGE ? "rewind" : "replace");
			goto out;
		}
		rewound = 1;
		chk.have_pub = pchk.have_pub;
		chk.pub_size = pchk.pub_size;
		memcpy(chk.pub_root, pchk.pub_root, AUD_HASH);
	}
	if ((rc = make_dirs(dir)) != HTQ_OK) {
		fprintf(stderr, "htqctl: cannot make %s (0700) with db/, keys/, "
		    "run/ and log/: %s\n", dir, rc == HTQ_EPERM ? "it is open "
		    "to other accounts and not ours" : strerror(errno));
		goto out;
	}
	wrote = 1;	/* from here a failure removes what we wrote */
	if ((rc = copy_db(file, dir)) != HTQ_OK) {
		fprintf(stderr, "htqctl: copying %s into %s/db failed: %s "
		    "(check the space and permissions there, and try "
		    "again)\n", file, dir, rc == HTQ_EEXIST ? "a database "
		    "appeared there" : strerror(errno));
		goto out;
	}
	if (keyfile != NULL) {
		if ((rc = htq_key_path(dir, "ledger.key", path,
		    sizeof(path))) != HTQ_OK)
			goto out;
		htq_as_caller(1);
		{
			int kfd = open(keyfile, O_RDONLY | O_NOFOLLOW);

			htq_as_caller(0);
			if (kfd < 0) {
				fprintf(stderr, "htqctl: cannot read the key "
				    "file %s: %s\n", keyfile, strerror(errno));
				goto out;
			}
			rc = copy_key(kfd, keyfile, path, 0, why, sizeof(why));
			close(kfd);
		}
		if (rc != HTQ_OK) {
			fprintf(stderr, "htqctl: %s (from %s)\n", why, keyfile);
			goto out;
		}
	} else {
		why[0] = '\0';
		if (new_log(dir, origin, log, txn, &chk, why, sizeof(why)) !=
		    HTQ_OK) {
			fprintf(stderr, "htqctl: %s\n", why);
			goto out;
		}
	}
	close_copy(copy, txn, log);
	copy = NULL;
	txn = NULL;
	log = NULL;
	/* the restored directory as the server will open it */
	c->datadir = dir;
	if ((rc = ctl_open(c, 1)) != HTQ_OK) {
		if (rc == HTQ_EPERM)
			fprintf(stderr, "htqctl: %s is not the restored log's "
			    "current signing key: give the key of this "
			    "backup\n", keyfile);
		else
			ctl_fail(dir, rc);
		goto out;
	}
	if ((rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		goto out;
	rc = aud_log_check(htq_db_log(c->db), txn, origin != NULL ? NULL :
	    pub, publen, &pchk, why, sizeof(why));
	mdb_txn_abort(txn);
	txn = NULL;
	if (rc != HTQ_OK) {
		fprintf(stderr, "htqctl: the restored ledger in %s does not "
		    "verify: %s; do not start a server on it\n", dir, why);
		goto out;
	}
	if ((rc = htq_public_dir(dir, pubdir, sizeof(pubdir))) != HTQ_OK ||
	    (rc = prune_public(c->db, pubdir, &removed)) != HTQ_OK) {
		fprintf(stderr, "htqctl: cannot clear the stale public files "
		    "in %s: %s\n", pubdir, strerror(errno));
		goto out;
	}
	if ((rc = htq_publish(c->db, HTQ_PUBLISH_REBUILD)) != HTQ_OK) {
		ctl_fail("publishing the restored files", rc);
		goto out;
	}
	root_b64(pchk.root, b64);
	printf("restored %s into %s: ledger of %llu entries verified "
	    "(%zu key%s), root %s, origin %s\n", file, dir,
	    (unsigned long long)pchk.size, pchk.nkeys, pchk.nkeys == 1 ? "" :
	    "s", b64, aud_log_origin(htq_db_log(c->db)));
	if (origin != NULL)
		printf("started a new log %s with a new key: the old log's "
		    "%llu entries recorded again, then ledger.restarted%s; "
		    "run the server with HTQ_ORIGIN=%s and give auditors the "
		    "new key (htqctl key show)\n", origin,
		    (unsigned long long)chk.size, rewound ? " (the published "
		    "log was longer: mark serials skipped)" : "", origin);
	else if (pub != NULL)
		printf("the published checkpoint of %llu entries is part of "
		    "it (same root at that size)\n",
		    (unsigned long long)pchk.pub_size);
	else
		printf("not checked against a published checkpoint "
		    "(--no-published-checkpoint)\n");
	printf("public files rebuilt in %s; %zu mark%s the backup does not "
	    "hold removed\n", pubdir, removed, removed == 1 ? "" : "s");
	ret = 0;
out:
	if (txn != NULL || copy != NULL)
		close_copy(copy, txn, log);
	free(pub);
	if (ret != 0 && wrote)
		undo_restore(c, dir);
	return ret;
}

int
ctl_backup(struct ctl *c, int argc, char **argv)
{
	return cmd_backup(c, argc, argv);
}

int
ctl_restore(struct ctl *c, int argc, char **argv)
{
	return cmd_restore(c, argc, argv);
}
