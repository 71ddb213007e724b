/*
 * test_accounts.c - e-mail rules, organisation identifiers, accounts,
 * passwords and sessions against a real LMDB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "t.h"
#include "htq.h"
#include "domain.h"

static struct htq_db *db;
static char dir[64];
/* the session a successful htq_login opens */
static char tok[HTQ_TOKEN_LEN + 1], csrfb[HTQ_CSRF_LEN + 1];

static void
test_email_rules(void)
{
	char out[300];

	T_EQ(htq_email_normalise("  Admin@HTQ.Test ", out, sizeof(out)), HTQ_OK);
	T_STREQ(out, "admin@htq.test");
	T_EQ(htq_email_normalise("a@b", out, sizeof(out)), HTQ_EINVAL);
	T_EQ(htq_email_normalise("@b.c", out, sizeof(out)), HTQ_EINVAL);
	T_EQ(htq_email_normalise("a@b.c@d.e", out, sizeof(out)), HTQ_EINVAL);
	T_EQ(htq_email_normalise("a b@c.d", out, sizeof(out)), HTQ_EINVAL);
	T_EQ(htq_email_normalise("a@c.d\n", out, sizeof(out)), HTQ_EINVAL);
	T_EQ(htq_email_normalise("a\x01@c.d", out, sizeof(out)), HTQ_EINVAL);
}

static void
test_organisations(void)
{
	char id[HTQ_ID_LEN + 1];

	T_EQ(htq_org_add(db, HTQ_ORG_AWARDING_BODY, "A", "RN5301", NULL, id),
	    HTQ_OK);
	T_EQ(id[0], 'o');
	T_EQ(htq_org_add(db, HTQ_ORG_AWARDING_BODY, "B", NULL, "10004821", id),
	    HTQ_OK);
	T_EQ(htq_org_add(db, HTQ_ORG_AWARDING_BODY, "C", NULL, NULL, id),
	    HTQ_EINVAL);
	T_EQ(htq_org_add(db, HTQ_ORG_AWARDING_BODY, "D", "RN12", NULL, id),
	    HTQ_EINVAL);
	T_EQ(htq_org_add(db, HTQ_ORG_AWARDING_BODY, "E", NULL, "20004821", id),
	    HTQ_EINVAL);
	T_EQ(htq_org_add(db, HTQ_ORG_AWARDING_BODY, "F", NULL, "1000482", id),
	    HTQ_EINVAL);
	T_EQ(htq_org_add(db, HTQ_ORG_EMPLOYER_PANEL, "Panel", NULL, NULL, id),
	    HTQ_OK);
}

static void
test_accounts_and_login(void)
{
	int wait;
	char org[HTQ_ID_LEN + 1], panel[HTQ_ID_LEN + 1], id[HTQ_ID_LEN + 1];
	struct htq_account a;

	T_EQ(htq_org_add(db, HTQ_ORG_AWARDING_BODY, "AB", "RN1234", NULL, org),
	    HTQ_OK);
	T_EQ(htq_org_add(db, HTQ_ORG_EMPLOYER_PANEL, "P", NULL, NULL, panel),
	    HTQ_OK);
	T_EQ(htq_account_add(db, "x@y.test", "X", HTQ_ROLE_REVIEWER, NULL,
	    "short", id), HTQ_EINVAL);
	T_EQ(htq_account_add(db, "x@y.test", "X", HTQ_ROLE_AWARDING_BODY,
	    NULL, "long-enough-password", id), HTQ_EINVAL);
	T_EQ(htq_account_add(db, "x@y.test", "X", HTQ_ROLE_AWARDING_BODY,
	    panel, "long-enough-password", id), HTQ_EINVAL);
	T_EQ(htq_account_add(db, "X@Y.test", "X", HTQ_ROLE_AWARDING_BODY, org,
	    "long-enough-password", id), HTQ_OK);
	T_EQ(htq_account_add(db, "x@y.test", "X2", HTQ_ROLE_REVIEWER, NULL,
	    "long-enough-password", id), HTQ_EEXIST);
	T_EQ(htq_login(db, "x@y.test", "long-enough-password", &a, tok, csrfb,
	    &wait), HTQ_OK);
	T_STREQ(a.org, org);
	T_EQ(a.role, HTQ_ROLE_AWARDING_BODY);
	T_EQ(htq_login(db, "x@y.test", "wrong-password!!", &a, tok, csrfb,
	    &wait), HTQ_EPERM);
	T_STREQ(a.id, "");
	T_EQ(htq_login(db, "nobody@y.test", "long-enough-password", &a, tok, csrfb, &wait),
	    HTQ_EPERM);
	T_EQ(htq_account_set_disabled(db, "x@y.test", 1), HTQ_OK);
	T_EQ(htq_login(db, "x@y.test", "long-enough-password", &a, tok, csrfb,
	    &wait), HTQ_EPERM);
	T_EQ(htq_account_set_disabled(db, "x@y.test", 0), HTQ_OK);
	T_EQ(htq_account_set_password(db, "x@y.test", "another-long-password"),
	    HTQ_OK);
	T_EQ(htq_login(db, "x@y.test", "long-enough-password", &a, tok, csrfb,
	    &wait), HTQ_EPERM);
	T_EQ(htq_login(db, "x@y.test", "another-long-password", &a, tok, csrfb,
	    &wait), HTQ_OK);
	T_EQ(htq_account_set_role(db, a.id, HTQ_ROLE_APPROVER, NULL), HTQ_OK);
}

/* Account ids are public (the ledger shows them): login takes e-mail
 * addresses only, and an id does not get a back-off of its own. */
static void
test_login_by_id_refused(void)
{
	char id[HTQ_ID_LEN + 1];
	struct htq_account a;
	int wait;

	T_EQ(htq_account_add(db, "i@y.test", "I", HTQ_ROLE_AUDITOR, NULL,
	    "long-enough-password", id), HTQ_OK);
	T_EQ(htq_login(db, id, "long-enough-password", &a, tok, csrfb, &wait),
	    HTQ_EPERM);
	T_STREQ(a.id, "");
	T_STREQ(tok, "");
	T_EQ(htq_login(db, "i@y.test", "long-enough-password", &a, tok, csrfb,
	    &wait), HTQ_OK);
	T_STREQ(a.id, id);
	T_EQ(strlen(tok), HTQ_TOKEN_LEN);
	T_EQ(strlen(csrfb), HTQ_CSRF_LEN);
}

/*
 * A disable or a password reset withdraws every credential: sessions
 * (also ones whose record survives, through the credential generation),
 * API tokens, and nothing comes back when the account is re-enabled.
 */
static void
test_credentials_withdrawn(void)
{
	char id[HTQ_ID_LEN + 1], t1[HTQ_TOKEN_LEN + 1], c1[HTQ_CSRF_LEN + 1];
	char api[HTQ_API_TOKEN_LEN + 1], kid[HTQ_ID_LEN + 1];
	struct htq_account a;
	struct htq_session s;
	MDB_txn *txn;
	int wait;

	T_EQ(htq_account_add(db, "w@y.test", "W", HTQ_ROLE_AUDITOR, NULL,
	    "long-enough-password", id), HTQ_OK);
	T_EQ(htq_login(db, "w@y.test", "long-enough-password", &a, t1, c1,
	    &wait), HTQ_OK);
	T_EQ(a.gen, 0);
	T_EQ(htq_token_create(db, id, "ci", 30, api, kid), HTQ_OK);
	T_EQ(htq_account_set_disabled(db, id, 1), HTQ_OK);
	T_EQ(htq_account_set_disabled(db, id, 0), HTQ_OK);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_session_lookup(db, txn, t1, &s), HTQ_ENOTFOUND);
	T_EQ(htq_token_lookup(db, txn, api, &a), HTQ_ENOTFOUND);
	T_EQ(htq_account_get(db, txn, id, &a), HTQ_OK);
	T_EQ(a.gen, 1);
	mdb_txn_abort(txn);
	/* a session stored under an older generation is not honoured */
	T_EQ(htq_session_create(db, id, t1, c1), HTQ_OK);
	T_EQ(htq_account_set_password(db, id, "a-new-long-password"), HTQ_OK);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_session_lookup(db, txn, t1, &s), HTQ_ENOTFOUND);
	T_EQ(htq_account_get(db, txn, id, &a), HTQ_OK);
	T_EQ(a.gen, 2);
	mdb_txn_abort(txn);
	T_EQ(htq_login(db, "w@y.test", "a-new-long-password", &a, t1, c1,
	    &wait), HTQ_OK);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_session_lookup(db, txn, t1, &s), HTQ_OK);
	T_EQ(s.account.gen, 2);
	mdb_txn_abort(txn);
}

static void
test_sessions(void)
{
	char id[HTQ_ID_LEN + 1], token[HTQ_TOKEN_LEN + 1], csrf[33];
	char id2[HTQ_ID_LEN + 1], token2[HTQ_TOKEN_LEN + 1];
	struct htq_session s;
	MDB_txn *txn;
	char saved;

	T_EQ(htq_account_add(db, "s@y.test", "S", HTQ_ROLE_AUDITOR, NULL,
	    "long-enough-password", id), HTQ_OK);
	T_EQ(htq_session_create(db, id, token, csrf), HTQ_OK);
	T_EQ(strlen(token), HTQ_TOKEN_LEN);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_session_lookup(db, txn, token, &s), HTQ_OK);
	T_STREQ(s.account.id, id);
	T_STREQ(s.csrf, csrf);
	saved = token[0];
	token[0] = saved == 'a' ? 'b' : 'a';
	T_EQ(htq_session_lookup(db, txn, token, &s), HTQ_ENOTFOUND);
	token[0] = saved;
	mdb_txn_abort(txn);
	/* a password reset ends the account's sessions, not others' */
	T_EQ(htq_account_add(db, "s2@y.test", "S2", HTQ_ROLE_AUDITOR, NULL,
	    "long-enough-password", id2), HTQ_OK);
	T_EQ(htq_session_create(db, id2, token2, csrf), HTQ_OK);
	T_EQ(htq_account_set_password(db, id, "a-new-long-password"), HTQ_OK);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_session_lookup(db, txn, token, &s), HTQ_ENOTFOUND);
	T_EQ(htq_session_lookup(db, txn, token2, &s), HTQ_OK);
	mdb_txn_abort(txn);
	T_EQ(htq_session_create(db, id, token, csrf), HTQ_OK);
	T_EQ(htq_session_delete(db, token), HTQ_OK);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_session_lookup(db, txn, token, &s), HTQ_ENOTFOUND);
	mdb_txn_abort(txn);
}

/*
 * Back-off per address: HTQ_LOGIN_FREE_FAILS failures are free, the next
 * attempt, even with the right password, is refused with a wait; an
 * unknown address is counted the same way; other addresses are not
 * affected; once the wait is over a success clears the count.
 */
static void
test_login_backoff(void)
{
	char id[HTQ_ID_LEN + 1];
	struct htq_account a;
	int i, wait;

	T_EQ(htq_account_add(db, "b@y.test", "B", HTQ_ROLE_AUDITOR, NULL,
	    "long-enough-password", id), HTQ_OK);
	T_EQ(htq_account_add(db, "c@y.test", "C", HTQ_ROLE_AUDITOR, NULL,
	    "long-enough-password", id), HTQ_OK);
	/* each account's failures in a row: the first wait is one second,
	 * and a password check may take that long on a loaded machine */
	for (i = 0; i < HTQ_LOGIN_FREE_FAILS; i++)
		T_EQ(htq_login(db, "B@y.test", "wrong-password!!", &a, tok, csrfb, &wait),
		    HTQ_EPERM);
	T_EQ(htq_login(db, "b@y.test", "long-enough-password", &a, tok, csrfb, &wait),
	    HTQ_EBUSY);
	T_EQ(wait, 1);
	T_STREQ(a.id, "");
	for (i = 0; i < HTQ_LOGIN_FREE_FAILS; i++)
		T_EQ(htq_login(db, "ghost@y.test", "wrong-password!!", &a, tok, csrfb,
		    &wait), HTQ_EPERM);
	T_EQ(htq_login(db, "ghost@y.test", "whatever-password", &a, tok, csrfb, &wait),
	    HTQ_EBUSY);
	T_EQ(htq_login(db, "c@y.test", "long-enough-password", &a, tok, csrfb, &wait),
	    HTQ_OK);
	sleep(2);
	T_EQ(htq_login(db, "b@y.test", "wrong-password!!", &a, tok, csrfb, &wait),
	    HTQ_EPERM);
	T_EQ(htq_login(db, "b@y.test", "long-enough-password", &a, tok, csrfb, &wait),
	    HTQ_EBUSY);
	T_EQ(wait, 2);		/* the wait doubles, from the failure's answer */
	sleep(3);
	T_EQ(htq_login(db, "b@y.test", "long-enough-password", &a, tok, csrfb, &wait),
	    HTQ_OK);
	T_EQ(htq_login(db, "b@y.test", "wrong-password!!", &a, tok, csrfb, &wait),
	    HTQ_EPERM);
	T_EQ(htq_login(db, "b@y.test", "long-enough-password", &a, tok, csrfb, &wait),
	    HTQ_OK);	/* the success cleared the count */
}

static void
test_tokens(void)
{
	char id[HTQ_ID_LEN + 1], kid[HTQ_ID_LEN + 1], kid2[HTQ_ID_LEN + 1];
	char token[HTQ_API_TOKEN_LEN + 1], t2[HTQ_API_TOKEN_LEN + 1];
	struct htq_account a;
	MDB_txn *txn;
	json_t *list;
	char *text;

	T_EQ(htq_account_add(db, "t@y.test", "T", HTQ_ROLE_ADMIN, NULL,
	    "long-enough-password", id), HTQ_OK);
	T_EQ(htq_token_create(db, "t@y.test", "ci", 0, token, kid), HTQ_EINVAL);
	T_EQ(htq_token_create(db, "t@y.test", "", 30, token, kid), HTQ_EINVAL);
	T_EQ(htq_token_create(db, "nobody@y.test", "ci", 30, token, kid),
	    HTQ_ENOTFOUND);
	T_EQ(htq_token_create(db, "t@y.test", "ci", 30, token, kid), HTQ_OK);
	T_EQ(htq_token_create(db, id, "other", 1, t2, kid2), HTQ_OK);
	T_EQ(strlen(token), HTQ_API_TOKEN_LEN);
	T_ASSERT(strncmp(token, "htq_", 4) == 0 && strcmp(token, t2) != 0);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_token_lookup(db, txn, token, &a), HTQ_OK);
	T_STREQ(a.id, id);
	T_EQ(a.role, HTQ_ROLE_ADMIN);
	token[10] = token[10] == '0' ? '1' : '0';
	T_EQ(htq_token_lookup(db, txn, token, &a), HTQ_ENOTFOUND);
	token[10] = token[10] == '0' ? '1' : '0';
	/* only hashes are stored: the token text is nowhere in the list */
	T_EQ(htq_tokens_list(db, txn, id, &list), HTQ_OK);
	T_EQ(json_array_size(json_object_get(list, "tokens")), 2);
	T_EQ(strlen(json_string_value(json_object_get(json_array_get(
	    json_object_get(list, "tokens"), 0), "expires"))), 20);
	T_ASSERT((text = json_dumps(list, 0)) != NULL);
	T_ASSERT(strstr(text, token + 4) == NULL);
	free(text);
	json_decref(list);
	mdb_txn_abort(txn);
	/* revoked: gone at once; the other token still works */
	T_EQ(htq_token_revoke(db, kid), HTQ_OK);
	T_EQ(htq_token_revoke(db, kid), HTQ_ENOTFOUND);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_token_lookup(db, txn, token, &a), HTQ_ENOTFOUND);
	T_EQ(htq_token_lookup(db, txn, t2, &a), HTQ_OK);
	mdb_txn_abort(txn);
	/* a role change shows at the next lookup (lookups keep parsed
	 * records only while their stored bytes stay the same) */
	T_EQ(htq_account_set_role(db, id, HTQ_ROLE_AUDITOR, NULL), HTQ_OK);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_token_lookup(db, txn, t2, &a), HTQ_OK);
	T_EQ(a.role, HTQ_ROLE_AUDITOR);
	mdb_txn_abort(txn);
	/* a disabled account's tokens stop working */
	T_EQ(htq_account_set_disabled(db, id, 1), HTQ_OK);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_token_lookup(db, txn, t2, &a), HTQ_ENOTFOUND);
	mdb_txn_abort(txn);
}

static void
test_session_expiry(void)
{
	char id[HTQ_ID_LEN + 1], token[HTQ_TOKEN_LEN + 1], csrf[33];
	struct htq_session s;
	MDB_txn *txn;
	int max_age, idle;

	setenv("HTQ_SESSION_IDLE", "1", 1);
	setenv("HTQ_SESSION_MAX_AGE", "999999999", 1);	/* above the cap */
	htq_session_limits(&max_age, &idle);
	T_EQ(idle, 1);
	T_EQ(max_age, HTQ_SESSION_MAX_AGE);
	T_EQ(htq_account_add(db, "e@y.test", "E", HTQ_ROLE_AUDITOR, NULL,
	    "long-enough-password", id), HTQ_OK);
	T_EQ(htq_session_create(db, id, token, csrf), HTQ_OK);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_session_lookup(db, txn, token, &s), HTQ_OK);
	mdb_txn_abort(txn);
	sleep(3);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_session_lookup(db, txn, token, &s), HTQ_ENOTFOUND);
	mdb_txn_abort(txn);
	unsetenv("HTQ_SESSION_IDLE");
	unsetenv("HTQ_SESSION_MAX_AGE");
}

int
main(void)
{
	char cmd[128];

	if (sodium_init() < 0)
		return 1;
	snprintf(dir, sizeof(dir), "/tmp/htq-acct-XXXXXX");
	if (mkdtemp(dir) == NULL || htq_db_open(dir, HTQ_DB_CREATE, &db))
		return 1;
	T_RUN(test_email_rules);
	T_RUN(test_organisations);
	T_RUN(test_accounts_and_login);
	T_RUN(test_login_by_id_refused);
	T_RUN(test_credentials_withdrawn);
	T_RUN(test_sessions);
	T_RUN(test_session_expiry);
	T_RUN(test_login_backoff);
	T_RUN(test_tokens);
	htq_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return T_DONE();
}
