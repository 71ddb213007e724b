/*
 * test_accounts.c - e-mail rules, organisation identifiers, accounts,
 * passwords and sessions against a real LMDB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "t.h"
#include "htq.h"

static struct htq_db *db;
static char dir[64];

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
	T_EQ(htq_login(db, "x@y.test", "long-enough-password", &a), HTQ_OK);
	T_STREQ(a.org, org);
	T_EQ(a.role, HTQ_ROLE_AWARDING_BODY);
	T_EQ(htq_login(db, "x@y.test", "wrong-password!!", &a), HTQ_EPERM);
	T_STREQ(a.id, "");
	T_EQ(htq_login(db, "nobody@y.test", "long-enough-password", &a),
	    HTQ_EPERM);
	T_EQ(htq_account_set_disabled(db, "x@y.test", 1), HTQ_OK);
	T_EQ(htq_login(db, "x@y.test", "long-enough-password", &a), HTQ_EPERM);
	T_EQ(htq_account_set_disabled(db, "x@y.test", 0), HTQ_OK);
	T_EQ(htq_account_set_password(db, "x@y.test", "another-long-password"),
	    HTQ_OK);
	T_EQ(htq_login(db, "x@y.test", "long-enough-password", &a), HTQ_EPERM);
	T_EQ(htq_login(db, "x@y.test", "another-long-password", &a), HTQ_OK);
	T_EQ(htq_account_set_role(db, a.id, HTQ_ROLE_APPROVER, NULL), HTQ_OK);
}

static void
test_sessions(void)
{
	char id[HTQ_ID_LEN + 1], token[HTQ_TOKEN_LEN + 1], csrf[33], c2[33];
	struct htq_account a;
	MDB_txn *txn;
	char saved;

	T_EQ(htq_account_add(db, "s@y.test", "S", HTQ_ROLE_AUDITOR, NULL,
	    "long-enough-password", id), HTQ_OK);
	T_EQ(htq_session_create(db, id, token, csrf), HTQ_OK);
	T_EQ(strlen(token), HTQ_TOKEN_LEN);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_session_lookup(db, txn, token, &a, c2), HTQ_OK);
	T_STREQ(a.id, id);
	T_STREQ(c2, csrf);
	saved = token[0];
	token[0] = saved == 'a' ? 'b' : 'a';
	T_EQ(htq_session_lookup(db, txn, token, &a, c2), HTQ_ENOTFOUND);
	token[0] = saved;
	mdb_txn_abort(txn);
	T_EQ(htq_session_delete(db, token), HTQ_OK);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	T_EQ(htq_session_lookup(db, txn, token, &a, c2), HTQ_ENOTFOUND);
	mdb_txn_abort(txn);
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
	T_RUN(test_sessions);
	htq_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return T_DONE();
}
