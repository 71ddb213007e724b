/*
 * db_private.h - struct htq_db, private to core/store/.
 */
#ifndef HTQ_DB_PRIVATE_H
#define HTQ_DB_PRIVATE_H

#include "store.h"

struct htq_db {
	MDB_env			*env;
	MDB_dbi			 dbi[HTQ_T_COUNT];	/* enum htq_table */
	const char		*actor;		/* htq_set_actor; NULL: "system" */
	struct aud_log		*log;		/* NULL until attached */
	struct aud_key		*key;		/* sodium_malloc'd, or NULL */
	char			*datadir;	/* where the key file is */
	int			 dirty;		/* appended since the last commit */
	uint64_t		 dirty_size;	/* the log's size after them */
	uint64_t		 commit_us;	/* the last commit took, in us */
	htq_commit_hook		 after_commit;	/* NULL: none */
	void			*after_ctx;
};

#endif /* HTQ_DB_PRIVATE_H */
