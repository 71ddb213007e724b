/*
 * submissions.c - the approvals workflow: a qualification submitted by an
 * awarding body, mapped to an occupational standard's KSBs, reviewed by
 * employer panel members and decided by an approver.
 *
 *   draft --submit--> submitted --review--> in_review --decide--> approved
 *     |                   |  ^                  |  ^    \-------> rejected
 *     |                   request information / respond
 *     |                   v  |                  v  |
 *     |               information_requested (the answer may amend the
 *     |                   content: a new version, back to submitted)
 *     +-----withdraw------+---------------------+---> withdrawn
 *   a draft may also be deleted outright.
 *
 * Who may do what is one function, may(), over a submission's facts (its
 * state, organisation, authors, reviewers and recommendations: the same
 * small record whichever way it is read) and the acting account passed
 * in (struct htq_actor), never anything stored on the database handle:
 *
 *   edit, submit, delete          awarding body, own organisation, draft
 *   withdraw                      awarding body, own, not yet decided
 *   respond                       awarding body, own, information
 *                                 requested, before the response date
 *   review                        reviewer, once per round
 *   request_information           reviewer or approver
 *   decide                        approver, enough recommendations
 *   revoke_mark, embed_mark       approver; awarding body (current mark)
 *
 * Independence: nobody who belongs to the submitting organisation (as
 * the account is when it acts), or who created, edited, submitted or
 * answered for the submission (its "authors", whatever their role is
 * now), may review it, ask about it or decide it; reviewers and the
 * decider are distinct people.  Approval needs at least one
 * recommendation to approve; a decision against the majority of the
 * recommendations says so in the recorded decision.  Every answer lists
 * the actions the caller may take now, from may() itself.
 *
 * Privacy: a draft is its organisation's alone.  Its creation, edits,
 * withdrawal and deletion are in its history but never in the public
 * ledger; submission and every later step are in both, each from one
 * call (event()), texts only as salted hashes.
 *
 * References: each submission has, besides its id, a short reference
 * for people ("HTQ-SUB-2026-0042": the year of its creation and its
 * place in that year), given at creation from a per-year counter in the
 * meta table inside the creating transaction (so two workers creating
 * at once get different ones), kept in the document and its facts,
 * searchable (q), never in the ledger (entries name the id).
 *
 * Visibility: an awarding body sees only its organisation's submissions
 * (anything else is "not found"); reviewers, approvers, auditors and
 * administrators never see drafts; the console operator (htqctl) sees
 * everything.
 *
 * Each change is a read-modify-write inside one LMDB write transaction
 * together with its ledger entries; LMDB runs one writer at a time across
 * processes, so two racing decisions are serialised and the second finds
 * the submission decided.  The version number grows with every change and
 * guards updates: a stale version is a conflict and overwrites nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "domain.h"

static const char *const statuses[] = { "draft", "submitted", "in_review",
    "information_requested", "approved", "rejected", "withdrawn", NULL };

enum act { ACT_EDIT, ACT_SUBMIT, ACT_DELETE, ACT_WITHDRAW, ACT_RESPOND,
    ACT_REVIEW, ACT_REQUEST, ACT_DECIDE, ACT_REVOKE_MARK, ACT_EMBED_MARK,
    ACT_COUNT };
static const char *const act_names[ACT_COUNT] = { "edit", "submit",
    "delete", "withdraw", "respond", "review", "request_information",
    "decide", "revoke_mark", "embed_mark" };

int
htq_status_valid(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && statuses[i] != NULL; i++)
		if (strcmp(s, statuses[i]) == 0)
			return 1;
	return 0;
}

int
htq_min_recommendations(void)
{
	return htq_env_int("HTQ_MIN_RECOMMENDATIONS", HTQ_MIN_RECOMMENDATIONS, 1,
	    HTQ_MAX_MIN_RECOMMENDATIONS);
}

int
htq_max_drafts(void)
{
	return htq_env_int("HTQ_MAX_DRAFTS", HTQ_MAX_DRAFTS, 1,
	    HTQ_MAX_MAX_DRAFTS);
}

int
htq_review_days(void)
{
	return htq_env_int("HTQ_REVIEW_DAYS", HTQ_REVIEW_DAYS, 1,
	    HTQ_MAX_REVIEW_DAYS);
}

/* A round of review starts: its due date, htq_review_days() from today
 * (store() drops it once the submission no longer waits for review). */
static void
review_round(json_t *doc)
{
	char due[HTQ_DATE_LEN + 1];

	htq_date_in(htq_review_days(), due);
	json_object_set_new(doc, "review_due", json_string(due));
}

int
htq_info_response_days(void)
{
	return htq_env_int("HTQ_INFO_RESPONSE_DAYS", HTQ_INFO_RESPONSE_DAYS, 0,
	    HTQ_MAX_INFO_RESPONSE_DAYS);
}

static const char *
sget(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static int
in_array(const json_t *arr, const char *s)
{
	const json_t *x;
	size_t i;

	json_array_foreach(arr, i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), s) == 0)
			return 1;
	return 0;
}

/* Append s to arr unless it is there. */
static int
add_once(json_t *arr, const char *s)
{
	if (in_array(arr, s))
		return HTQ_OK;
	return json_array_append_new(arr, json_string(s)) == 0 ? HTQ_OK :
	    HTQ_ENOMEM;
}

/* Record the acting account among doc's authors (once). */
static int
add_author(json_t *doc, const char *id)
{
	json_t *list = json_object_get(doc, "authors");

	if (!json_is_array(list) && ((list = json_array()) == NULL ||
	    json_object_set_new(doc, "authors", list) != 0))
		return HTQ_ENOMEM;
	return add_once(list, id);
}

/*
 * The facts of a submission, all that may() and a list need and small
 * enough to read for every row without the document: {"id","version",
 * "status","organisation","authors","reviewers" (this round's),
 * "earlier" (earlier rounds' reviewers),"reviews","approve" (this round's
 * recommendations, and those to approve),"mark_status"?,"respond_by"?}.
 * Stored with every change (the "sub_facts" table) and computed from the
 * document by this one function.
 */
static json_t *
facts_of(const json_t *doc)
{
	json_t *f, *authors, *rv, *ea, *req;
	const json_t *r, *x;
	json_int_t nfor = 0;
	size_t i;

	authors = json_array();
	rv = json_array();
	ea = json_array();
	if (authors == NULL || rv == NULL || ea == NULL)
		goto fail;
	if (json_is_string(json_object_get(doc, "created_by")))
		add_once(authors, sget(doc, "created_by"));
	json_array_foreach(json_object_get(doc, "authors"), i, x)
		if (json_is_string(x))
			add_once(authors, json_string_value(x));
	json_array_foreach(json_object_get(doc, "reviews"), i, r) {
		add_once(rv, sget(r, "reviewer"));
		nfor += strcmp(sget(r, "recommendation"), "approve") == 0;
	}
	json_array_foreach(json_object_get(doc, "earlier_reviews"), i, r)
		add_once(ea, sget(r, "reviewer"));
	f = json_pack("{s:O,s:O,s:O,s:O,s:o,s:o,s:o,s:I,s:I}",
	    "id", json_object_get(doc, "id"),
	    "version", json_object_get(doc, "version"),
	    "status", json_object_get(doc, "status"),
	    "organisation", json_object_get(doc, "organisation"),
	    "authors", authors, "reviewers", rv, "earlier", ea,
	    "reviews", (json_int_t)json_array_size(json_object_get(doc,
	    "reviews")), "approve", nfor);
	if (f == NULL)
		return NULL;
	if (json_is_string(json_object_get(doc, "reference")))
		json_object_set(f, "reference", json_object_get(doc,
		    "reference"));
	if (json_is_string(json_object_get(doc, "mark")))
		json_object_set(f, "mark_status", json_object_get(doc,
		    "mark_status") ? json_object_get(doc, "mark_status") :
		    json_string("current"));
	req = json_array_get(json_object_get(doc, "information_requests"),
	    json_array_size(json_object_get(doc, "information_requests")) - 1);
	if (req != NULL && strcmp(sget(doc, "status"),
	    "information_requested") == 0)
		json_object_set(f, "respond_by", json_object_get(req,
		    "respond_by"));
	return f;
fail:
	json_decref(authors);
	json_decref(rv);
	json_decref(ea);
	return NULL;
}

static int
is(const json_t *f, const char *status)
{
	return strcmp(sget(f, "status"), status) == 0;
}

static int
need_role(const struct htq_actor *a, enum htq_role role, const char *what,
    struct htq_why *why)
{
	if (a == NULL || a->id == NULL || a->role != role)
		return htq_refuse(why, HTQ_EPERM, "", "only %s accounts %s",
		    htq_role_name(role), what);
	if (role == HTQ_ROLE_AWARDING_BODY && (a->org == NULL || *a->org ==
	    '\0'))
		return htq_refuse(why, HTQ_EPERM, "", "this awarding body "
		    "account belongs to no organisation");
	return HTQ_OK;
}

/* Whether a's role may take action act at all (checked before a
 * submission is read, and again by may()). */
static int
role_ok(const struct htq_actor *a, enum act act, struct htq_why *why)
{
	switch (act) {
	case ACT_EDIT:
		return need_role(a, HTQ_ROLE_AWARDING_BODY, "edit submissions",
		    why);
	case ACT_SUBMIT:
		return need_role(a, HTQ_ROLE_AWARDING_BODY, "submit", why);
	case ACT_DELETE:
		return need_role(a, HTQ_ROLE_AWARDING_BODY, "delete drafts",
		    why);
	case ACT_WITHDRAW:
		return need_role(a, HTQ_ROLE_AWARDING_BODY,
		    "withdraw submissions", why);
	case ACT_RESPOND:
		return need_role(a, HTQ_ROLE_AWARDING_BODY,
		    "answer requests for information", why);
	case ACT_EMBED_MARK:
		return need_role(a, HTQ_ROLE_AWARDING_BODY, "embed marks", why);
	case ACT_REVIEW:
		return need_role(a, HTQ_ROLE_REVIEWER, "record employer reviews",
		    why);
	case ACT_REQUEST:
		if (a != NULL && a->id != NULL && a->role == HTQ_ROLE_APPROVER)
			return HTQ_OK;
		return need_role(a, HTQ_ROLE_REVIEWER, "and approver accounts "
		    "ask for more information", why);
	case ACT_DECIDE:
		return need_role(a, HTQ_ROLE_APPROVER, "decide", why);
	case ACT_REVOKE_MARK:
		return need_role(a, HTQ_ROLE_APPROVER, "revoke marks", why);
	default:
		return htq_refuse(why, HTQ_EINVAL, "", "no such action");
	}
}

/* The submission is the acting awarding body's organisation's. */
static int
own(const struct htq_actor *a, const json_t *f, struct htq_why *why)
{
	if (strcmp(a->org, sget(f, "organisation")) != 0)
		return htq_refuse(why, HTQ_ENOTFOUND, "id", "no such "
		    "submission");
	return HTQ_OK;
}

/*
 * Whether actor may judge the submission (review, ask about or decide
 * it): not a member of the submitting organisation, not one of its
 * authors.  HTQ_EPERM with why.
 */
static int
independent(const struct htq_actor *a, const json_t *f, const char *what,
    struct htq_why *why)
{
	const char *id = sget(f, "id");

	if (a->org != NULL && strcmp(a->org, sget(f, "organisation")) == 0)
		return htq_refuse(why, HTQ_EPERM, "", "independence: you belong "
		    "to the organisation that made submission %s, so someone "
		    "outside it must %s it", id, what);
	if (in_array(json_object_get(f, "authors"), a->id))
		return htq_refuse(why, HTQ_EPERM, "", "independence: you "
		    "created, edited, submitted or answered for submission %s, "
		    "so someone else must %s it", id, what);
	return HTQ_OK;
}

/* Whether the response date of an information request has passed. */
static int
response_late(const json_t *f)
{
	char today[HTQ_DATE_LEN + 1];

	htq_today(today);
	return strcmp(today, sget(f, "respond_by")) > 0;
}

/*
 * The rules: HTQ_OK if actor a may take action act on the submission
 * with facts f now, else the refusal, with why.  The actions themselves
 * and the "actions" list of every answer both ask here.
 */
static int
may(const struct htq_actor *a, const json_t *f, enum act act,
    struct htq_why *why)
{
	const char *id = sget(f, "id"), *st = sget(f, "status");
	json_int_t nrev = json_integer_value(json_object_get(f, "reviews"));
	int rc, min;

	if ((rc = role_ok(a, act, why)) != HTQ_OK)
		return rc;
	switch (act) {
	case ACT_EDIT:
	case ACT_SUBMIT:
	case ACT_DELETE:
		if ((rc = own(a, f, why)))
			return rc;
		if (is(f, "draft"))
			return HTQ_OK;
		return htq_refuse(why, HTQ_ECONFLICT, "status", act == ACT_EDIT ?
		    "submission %s is %s: only a draft can be edited; "
		    "submitted content changes only in answer to a request for "
		    "information" : act == ACT_SUBMIT ? "submission %s is %s "
		    "already" : "submission %s is %s: only a draft can be "
		    "deleted; anything submitted stays on record", id, st);
	case ACT_WITHDRAW:
		if ((rc = own(a, f, why)))
			return rc;
		if (is(f, "draft") || is(f, "submitted") || is(f, "in_review") ||
		    is(f, "information_requested"))
			return HTQ_OK;
		return htq_refuse(why, HTQ_ECONFLICT, "status", "submission %s "
		    "is %s: only one not yet decided can be withdrawn", id, st);
	case ACT_RESPOND:
		if ((rc = own(a, f, why)))
			return rc;
		if (!is(f, "information_requested"))
			return htq_refuse(why, HTQ_ECONFLICT, "status", "submission "
			    "%s is %s: there is no request for information to "
			    "answer", id, st);
		if (response_late(f))
			return htq_refuse(why, HTQ_ECONFLICT, "status", "the "
			    "answer was due by %s; the request can no longer be "
			    "answered, and an approver may now decide on what "
			    "was submitted", sget(f, "respond_by"));
		return HTQ_OK;
	case ACT_REVIEW:
		if (!is(f, "submitted") && !is(f, "in_review"))
			return htq_refuse(why, HTQ_ECONFLICT, "status", "submission "
			    "%s is %s: reviews are recorded while it is submitted "
			    "or in review", id, st);
		if ((rc = independent(a, f, "review", why)))
			return rc;
		if (in_array(json_object_get(f, "reviewers"), a->id))
			return htq_refuse(why, HTQ_ECONFLICT, "", "you have "
			    "recorded a review of %s already; each reviewer "
			    "records one", id);
		if (nrev >= HTQ_MAX_REVIEWS)
			return htq_refuse(why, HTQ_ECONFLICT, "", "submission %s "
			    "has the most reviews it can take (%d)", id,
			    HTQ_MAX_REVIEWS);
		return HTQ_OK;
	case ACT_REQUEST:
		if (!is(f, "submitted") && !is(f, "in_review"))
			return htq_refuse(why, HTQ_ECONFLICT, "status", "submission "
			    "%s is %s: information is asked for while it is "
			    "submitted or in review", id, st);
		return independent(a, f, "ask about", why);
	case ACT_DECIDE:
		if (is(f, "approved") || is(f, "rejected"))
			return htq_refuse(why, HTQ_ECONFLICT, "status", "submission "
			    "%s was %s already; a decision is final", id, st);
		if (is(f, "information_requested") && !response_late(f))
			return htq_refuse(why, HTQ_ECONFLICT, "status", "submission "
			    "%s waits for the awarding body's answer, due by %s",
			    id, sget(f, "respond_by"));
		if (!is(f, "submitted") && !is(f, "in_review") &&
		    !is(f, "information_requested"))
			return htq_refuse(why, HTQ_ECONFLICT, "status", "submission "
			    "%s is %s: there is nothing to decide", id, st);
		if ((rc = independent(a, f, "decide", why)))
			return rc;
		if (in_array(json_object_get(f, "reviewers"), a->id) ||
		    in_array(json_object_get(f, "earlier"), a->id))
			return htq_refuse(why, HTQ_EPERM, "", "four eyes: you "
			    "reviewed submission %s, so another approver must "
			    "decide it", id);
		min = htq_min_recommendations();
		if (nrev < min)
			return htq_refuse(why, HTQ_ECONFLICT, "status", "a decision "
			    "needs at least %d employer recommendation%s; "
			    "submission %s has %lld", min, min == 1 ? "" : "s", id,
			    (long long)nrev);
		return HTQ_OK;
	case ACT_REVOKE_MARK:
	case ACT_EMBED_MARK:
		if (act == ACT_EMBED_MARK && (rc = own(a, f, why)))
			return rc;
		if (strcmp(sget(f, "mark_status"), "current") != 0)
			return htq_refuse(why, HTQ_ECONFLICT, "status", "submission "
			    "%s has no current quality mark", id);
		return HTQ_OK;
	default:
		return htq_refuse(why, HTQ_EINVAL, "", "no such action");
	}
}

/* The actions a may take on the submission with facts f now. */
static json_t *
actions_of(const struct htq_actor *a, const json_t *f)
{
	json_t *list = json_array();
	int i;

	for (i = 0; list != NULL && i < ACT_COUNT; i++)
		if (may(a, f, (enum act)i, NULL) == HTQ_OK)
			json_array_append_new(list, json_string(act_names[i]));
	return list;
}

/*
 * A review's comment, a question or an answer, committed to in the public
 * ledger without showing it: SHA-256 over a fresh random salt (32 hex
 * characters, kept with the text) and then the text as a JSON string.
 * The salt stops anyone reading the ledger from confirming a guessed text
 * ("sound").
 */
static int
text_commitment(const json_t *text, char salt[33], char hex[65])
{
	unsigned char r[16], h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	char *s = json_dumps(text, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s == NULL)
		return HTQ_ENOMEM;
	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(salt, 33, r, sizeof(r));
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)salt, 32);
	crypto_hash_sha256_update(&st, (const unsigned char *)s, strlen(s));
	crypto_hash_sha256_final(&st, h);
	free(s);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	return HTQ_OK;
}

/* The content part of a stored submission, as a new object. */
static json_t *
content_of(const json_t *doc)
{
	return json_pack("{s:O,s:O*,s:O,s:O}",	/* a draft may have no standard */
	    "qualification", json_object_get(doc, "qualification"),
	    "standard", json_object_get(doc, "standard"),
	    "units", json_object_get(doc, "units"),
	    "mapping", json_object_get(doc, "mapping"));
}

/* --- access --- */

/* Who sees a submission in status owned by org. */
static int
visible_to(const struct htq_actor *a, const char *status, const char *org)
{
	switch (a->role) {
	case HTQ_ROLE_AWARDING_BODY:
		return a->org != NULL && org != NULL && strcmp(a->org, org) == 0;
	case HTQ_ROLE_REVIEWER:
	case HTQ_ROLE_APPROVER:
	case HTQ_ROLE_AUDITOR:
	case HTQ_ROLE_ADMIN:		/* no job of theirs needs a draft */
		return strcmp(status, "draft") != 0;
	case HTQ_ROLE_OPERATOR:
		return 1;
	default:
		return 0;
	}
}

static int
visible(const struct htq_actor *a, const json_t *doc)
{
	return visible_to(a, sget(doc, "status"), json_string_value(
	    json_object_get(doc, "organisation")));
}

/* The list entry of a submission: with the dates a dashboard shows
 * (submitted_at; review_due while it waits for review; respond_by while
 * an answer is awaited; decided). */
static json_t *
summary(const json_t *doc)
{
	const json_t *q = json_object_get(doc, "qualification");
	const json_t *s = json_object_get(doc, "standard");
	const json_t *reqs = json_object_get(doc, "information_requests");
	const json_t *by = strcmp(sget(doc, "status"),
	    "information_requested") == 0 ? json_object_get(json_array_get(reqs,
	    json_array_size(reqs) - 1), "respond_by") : NULL;

	return json_pack("{s:O,s:O*,s:O,s:O,s:O,s:{s:O,s:O,s:O},s:{s:O*,s:O*},"
	    "s:O*,s:O,s:O*,s:O*,s:O*,s:O*,s:O*,s:O*}", "id", json_object_get(doc, "id"),
	    "reference", json_object_get(doc, "reference"),
	    "status", json_object_get(doc, "status"),
	    "version", json_object_get(doc, "version"),
	    "organisation", json_object_get(doc, "organisation"),
	    "qualification", "title", json_object_get(q, "title"),
	    "type", json_object_get(q, "type"),
	    "level", json_object_get(q, "level"),
	    "standard", "ref", json_object_get(s, "ref"),
	    "version", json_object_get(s, "version"),
	    "route", json_object_get(doc, "route"),
	    "updated", json_object_get(doc, "updated"),
	    "mark", json_object_get(doc, "mark"),
	    "mark_status", json_object_get(doc, "mark") ? json_object_get(doc,
	    "mark_status") ? json_object_get(doc, "mark_status") :
	    json_string("current") : NULL,
	    "submitted_at", json_object_get(doc, "submitted_at"),
	    "review_due", json_object_get(doc, "review_due"),
	    "respond_by", by,
	    "decided", json_object_get(json_object_get(doc, "decision"),
	    "decided"));
}

/* A submission's stored facts (HTQ_T_SUB_FACTS). */
static int
get_facts(struct htq_db *db, MDB_txn *txn, const char *id, json_t **f)
{
	return htq_get_json(txn, htq_dbi(db, HTQ_T_SUB_FACTS), id, f);
}

/* How many drafts organisation org keeps (from the facts, read as bytes:
 * a create must not cost a parse of every submission). */
static int
count_drafts(struct htq_db *db, MDB_txn *txn, const char *org, size_t *n)
{
	char owner[HTQ_ID_LEN + 32];
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	*n = 0;
	snprintf(owner, sizeof(owner), "\"organisation\":\"%s\"", org);
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_SUB_FACTS), &c)) != 0)
		return htq_mdb_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		*n += htq_record_holds(&v, "\"status\":\"draft\"") &&
		    htq_record_holds(&v, owner);
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? HTQ_OK : htq_mdb_err(rc);
}

/*
 * The next reference of the year of date now ("2026-…"): the year's
 * counter in the meta table ("sub.serial.2026") plus one, stored.  Run
 * inside the write transaction that stores the submission: LMDB has one
 * writer at a time across processes, so no two submissions get the same.
 */
static int
next_reference(struct htq_db *db, MDB_txn *txn, const char *now,
    char ref[HTQ_SUB_REF_LEN + 1])
{
	char key[32], val[16];
	MDB_val k, v;
	unsigned long serial = 0;
	int rc;

	snprintf(key, sizeof(key), "sub.serial.%.4s", now);
	k.mv_data = key;
	k.mv_size = strlen(key);
	rc = mdb_get(txn, htq_dbi(db, HTQ_T_META), &k, &v);
	if (rc == 0 && v.mv_size < sizeof(val)) {
		memcpy(val, v.mv_data, v.mv_size);
		val[v.mv_size] = '\0';
		serial = strtoul(val, NULL, 10);
	} else if (rc == 0)
		return HTQ_EFORMAT;
	else if (rc != MDB_NOTFOUND)
		return htq_mdb_err(rc);
	if (++serial > HTQ_SUB_REF_MAX_SERIAL)
		return HTQ_EFULL;
	snprintf(ref, HTQ_SUB_REF_LEN + 1, "HTQ-SUB-%.4s-%04lu", now, serial);
	snprintf(val, sizeof(val), "%lu", serial);
	v.mv_data = val;
	v.mv_size = strlen(val);
	return htq_mdb_err(mdb_put(txn, htq_dbi(db, HTQ_T_META), &k, &v, 0));
}

static int
valid_id(const char *id)
{
	return id != NULL && strlen(id) == HTQ_ID_LEN && id[0] == 's' &&
	    id[1] == '-';
}

/* Read a submission the actor may see (else HTQ_ENOTFOUND). */
static int
load(struct htq_db *db, MDB_txn *txn, const struct htq_actor *a,
    const char *id, json_t **doc, struct htq_why *why)
{
	int rc;

	*doc = NULL;
	if (!valid_id(id))
		return htq_refuse(why, HTQ_ENOTFOUND, "id", "no such "
		    "submission");
	rc = htq_get_json(txn, htq_dbi(db, HTQ_T_SUB), id, doc);
	if (rc == HTQ_OK && !visible(a, *doc)) {
		json_decref(*doc);
		*doc = NULL;
		rc = HTQ_ENOTFOUND;
	}
	if (rc == HTQ_ENOTFOUND)
		htq_refuse(why, rc, "id", "no such submission");
	return rc;
}

/*
 * Store doc: version + 1, updated now, and its coverage computed from the
 * content being stored (the stored document is exactly what a read
 * answers, less the caller's actions; the content and the standard
 * version's KSBs cannot change without another store, so it equals a
 * coverage computed at the read), with its facts.  given is the standard
 * version of doc's content when the caller has it (NULL: it is read
 * here).
 */
static int
store(struct htq_db *db, MDB_txn *txn, json_t *doc, const json_t *given)
{
	const char *id = json_string_value(json_object_get(doc, "id"));
	char now[21];
	json_t *std, *cov, *f;
	int rc;

	/* a review's due date only while the submission waits for review */
	if (!is(doc, "submitted") && !is(doc, "in_review"))
		json_object_del(doc, "review_due");
	if (id == NULL)
		return HTQ_EFORMAT;
	htq_now_iso(now);
	json_object_set_new(doc, "version", json_integer(json_integer_value(
	    json_object_get(doc, "version")) + 1));
	json_object_set_new(doc, "updated", json_string(now));
	if (json_object_get(doc, "standard") == NULL)	/* a draft, no standard yet */
		json_object_del(doc, "coverage");
	else {
		if (given != NULL)
			std = json_incref((json_t *)given);
		else if ((rc = htq_load_standard(db, txn, doc, &std, NULL)) !=
		    HTQ_OK)
			return rc;
		cov = htq_coverage_of(std, doc);
		json_decref(std);
		if (cov == NULL)
			return HTQ_ENOMEM;
		json_object_set_new(doc, "coverage", cov);
	}
	if ((rc = htq_put_json(txn, htq_dbi(db, HTQ_T_SUB), id, doc,
	    0)) != HTQ_OK)
		return rc;
	if ((f = facts_of(doc)) == NULL)
		return HTQ_ENOMEM;
	rc = htq_put_json(txn, htq_dbi(db, HTQ_T_SUB_FACTS), id, f, 0);
	json_decref(f);
	return rc;
}

/* A change to a draft's content or its supporting documents
 * (documents.c): consecutive ones are one history step. */
static int
draft_change(const char *type)
{
	return strcmp(type, "submission.edited") == 0 ||
	    strcmp(type, "submission.document_added") == 0 ||
	    strcmp(type, "submission.document_removed") == 0;
}

/*
 * One step in a submission's life: appended to its history (who, when,
 * which version it makes, and data) and, when public, to the ledger with
 * the same type and data, in the same transaction.  Call it just before
 * store(), which makes that version.  Consecutive changes of a draft
 * (edits, documents added or removed) are one history step (the last
 * change, editor and time), so the history stays bounded by the steps
 * that have limits.
 */
static int
event(struct htq_db *db, MDB_txn *txn, json_t *doc,
    const struct htq_actor *a, const char *type, const char *subject,
    json_t *data, int public)
{
	json_t *hist = json_object_get(doc, "history"), *e, *last;
	char now[21];
	int rc;

	htq_now_iso(now);
	if (!json_is_array(hist) && ((hist = json_array()) == NULL ||
	    json_object_set_new(doc, "history", hist) != 0))
		return HTQ_ENOMEM;
	e = json_pack("{s:s,s:s,s:s,s:s,s:I,s:O*}", "event", type, "at", now,
	    "by", a->id, "role", htq_role_name(a->role), "version",
	    json_integer_value(json_object_get(doc, "version")) + 1, "data",
	    data);
	if (e == NULL)
		return HTQ_ENOMEM;
	last = json_array_get(hist, json_array_size(hist) - 1);
	if (draft_change(type) && last != NULL &&
	    draft_change(sget(last, "event")))
		rc = json_array_set_new(hist, json_array_size(hist) - 1, e);
	else
		rc = json_array_append_new(hist, e);
	if (rc != 0)
		return HTQ_ENOMEM;
	/* whoever the step needs next is told, in the step's transaction */
	if ((rc = htq_notify_submission(db, txn, a, doc, type)) != HTQ_OK)
		return rc;
	if (!public)
		return HTQ_OK;
	return htq_record_as(db, txn, a->id, type, subject, data);
}

/*
 * Whether the draft doc would be accepted by a submit now: its content
 * keeps the rules, every KSB is mapped or explained, and its route has a
 * window open today.  Into *check {"accepted","window"?,"field"?,
 * "message"?}; on success the standard, coverage and window are handed
 * back when wanted.
 */
static int
submit_check(struct htq_db *db, MDB_txn *txn, const json_t *doc,
    json_t **check, json_t **stdp, json_t **winp, struct htq_why *why)
{
	struct htq_why w;
	json_t *content, *std = NULL, *cov = NULL, *win = NULL, *x;
	int rc, wrc = HTQ_ENOTFOUND, open = 0;

	memset(&w, 0, sizeof(w));
	if (check)
		*check = NULL;
	if ((content = content_of(doc)) == NULL)
		return HTQ_ENOMEM;
	rc = htq_check_content(db, txn, content, &std, &w);
	/* the window that applies, even to content not yet right */
	if (std != NULL || htq_load_standard(db, txn, content, &std,
	    NULL) == HTQ_OK)
		wrc = htq_window_for_route(db, txn, sget(std, "route"), &x,
		    &open);
	if (wrc == HTQ_OK) {
		/* the schedule's public facts of it, and its state now */
		win = json_pack("{s:O,s:O,s:O,s:O,s:O,s:s}", "id",
		    json_object_get(x, "id"), "route", json_object_get(x,
		    "route"), "opens", json_object_get(x, "opens"), "closes",
		    json_object_get(x, "closes"), "first_teaching",
		    json_object_get(x, "first_teaching"), "state", open ? "open" :
		    "announced");
		json_decref(x);
		if (win == NULL) {
			rc = HTQ_ENOMEM;
			goto done;
		}
	} else if (wrc != HTQ_ENOTFOUND) {
		rc = wrc;
		goto done;
	}
	if (rc != HTQ_OK)
		goto done;
	if ((cov = htq_coverage_of(std, content)) == NULL) {
		rc = HTQ_ENOMEM;
		goto done;
	}
	if ((rc = htq_check_complete(cov, &w)) != HTQ_OK)
		goto done;
	if (win != NULL && !open)
		rc = htq_refuse(&w, HTQ_ECONFLICT, "standard.ref", "the %s "
		    "route accepts no submissions now; the next window opens "
		    "on %s and closes on %s", sget(std, "route"),
		    sget(win, "opens"), sget(win, "closes"));
	else if (win == NULL)
		rc = htq_refuse(&w, HTQ_ECONFLICT, "standard.ref", "the %s "
		    "route accepts no submissions now, and no window is "
		    "announced", sget(std, "route"));
done:
	if (why != NULL && rc != HTQ_OK)
		*why = w;
	if (check != NULL && (rc == HTQ_OK || w.msg[0] != '\0')) {
		*check = json_pack("{s:b,s:O*}", "accepted", rc == HTQ_OK,
		    "window", win);
		if (*check != NULL && rc != HTQ_OK) {
			json_object_set_new(*check, "field", json_string(
			    w.field));
			json_object_set_new(*check, "message", json_string(
			    w.msg));
		}
	}
	if (rc == HTQ_OK && stdp != NULL) {
		*stdp = std;
		std = NULL;
	}
	if (rc == HTQ_OK && winp != NULL) {
		*winp = win;
		win = NULL;
	}
	json_decref(content);
	json_decref(std);
	json_decref(cov);
	json_decref(win);
	return rc;
}

/*
 * The submission as actor a sees it: doc with the actions a may take now
 * and, on a draft a may submit, whether a submit would be accepted now
 * and under which window.
 */
static int
decorate(struct htq_db *db, MDB_txn *txn, const struct htq_actor *a,
    json_t *doc)
{
	json_t *f, *acts, *check = NULL;
	size_t i;
	int rc = HTQ_OK;

	if ((f = facts_of(doc)) == NULL || (acts = actions_of(a, f)) == NULL) {
		json_decref(f);
		return HTQ_ENOMEM;
	}
	if (may(a, f, ACT_SUBMIT, NULL) == HTQ_OK) {
		rc = submit_check(db, txn, doc, &check, NULL, NULL, NULL);
		if (check != NULL) {
			json_object_set_new(doc, "submit_check", check);
			/* "submit" is offered only when it would be accepted */
			for (i = 0; !json_is_true(json_object_get(check,
			    "accepted")) && i < json_array_size(acts); i++)
				if (strcmp(json_string_value(json_array_get(acts,
				    i)), "submit") == 0)
					json_array_remove(acts, i--);
			rc = HTQ_OK;
		}
	}
	json_decref(f);
	if (rc == HTQ_OK && json_object_set_new(doc, "actions", acts) != 0)
		rc = HTQ_ENOMEM;
	return rc;
}

/* Commit txn; *out (if wanted) is doc as the actor now sees it. */
static int
finish(struct htq_db *db, MDB_txn *txn, const struct htq_actor *a,
    json_t *doc, json_t **out)
{
	MDB_txn *rtxn;
	int rc;

	if ((rc = htq_commit(db, txn)) != HTQ_OK)
		return rc;
	if (out == NULL)
		return HTQ_OK;
	/* the change is done: an answer without its actions is still true */
	if (htq_txn_read(db, &rtxn) == HTQ_OK) {
		(void)decorate(db, rtxn, a, doc);
		mdb_txn_abort(rtxn);
	}
	*out = json_incref(doc);
	return HTQ_OK;
}

/*
 * The end of every step: its history entry and ledger entry (event()),
 * the document stored, the transaction committed; *txn is gone either
 * way but on a failure before the commit (the caller aborts it).
 */
static int
step(struct htq_db *db, MDB_txn **txn, const struct htq_actor *a,
    json_t *doc, const char *type, json_t *data, int public,
    const json_t *std, json_t **out)
{
	int rc;

	if ((rc = event(db, *txn, doc, a, type, sget(doc, "id"), data,
	    public)) != HTQ_OK || (rc = store(db, *txn, doc, std)) != HTQ_OK)
		return rc;
	rc = finish(db, *txn, a, doc, out);
	*txn = NULL;
	return rc;
}

/*
 * Start action act on submission id: a write transaction, the document
 * (visible to a) and its facts, and may() saying yes.  On failure
 * nothing is left open.
 */
static int
begin(struct htq_db *db, const struct htq_actor *a, const char *id,
    enum act act, MDB_txn **txn, json_t **doc, struct htq_why *why)
{
	json_t *f = NULL;
	int rc;

	*txn = NULL;
	*doc = NULL;
	if ((rc = role_ok(a, act, why)) != HTQ_OK ||
	    (rc = htq_txn_write(db, txn)) != HTQ_OK)
		return rc;
	if ((rc = load(db, *txn, a, id, doc, why)) == HTQ_OK) {
		if ((f = facts_of(*doc)) == NULL)
			rc = HTQ_ENOMEM;
		else
			rc = may(a, f, act, why);
		json_decref(f);
	}
	if (rc != HTQ_OK) {
		json_decref(*doc);
		*doc = NULL;
		mdb_txn_abort(*txn);
		*txn = NULL;
	}
	return rc;
}

/* Copy the content fields of c into doc, with the standard's route and
 * title (derived, server-owned). */
static void
set_content(json_t *doc, const json_t *c, const json_t *std)
{
	json_object_set(doc, "qualification", json_object_get(c,
	    "qualification"));
	json_object_set(doc, "units", json_object_get(c, "units"));
	json_object_set(doc, "mapping", json_object_get(c, "mapping"));
	if (std == NULL) {	/* a draft saved before its standard is chosen */
		json_object_del(doc, "standard");
		json_object_del(doc, "route");
		json_object_del(doc, "standard_title");
		return;
	}
	json_object_set(doc, "standard", json_object_get(c, "standard"));
	json_object_set(doc, "route", json_object_get(std, "route"));
	json_object_set(doc, "standard_title", json_object_get(std, "title"));
}

/* --- the actions --- */

int
htq_submission_create(struct htq_db *db, const struct htq_actor *a,
    const json_t *content, json_t **out, struct htq_why *why)
{
	char id[HTQ_ID_LEN + 1], now[21], ref[HTQ_SUB_REF_LEN + 1];
	MDB_txn *txn;
	json_t *std = NULL, *doc = NULL;
	size_t ndrafts;
	int rc;

	*out = NULL;
	if ((rc = need_role(a, HTQ_ROLE_AWARDING_BODY, "create submissions",
	    why)) != HTQ_OK)
		return rc;
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = count_drafts(db, txn, a->org, &ndrafts)) != HTQ_OK)
		goto out;
	if (ndrafts >= (size_t)htq_max_drafts()) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "", "your organisation keeps "
		    "%zu drafts, the most it may (HTQ_MAX_DRAFTS %d): submit, "
		    "withdraw or delete one first", ndrafts, htq_max_drafts());
		goto out;
	}
	if ((rc = htq_check_draft(db, txn, content, &std, why)) != HTQ_OK)
		goto out;
	htq_new_id('s', id);
	htq_now_iso(now);
	if ((rc = next_reference(db, txn, now, ref)) != HTQ_OK)
		goto out;
	doc = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:[s],s:[]}", "id", id,
	    "reference", ref, "organisation", a->org, "status", "draft", "version", 0,
	    "created", now, "created_by", a->id, "authors", a->id, "reviews");
	if (doc == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	set_content(doc, content, std);
	rc = step(db, &txn, a, doc, "submission.created", NULL, 0, std, out);
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(std);
	json_decref(doc);
	return rc;
}

int
htq_submission_update(struct htq_db *db, const struct htq_actor *a,
    const char *id, long long version, const json_t *content, json_t **out,
    struct htq_why *why)
{
	MDB_txn *txn;
	json_t *doc, *std = NULL;
	long long cur;
	int rc;

	*out = NULL;
	if ((rc = begin(db, a, id, ACT_EDIT, &txn, &doc, why)) != HTQ_OK)
		return rc;
	cur = json_integer_value(json_object_get(doc, "version"));
	if (version != cur) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "version", "version %lld is "
		    "stale: the submission is at version %lld; read it again",
		    version, cur);
		goto out;
	}
	if ((rc = htq_check_draft(db, txn, content, &std, why)) != HTQ_OK)
		goto out;
	set_content(doc, content, std);
	if ((rc = add_author(doc, a->id)) == HTQ_OK)
		rc = step(db, &txn, a, doc, "submission.edited", NULL, 0, std,
		    out);
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(std);
	json_decref(doc);
	return rc;
}

/*
 * Submit: in one write transaction, check the draft again (the catalogue
 * may have changed since it was saved) and that every KSB is mapped or
 * explained, find the route's open window, freeze the content with its
 * SHA-256 and append submission.submitted.
 */
int
htq_submission_submit(struct htq_db *db, const struct htq_actor *a,
    const char *id, json_t **out, struct htq_why *why)
{
	char hash[65], now[21];
	MDB_txn *txn;
	json_t *doc, *std = NULL, *content = NULL, *win = NULL, *data = NULL;
	const char *wid;
	int rc;

	*out = NULL;
	if ((rc = begin(db, a, id, ACT_SUBMIT, &txn, &doc, why)) != HTQ_OK)
		return rc;
	if ((rc = submit_check(db, txn, doc, NULL, &std, &win, why)) !=
	    HTQ_OK)
		goto out;
	if ((content = content_of(doc)) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((rc = htq_content_hash(content, hash)) != HTQ_OK)
		goto out;
	wid = sget(win, "id");
	htq_now_iso(now);
	json_object_set_new(doc, "status", json_string("submitted"));
	review_round(doc);
	json_object_set_new(doc, "submitted_at", json_string(now));
	json_object_set_new(doc, "content_sha256", json_string(hash));
	json_object_set_new(doc, "window", json_string(wid));
	json_object_set_new(doc, "coverage", htq_coverage_of(std, content));
	data = json_pack("{s:s,s:O,s:{s:O,s:O},s:O,s:s,s:O,s:s}",
	    "submission", id, "organisation", json_object_get(doc,
	    "organisation"), "standard", "ref", json_object_get(std, "ref"),
	    "version", json_object_get(std, "version"), "route",
	    json_object_get(std, "route"), "content_sha256", hash,
	    "coverage", json_object_get(doc, "coverage"), "window", wid);
	/* the entry commits to every supporting document (documents.c) */
	if (data == NULL || json_object_set_new(data, "documents",
	    htq_documents_commitment(doc)) != 0) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((rc = add_author(doc, a->id)) == HTQ_OK)
		rc = step(db, &txn, a, doc, "submission.submitted", data, 1, std,
		    out);
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(doc);
	json_decref(std);
	json_decref(content);
	json_decref(win);
	json_decref(data);
	return rc;
}

int
htq_submission_withdraw(struct htq_db *db, const struct htq_actor *a,
    const char *id, json_t **out, struct htq_why *why)
{
	char now[21];
	MDB_txn *txn;
	json_t *doc, *data = NULL;
	int rc, draft;

	*out = NULL;
	if ((rc = begin(db, a, id, ACT_WITHDRAW, &txn, &doc, why)) != HTQ_OK)
		return rc;
	htq_now_iso(now);
	draft = strcmp(sget(doc, "status"), "draft") == 0;
	data = json_pack("{s:s,s:O,s:s}", "submission", id, "organisation",
	    json_object_get(doc, "organisation"), "from", sget(doc, "status"));
	if (data == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	json_object_set_new(doc, "status", json_string("withdrawn"));
	json_object_set_new(doc, "withdrawn_at", json_string(now));
	/* a draft is the organisation's alone: its withdrawal, like its
	 * creation and edits, never reaches the public ledger */
	rc = step(db, &txn, a, doc, "submission.withdrawn", data, !draft,
	    NULL, out);
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(doc);
	json_decref(data);
	return rc;
}

int
htq_submission_delete(struct htq_db *db, const struct htq_actor *a,
    const char *id, struct htq_why *why)
{
	MDB_txn *txn;
	MDB_val k;
	json_t *doc;
	int rc;

	if ((rc = begin(db, a, id, ACT_DELETE, &txn, &doc, why)) != HTQ_OK)
		return rc;
	json_decref(doc);
	k.mv_data = (void *)id;
	k.mv_size = strlen(id);
	/* a draft is the organisation's alone: gone without a trace */
	if ((rc = htq_mdb_err(mdb_del(txn, htq_dbi(db, HTQ_T_SUB), &k,
	    NULL))) != HTQ_OK || (rc = htq_mdb_err(mdb_del(txn, htq_dbi(db,
	    HTQ_T_SUB_FACTS), &k, NULL))) != HTQ_OK) {
		mdb_txn_abort(txn);
		return rc;
	}
	return htq_commit(db, txn);
}

/*
 * For documents.c: a draft the actor may edit (awarding body, own
 * organisation, draft), in a write transaction left open for the caller,
 * and the end of such a change (a private history step, the document
 * stored, the transaction committed; *txn is gone as step() says).
 */
int
htq_submission_edit_begin(struct htq_db *db, const struct htq_actor *a,
    const char *id, MDB_txn **txn, json_t **doc, struct htq_why *why)
{
	return begin(db, a, id, ACT_EDIT, txn, doc, why);
}

int
htq_submission_edit_end(struct htq_db *db, MDB_txn **txn,
    const struct htq_actor *a, json_t *doc, const char *type, json_t *data,
    json_t **out)
{
	int rc;

	if ((rc = add_author(doc, a->id)) != HTQ_OK)
		return rc;
	return step(db, txn, a, doc, type, data, 0, NULL, out);
}

/* For documents.c: a submission the actor may see (else HTQ_ENOTFOUND). */
int
htq_submission_load(struct htq_db *db, MDB_txn *txn,
    const struct htq_actor *a, const char *id, json_t **doc)
{
	return load(db, txn, a, id, doc, NULL);
}

/* Check a free text (a question, an answer, decision reasons): 1 to
 * HTQ_MAX_TEXT bytes of htq_text_valid text. */
static int
check_text(const char *s, const char *field, struct htq_why *why)
{
	if (s == NULL || *s == '\0' || strlen(s) > HTQ_MAX_TEXT)
		return htq_refuse(why, HTQ_EINVAL, field, "%s: 1 to %d bytes",
		    field, HTQ_MAX_TEXT);
	if (!htq_text_valid(s, 1))
		return htq_refuse(why, HTQ_EINVAL, field, "%s: " HTQ_TEXT_RULE,
		    field);
	return HTQ_OK;
}

int
htq_review_record(struct htq_db *db, const struct htq_actor *a,
    const char *id, const json_t *review, json_t **out, struct htq_why *why)
{
	char now[21], hash[65], salt[33];
	MDB_txn *txn = NULL;
	json_t *doc = NULL, *std = NULL, *content = NULL, *rec = NULL;
	json_t *data = NULL, *comments;
	const char *rcm;
	int rc;

	*out = NULL;
	if ((rc = need_role(a, HTQ_ROLE_REVIEWER, "record employer reviews",
	    why)) != HTQ_OK)
		return rc;
	if ((rc = htq_check_review(review, why)) != HTQ_OK)
		return rc;
	rcm = json_string_value(json_object_get(review, "recommendation"));
	if ((rc = begin(db, a, id, ACT_REVIEW, &txn, &doc, why)) != HTQ_OK)
		return rc;
	if ((content = content_of(doc)) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((rc = htq_load_standard(db, txn, content, &std, why)) != HTQ_OK)
		goto out;
	if ((rc = htq_check_findings(std, review, why)) != HTQ_OK)
		goto out;
	htq_now_iso(now);
	comments = json_object_get(review, "comments");
	if ((rc = text_commitment(comments, salt, hash)) != HTQ_OK)
		goto out;
	rec = json_pack("{s:s,s:s,s:O,s:s,s:o,s:s,s:O}", "reviewer", a->id,
	    "recommendation", rcm, "comments", comments, "comments_salt", salt,
	    "ksb_findings",
	    json_object_get(review, "ksb_findings") ? json_deep_copy(
	    json_object_get(review, "ksb_findings")) : json_array(),
	    "recorded", now, "content_sha256", json_object_get(doc,
	    "content_sha256"));
	data = json_pack("{s:s,s:s,s:s,s:I}", "submission", id,
	    "recommendation", rcm, "comments_sha256", hash, "ksb_findings",
	    (json_int_t)json_array_size(json_object_get(review,
	    "ksb_findings")));
	if (rec == NULL || data == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	json_array_append(json_object_get(doc, "reviews"), rec);
	json_object_set_new(doc, "status", json_string("in_review"));
	rc = step(db, &txn, a, doc, "review.recorded", data, 1, std, out);
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(doc);
	json_decref(std);
	json_decref(content);
	json_decref(rec);
	json_decref(data);
	return rc;
}

int
htq_information_request(struct htq_db *db, const struct htq_actor *a,
    const char *id, const char *question, json_t **out, struct htq_why *why)
{
	char now[21], by[HTQ_DATE_LEN + 1], hash[65], salt[33];
	MDB_txn *txn = NULL;
	json_t *doc = NULL, *q = NULL, *req = NULL, *data = NULL, *list;
	int rc;

	*out = NULL;
	if ((rc = check_text(question, "question", why)) != HTQ_OK)
		return rc;
	if ((rc = begin(db, a, id, ACT_REQUEST, &txn, &doc, why)) != HTQ_OK)
		return rc;
	list = json_object_get(doc, "information_requests");
	if (json_array_size(list) >= HTQ_MAX_INFO_REQUESTS) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "", "submission %s has had "
		    "the most requests for information it can take (%d); "
		    "decide on what is there", id, HTQ_MAX_INFO_REQUESTS);
		goto out;
	}
	if (!json_is_array(list) && ((list = json_array()) == NULL ||
	    json_object_set_new(doc, "information_requests", list) != 0)) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((q = json_string(question)) == NULL ||
	    (rc = text_commitment(q, salt, hash)) != HTQ_OK) {
		rc = q == NULL ? HTQ_ENOMEM : rc;
		goto out;
	}
	htq_now_iso(now);
	htq_date_in(htq_info_response_days(), by);
	req = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O}", "question", question,
	    "question_salt", salt, "asked_by", a->id, "asked_role",
	    htq_role_name(a->role), "asked", now, "respond_by", by, "from",
	    json_object_get(doc, "status"));
	data = json_pack("{s:s,s:O,s:s,s:s}", "submission", id,
	    "organisation", json_object_get(doc, "organisation"),
	    "question_sha256", hash, "respond_by", by);
	if (req == NULL || data == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	json_array_append(list, req);
	json_object_set_new(doc, "status", json_string(
	    "information_requested"));
	rc = step(db, &txn, a, doc, "information.requested", data, 1, NULL,
	    out);
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(doc);
	json_decref(q);
	json_decref(req);
	json_decref(data);
	return rc;
}

/*
 * The awarding body's answer to the open request for information, with
 * new content or none.  New content keeps every rule a submit does (the
 * window's dates aside), is a new frozen version with its own hash, and
 * goes back to review from the start: the recommendations made on the
 * earlier content move to earlier_reviews.  Without new content the
 * submission returns to the state it was asked in.
 */
int
htq_information_respond(struct htq_db *db, const struct htq_actor *a,
    const char *id, const char *answer, const json_t *content, json_t **out,
    struct htq_why *why)
{
	char now[21], hash[65], salt[33], chash[65];
	MDB_txn *txn = NULL;
	json_t *doc = NULL, *ans = NULL, *req, *data = NULL, *std = NULL;
	json_t *cov = NULL, *earlier;
	int rc;

	*out = NULL;
	if ((rc = check_text(answer, "answer", why)) != HTQ_OK)
		return rc;
	if ((rc = begin(db, a, id, ACT_RESPOND, &txn, &doc, why)) != HTQ_OK)
		return rc;
	req = json_array_get(json_object_get(doc, "information_requests"),
	    json_array_size(json_object_get(doc, "information_requests")) - 1);
	if ((ans = json_string(answer)) == NULL ||
	    (rc = text_commitment(ans, salt, hash)) != HTQ_OK) {
		rc = ans == NULL ? HTQ_ENOMEM : rc;
		goto out;
	}
	htq_now_iso(now);
	data = json_pack("{s:s,s:O,s:s,s:b}", "submission", id,
	    "organisation", json_object_get(doc, "organisation"),
	    "answer_sha256", hash, "amended", content != NULL);
	if (data == NULL || req == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if (content != NULL) {
		if ((rc = htq_check_content(db, txn, content, &std, why)) !=
		    HTQ_OK)
			goto out;
		if ((cov = htq_coverage_of(std, content)) == NULL) {
			rc = HTQ_ENOMEM;
			goto out;
		}
		if ((rc = htq_check_complete(cov, why)) != HTQ_OK ||
		    (rc = htq_content_hash(content, chash)) != HTQ_OK)
			goto out;
		set_content(doc, content, std);
		json_object_set_new(doc, "content_sha256", json_string(chash));
		if ((earlier = json_object_get(doc, "earlier_reviews")) == NULL)
			json_object_set_new(doc, "earlier_reviews", earlier =
			    json_array());
		json_array_extend(earlier, json_object_get(doc, "reviews"));
		json_object_set_new(doc, "reviews", json_array());
		json_object_set_new(doc, "status", json_string("submitted"));
		review_round(doc);
		json_object_set_new(data, "content_sha256", json_string(chash));
		json_object_set(data, "coverage", cov);
		json_object_set(data, "standard", json_object_get(content,
		    "standard"));
	} else
		json_object_set(doc, "status", json_object_get(req, "from"));
	json_object_set_new(req, "answer", json_string(answer));
	json_object_set_new(req, "answer_salt", json_string(salt));
	json_object_set_new(req, "answered", json_string(now));
	json_object_set_new(req, "answered_by", json_string(a->id));
	json_object_set_new(req, "amended", json_boolean(content != NULL));
	if ((rc = add_author(doc, a->id)) == HTQ_OK)
		rc = step(db, &txn, a, doc, "information.provided", data, 1, std,
		    out);
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(doc);
	json_decref(ans);
	json_decref(data);
	json_decref(std);
	json_decref(cov);
	return rc;
}

int
htq_decide(struct htq_db *db, const struct htq_actor *a, const char *id,
    const char *outcome, const char *reasons, json_t **out,
    struct htq_why *why)
{
	char now[21], mark[HTQ_MARK_ID_LEN + 1];
	MDB_txn *txn = NULL;
	json_t *doc = NULL, *std = NULL, *content = NULL, *data = NULL;
	json_t *facts = NULL;
	const json_t *r;
	size_t nrev, nfor = 0, i;
	int rc, approve, against;

	*out = NULL;
	if ((rc = need_role(a, HTQ_ROLE_APPROVER, "decide", why)) != HTQ_OK)
		return rc;
	if (outcome == NULL || (strcmp(outcome, "approved") != 0 &&
	    strcmp(outcome, "rejected") != 0))
		return htq_refuse(why, HTQ_EINVAL, "outcome", "outcome: "
		    "approved or rejected");
	if ((rc = check_text(reasons, "reasons", why)) != HTQ_OK)
		return rc;
	approve = strcmp(outcome, "approved") == 0;
	if ((rc = begin(db, a, id, ACT_DECIDE, &txn, &doc, why)) != HTQ_OK)
		return rc;
	nrev = json_array_size(json_object_get(doc, "reviews"));
	json_array_foreach(json_object_get(doc, "reviews"), i, r)
		nfor += strcmp(sget(r, "recommendation"), "approve") == 0;
	if (approve && nfor == 0) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "outcome", "approval needs "
		    "at least one employer recommendation to approve; every "
		    "recommendation on submission %s is to reject", id);
		goto out;
	}
	/* against the majority of the recommendations: the recorded
	 * decision says so, beside the reasons it always gives */
	against = approve ? 2 * nfor < nrev : 2 * nfor > nrev;
	if ((content = content_of(doc)) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((rc = htq_load_standard(db, txn, content, &std, why)) != HTQ_OK)
		goto out;
	htq_now_iso(now);
	mark[0] = '\0';
	if (approve && !json_is_true(json_object_get(std, "eligible"))) {
		rc = htq_refuse(why, HTQ_EINVAL, "standard.ref", "%s has become "
		    "ineligible for HTQ approval since it was submitted: %s",
		    sget(std, "ref"), sget(std, "ineligible_reason"));
		goto out;
	}
	json_object_set_new(doc, "status", json_string(outcome));
	json_object_set_new(doc, "decision", json_pack("{s:s,s:s,s:s,s:s,s:b}",
	    "outcome", outcome, "reasons", reasons, "approver", a->id,
	    "decided", now, "against_recommendations", against));
	data = json_pack("{s:s,s:O,s:s,s:s,s:I}", "submission", id,
	    "organisation", json_object_get(doc, "organisation"), "outcome",
	    outcome, "reasons", reasons, "reviews", (json_int_t)nrev);
	if (data == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if (approve) {
		if ((rc = htq_mark_award(db, txn, doc, std, mark, &facts)) !=
		    HTQ_OK)
			goto out;
		json_object_set_new(data, "mark", json_string(mark));
		json_object_set_new(doc, "mark", json_string(mark));
		json_object_set_new(doc, "mark_status", json_string("current"));
	}
	if ((rc = event(db, txn, doc, a, approve ? "decision.approved" :
	    "decision.rejected", id, data, 1)) != HTQ_OK)
		goto out;
	/* the entry that proves what was approved follows the decision */
	if (approve && ((rc = htq_record_as(db, txn, a->id, "mark.awarded",
	    mark, facts)) != HTQ_OK ||
	    (rc = htq_mark_note_seq(db, txn, mark, 'a')) != HTQ_OK ||
	    (rc = htq_notify_submission(db, txn, a, doc, "mark.awarded")) !=
	    HTQ_OK))
		goto out;
	if ((rc = store(db, txn, doc, std)) != HTQ_OK)
		goto out;
	rc = finish(db, txn, a, doc, out);
	txn = NULL;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(doc);
	json_decref(std);
	json_decref(content);
	json_decref(data);
	json_decref(facts);
	return rc;
}

int
htq_submission_mark_revoked(struct htq_db *db, MDB_txn *txn,
    const struct htq_actor *a, const char *id, const json_t *data)
{
	json_t *doc;
	int rc;

	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_SUB), id, &doc)) !=
	    HTQ_OK)
		return rc;
	json_object_set_new(doc, "mark_status", json_string("revoked"));
	/* the ledger entry is the caller's (mark.revoked, marks.c) */
	if ((rc = event(db, txn, doc, a, "mark.revoked", id, (json_t *)data,
	    0)) == HTQ_OK)
		rc = store(db, txn, doc, NULL);
	json_decref(doc);
	return rc;
}

int
htq_submission_get(struct htq_db *db, MDB_txn *txn,
    const struct htq_actor *a, const char *id, json_t **out)
{
	json_t *doc;
	int rc;

	*out = NULL;
	if ((rc = load(db, txn, a, id, &doc, NULL)) != HTQ_OK)
		return rc;
	if ((rc = decorate(db, txn, a, doc)) == HTQ_OK)
		*out = doc;
	else
		json_decref(doc);
	return rc;
}

int
htq_submission_answer(struct htq_db *db, MDB_txn *txn,
    const struct htq_actor *a, const char *id, char **out, size_t *len,
    long long *version)
{
	json_t *f = NULL, *doc = NULL, *acts = NULL;
	char *extra = NULL;
	MDB_val k, v;
	size_t n;
	int rc;

	*out = NULL;
	if (!valid_id(id))
		return HTQ_ENOTFOUND;
	if ((rc = get_facts(db, txn, id, &f)) != HTQ_OK)
		return rc;
	*version = json_integer_value(json_object_get(f, "version"));
	if (!visible_to(a, sget(f, "status"), sget(f, "organisation"))) {
		rc = HTQ_ENOTFOUND;
		goto out;
	}
	if (may(a, f, ACT_SUBMIT, NULL) == HTQ_OK) {
		/* a draft its author may submit: the whole check, parsed */
		if ((rc = htq_submission_get(db, txn, a, id, &doc)) == HTQ_OK &&
		    (*out = json_dumps(doc, JSON_COMPACT)) == NULL)
			rc = HTQ_ENOMEM;
		if (*out != NULL)
			*len = strlen(*out);
		goto out;
	}
	/* else the stored bytes as they are, and the actions from the
	 * facts: no document parsed on the most frequent read */
	k.mv_data = (void *)id;
	k.mv_size = strlen(id);
	if ((rc = htq_mdb_err(mdb_get(txn, htq_dbi(db, HTQ_T_SUB), &k,
	    &v))) != HTQ_OK)
		goto out;
	if (v.mv_size < 2 || ((const char *)v.mv_data)[v.mv_size - 1] != '}') {
		rc = HTQ_EFORMAT;
		goto out;
	}
	if ((acts = actions_of(a, f)) == NULL ||
	    (extra = json_dumps(acts, JSON_COMPACT)) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	n = v.mv_size - 1 + strlen(",\"actions\":") + strlen(extra) + 1;
	if ((*out = malloc(n + 1)) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	memcpy(*out, v.mv_data, v.mv_size - 1);
	snprintf(*out + v.mv_size - 1, n + 1 - (v.mv_size - 1),
	    ",\"actions\":%s}", extra);
	*len = n;
out:
	json_decref(f);
	json_decref(doc);
	json_decref(acts);
	free(extra);
	return rc;
}

int
htq_submission_org(struct htq_db *db, MDB_txn *txn, const char *id,
    char org[HTQ_ID_LEN + 1])
{
	json_t *f;
	int rc;

	if (!valid_id(id))
		return HTQ_ENOTFOUND;
	if ((rc = get_facts(db, txn, id, &f)) != HTQ_OK)
		return rc;
	if (strlen(sget(f, "organisation")) > HTQ_ID_LEN)
		rc = HTQ_EFORMAT;
	else
		memcpy(org, sget(f, "organisation"), strlen(sget(f,
		    "organisation")) + 1);
	json_decref(f);
	return rc;
}

/*
 * Whether a submission with facts f passes the parts of filter f that
 * need no document: visibility, state (and the queues, which are may()
 * itself), organisation.
 */
static int
facts_pass(const struct htq_actor *a, const struct htq_sub_filter *flt,
    const json_t *f)
{
	const char *st = flt->status;

	if (!visible_to(a, sget(f, "status"), sget(f, "organisation")))
		return 0;
	if (flt->organisation != NULL && strcmp(flt->organisation, sget(f,
	    "organisation")) != 0)
		return 0;
	if (st == NULL)
		return 1;
	if (strcmp(st, "awaiting_review") == 0)
		/* the reviewer's queue: what the caller may review now;
		 * anyone else's: open for review, not reviewed by them */
		return a->role == HTQ_ROLE_REVIEWER ? may(a, f, ACT_REVIEW,
		    NULL) == HTQ_OK : (is(f, "submitted") || is(f,
		    "in_review")) && !in_array(json_object_get(f, "reviewers"),
		    a->id);
	if (strcmp(st, "awaiting_decision") == 0)
		return may(a, f, ACT_DECIDE, NULL) == HTQ_OK;
	if (strcmp(st, "reviewed") == 0)
		/* the caller's past reviews, this round's or earlier */
		return in_array(json_object_get(f, "reviewers"), a->id) ||
		    in_array(json_object_get(f, "earlier"), a->id);
	return is(f, st);
}

/* Whether hay holds needle, ignoring ASCII case. */
static int
contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay != NULL && *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* Whether doc passes the filter's parts that need the document. */
static int
doc_passes(const struct htq_sub_filter *f, const json_t *doc)
{
	const char *r = json_string_value(json_object_get(doc, "route"));

	if (f->q != NULL && *f->q != '\0' && !contains(sget(doc, "reference"),
	    f->q) && !contains(sget(doc, "id"), f->q) && !contains(sget(
	    json_object_get(doc, "qualification"), "title"), f->q))
		return 0;
	if (f->standard && strcmp(f->standard, sget(json_object_get(doc,
	    "standard"), "ref")) != 0)
		return 0;
	if (f->route && (r == NULL || strcasecmp(f->route, r) != 0))
		return 0;
	return 1;
}

int
htq_submissions_list(struct htq_db *db, MDB_txn *txn,
    const struct htq_actor *a, const struct htq_sub_filter *flt,
    json_t **out)
{
	char id[HTQ_ID_LEN + 1];
	MDB_cursor *cur;
	MDB_val k, v;
	json_t *arr, *item, *f, *doc, *next = NULL;
	size_t limit = flt->limit ? flt->limit : HTQ_LIST_PAGE;
	int rc, op;

	*out = NULL;
	if (limit > HTQ_LIST_PAGE_MAX)
		limit = HTQ_LIST_PAGE_MAX;
	if ((arr = json_array()) == NULL)
		return HTQ_ENOMEM;
	/* the facts: one a submission, in id order, small; a document is
	 * read only for a row that passes them (a page costs O(page) when
	 * no standard or route filter is given) */
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_SUB_FACTS),
	    &cur)) != 0) {
		json_decref(arr);
		return htq_mdb_err(rc);
	}
	if (flt->after != NULL) {
		k.mv_data = (void *)flt->after;
		k.mv_size = strlen(flt->after);
		op = MDB_SET_RANGE;
	} else
		op = MDB_FIRST;
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (flt->after != NULL && k.mv_size == strlen(flt->after) &&
		    memcmp(k.mv_data, flt->after, k.mv_size) == 0)
			continue;
		if (k.mv_size > HTQ_ID_LEN || (f = json_loadb(v.mv_data,
		    v.mv_size, 0, NULL)) == NULL) {
			rc = HTQ_EFORMAT;
			goto fail;
		}
		rc = facts_pass(a, flt, f);
		json_decref(f);
		if (!rc)
			continue;
		memcpy(id, k.mv_data, k.mv_size);
		id[k.mv_size] = '\0';
		if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_SUB), id,
		    &doc)) != HTQ_OK)
			goto fail;
		item = NULL;
		if (doc_passes(flt, doc) && (item = summary(doc)) == NULL)
			rc = HTQ_ENOMEM;
		json_decref(doc);
		if (rc != HTQ_OK)
			goto fail;
		if (item == NULL)
			continue;
		if (json_array_size(arr) == limit) {
			/* one more exists: the page ends before it */
			next = json_object_get(json_array_get(arr, limit - 1),
			    "id");
			json_decref(item);
			break;
		}
		json_array_append_new(arr, item);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND && rc != 0) {
		json_decref(arr);
		return htq_mdb_err(rc);
	}
	*out = json_pack("{s:o}", "submissions", arr);
	if (*out != NULL && next != NULL)
		json_object_set(*out, "next", next);
	return *out ? HTQ_OK : HTQ_ENOMEM;
fail:
	mdb_cursor_close(cur);
	json_decref(arr);
	return rc;
}

/* Set doc's mark_status from its mark's record, and store doc so. */
static int
old_mark_status(struct htq_db *db, MDB_txn *txn, json_t *doc)
{
	json_t *m;
	int rc;

	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_MARK), sget(doc, "mark"),
	    &m)) != HTQ_OK)
		return rc;
	json_object_set(doc, "mark_status", json_object_get(m, "status"));
	json_decref(m);
	return htq_put_json(txn, htq_dbi(db, HTQ_T_SUB), sget(doc, "id"), doc,
	    0);
}

/* Order of creation: by "created", then id. */
static int
by_created(const void *x, const void *y)
{
	const json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
	int c = strcmp(sget(a, "created"), sget(b, "created"));

	return c != 0 ? c : strcmp(sget(a, "id"), sget(b, "id"));
}

/*
 * Give each submission without a reference (a database from before
 * them) its reference, in order of creation, from the same per-year
 * counters as new ones, then note in the meta table that every
 * submission has one ("sub.references"), so that later starts skip the
 * walk.  Inside txn; *n the submissions given one.
 */
static int
assign_references(struct htq_db *db, MDB_txn *txn, size_t *n)
{
	static const char done[] = "sub.references";
	char ref[HTQ_SUB_REF_LEN + 1], now[21];
	MDB_val k = { sizeof(done) - 1, (void *)done }, v;
	MDB_cursor *cur;
	json_t *old, *doc, **sorted = NULL;
	size_t i, m;
	int rc, mrc;

	*n = 0;
	if ((rc = mdb_get(txn, htq_dbi(db, HTQ_T_META), &k, &v)) == 0)
		return HTQ_OK;
	if (rc != MDB_NOTFOUND)
		return htq_mdb_err(rc);
	if ((old = json_array()) == NULL)
		return HTQ_ENOMEM;
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_SUB), &cur)) != 0) {
		json_decref(old);
		return htq_mdb_err(rc);
	}
	rc = HTQ_OK;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
	    mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if ((doc = json_loadb(v.mv_data, v.mv_size, 0, NULL)) ==
		    NULL) {
			rc = HTQ_EFORMAT;
			break;
		}
		if (json_is_string(json_object_get(doc, "reference")))
			json_decref(doc);
		else if (json_array_append_new(old, doc) != 0) {
			rc = HTQ_ENOMEM;
			break;
		}
	}
	mdb_cursor_close(cur);
	if (rc == HTQ_OK && mrc != MDB_NOTFOUND)
		rc = htq_mdb_err(mrc);
	if (rc != HTQ_OK)
		goto out;
	/* in order of creation: sort pointers to the documents */
	m = json_array_size(old);
	if (m > 0 && (sorted = calloc(m, sizeof(*sorted))) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	for (i = 0; i < m; i++)
		sorted[i] = json_array_get(old, i);
	if (m > 0)
		qsort(sorted, m, sizeof(*sorted), by_created);
	for (i = 0; i < m; i++) {
		doc = sorted[i];
		/* the year of creation ("2026-…"); else today's */
		if (strlen(sget(doc, "created")) >= 4)
			snprintf(now, sizeof(now), "%s", sget(doc, "created"));
		else
			htq_now_iso(now);
		if ((rc = next_reference(db, txn, now, ref)) != HTQ_OK)
			goto out;
		json_object_set_new(doc, "reference", json_string(ref));
		if ((rc = htq_put_json(txn, htq_dbi(db, HTQ_T_SUB), sget(doc,
		    "id"), doc, 0)) != HTQ_OK)
			goto out;
	}
	*n = m;
	k.mv_data = (void *)done;
	k.mv_size = sizeof(done) - 1;
	v.mv_data = "1";
	v.mv_size = 1;
	rc = htq_mdb_err(mdb_put(txn, htq_dbi(db, HTQ_T_META), &k, &v, 0));
out:
	free(sorted);
	json_decref(old);
	return rc;
}

int
htq_submissions_reindex(struct htq_db *db, size_t *n)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_stat subs, facts;
	MDB_val k, v;
	json_t *doc, *f;
	char id[HTQ_ID_LEN + 1];
	size_t given;
	int rc;

	*n = 0;
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = assign_references(db, txn, &given)) != HTQ_OK ||
	    (rc = htq_mdb_err(mdb_stat(txn, htq_dbi(db, HTQ_T_SUB),
	    &subs))) != HTQ_OK || (rc = htq_mdb_err(mdb_stat(txn, htq_dbi(db,
	    HTQ_T_SUB_FACTS), &facts))) != HTQ_OK) {
		mdb_txn_abort(txn);
		return rc;
	}
	if (subs.ms_entries == facts.ms_entries && given == 0)
		return htq_commit(db, txn);	/* at most the flag */
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_SUB), &cur)) != 0) {
		mdb_txn_abort(txn);
		return htq_mdb_err(rc);
	}
	while ((rc = mdb_cursor_get(cur, &k, &v, *n ? MDB_NEXT :
	    MDB_FIRST)) == 0) {
		if (k.mv_size > HTQ_ID_LEN || (doc = json_loadb(v.mv_data,
		    v.mv_size, 0, NULL)) == NULL) {
			rc = HTQ_EFORMAT;
			break;
		}
		memcpy(id, k.mv_data, k.mv_size);
		id[k.mv_size] = '\0';
		/* a mark from before mark_status: its state from the mark */
		if (json_is_string(json_object_get(doc, "mark")) &&
		    json_object_get(doc, "mark_status") == NULL &&
		    (rc = old_mark_status(db, txn, doc)) != HTQ_OK) {
			json_decref(doc);
			break;
		}
		f = facts_of(doc);
		json_decref(doc);
		if (f == NULL) {
			rc = HTQ_ENOMEM;
			break;
		}
		rc = htq_put_json(txn, htq_dbi(db, HTQ_T_SUB_FACTS), id, f, 0);
		json_decref(f);
		if (rc != HTQ_OK)
			break;
		(*n)++;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return rc > 0 ? rc : htq_mdb_err(rc);
	}
	return htq_commit(db, txn);
}
