/*
 * sessions.c - logging in and sessions.
 *
 * Logging in runs the same code whether or not the e-mail exists: an
 * unknown address is checked against a dummy hash, so the answer and its
 * timing are the same; failures back off per address.  Session tokens
 * are 256 random bits given to the browser once; only their SHA-256 is
 * stored.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "domain.h"

/* --- login back-off, per e-mail address whether or not it exists --- */

struct throttle {
	uint32_t	 fails;		/* consecutive failures */
	int64_t		 last;		/* time of the last one, ms */
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
throttle_key(const char *email, uint8_t key[crypto_hash_sha256_BYTES])
{
	crypto_hash_sha256(key, (const uint8_t *)email, strlen(email));
}

/* Milliseconds to wait after the last of fails failures. */
static int64_t
throttle_wait(uint32_t fails)
{
	uint32_t n;

	if (fails < HTQ_LOGIN_FREE_FAILS)
		return 0;
	n = fails - HTQ_LOGIN_FREE_FAILS;
	return (n >= 10 || (INT64_C(1) << n) > HTQ_LOGIN_MAX_WAIT ?
	    HTQ_LOGIN_MAX_WAIT : INT64_C(1) << n) * 1000;
}

static void
throttle_get(struct htq_db *db, MDB_txn *txn, const uint8_t *key,
    int64_t now, struct throttle *t)
{
	MDB_val k = { crypto_hash_sha256_BYTES, (void *)key }, v;

	memset(t, 0, sizeof(*t));
	if (mdb_get(txn, htq_dbi(db, HTQ_T_THROTTLE), &k, &v) == 0 &&
	    v.mv_size == sizeof(*t))
		memcpy(t, v.mv_data, sizeof(*t));
	if (now - t->last > (int64_t)HTQ_LOGIN_FORGET * 1000)
		memset(t, 0, sizeof(*t));
}

/*
 * Forget a few records idle for a day, starting at a random point, so
 * that addresses sprayed by an attacker do not pile up.
 */
static void
throttle_sweep(struct htq_db *db, MDB_txn *txn, int64_t now)
{
	uint8_t start[crypto_hash_sha256_BYTES];
	struct throttle t;
	MDB_cursor *c;
	MDB_val k = { sizeof(start), start }, v;
	int i, rc;

	randombytes_buf(start, sizeof(start));
	if (mdb_cursor_open(txn, htq_dbi(db, HTQ_T_THROTTLE), &c) != 0)
		return;
	for (i = 0, rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0 && i < 8; i++, rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size == sizeof(t))
			memcpy(&t, v.mv_data, sizeof(t));
		if (v.mv_size != sizeof(t) ||
		    now - t.last > (int64_t)HTQ_LOGIN_FORGET * 1000)
			(void)mdb_cursor_del(c, 0);
	}
	mdb_cursor_close(c);
}

/*
 * Reserve a login attempt: in one write transaction, refuse it while the
 * address is backed off, or else count it as a failure in advance.  Write
 * transactions are serial, so N simultaneous guesses are counted one by
 * one and the sixth already waits: concurrency buys no extra guesses.  A
 * success clears the record afterwards (clear_attempts).
 */
static int
reserve_attempt(struct htq_db *db, const uint8_t *key, int64_t now,
    int *retry_after)
{
	MDB_val k = { crypto_hash_sha256_BYTES, (void *)key }, v;
	struct throttle t;
	int64_t wait;
	MDB_txn *txn;
	int rc;

	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	throttle_get(db, txn, key, now, &t);
	if ((wait = t.last + throttle_wait(t.fails) - now) > 0) {
		mdb_txn_abort(txn);
		*retry_after = (int)((wait + 999) / 1000);
		return HTQ_EBUSY;
	}
	t.fails++;
	t.last = now;
	v.mv_size = sizeof(t);
	v.mv_data = &t;
	if ((rc = htq_mdb_err(mdb_put(txn, htq_dbi(db, HTQ_T_THROTTLE), &k, &v,
	    0))) !=
	    HTQ_OK) {
		mdb_txn_abort(txn);
		return rc;
	}
	throttle_sweep(db, txn, now);
	return htq_commit(db, txn);
}

/*
 * A failed attempt's wait counts from its answer, not from its reservation:
 * the password check in between may take a second on a loaded machine,
 * which would otherwise use up the first wait before anyone saw it.
 */
static void
stamp_failure(struct htq_db *db, const uint8_t *key, int64_t now)
{
	MDB_val k = { crypto_hash_sha256_BYTES, (void *)key }, v;
	struct throttle t;
	MDB_txn *txn;

	if (htq_txn_write(db, &txn) != HTQ_OK)
		return;
	throttle_get(db, txn, key, now, &t);
	if (t.fails == 0 || t.last >= now) {
		mdb_txn_abort(txn);
		return;
	}
	t.last = now;
	v.mv_size = sizeof(t);
	v.mv_data = &t;
	if (mdb_put(txn, htq_dbi(db, HTQ_T_THROTTLE), &k, &v, 0) != 0) {
		mdb_txn_abort(txn);
		return;
	}
	(void)htq_commit(db, txn);
}

/* The stored account document for an e-mail address (never an id). */
static int
account_by_email(struct htq_db *db, MDB_txn *txn, const char *norm,
    json_t **out)
{
	char id[HTQ_ID_LEN + 1];
	MDB_val k = { strlen(norm), (void *)norm }, v;

	*out = NULL;
	if (mdb_get(txn, htq_dbi(db, HTQ_T_ACCT_EMAIL), &k, &v) != 0 ||
	    v.mv_size > HTQ_ID_LEN)
		return HTQ_ENOTFOUND;
	memcpy(id, v.mv_data, v.mv_size);
	id[v.mv_size] = '\0';
	return htq_get_json(txn, htq_dbi(db, HTQ_T_ACCT), id, out);
}

static int session_put(struct htq_db *, MDB_txn *, const char *account,
    json_int_t gen, char token[HTQ_TOKEN_LEN + 1],
    char csrf[HTQ_CSRF_LEN + 1]);

/*
 * Open the session of a login whose password checked out against hash
 * under generation gen, in one write transaction that first makes sure
 * the account still has that hash and generation and is not disabled: a
 * reset or a disable that committed while Argon2id ran wins.  The
 * attempt's advance failure is cleared in the same transaction.
 */
static int
open_session(struct htq_db *db, const char *norm, const char *hash,
    json_int_t gen, const uint8_t *tkey, struct htq_account *out,
    char token[HTQ_TOKEN_LEN + 1], char csrf[HTQ_CSRF_LEN + 1])
{
	MDB_val k = { crypto_hash_sha256_BYTES, (void *)tkey };
	const char *now_hash;
	MDB_txn *txn;
	json_t *a = NULL;
	int rc;

	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = account_by_email(db, txn, norm, &a)) != HTQ_OK)
		goto fail;
	htq_account_from_json(a, out);
	now_hash = json_string_value(json_object_get(a, "pw"));
	if (out->disabled || htq_account_gen(a) != gen || now_hash == NULL ||
	    strcmp(now_hash, hash) != 0) {
		rc = HTQ_EPERM;
		goto fail;
	}
	if ((rc = session_put(db, txn, out->id, gen, token, csrf)) != HTQ_OK)
		goto fail;
	if ((rc = mdb_del(txn, htq_dbi(db, HTQ_T_THROTTLE), &k, NULL)) != 0 &&
	    rc != MDB_NOTFOUND) {
		rc = htq_mdb_err(rc);
		goto fail;
	}
	json_decref(a);
	return htq_commit(db, txn);
fail:
	mdb_txn_abort(txn);
	json_decref(a);
	return rc;
}

/*
 * Log in with an e-mail address (never an account id: ids are public) and
 * a password, and open a session.  Every failure (unknown address,
 * disabled account, wrong password) is HTQ_EPERM after the same work: the
 * attempt reserved and counted first (reserve_attempt), then Argon2id
 * against the account's hash or, for an unknown address, a dummy hash
 * made once.  While an address is backed off every attempt, right or
 * wrong, is HTQ_EBUSY with the seconds to wait in *retry_after, and the
 * password is not looked at.
 */
int
htq_login(struct htq_db *db, const char *email, const char *password,
    struct htq_account *out, char token[HTQ_TOKEN_LEN + 1],
    char csrf[HTQ_CSRF_LEN + 1], int *retry_after)
{
	static char dummy[crypto_pwhash_STRBYTES];
	char hash[crypto_pwhash_STRBYTES], norm[256];
	uint8_t tkey[crypto_hash_sha256_BYTES];
	json_int_t gen = 0;
	MDB_txn *txn;
	json_t *a = NULL;
	int found = 0, ok, rc;

	memset(out, 0, sizeof(*out));
	token[0] = csrf[0] = '\0';
	*retry_after = 0;
	if (dummy[0] == '\0' && crypto_pwhash_str(dummy, "not a password",
	    14, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return HTQ_ENOMEM;
	if (strlen(password) > HTQ_MAX_PASSWORD || strlen(email) > 254)
		return HTQ_EPERM;
	if (htq_email_normalise(email, norm, sizeof(norm)) != HTQ_OK)
		snprintf(norm, sizeof(norm), "%s", email);
	throttle_key(norm, tkey);
	if ((rc = reserve_attempt(db, tkey, now_ms(), retry_after)) != HTQ_OK)
		return rc;
	if ((rc = htq_txn_read(db, &txn)) != HTQ_OK)
		return rc;
	if (account_by_email(db, txn, norm, &a) == HTQ_OK &&
	    json_is_string(json_object_get(a, "pw")) &&
	    snprintf(hash, sizeof(hash), "%s", json_string_value(
	    json_object_get(a, "pw"))) < (int)sizeof(hash)) {
		found = 1;
		gen = htq_account_gen(a);
	}
	mdb_txn_abort(txn);
	json_decref(a);
	ok = crypto_pwhash_str_verify(found ? hash : dummy, password,
	    strlen(password)) == 0;
	rc = found && ok ? open_session(db, norm, hash, gen, tkey, out, token,
	    csrf) : HTQ_EPERM;
	if (rc == HTQ_EPERM)
		stamp_failure(db, tkey, now_ms());
	sodium_memzero(hash, sizeof(hash));
	if (rc != HTQ_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* --- sessions --- */

void
htq_session_limits(int *max_age, int *idle)
{
	*max_age = htq_env_int("HTQ_SESSION_MAX_AGE", HTQ_SESSION_MAX_AGE, 1,
	    HTQ_SESSION_MAX_AGE);
	*idle = htq_env_int("HTQ_SESSION_IDLE", HTQ_SESSION_IDLE, 1,
	    HTQ_SESSION_IDLE);
}

/* How stale "seen" may get before a request moves it (a write). */
static int64_t
touch_interval(int idle)
{
	return idle / 4 < 60 ? (idle / 4 > 0 ? idle / 4 : 1) : 60;
}

/* Store a new session of account (credential generation gen) in txn. */
static int
session_put(struct htq_db *db, MDB_txn *txn, const char *account,
    json_int_t gen, char token[HTQ_TOKEN_LEN + 1],
    char csrf[HTQ_CSRF_LEN + 1])
{
	uint8_t raw[32];
	char key[65];
	json_t *s;
	int rc;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(token, HTQ_TOKEN_LEN + 1, raw, sizeof(raw));
	randombytes_buf(raw, 16);
	sodium_bin2hex(csrf, HTQ_CSRF_LEN + 1, raw, 16);
	sodium_memzero(raw, sizeof(raw));
	htq_token_key(token, key);
	s = json_pack("{s:s,s:s,s:I,s:I,s:I}", "account", account, "csrf",
	    csrf, "gen", gen, "created", (json_int_t)time(NULL), "seen",
	    (json_int_t)time(NULL));
	if (s == NULL)
		return HTQ_ENOMEM;
	rc = htq_put_json(txn, htq_dbi(db, HTQ_T_SESS), key, s,
	    MDB_NOOVERWRITE);
	json_decref(s);
	return rc;
}

int
htq_session_create(struct htq_db *db, const char *account,
    char token[HTQ_TOKEN_LEN + 1], char csrf[HTQ_CSRF_LEN + 1])
{
	MDB_txn *txn;
	json_t *a = NULL;
	int rc;

	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_ACCT), account,
	    &a)) == HTQ_OK &&
	    json_is_true(json_object_get(a, "disabled")))
		rc = HTQ_EPERM;
	if (rc == HTQ_OK)
		rc = session_put(db, txn, account, htq_account_gen(a), token, csrf);
	json_decref(a);
	if (rc != HTQ_OK) {
		mdb_txn_abort(txn);
		return rc;
	}
	return htq_commit(db, txn);
}

/* A session's times against now: HTQ_ENOTFOUND when it has expired;
 * else sets s->stale. */
static int
session_times(struct htq_session *s, time_t now)
{
	int max_age, idle;

	htq_session_limits(&max_age, &idle);
	if (now - s->created > max_age || now - s->seen > idle)
		return HTQ_ENOTFOUND;
	s->stale = now - s->seen >= touch_interval(idle);
	return HTQ_OK;
}

int
htq_session_lookup(struct htq_db *db, MDB_txn *txn, const char *token,
    struct htq_session *out)
{
	char key[65];
	json_t *s;
	json_int_t gen;
	int rc = HTQ_OK;

	memset(out, 0, sizeof(*out));
	if (strlen(token) != HTQ_TOKEN_LEN)
		return HTQ_ENOTFOUND;
	htq_token_key(token, key);
	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_SESS), key,
	    &s)) != HTQ_OK)
		return rc;
	out->created = (time_t)json_integer_value(json_object_get(s,
	    "created"));
	out->seen = (time_t)json_integer_value(json_object_get(s, "seen"));
	snprintf(out->csrf, sizeof(out->csrf), "%s",
	    json_string_value(json_object_get(s, "csrf")));
	gen = json_integer_value(json_object_get(s, "gen"));
	rc = htq_account_get(db, txn, json_string_value(
	    json_object_get(s, "account")), &out->account);
	json_decref(s);
	/* a reset or disable since the login ended it, even re-enabled */
	if (rc == HTQ_OK && (out->account.disabled ||
	    out->account.gen != gen))
		rc = HTQ_ENOTFOUND;
	if (rc == HTQ_OK)
		rc = session_times(out, time(NULL));
	if (rc != HTQ_OK)
		sodium_memzero(out, sizeof(*out));
	return rc;
}

int
htq_session_delete(struct htq_db *db, const char *token)
{
	char key[65];
	MDB_val k = { 64, key };
	MDB_txn *txn;
	int rc;

	htq_token_key(token, key);
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	rc = htq_mdb_err(mdb_del(txn, htq_dbi(db, HTQ_T_SESS), &k, NULL));
	if (rc != HTQ_OK) {
		mdb_txn_abort(txn);
		return rc;
	}
	return htq_commit(db, txn);
}

/* Keep an active session alive: move its idle clock to now. */
int
htq_session_touch(struct htq_db *db, const char *token)
{
	char key[65];
	MDB_txn *txn;
	json_t *s;
	int rc;

	htq_token_key(token, key);
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_SESS), key,
	    &s)) != HTQ_OK) {
		mdb_txn_abort(txn);
		return rc;
	}
	json_object_set_new(s, "seen", json_integer((json_int_t)time(NULL)));
	rc = htq_put_json(txn, htq_dbi(db, HTQ_T_SESS), key, s, 0);
	json_decref(s);
	if (rc != HTQ_OK) {
		mdb_txn_abort(txn);
		return rc;
	}
	return htq_commit(db, txn);
}
