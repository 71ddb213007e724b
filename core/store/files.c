/*
 * files.c - the data directory's ownership and mode, and files written
 * whole or not at all.
 *
 * The data directory holds the database, the signing key and the
 * sockets: it is mode 0700 and everything in it has one owner, the
 * service account.  A program started as root on a data directory that
 * another account owns acts as that account (htq_become_owner), so that
 * root never leaves files there that the service cannot read.  Files are
 * written to a fresh temporary name in the target's folder (mkstemp:
 * O_EXCL, never through a symlink an attacker planted), synced and
 * renamed over the target, so a reader sees the old file or the new one.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

int
htq_datadir_secure(const char *datadir, int repair)
{
	struct stat st;

	if (stat(datadir, &st) != 0)
		return errno == ENOENT ? HTQ_ENOTFOUND : HTQ_EIO;
	if (!S_ISDIR(st.st_mode))
		return HTQ_EINVAL;
	if ((st.st_mode & 077) == 0)
		return HTQ_OK;
	if (!repair || st.st_uid != geteuid())
		return HTQ_EPERM;
	if (chmod(datadir, 0700) != 0)
		return HTQ_EIO;
	fprintf(stderr, "htq: %s was open to other accounts (mode %04o); "
	    "it is now 0700\n", datadir, (unsigned)(st.st_mode & 07777));
	return HTQ_OK;
}

/*
 * Changing ids makes a process non-dumpable, which stops LeakSanitizer
 * from inspecting it at exit.  Sanitizer builds (tests only, never
 * deployed) turn that back on; release builds keep it off, so that the
 * service account cannot ptrace a process that can still become root.
 */
/* The caller's ids when root, kept while acting as the owner. */
static uid_t caller_uid = (uid_t)-1;
static gid_t caller_gid;

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer ptraces its own threads at exit, which a process whose
 * effective id differs from its real one may not do: be root again. */
static void
restore_ids(void)
{
	if (caller_uid != (uid_t)-1 && seteuid(caller_uid) == 0)
		(void)setegid(caller_gid);
}
#endif

static void
after_id_change(void)
{
#if defined(__SANITIZE_ADDRESS__)
	static int registered;

	(void)prctl(PR_SET_DUMPABLE, 1);
	if (!registered++)
		atexit(restore_ids);
#endif
}

int
htq_become_owner(const char *datadir, int permanent)
{
	struct stat st;
	gid_t g;

	if (geteuid() != 0)
		return HTQ_OK;
	if (stat(datadir, &st) != 0)
		return errno == ENOENT ? HTQ_OK : HTQ_EIO;
	if (st.st_uid == 0)
		return HTQ_OK;
	g = st.st_gid;
	if (setgroups(1, &g) != 0)
		return HTQ_EPERM;
	if (permanent) {
		if (setgid(st.st_gid) != 0 || setuid(st.st_uid) != 0 ||
		    setuid(0) == 0)	/* must be gone for good */
			return HTQ_EPERM;
		after_id_change();
		return HTQ_OK;
	}
	caller_uid = geteuid();
	caller_gid = getegid();
	if (setegid(st.st_gid) != 0 || seteuid(st.st_uid) != 0)
		return HTQ_EPERM;
	after_id_change();
	return HTQ_OK;
}

int
htq_as_caller(int on)
{
	static uid_t owner_uid;
	static gid_t owner_gid;

	if (caller_uid == (uid_t)-1)
		return HTQ_OK;		/* never switched */
	if (on) {
		owner_uid = geteuid();
		owner_gid = getegid();
		if (seteuid(caller_uid) != 0 || setegid(caller_gid) != 0)
			return HTQ_EPERM;
	} else if (setegid(owner_gid) != 0 || seteuid(owner_uid) != 0)
		return HTQ_EPERM;
	after_id_change();
	return HTQ_OK;
}

int
htq_atomic_open(const char *path, mode_t mode, struct htq_atomic *a)
{
	int fd, n;

	memset(a, 0, sizeof(*a));
	n = snprintf(a->tmp, sizeof(a->tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(a->tmp) ||
	    snprintf(a->path, sizeof(a->path), "%s", path) >=
	    (int)sizeof(a->path))
		return HTQ_EINVAL;
	if ((fd = mkstemp(a->tmp)) < 0)
		return HTQ_EIO;
	if (fchmod(fd, mode) != 0 || (a->f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(a->tmp);
		return HTQ_EIO;
	}
	return HTQ_OK;
}

void
htq_atomic_abort(struct htq_atomic *a)
{
	if (a->f == NULL)
		return;
	fclose(a->f);
	a->f = NULL;
	unlink(a->tmp);
}

int
htq_atomic_commit(struct htq_atomic *a)
{
	return htq_atomic_finish(a, 1);
}

int
htq_atomic_finish(struct htq_atomic *a, int sync)
{
	char dir[sizeof(a->path)];
	int ok, fd;

	if (a->f == NULL)
		return HTQ_EINVAL;
	ok = fflush(a->f) == 0 && !ferror(a->f) &&
	    (!sync || fsync(fileno(a->f)) == 0);
	ok = fclose(a->f) == 0 && ok;
	a->f = NULL;
	if (!ok || rename(a->tmp, a->path) != 0) {
		unlink(a->tmp);
		return HTQ_EIO;
	}
	if (!sync)
		return HTQ_OK;
	/* the rename itself survives a crash once the folder is synced */
	memcpy(dir, a->path, sizeof(dir));
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	return HTQ_OK;
}

int
htq_env_int(const char *name, int def, int lo, int hi)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return def;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= lo && v <= hi ? (int)v : def;
}
