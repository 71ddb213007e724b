/*
 * store_check.c - signatures checked beside the writer.
 *
 * Every signature is verified right after it is made, before it can be
 * committed (SECURITY.md: a faulty signature could leak the key, and one
 * stored is in the append-only ledger for good).  Verifying costs more
 * than twice what signing does, and a batch of appends runs inside the
 * one write transaction LMDB allows at a time; so a batch's appends hand
 * their checks to a helper, which works through them while the writer
 * signs the next entries.  aud_checker_wait, before the commit, takes any
 * check not yet started itself and returns only when every one is done.
 *
 * The helper is a child process, not a thread: a second thread would
 * make every malloc of the (single-threaded) writer take glibc's arena
 * lock, which cost the JSON-heavy requests of the same process about a
 * tenth of their speed.  The jobs live in memory shared with it.  It
 * dies with its parent (PR_SET_PDEATHSIG).  Should it die or stall, the
 * writer checks what it had taken itself after a short wait, and from
 * then on checks everything inline.  It is kept off the CPU the writer
 * runs on when a batch starts: woken by the writer, the scheduler would
 * otherwise put it on the writer's own CPU, in turn with the signing.
 */
#define _GNU_SOURCE		/* sched_getcpu, CPU_* */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/futex.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "aud.h"

#define CTXLEN		(sizeof(AUD_ENTRY_CONTEXT) - 1)
#define NJOBS		64		/* more in one batch: checked inline */
#define TAKEOVER_NS	(20 * 1000 * 1000)	/* a taken check's time */

/* A job's state: (generation << 2) | one of these. */
enum { J_POSTED = 1, J_TAKEN = 2, J_DONE = 3 };

struct job {
	_Atomic uint32_t state;
	uint32_t	 len;		/* of msg */
	uint8_t		 pk[AUD_PK];
	uint8_t		 sig[AUD_SIG];
	uint8_t		 msg[CTXLEN + AUD_MAX_ENTRY];
};

struct aud_checker {
	_Atomic uint32_t posted;	/* jobs posted this round */
	_Atomic uint32_t bell;		/* rung at every post: the helper
					 * waits on it (never reset, so no
					 * wake-up is lost across rounds) */
	_Atomic uint32_t finished;	/* jobs done (the writer waits on it) */
	_Atomic uint32_t failed;	/* a check failed since the last wait */
	_Atomic uint32_t stop;
	uint32_t	 gen;		/* of this round (the writer's) */
	int		 broken;	/* the helper stalled: check inline */
	pid_t		 pid;
	int		 spread;	/* more than one CPU to run on */
	cpu_set_t	 cpus;
	size_t		 mapped;
	struct job	 jobs[NJOBS];
};

static long
futex(_Atomic uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

/* Complete job j of generation gen with result ok, unless someone else
 * did; 1 if this call did. */
static int
complete(struct aud_checker *c, struct job *j, uint32_t gen, int ok)
{
	uint32_t want = gen << 2 | J_TAKEN;

	if (!atomic_compare_exchange_strong(&j->state, &want,
	    gen << 2 | J_DONE))
		return 0;
	if (!ok)
		atomic_store(&c->failed, 1);
	atomic_fetch_add(&c->finished, 1);
	(void)futex(&c->finished, FUTEX_WAKE, INT32_MAX, NULL);
	return 1;
}

/* Take job j if it is posted and not taken; 1 if this call took it. */
static int
take(struct job *j, uint32_t *gen)
{
	uint32_t s = atomic_load(&j->state);

	if ((s & 3) != J_POSTED)
		return 0;
	*gen = s >> 2;
	return atomic_compare_exchange_strong(&j->state, &s,
	    *gen << 2 | J_TAKEN);
}

static int
check(const struct job *j)
{
	return crypto_sign_verify_detached(j->sig, j->msg, j->len, j->pk) ==
	    0;
}

/* The helper: check whatever is posted until told to stop. */
static void
serve(struct aud_checker *c, pid_t parent)
{
	struct timespec ts = { 1, 0 };	/* and look at the parent */
	uint32_t seen, gen, i, n;

	while (!atomic_load(&c->stop) && getppid() == parent) {
		seen = atomic_load(&c->bell);
		n = atomic_load(&c->posted);
		for (i = 0; i < n && i < NJOBS; i++)
			if (take(&c->jobs[i], &gen))
				(void)complete(c, &c->jobs[i], gen,
				    check(&c->jobs[i]));
		(void)futex(&c->bell, FUTEX_WAIT, seen, &ts);
	}
}

int
aud_checker_start(struct aud_checker **out)
{
	struct aud_checker *c;
	pid_t parent = getpid(), pid;

	*out = NULL;
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED)
		return AUD_ENOMEM;
	memset(c, 0, offsetof(struct aud_checker, jobs));
	c->mapped = sizeof(*c);
	if (sched_getaffinity(0, sizeof(c->cpus), &c->cpus) == 0)
		c->spread = CPU_COUNT(&c->cpus) > 1;
	if ((pid = fork()) < 0) {
		munmap(c, sizeof(*c));
		return AUD_ENOMEM;
	}
	if (pid == 0) {
		/* only the checks: no signal of the parent's, no exit
		 * handlers, nothing of its files */
		sigset_t none;

		sigemptyset(&none);
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		(void)close_range(3, ~0U, 0);
		(void)prctl(PR_SET_NAME, "htq-checker");
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		serve(c, parent);
		_exit(0);
	}
	c->pid = pid;
	*out = c;
	return AUD_OK;
}

pid_t
aud_checker_pid(const struct aud_checker *c)
{
	return c->pid;
}

/* At a round's first check: the helper may run anywhere but here. */
static void
away(struct aud_checker *c)
{
	cpu_set_t set;
	int me;

	if (!c->spread || (me = sched_getcpu()) < 0 ||
	    !CPU_ISSET(me, &c->cpus))
		return;
	set = c->cpus;
	CPU_CLR(me, &set);
	(void)sched_setaffinity(c->pid, sizeof(set), &set);
}

int
aud_checker_add(struct aud_checker *c, const uint8_t pk[AUD_PK],
    const char *entry, size_t len, const uint8_t sig[AUD_SIG])
{
	uint32_t n = atomic_load(&c->posted);
	struct job *j;

	if (len > AUD_MAX_ENTRY)
		return AUD_ETOOBIG;
	if (c->broken || n >= NJOBS) {
		/* checked here and now */
		if (aud_entry_verify(pk, entry, len, sig) != AUD_OK)
			atomic_store(&c->failed, 1);
		return AUD_OK;
	}
	if (n == 0)
		away(c);
	j = &c->jobs[n];
	memcpy(j->pk, pk, AUD_PK);
	memcpy(j->sig, sig, AUD_SIG);
	memcpy(j->msg, AUD_ENTRY_CONTEXT, CTXLEN);
	memcpy(j->msg + CTXLEN, entry, len);
	j->len = (uint32_t)(CTXLEN + len);
	atomic_store(&j->state, c->gen << 2 | J_POSTED);
	atomic_store(&c->posted, n + 1);
	atomic_fetch_add(&c->bell, 1);
	(void)futex(&c->bell, FUTEX_WAKE, 1, NULL);
	return AUD_OK;
}

int
aud_checker_wait(struct aud_checker *c)
{
	struct timespec ts = { 0, TAKEOVER_NS };
	uint32_t n = atomic_load(&c->posted), gen, i, f;
	int rc;

	/* what the helper has not started, checked here */
	for (i = 0; i < n; i++)
		if (take(&c->jobs[i], &gen))
			(void)complete(c, &c->jobs[i], gen,
			    check(&c->jobs[i]));
	while ((f = atomic_load(&c->finished)) < n)
		if (futex(&c->finished, FUTEX_WAIT, f, &ts) != 0 &&
		    errno == ETIMEDOUT && atomic_load(&c->finished) < n) {
			/* the helper died or stalled with a check taken:
			 * do it here, and every later one too */
			c->broken = 1;
			for (i = 0; i < n; i++)
				if ((atomic_load(&c->jobs[i].state) & 3) ==
				    J_TAKEN)
					(void)complete(c, &c->jobs[i],
					    c->gen, check(&c->jobs[i]));
		}
	rc = atomic_load(&c->failed) ? AUD_ECRYPTO : AUD_OK;
	/* the next round: a new generation, so that a late answer from
	 * this one cannot count */
	c->gen = (c->gen + 1) & 0x3fffffff;
	atomic_store(&c->failed, 0);
	atomic_store(&c->finished, 0);
	atomic_store(&c->posted, 0);
	return rc;
}

void
aud_checker_stop(struct aud_checker *c)
{
	if (c == NULL)
		return;
	(void)aud_checker_wait(c);
	atomic_store(&c->stop, 1);
	atomic_fetch_add(&c->bell, 1);
	(void)futex(&c->bell, FUTEX_WAKE, INT32_MAX, NULL);
	(void)waitpid(c->pid, NULL, 0);
	munmap(c, c->mapped);
}
