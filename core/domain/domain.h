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

/* --- submissions.c, for documents.c --- */
/* Start a change of draft id the actor may edit: a write transaction and
 * the stored document (both the caller's; nothing left open on failure);
 * errors as htq_submission_update's. */
int	 htq_submission_edit_begin(struct htq_db *, const struct htq_actor *,
	    const char *id, MDB_txn **txn, json_t **doc, struct htq_why *);
/* End it: a private history step of type with data, the document stored
 * (version + 1), the transaction committed; *txn is NULL afterwards
 * unless it failed before the commit (the caller aborts it). */
int	 htq_submission_edit_end(struct htq_db *, MDB_txn **txn,
	    const struct htq_actor *, json_t *doc, const char *type,
	    json_t *data, json_t **out);
/* A submission the actor may see: HTQ_ENOTFOUND otherwise. */
int	 htq_submission_load(struct htq_db *, MDB_txn *,
	    const struct htq_actor *, const char *id, json_t **doc);
/* --- documents.c --- */
/* What submission.submitted records of doc's documents: [{sha256, size,
 * type}] sorted by sha256 (never their names); a new array, NULL when
 * out of memory. */
json_t	*htq_documents_commitment(const json_t *doc);
/* --- outbox.c: messages made by the operation that causes them, in
 * its transaction --- */

/* After event (a submission's step: submission.submitted,
 * information.requested, information.provided, review.recorded,
 * decision.approved, decision.rejected, mark.awarded, mark.revoked) on
 * submission doc (as it is after the step) by a: a message to each
 * account concerned, never a; other events make none. */
int	 htq_notify_submission(struct htq_db *, MDB_txn *,
	    const struct htq_actor *a, const json_t *doc, const char *event);
/* After window.opened (windows.c) or window.closing (the tick) of window
 * w: a message to every awarding body account; actor (NULL: none) is
 * left out. */
int	 htq_notify_window(struct htq_db *, MDB_txn *, const char *actor,
	    const json_t *w, const char *event);

#endif /* HTQ_DOMAIN_H */
