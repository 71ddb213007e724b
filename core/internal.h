/*
 * internal.h - definitions shared by core/ files only.
 */
#ifndef HTQ_INTERNAL_H
#define HTQ_INTERNAL_H

#include "htq.h"

struct htq_db {
	MDB_env			*env;
	MDB_dbi			 std;		/* "ST0116@1.1" -> API JSON */
	MDB_dbi			 std_latest;	/* "ST0116" -> "1.1" */
	MDB_dbi			 std_sum;	/* "ST0116" -> summary JSON */
	MDB_dbi			 std_elig;	/* "ST0116" -> admin decision */
	MDB_dbi			 meta;		/* schema version etc. */
	MDB_dbi			 org;		/* "o-..." -> organisation */
	MDB_dbi			 acct;		/* "a-..." -> account */
	MDB_dbi			 acct_email;	/* e-mail -> account id */
	MDB_dbi			 sess;		/* hex SHA-256(token) -> session */
	struct htq_ledger_hooks	 ledger;
	struct aud_log		*log;		/* NULL until attached */
	struct aud_key		*key;		/* sodium_malloc'd, or NULL */
};

#endif /* HTQ_INTERNAL_H */
