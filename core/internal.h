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
	MDB_dbi			 token;		/* hex SHA-256(token) -> API token */
	MDB_dbi			 throttle;	/* SHA-256(e-mail) -> failures */
	MDB_dbi			 win;		/* "w-..." -> submission window */
	MDB_dbi			 sub;		/* "s-..." -> submission */
	MDB_dbi			 sub_acl;	/* "s-..." -> "version status org" */
	MDB_dbi			 mark;		/* "HTQ-..." -> quality mark */
	struct htq_ledger_hooks	 ledger;
	struct aud_log		*log;		/* NULL until attached */
	struct aud_key		*key;		/* sodium_malloc'd, or NULL */
	char			*datadir;	/* where the key file is */
	int			 dirty;		/* appended since the last commit */
	uint64_t		 dirty_size;	/* the log's size after them */
	char			*keys_published; /* the key list last written */
	htq_commit_hook		 after_commit;	/* NULL: none */
	void			*after_ctx;
};

/* The string at o.a, or at o.a.b when b is given; NULL if there is none
 * (core/marks.c). */
const char *htq_jstr(const json_t *o, const char *a, const char *b);
/* JSON documents in LMDB (core/accounts.c). */
int	 htq_put_text(MDB_txn *, MDB_dbi, const char *key, const char *text,
	    unsigned flags);
int	 htq_put_json(MDB_txn *, MDB_dbi, const char *key, const json_t *,
	    unsigned flags);
int	 htq_get_json(MDB_txn *, MDB_dbi, const char *key, json_t **out);
/* Random pseudonymous id "<prefix>-<16 hex>". */
void	 htq_new_id(char prefix, char id[HTQ_ID_LEN + 1]);
/* Hex SHA-256 of a secret token: the only form in which one is stored. */
void	 htq_token_key(const char *token, char key[65]);
/* Revoke every API token of an account in the caller's write txn. */
int	 htq_tokens_revoke_account(struct htq_db *, MDB_txn *,
	    const char *account);

/* Append a ledger entry naming actor (an account id, or "system"). */
int	 htq_record_as(struct htq_db *, MDB_txn *, const char *actor,
	    const char *type, const char *subject, json_t *data);
/* The same with data as its canonical bytes (htq_ledger_data), worked
 * out before the write transaction. */
int	 htq_record_data(struct htq_db *, MDB_txn *, const char *actor,
	    const char *type, const char *subject, const char *data,
	    size_t datalen);
/* data's canonical bytes for htq_record_data; *out malloc'd. */
int	 htq_ledger_data(const json_t *data, char **out, size_t *len);
/* Set why (field may be ""); returns err. */
int	 htq_refuse(struct htq_why *, int err, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Current time as RFC 3339 UTC ("2026-11-29T07:15:14Z"). */
void	 htq_now_iso(char buf[21]);
/* The open window of route today, or with none the next announced one
 * (*open 0) or nothing (HTQ_ENOTFOUND).  *out is a new reference. */
int	 htq_window_for_route(struct htq_db *, MDB_txn *, const char *route,
	    json_t **out, int *open);
/*
 * Award the quality mark for approved submission sub (core/marks.c):
 * allocate its id, store it, and hand back in *facts the public facts
 * mark.awarded records (the caller appends that entry in the same txn).
 */
int	 htq_mark_award(struct htq_db *, MDB_txn *, const json_t *sub,
	    const json_t *std, char mark[HTQ_MARK_ID_LEN + 1], json_t **facts);
/*
 * Remember the ledger index of the entry just appended for mark id
 * (kind 'a' mark.awarded, 'r' mark.revoked), so a bundle needs no scan.
 * Nothing when no ledger is attached.
 */
int	 htq_mark_note_seq(struct htq_db *, MDB_txn *, const char *id,
	    char kind);
/* The stored index, HTQ_ENOTFOUND when there is none. */
int	 htq_mark_seq(struct htq_db *, MDB_txn *, const char *id, char kind,
	    uint64_t *seq);
/* Static files of one mark (core/publish.c calls these; core/badge.c). */
int	 htq_badge_svg(const json_t *mark, const char *verify_url,
	    char **out, size_t *len);
int	 htq_verify_html(const json_t *mark, const json_t *assets,
	    char **out, size_t *len);
/* Marks a page of the static register lists. */
#define HTQ_REGISTER_PAGE	100
/* Page "page" (1-based) of the static register: items is every mark, in
 * id order; the page shows its HTQ_REGISTER_PAGE and links the others. */
int	 htq_register_html(const json_t *items, size_t page,
	    const json_t *assets, char **out, size_t *len);

#endif /* HTQ_INTERNAL_H */
