/*
 * credcache.c - the credentials a process has checked lately.
 *
 * Checking a presented API token or session costs a SHA-256 of it, two
 * LMDB reads and an account copy, on every authenticated request.  A
 * database that has not moved since (the same committed snapshot: LMDB
 * numbers every write transaction) holds the same token, session and
 * account records, so the same secret names the same account with the
 * same role, organisation and credential generation: kept here, per
 * database handle, with the snapshot it was read at.  Any write anywhere
 * (a revoked token, a disabled account, a touched session) gives a new
 * snapshot id and so a full check again.  The times (token expiry,
 * session age and idleness) are not part of a snapshot and are checked
 * again by the callers every time.
 *
 * Only read transactions are used or filled: a write transaction's id is
 * not yet a committed snapshot (it is one more than the last committed
 * one, and an aborted one's id is reused).  Only successful checks are
 * kept, so guessing fills nothing.  The slots hold the presented secrets
 * and live in sodium_malloc'd memory (not swapped, not in core dumps,
 * wiped when freed); a slot is found by a constant-time comparison.
 */
#include <string.h>

#include <sodium.h>

#include "htq.h"
#include "internal.h"

#define CRED_SLOTS	8

struct htq_cred {
	size_t			 snapshot;	/* 0: empty */
	char			 kind;
	char			 secret[HTQ_API_TOKEN_LEN + 1];
	time_t			 expires;
	struct htq_session	 s;
};

struct htq_creds {
	struct htq_cred		 slot[CRED_SLOTS];
	unsigned		 next;
};

/* The committed snapshot txn reads, or 0 for a write transaction. */
static size_t
snapshot_of(struct htq_db *db, MDB_txn *txn)
{
	MDB_envinfo info;
	size_t id = mdb_txn_id(txn);

	if (mdb_env_info(db->env, &info) != 0 || id > info.me_last_txnid)
		return 0;
	return id;
}

/* secret, zero-padded to the slot's size; 0 if it does not fit. */
static int
padded(const char *secret, char out[HTQ_API_TOKEN_LEN + 1])
{
	size_t n = strnlen(secret, HTQ_API_TOKEN_LEN + 1);

	memset(out, 0, HTQ_API_TOKEN_LEN + 1);
	if (n == 0 || n > HTQ_API_TOKEN_LEN)
		return 0;
	memcpy(out, secret, n);
	return 1;
}

int
htq_cred_recall(struct htq_db *db, MDB_txn *txn, char kind,
    const char *secret, struct htq_session *s, time_t *expires)
{
	char key[HTQ_API_TOKEN_LEN + 1];
	struct htq_cred *c;
	size_t snap;
	unsigned i;
	int found = 0;

	if (db->creds == NULL || (snap = snapshot_of(db, txn)) == 0 ||
	    !padded(secret, key))
		return 0;
	for (i = 0; i < CRED_SLOTS && !found; i++) {
		c = &db->creds->slot[i];
		if (c->snapshot == snap && c->kind == kind &&
		    sodium_memcmp(c->secret, key, sizeof(key)) == 0) {
			*s = c->s;
			if (expires != NULL)
				*expires = c->expires;
			found = 1;
		}
	}
	sodium_memzero(key, sizeof(key));
	return found;
}

void
htq_cred_keep(struct htq_db *db, MDB_txn *txn, char kind,
    const char *secret, const struct htq_session *s, time_t expires)
{
	char key[HTQ_API_TOKEN_LEN + 1];
	struct htq_cred *c = NULL;
	size_t snap;
	unsigned i;

	if ((snap = snapshot_of(db, txn)) == 0 || !padded(secret, key))
		return;
	if (db->creds == NULL &&
	    (db->creds = sodium_malloc(sizeof(*db->creds))) != NULL)
		sodium_memzero(db->creds, sizeof(*db->creds));
	if (db->creds == NULL)
		return;		/* checked, just not kept */
	/* the slot this secret had (an older snapshot's), else the next:
	 * a client busy while others write does not push out the rest */
	for (i = 0; i < CRED_SLOTS && c == NULL; i++)
		if (db->creds->slot[i].kind == kind &&
		    sodium_memcmp(db->creds->slot[i].secret, key,
		    sizeof(key)) == 0)
			c = &db->creds->slot[i];
	if (c == NULL)
		c = &db->creds->slot[db->creds->next++ % CRED_SLOTS];
	memcpy(c->secret, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	c->snapshot = snap;
	c->kind = kind;
	c->expires = expires;
	c->s = *s;
}

void
htq_cred_forget(struct htq_db *db)
{
	sodium_free(db->creds);		/* wipes */
	db->creds = NULL;
}
