/*
 * ledger.c - connect the domain to the audit ledger.
 *
 * The signing key lives in <datadir>/keys/ledger.key (mode 0600, loaded
 * into sodium_malloc memory).  Once attached, every htq_record() appends
 * an entry inside the caller's write transaction, so a state change and
 * its ledger entry are durable together or not at all.  Checkpoints are
 * signed on demand by whoever reads them (aud_checkpoint).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "db_private.h"
#include "aud.h"

int
htq_key_path(const char *datadir, const char *name, char *buf, size_t bufsz)
{
	int n = snprintf(buf, bufsz, "%s/keys/%s", datadir, name);

	return n < 0 || (size_t)n >= bufsz ? HTQ_EINVAL : HTQ_OK;
}

const char *
htq_origin(void)
{
	const char *o = getenv("HTQ_ORIGIN");

	return o && *o ? o : AUD_DEFAULT_ORIGIN;
}

/*
 * Finish a key rotation interrupted after its commit: the log already
 * names the next key, so promote keys/ledger.next.key.
 */
static int
finish_rotation(struct htq_db *db, const char *datadir, const uint8_t *kid)
{
	char cur[4096], next[4096], old[4200], hex[9];
	struct aud_key *nk = NULL;
	int rc;

	if (htq_key_path(datadir, "ledger.next.key", next, sizeof(next)) ||
	    htq_key_path(datadir, "ledger.key", cur, sizeof(cur)))
		return HTQ_EINVAL;
	if ((rc = aud_key_load(next, &nk)) != HTQ_OK)
		return rc;
	if (memcmp(nk->kid, kid, AUD_KID) != 0) {
		aud_key_free(nk);
		return HTQ_EPERM;
	}
	sodium_bin2hex(hex, sizeof(hex), db->key->kid, AUD_KID);
	snprintf(old, sizeof(old), "%s.%s.retired", cur, hex);
	if (rename(cur, old) != 0 || rename(next, cur) != 0) {
		aud_key_free(nk);
		return HTQ_EIO;
	}
	aud_key_free(db->key);
	db->key = nk;
	return HTQ_OK;
}

int
htq_ledger_attach(struct htq_db *db, const char *datadir, int need_key)
{
	uint8_t kid[AUD_KID];
	static const uint8_t none[AUD_KID];
	char path[4096];
	MDB_txn *txn;
	int rc;

	if (sodium_init() < 0)
		return HTQ_ECRYPTO;
	free(db->datadir);
	if ((db->datadir = strdup(datadir)) == NULL)
		return HTQ_ENOMEM;
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = aud_log_open(txn, htq_origin(), &db->log)) != HTQ_OK) {
		mdb_txn_abort(txn);
		return rc;
	}
	if ((rc = htq_mdb_err(mdb_txn_commit(txn))) != HTQ_OK)
		return rc;
	if ((rc = htq_key_path(datadir, "ledger.key", path, sizeof(path))) !=
	    HTQ_OK)
		return rc;
	rc = aud_key_load(path, &db->key);
	if (rc == HTQ_ENOTFOUND && !need_key)
		return HTQ_OK;
	if (rc != HTQ_OK)
		return rc;
	if ((rc = htq_txn_read(db, &txn)) != HTQ_OK)
		return rc;
	rc = aud_current_kid(db->log, txn, kid);
	mdb_txn_abort(txn);
	if (rc != HTQ_OK)
		return rc;
	if (memcmp(kid, none, AUD_KID) != 0 &&
	    memcmp(kid, db->key->kid, AUD_KID) != 0 &&
	    (rc = finish_rotation(db, datadir, kid)) != HTQ_OK)
		return rc;
	return HTQ_OK;
}

/*
 * Append an entry in the caller's write transaction: data encoded
 * canonically, signed with the current key (loaded again when another
 * process rotated it), its signature checked before it is stored.  The
 * commit then runs the after-commit hook for the log's new size.
 */
int
htq_record_as(struct htq_db *db, MDB_txn *txn, const char *actor,
    const char *type, const char *subject, json_t *data)
{
	char *d;
	size_t dlen;
	uint64_t seq;
	int rc;

	if (!htq_db_recording(db))
		return HTQ_OK;
	if ((rc = aud_data_encode(data, &d, &dlen)) != HTQ_OK)
		return rc;
	if (actor == NULL || *actor == '\0')
		actor = "system";
	rc = aud_append_data(db->log, txn, db->key, type, actor, subject, d,
	    dlen, &seq);
	/* the key was rotated since this process loaded it: load the new
	 * one (nothing was written yet) and try once more */
	if (rc == HTQ_EPERM && htq_ledger_reload_key(db, db->datadir) ==
	    HTQ_OK)
		rc = aud_append_data(db->log, txn, db->key, type, actor,
		    subject, d, dlen, &seq);
	free(d);
	if (rc == HTQ_OK) {
		db->dirty = 1;
		db->dirty_size = seq + 1;
	}
	return rc;
}

int
htq_ledger_reload_key(struct htq_db *db, const char *datadir)
{
	struct aud_key *k;
	char path[4096];
	int rc;

	if ((rc = htq_key_path(datadir, "ledger.key", path, sizeof(path))) !=
	    HTQ_OK || (rc = aud_key_load(path, &k)) != HTQ_OK)
		return rc;
	aud_key_free(db->key);
	db->key = k;
	return HTQ_OK;
}

struct aud_log *
htq_db_log(struct htq_db *db)
{
	return db->log;
}

struct aud_key *
htq_db_key(struct htq_db *db)
{
	return db->key;
}

int
htq_checkpoint(struct htq_db *db, MDB_txn *txn, const char **note,
    size_t *len)
{
	int rc = aud_checkpoint(db->log, txn, db->key, note, len);

	/* the key was rotated by another process since this one loaded it */
	if (rc == HTQ_EPERM && db->datadir != NULL &&
	    htq_ledger_reload_key(db, db->datadir) == HTQ_OK)
		rc = aud_checkpoint(db->log, txn, db->key, note, len);
	return rc;
}

int
htq_db_recording(struct htq_db *db)
{
	return db->log != NULL && db->key != NULL;
}

const char *
htq_set_actor(struct htq_db *db, const char *actor)
{
	const char *old = db->actor;

	db->actor = actor;
	return old;
}

int
htq_record(struct htq_db *db, MDB_txn *txn, const char *type,
    const char *subject, json_t *data)
{
	return htq_record_as(db, txn, db->actor, type, subject, data);
}
