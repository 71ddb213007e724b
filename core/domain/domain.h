/*
 * domain.h - what core/domain/'s files share among themselves.
 */
#ifndef HTQ_DOMAIN_H
#define HTQ_DOMAIN_H

#include "htq.h"

/* An account from its stored record (accounts.c), and its credential
 * generation: a reset or disable moves it on, and every session carries
 * the one it was opened under. */
void	 htq_account_from_json(const json_t *, struct htq_account *);
json_int_t htq_account_gen(const json_t *);
/* Drafts and undecided submissions whose route is route (or, route
 * NULL, whose standard is ref), for the impact warnings (windows.c). */
int	 htq_count_affected(struct htq_db *, MDB_txn *, const char *route,
	    const char *ref, json_int_t *drafts, json_int_t *open);
/* --- content.c --- */

/* The standard version content names ({"standard":{"ref","version"}}),
 * parsed: *std a new reference.  HTQ_EINVAL (why says) for a malformed
 * ref or version or one the catalogue does not have; HTQ_EFORMAT for a
 * stored standard that does not parse. */
int	 htq_load_standard(struct htq_db *, MDB_txn *, const json_t *content,
	    json_t **std, struct htq_why *);
/* The rules a submission's content must keep (create, update, submit):
 * HTQ_EFORMAT its shape, HTQ_EINVAL a rule, why naming the field.  On
 * success *std (when std is not NULL) is the standard, parsed. */
int	 htq_check_content(struct htq_db *, MDB_txn *, const json_t *content,
	    json_t **std, struct htq_why *);
/* The same for a draft: it may leave out the standard (then no KSB is
 * mapped yet, and *std is NULL). */
int	 htq_check_draft(struct htq_db *, MDB_txn *, const json_t *content,
	    json_t **std, struct htq_why *);
/* Coverage of content against std (htq_coverage's document); NULL when
 * out of memory. */
json_t	*htq_coverage_of(const json_t *std, const json_t *content);
/* What a submit needs besides the rules: no KSB left unexplained in
 * coverage (HTQ_EINVAL naming "mapping" and the codes). */
int	 htq_check_complete(const json_t *coverage, struct htq_why *);
/* A review's shape and recommendation (HTQ_EFORMAT, HTQ_EINVAL); its
 * findings' KSBs against the standard (HTQ_EINVAL). */
int	 htq_check_review(const json_t *review, struct htq_why *);
int	 htq_check_findings(const json_t *std, const json_t *review,
	    struct htq_why *);


/* Note on submission id that its mark was revoked (marks.c, inside
 * the revocation's transaction; data is mark.revoked's). */
int	 htq_submission_mark_revoked(struct htq_db *, MDB_txn *,
	    const struct htq_actor *, const char *id, const json_t *data);
/* The open window of route today, or with none the next announced one
 * (*open 0) or nothing (HTQ_ENOTFOUND).  *out is a new reference. */
int	 htq_window_for_route(struct htq_db *, MDB_txn *, const char *route,
	    json_t **out, int *open);
/*
 * Award the quality mark for approved submission sub (marks.c):
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

#endif /* HTQ_DOMAIN_H */
