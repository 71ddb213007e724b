/*
 * batch.c - group commit: the write transactions of concurrent requests
 * share one LMDB commit, and so one fsync.
 *
 * LMDB lets one writer in at a time, and a durable commit holds that
 * lock through its fsyncs: with one commit per request, the writer lock
 * (about a millisecond a commit on this class of disk) and not the CPU
 * caps how many requests a second can write.  So a write that can be
 * prepared in a read transaction is instead handed over as an operation:
 * a kind (which apply function) and its arguments, packed into the
 * caller's slot of memory the master shares with all its workers.  Then
 * the caller takes the batch lock.  Whoever holds it applies every
 * pending operation in its slots, in one write transaction, commits once,
 * and marks each done with its result; a caller that finds its operation
 * done when it gets the lock just takes the result.  Each apply function
 * re-checks what its operation was prepared against (HTQ_ECONFLICT when
 * something moved: the caller prepares again), so operations of other
 * requests applied before it in the same transaction are seen as they
 * should be.
 *
 * Crashes: the lock is a robust process-shared mutex.  Before it commits,
 * the holder marks the operations it applied as such, with their results,
 * and records the id of the transaction that holds them.  A holder killed
 * before the commit leaves a transaction LMDB aborts; one killed after it
 * leaves a committed one.  The next holder (the mutex tells it the last
 * one died) compares that id with the last committed transaction: the
 * operations are then done with the results recorded, or pending again
 * and applied anew.  A slot's owner writes its slot only while no
 * operation is pending in it, and a new worker in a dead one's slot
 * clears it under the lock.
 *
 * Without a shared batch (htqctl, the unit tests, an operation too big
 * for a slot) the same apply function runs in a write transaction of
 * its own: one mechanism either way.
 */
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/futex.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "htq.h"
#include "internal.h"
#include "aud.h"

/* A slot: free; pending (an operation waits); applied (in the batch
 * being committed, its result recorded); done (committed or refused). */
enum { SLOT_FREE, SLOT_PENDING, SLOT_APPLIED, SLOT_DONE };

struct slot {
	_Atomic int	 state;
	int		 kind;
	int		 rc;		/* the result, once done */
	uint32_t	 len;		/* of the packed arguments */
	uint64_t	 size;		/* the log's size after the commit */
	/* the packed arguments follow, up to HTQ_BATCH_SLOT bytes */
};

struct htq_batch {
	pthread_mutex_t	 mu;		/* held while applying a batch */
	_Atomic uint32_t gen;		/* batches ended: waiters sleep on it */
	uint64_t	 txnid;		/* of the batch being committed, or 0 */
	_Atomic uint64_t published;	/* the static log is at least this */
	unsigned	 nslots;
	size_t		 stride;	/* bytes from one slot to the next */
	size_t		 mapped;
};

/* The apply functions, by kind. */
static int (*const apply[])(struct htq_db *, MDB_txn *, const uint8_t *,
    size_t) = {
	[HTQ_OP_SUBMIT] = htq_submit_apply,
};

static int
apply_op(struct htq_db *db, MDB_txn *txn, int kind, const uint8_t *args,
    size_t len)
{
	if (kind <= 0 || (size_t)kind >= sizeof(apply) / sizeof(apply[0]) ||
	    apply[kind] == NULL)
		return HTQ_EINVAL;
	return apply[kind](db, txn, args, len);
}

static struct slot *
slot_at(struct htq_batch *b, unsigned i)
{
	return (struct slot *)((uint8_t *)b + sizeof(*b) + (size_t)i *
	    b->stride);
}

int
htq_batch_create(unsigned nslots, struct htq_batch **out)
{
	pthread_mutexattr_t ma;
	struct htq_batch *b;
	size_t stride, len;
	void *m;
	int rc;

	*out = NULL;
	if (nslots == 0 || nslots > HTQ_MAX_WORKERS)
		return HTQ_EINVAL;
	stride = (sizeof(struct slot) + HTQ_BATCH_SLOT + 63) & ~(size_t)63;
	len = sizeof(*b) + (size_t)nslots * stride;
	/* shared with the workers forked after this; untouched pages of a
	 * slot never take memory */
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (m == MAP_FAILED)
		return HTQ_ENOMEM;
	b = m;
	b->nslots = nslots;
	b->stride = stride;
	b->mapped = len;
	if (pthread_mutexattr_init(&ma) != 0) {
		munmap(m, len);
		return HTQ_ENOMEM;
	}
	rc = pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) != 0 ||
	    pthread_mutex_init(&b->mu, &ma) != 0;
	pthread_mutexattr_destroy(&ma);
	if (rc) {
		munmap(m, len);
		return HTQ_ENOMEM;
	}
	*out = b;
	return HTQ_OK;
}

void
htq_batch_free(struct htq_batch *b)
{
	if (b != NULL)
		munmap(b, b->mapped);
}

/*
 * After a holder died (the mutex says so): settle what it left.  The
 * operations it had applied are done if their transaction committed
 * (the latest committed transaction is at least as new; then published
 * first, as the holder would have), else pending.
 */
static void
recover(struct htq_db *db, struct htq_batch *b)
{
	MDB_txn *txn;
	struct slot *s;
	uint64_t last = 0, size = 0;
	unsigned i;
	int committed;

	if (b->txnid == 0)
		return;
	if (mdb_txn_begin(htq_db_env(db), NULL, MDB_RDONLY, &txn) == 0) {
		last = mdb_txn_id(txn);
		mdb_txn_abort(txn);
	}
	committed = last >= b->txnid;
	for (i = 0; i < b->nslots; i++) {
		s = slot_at(b, i);
		if (atomic_load(&s->state) == SLOT_APPLIED && s->size > size)
			size = s->size;
	}
	/* answered only once published, as if the holder had lived */
	if (committed && size > 0)
		htq_publish_after(db, size, HTQ_PUBLISH_NOW);
	for (i = 0; i < b->nslots; i++) {
		s = slot_at(b, i);
		if (atomic_load(&s->state) == SLOT_APPLIED)
			atomic_store(&s->state, committed ? SLOT_DONE :
			    SLOT_PENDING);
	}
	b->txnid = 0;
}

/* Take the batch lock (wait: block; else HTQ_EBUSY when it is held). */
static int
lock(struct htq_db *db, struct htq_batch *b, int wait)
{
	int rc = wait ? pthread_mutex_lock(&b->mu) :
	    pthread_mutex_trylock(&b->mu);

	if (rc == EOWNERDEAD) {
		if ((rc = pthread_mutex_consistent(&b->mu)) == 0)
			recover(db, b);
	}
	return rc == 0 ? HTQ_OK : rc == EBUSY ? HTQ_EBUSY : HTQ_EIO;
}

int
htq_batch_use(struct htq_db *db, struct htq_batch *b, unsigned slot)
{
	if (b == NULL || slot >= b->nslots)
		return HTQ_EINVAL;
	/* an operation a killed worker left in this slot was never
	 * answered: drop it, under the lock so no holder is reading it */
	if (lock(db, b, 1) != HTQ_OK)
		return HTQ_EIO;
	atomic_store(&slot_at(b, slot)->state, SLOT_FREE);
	pthread_mutex_unlock(&b->mu);
	db->batch = b;
	db->batch_slot = slot;
	/* the helper that checks the signatures of the batches this worker
	 * commits; without one they are checked inline */
	if (db->checker == NULL && db->log != NULL &&
	    aud_checker_start(&db->checker) != AUD_OK)
		db->checker = NULL;
	return HTQ_OK;
}

/*
 * Tests only: when the file HTQ_TEST_KILL_IN_BATCH names exists and this
 * batch applied more than one operation, remove it and die between the
 * commit and marking the slots done (the crash the idempotent apply
 * functions are for).
 */
static void
test_kill(const int *rc, unsigned n)
{
	const char *f = getenv("HTQ_TEST_KILL_IN_BATCH");
	unsigned i, applied = 0;

	if (f == NULL || *f == '\0')
		return;
	for (i = 0; i < n; i++)
		applied += rc[i] == HTQ_OK;
	if (applied > 1 && unlink(f) == 0)
		kill(getpid(), SIGKILL);
}

/*
 * Apply every pending operation in one write transaction and commit it.
 * Each gets its own result; a failed commit fails them all.  An apply
 * function refuses (HTQ_ECONFLICT, HTQ_ENOTFOUND, HTQ_EINVAL) before it
 * writes anything; any other failure leaves the transaction unusable, so
 * the batch is abandoned and the operations not yet tried stay pending.
 */
static int
run_pending(struct htq_db *db, struct htq_batch *b)
{
	int rc[HTQ_MAX_WORKERS], crc;
	struct slot *s;
	MDB_txn *txn;
	unsigned i;

	for (i = 0; i < b->nslots; i++)
		rc[i] = -1;		/* not tried */
	if ((crc = htq_txn_write(db, &txn)) != HTQ_OK)
		return crc;
	/* the entries' signatures are checked by this worker's checker
	 * (NULL: inline) while the next are made, all before the commit */
	if (db->log != NULL)
		aud_log_set_checker(db->log, db->checker);
	for (i = 0; i < b->nslots && crc == HTQ_OK; i++) {
		s = slot_at(b, i);
		if (atomic_load(&s->state) != SLOT_PENDING)
			continue;
		rc[i] = apply_op(db, txn, s->kind, (const uint8_t *)(s + 1),
		    s->len);
		if (rc[i] != HTQ_OK && rc[i] != HTQ_ECONFLICT &&
		    rc[i] != HTQ_ENOTFOUND && rc[i] != HTQ_EINVAL)
			crc = rc[i];
	}
	if (db->log != NULL)
		aud_log_set_checker(db->log, NULL);
	if (db->checker != NULL && aud_checker_wait(db->checker) != AUD_OK &&
	    crc == HTQ_OK)
		crc = HTQ_ECRYPTO;
	if (crc != HTQ_OK) {
		mdb_txn_abort(txn);
		txn = NULL;
	}
	/* what the commit will settle, should this process die in it */
	for (i = 0; i < b->nslots; i++) {
		if (rc[i] == -1)
			continue;
		s = slot_at(b, i);
		s->rc = crc != HTQ_OK ? crc : rc[i];
		s->size = db->dirty_size;
		atomic_store(&s->state, SLOT_APPLIED);
	}
	if (txn != NULL) {
		b->txnid = mdb_txn_id(txn);
		crc = htq_mdb_err(mdb_txn_commit(txn));
		if (crc == HTQ_OK)
			test_kill(rc, b->nslots);
	}
	db->dirty = 0;		/* each caller publishes after its own */
	for (i = 0; i < b->nslots; i++) {
		if (rc[i] == -1)
			continue;
		s = slot_at(b, i);
		if (crc != HTQ_OK)
			s->rc = crc;
		atomic_store(&s->state, SLOT_DONE);
	}
	b->txnid = 0;
	return crc;
}

/* Without a shared batch: the same apply, in a transaction of its own. */
static int
run_alone(struct htq_db *db, int kind, const uint8_t *args, size_t len)
{
	MDB_txn *txn;
	int rc;

	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = apply_op(db, txn, kind, args, len)) != HTQ_OK) {
		mdb_txn_abort(txn);
		return rc;
	}
	return htq_commit(db, txn);
}

/* Sleep until b->gen is no longer gen, or a while has passed (a holder
 * killed before it could wake anyone). */
static void
gen_wait(struct htq_batch *b, uint32_t gen)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	(void)syscall(SYS_futex, &b->gen, FUTEX_WAIT, gen, &ts, NULL, 0);
}

static void
gen_next(struct htq_batch *b)
{
	atomic_fetch_add(&b->gen, 1);
	(void)syscall(SYS_futex, &b->gen, FUTEX_WAKE, INT32_MAX, NULL, NULL,
	    0);
}

/*
 * Put the operation in our slot, then either find it done by another
 * worker's batch or take the lock and apply every pending one.  Waiting
 * is on the batch counter, not on the lock: a worker whose operation is
 * done does not queue behind the next batch.
 */
int
htq_batch_run(struct htq_db *db, int kind, const uint8_t *args, size_t len)
{
	struct htq_batch *b = db->batch;
	struct slot *s;
	uint32_t gen;
	int rc;

	if (b == NULL || len > HTQ_BATCH_SLOT)
		return run_alone(db, kind, args, len);
	s = slot_at(b, db->batch_slot);
	s->kind = kind;
	s->len = (uint32_t)len;
	memcpy(s + 1, args, len);
	atomic_store(&s->state, SLOT_PENDING);
	for (;;) {
		gen = atomic_load(&b->gen);
		if ((rc = lock(db, b, 0)) == HTQ_OK) {
			if (atomic_load(&s->state) == SLOT_PENDING)
				rc = run_pending(db, b);
			/* still pending: the transaction could not begin */
			if (atomic_load(&s->state) == SLOT_DONE)
				rc = s->rc;
			atomic_store(&s->state, SLOT_FREE);
			pthread_mutex_unlock(&b->mu);
			gen_next(b);
			break;
		}
		if (rc != HTQ_EBUSY)
			return rc;
		if (atomic_load(&s->state) != SLOT_DONE)
			gen_wait(b, gen);
		if (atomic_load(&s->state) == SLOT_DONE) {
			rc = s->rc;
			atomic_store(&s->state, SLOT_FREE);
			break;
		}
	}
	/* Published before it is answered, outside the batch lock so that
	 * the next batch commits meanwhile, and at once: the first of a
	 * batch to get the publish lock publishes for all of it (and for
	 * what committed since), the others find it done (by the size
	 * published, kept here beside the batch, without reading the
	 * checkpoint file). */
	if (rc == HTQ_OK && htq_batch_published(db) < s->size)
		htq_publish_after(db, s->size, HTQ_PUBLISH_NOW);
	return rc;
}

uint64_t
htq_batch_published(struct htq_db *db)
{
	return db->batch != NULL ? atomic_load(&db->batch->published) : 0;
}

void
htq_batch_set_published(struct htq_db *db, uint64_t size)
{
	uint64_t had;

	if (db->batch == NULL)
		return;
	had = atomic_load(&db->batch->published);
	while (had < size && !atomic_compare_exchange_weak(
	    &db->batch->published, &had, size))
		;
}

void
htq_pack_str(struct htq_pack *p, const char *s)
{
	size_t n = strlen(s) + 1, need;
	uint8_t *nb;

	if (p->err != HTQ_OK)
		return;
	need = p->len + 4 + n;
	if (need > p->cap) {
		if (need < 2 * p->cap)
			need = 2 * p->cap;
		if ((nb = realloc(p->buf, need)) == NULL) {
			p->err = HTQ_ENOMEM;
			return;
		}
		p->buf = nb;
		p->cap = need;
	}
	p->buf[p->len++] = (uint8_t)(n >> 24);
	p->buf[p->len++] = (uint8_t)(n >> 16);
	p->buf[p->len++] = (uint8_t)(n >> 8);
	p->buf[p->len++] = (uint8_t)n;
	memcpy(p->buf + p->len, s, n);
	p->len += n;
}

void
htq_pack_strs(struct htq_pack *p, const char *const *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		htq_pack_str(p, s[i]);
}

int
htq_unpack_str(const uint8_t **args, size_t *left, const char **s,
    size_t *len)
{
	const uint8_t *a = *args;
	size_t n;

	if (*left < 4)
		return HTQ_EFORMAT;
	n = (size_t)a[0] << 24 | (size_t)a[1] << 16 | (size_t)a[2] << 8 | a[3];
	if (n == 0 || n > *left - 4 || a[4 + n - 1] != '\0' ||
	    memchr(a + 4, '\0', n - 1) != NULL)
		return HTQ_EFORMAT;
	*s = (const char *)a + 4;
	*len = n - 1;
	*args = a + 4 + n;
	*left -= 4 + n;
	return HTQ_OK;
}
