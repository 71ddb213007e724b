/*
 * tokens.c - API tokens for machine clients.
 *
 * A token is "htq_" followed by 256 random bits in hex, shown once when it
 * is made (htqctl token create).  The database keeps only its SHA-256, with
 * a pseudonymous id (for listing and revoking), the account it acts as, a
 * name and an expiry.  A token acts with its account's current role, so a
 * role change or a disabled account takes effect on the next request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "domain.h"

#define PREFIX	"htq_"

int
htq_token_create(struct htq_db *db, const char *who, const char *name,
    int days, char token[HTQ_API_TOKEN_LEN + 1], char id[HTQ_ID_LEN + 1])
{
	struct htq_account a;
	uint8_t raw[32];
	char key[65];
	time_t now = time(NULL);
	MDB_txn *txn;
	json_t *t;
	int rc;

	if (days < 1 || days > HTQ_API_TOKEN_MAX_DAYS || name == NULL ||
	    *name == '\0' || strlen(name) > HTQ_MAX_TOKEN_NAME)
		return HTQ_EINVAL;
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = htq_account_find(db, txn, who, &a)) != HTQ_OK)
		goto fail;
	if (a.disabled) {
		rc = HTQ_ECONFLICT;
		goto fail;
	}
	memcpy(token, PREFIX, strlen(PREFIX));
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(token + strlen(PREFIX), 65, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	htq_new_id('k', id);
	htq_token_key(token, key);
	t = json_pack("{s:s,s:s,s:s,s:I,s:I}", "id", id, "account", a.id,
	    "name", name, "created", (json_int_t)now,
	    "expires", (json_int_t)(now + (time_t)days * 86400));
	if (t == NULL) {
		rc = HTQ_ENOMEM;
		goto fail;
	}
	rc = htq_put_json(txn, htq_dbi(db, HTQ_T_TOKEN), key, t,
	    MDB_NOOVERWRITE);
	json_decref(t);
	if (rc != HTQ_OK)
		goto fail;
	return htq_commit(db, txn);
fail:
	sodium_memzero(token, HTQ_API_TOKEN_LEN + 1);
	mdb_txn_abort(txn);
	return rc;
}

int
htq_token_lookup(struct htq_db *db, MDB_txn *txn, const char *token,
    struct htq_account *a)
{
	struct htq_session s;
	char key[65];
	time_t expires = 0;
	json_t *t;
	int rc = HTQ_OK;

	memset(a, 0, sizeof(*a));
	memset(&s, 0, sizeof(s));
	if (strlen(token) != HTQ_API_TOKEN_LEN ||
	    strncmp(token, PREFIX, strlen(PREFIX)) != 0)
		return HTQ_ENOTFOUND;
	htq_token_key(token, key);
	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_TOKEN), key,
	    &t)) != HTQ_OK)
		return rc;
	expires = (time_t)json_integer_value(json_object_get(t, "expires"));
	rc = htq_account_get(db, txn, json_string_value(
	    json_object_get(t, "account")), &s.account);
	json_decref(t);
	if (rc == HTQ_OK && s.account.disabled)
		rc = HTQ_ENOTFOUND;
	if (rc == HTQ_OK && expires <= time(NULL))
		rc = HTQ_ENOTFOUND;
	if (rc == HTQ_OK)
		*a = s.account;
	sodium_memzero(&s, sizeof(s));
	return rc;
}

/* Call fn for each stored token (hash key and document) until it returns
 * non-zero; that value is returned. */
static int
each_token(struct htq_db *db, MDB_txn *txn,
    int (*fn)(MDB_cursor *, json_t *, void *), void *arg)
{
	MDB_cursor *c;
	MDB_val k, v;
	json_t *t;
	int rc, stop = 0;

	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_TOKEN), &c)) != 0)
		return htq_mdb_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && !stop;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if ((t = json_loadb(v.mv_data, v.mv_size, 0, NULL)) == NULL)
			continue;
		stop = fn(c, t, arg);
		json_decref(t);
	}
	mdb_cursor_close(c);
	if (stop)
		return stop;
	return rc == MDB_NOTFOUND ? HTQ_OK : htq_mdb_err(rc);
}

#define FOUND	(-1)

static int
revoke_one(MDB_cursor *c, json_t *t, void *id)
{
	if (strcmp(json_string_value(json_object_get(t, "id")) ?
	    json_string_value(json_object_get(t, "id")) : "", id) != 0)
		return 0;
	return mdb_cursor_del(c, 0) == 0 ? FOUND : HTQ_EDB;
}

int
htq_token_revoke(struct htq_db *db, const char *id)
{
	MDB_txn *txn;
	int rc;

	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	rc = each_token(db, txn, revoke_one, (void *)id);
	if (rc != FOUND) {
		mdb_txn_abort(txn);
		return rc == HTQ_OK ? HTQ_ENOTFOUND : rc;
	}
	return htq_commit(db, txn);
}

struct list_arg {
	const char	*account;
	json_t		*out;
};

/* Replace the epoch seconds in t[name] by an ISO 8601 UTC time. */
static void
iso_time(json_t *t, const char *name)
{
	time_t s = (time_t)json_integer_value(json_object_get(t, name));
	struct tm tm;
	char buf[32];

	if (gmtime_r(&s, &tm) != NULL &&
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		json_object_set_new(t, name, json_string(buf));
}

static int
list_one(MDB_cursor *c, json_t *t, void *arg)
{
	struct list_arg *l = arg;
	const char *acct = json_string_value(json_object_get(t, "account"));

	(void)c;
	if (l->account != NULL && (acct == NULL ||
	    strcmp(acct, l->account) != 0))
		return 0;
	iso_time(t, "created");
	iso_time(t, "expires");
	json_array_append(l->out, t);
	return 0;
}

int
htq_tokens_list(struct htq_db *db, MDB_txn *txn, const char *account,
    json_t **out)
{
	struct list_arg l = { account, json_array() };
	int rc;

	*out = NULL;
	if (l.out == NULL)
		return HTQ_ENOMEM;
	if ((rc = each_token(db, txn, list_one, &l)) != HTQ_OK) {
		json_decref(l.out);
		return rc;
	}
	*out = json_pack("{s:o}", "tokens", l.out);
	return *out ? HTQ_OK : HTQ_ENOMEM;
}
