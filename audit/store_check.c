/*
 * store_check.c - signatures checked beside the writer.
 *
 * Every signature is verified right after it is made, before it can be
 * committed (SECURITY.md: a faulty signature could leak the key, and one
 * stored is in the append-only ledger for good).  Verifying costs more
 * than twice what signing does, and a batch of appends runs inside the
 * one write transaction LMDB allows at a time; so a batch's appends hand
 * their checks to a thread of this process, which works through them
 * while the writer signs the next entries.  aud_checker_wait, before the
 * commit, takes any check not yet started itself and returns only when
 * every one has been done.  The thread is kept off the CPU the writer
 * runs on when the batch starts: left to the scheduler, it is woken on
 * the writer's own CPU and the checks run in turn with the signing.
 */
#define _GNU_SOURCE		/* sched_getcpu, pthread_setaffinity_np */
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "aud.h"

struct job {
	uint8_t		 pk[AUD_PK];
	uint8_t		 sig[AUD_SIG];
	uint8_t		*msg;		/* context string || entry */
	size_t		 len;
};

struct aud_checker {
	pthread_mutex_t	 mu;
	pthread_cond_t	 work;		/* a job was added, or stop */
	pthread_cond_t	 done;		/* a job was finished */
	pthread_t	 th;
	struct job	*jobs;
	size_t		 njobs, cap;
	size_t		 next;		/* first job not yet started */
	size_t		 finished;
	int		 failed;
	int		 stop;
	cpu_set_t	 cpus;		/* the process may run on */
	int		 spread;	/* more than one of them */
};

/* Check job j (outside the lock); 1 if the signature holds. */
static int
check(const struct job *j)
{
	return crypto_sign_verify_detached(j->sig, j->msg, j->len, j->pk) ==
	    0;
}

/* Take the next job not yet started, lock held; NULL when none. */
static struct job *
take(struct aud_checker *c)
{
	return c->next < c->njobs ? &c->jobs[c->next++] : NULL;
}

static void
finish(struct aud_checker *c, int ok)
{
	if (!ok)
		c->failed = 1;
	c->finished++;
	pthread_cond_broadcast(&c->done);
}

static void *
run(void *arg)
{
	struct aud_checker *c = arg;
	struct job *j, copy;
	int ok;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->stop && c->next == c->njobs)
			pthread_cond_wait(&c->work, &c->mu);
		if (c->stop)
			break;
		j = take(c);
		copy = *j;	/* the array may move while unlocked */
		pthread_mutex_unlock(&c->mu);
		ok = check(&copy);
		pthread_mutex_lock(&c->mu);
		finish(c, ok);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* At a batch's first check: the thread may run anywhere but here. */
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
	(void)pthread_setaffinity_np(c->th, sizeof(set), &set);
}

int
aud_checker_start(struct aud_checker **out)
{
	struct aud_checker *c;
	sigset_t all, old;
	int rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return AUD_ENOMEM;
	if (sched_getaffinity(0, sizeof(c->cpus), &c->cpus) == 0)
		c->spread = CPU_COUNT(&c->cpus) > 1;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->work, NULL);
	pthread_cond_init(&c->done, NULL);
	/* signals stay with the process's own thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&c->th, NULL, run, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->work);
		pthread_cond_destroy(&c->done);
		free(c);
		return AUD_ENOMEM;
	}
	*out = c;
	return AUD_OK;
}

int
aud_checker_add(struct aud_checker *c, const uint8_t pk[AUD_PK],
    const char *entry, size_t len, const uint8_t sig[AUD_SIG])
{
	static const size_t clen = sizeof(AUD_ENTRY_CONTEXT) - 1;
	struct job *nj;
	uint8_t *msg;
	size_t cap;

	if ((msg = malloc(clen + len)) == NULL)
		return AUD_ENOMEM;
	memcpy(msg, AUD_ENTRY_CONTEXT, clen);
	memcpy(msg + clen, entry, len);
	pthread_mutex_lock(&c->mu);
	if (c->njobs == 0)
		away(c);
	if (c->njobs == c->cap) {
		cap = c->cap ? 2 * c->cap : 16;
		if ((nj = realloc(c->jobs, cap * sizeof(*nj))) == NULL) {
			pthread_mutex_unlock(&c->mu);
			free(msg);
			return AUD_ENOMEM;
		}
		c->jobs = nj;
		c->cap = cap;
	}
	nj = &c->jobs[c->njobs++];
	memcpy(nj->pk, pk, AUD_PK);
	memcpy(nj->sig, sig, AUD_SIG);
	nj->msg = msg;
	nj->len = clen + len;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->mu);
	return AUD_OK;
}

int
aud_checker_wait(struct aud_checker *c)
{
	struct job *j, copy;
	size_t i;
	int ok, rc;

	pthread_mutex_lock(&c->mu);
	while ((j = take(c)) != NULL) {
		copy = *j;
		pthread_mutex_unlock(&c->mu);
		ok = check(&copy);
		pthread_mutex_lock(&c->mu);
		finish(c, ok);
	}
	while (c->finished < c->njobs)
		pthread_cond_wait(&c->done, &c->mu);
	rc = c->failed ? AUD_ECRYPTO : AUD_OK;
	for (i = 0; i < c->njobs; i++)
		free(c->jobs[i].msg);
	c->njobs = c->next = c->finished = 0;
	c->failed = 0;
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void
aud_checker_stop(struct aud_checker *c)
{
	if (c == NULL)
		return;
	(void)aud_checker_wait(c);
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->th, NULL);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->work);
	pthread_cond_destroy(&c->done);
	free(c->jobs);
	free(c);
}
