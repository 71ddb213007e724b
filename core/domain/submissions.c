/*
 * submissions.c - the approvals workflow: a qualification submitted by an
 * awarding body, mapped to an occupational standard's KSBs, reviewed by
 * employer panel members and decided by an approver.
 *
 *   draft --submit--> submitted --review--> in_review --decide--> approved
 *     |                   |                     |       \-------> rejected
 *     +-----withdraw------+---------------------+---> withdrawn
 *
 * Who may do what is decided here, from the acting account passed in
 * (struct htq_actor), not from anything stored on the database handle:
 *
 *   create, update, submit, withdraw   awarding body, own organisation
 *   review                             reviewer, once per submission
 *   decide                             approver who did not review it
 *
 * Independence: nobody who belongs to the submitting organisation (as
 * the account is when it acts), or who created, edited or submitted the
 * submission (its "authors", whatever their role is now), may review or
 * decide it; reviewers and the decider are distinct people.  Approval
 * needs at least one recommendation to approve; a decision against the
 * majority of the recommendations says so in the recorded decision.
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
    "approved", "rejected", "withdrawn", NULL };

/* 1 if account id recorded a review on doc. */
static int reviewed_by(const json_t *doc, const char *id);

/* 1 if account id created, edited or submitted doc. */
static int
authored_by(const json_t *doc, const char *id)
{
	const json_t *x;
	const char *c = json_string_value(json_object_get(doc, "created_by"));
	size_t i;

	if (c != NULL && strcmp(c, id) == 0)
		return 1;
	json_array_foreach(json_object_get(doc, "authors"), i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), id) == 0)
			return 1;
	return 0;
}

/* Record the acting account among doc's authors (once). */
static int
add_author(json_t *doc, const char *id)
{
	json_t *list = json_object_get(doc, "authors"), *x;
	size_t i;

	if (!json_is_array(list) && ((list = json_array()) == NULL ||
	    json_object_set_new(doc, "authors", list) != 0))
		return HTQ_ENOMEM;
	json_array_foreach(list, i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), id) == 0)
			return HTQ_OK;
	return json_array_append_new(list, json_string(id)) == 0 ? HTQ_OK :
	    HTQ_ENOMEM;
}

/*
 * Whether actor may judge doc (review or decide it): not a member of the
 * submitting organisation, not one of its authors.  HTQ_EPERM with why.
 */
static int
independent(const struct htq_actor *a, const json_t *doc, const char *what,
    struct htq_why *why)
{
	const char *org = json_string_value(json_object_get(doc,
	    "organisation")), *id = json_string_value(json_object_get(doc,
	    "id"));

	if (a->org != NULL && org != NULL && strcmp(a->org, org) == 0)
		return htq_refuse(why, HTQ_EPERM, "", "independence: you belong "
		    "to the organisation that made submission %s, so someone "
		    "outside it must %s it", id, what);
	if (authored_by(doc, a->id))
		return htq_refuse(why, HTQ_EPERM, "", "independence: you "
		    "created, edited or submitted submission %s, so someone "
		    "else must %s it", id, what);
	return HTQ_OK;
}

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

/*
 * A review's comment, committed to in the public ledger without showing
 * it: SHA-256 over a fresh random salt (32 hex characters, kept with the
 * review) and then the comment as a JSON string.  The salt stops anyone
 * reading the ledger from confirming a guessed comment ("sound").
 */
static int
comment_commitment(const json_t *comment, char salt[33], char hex[65])
{
	unsigned char r[16], h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	char *s = json_dumps(comment, JSON_COMPACT | JSON_ENCODE_ANY);

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
	return json_pack("{s:O,s:O,s:O,s:O}",
	    "qualification", json_object_get(doc, "qualification"),
	    "standard", json_object_get(doc, "standard"),
	    "units", json_object_get(doc, "units"),
	    "mapping", json_object_get(doc, "mapping"));
}

/* --- access --- */

static const char *
status_of(const json_t *doc)
{
	const char *s = json_string_value(json_object_get(doc, "status"));

	return s ? s : "";
}

static int
is_status(const json_t *doc, const char *s)
{
	return strcmp(status_of(doc), s) == 0;
}

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
	return visible_to(a, status_of(doc), json_string_value(
	    json_object_get(doc, "organisation")));
}

/* The list entry of a submission. */
static json_t *
summary(const json_t *doc)
{
	const json_t *q = json_object_get(doc, "qualification");
	const json_t *s = json_object_get(doc, "standard");

	return json_pack("{s:O,s:O,s:O,s:O,s:{s:O,s:O,s:O},s:{s:O,s:O},s:O,"
	    "s:O,s:O*}", "id", json_object_get(doc, "id"),
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
	    "mark", json_object_get(doc, "mark"));
}

int
htq_max_drafts(void)
{
	return htq_env_int("HTQ_MAX_DRAFTS", HTQ_MAX_DRAFTS, 1,
	    HTQ_MAX_MAX_DRAFTS);
}

/*
 * The access record of a submission ("sub_acl": "<version> <status>
 * <organisation>"), written with every change, so that reading one (the
 * most frequent request) checks visibility and serves the stored bytes
 * without parsing JSON (make bench: GET submission / ping), and a page of
 * the list checks visibility and state without parsing what it skips.
 */
struct acl {
	long long	 version;
	char		 status[16];
	char		 org[HTQ_ID_LEN + 1];
};

/* The acl record of doc, in buf. */
static int
acl_of(const json_t *doc, char buf[64])
{
	int n = snprintf(buf, 64, "%lld %s %s", (long long)json_integer_value(
	    json_object_get(doc, "version")), status_of(doc), json_string_value(
	    json_object_get(doc, "organisation")));

	return n < 0 || n >= 64 ? HTQ_EFORMAT : HTQ_OK;
}

static int
put_acl_raw(struct htq_db *db, MDB_txn *txn, const char *id, const char *acl)
{
	MDB_val k = { strlen(id), (void *)id }, v = { strlen(acl),
	    (void *)acl };

	return htq_mdb_err(mdb_put(txn, htq_dbi(db, HTQ_T_SUB_ACL), &k, &v, 0));
}

static int
put_acl(struct htq_db *db, MDB_txn *txn, const json_t *doc)
{
	const char *id = json_string_value(json_object_get(doc, "id"));
	char buf[64];
	int rc;

	if (id == NULL)
		return HTQ_EFORMAT;
	if ((rc = acl_of(doc, buf)) != HTQ_OK)
		return rc;
	return put_acl_raw(db, txn, id, buf);
}

/* An acl record's fields ("<version> <status> <organisation>"). */
static int
parse_acl(const MDB_val *v, struct acl *acl)
{
	char buf[64], *sp, *sp2;

	if (v->mv_size >= sizeof(buf))
		return HTQ_EFORMAT;
	memcpy(buf, v->mv_data, v->mv_size);
	buf[v->mv_size] = '\0';
	if ((sp = strchr(buf, ' ')) == NULL ||
	    (sp2 = strchr(sp + 1, ' ')) == NULL ||
	    (size_t)(sp2 - sp - 1) >= sizeof(acl->status) ||
	    strlen(sp2 + 1) > HTQ_ID_LEN)
		return HTQ_EFORMAT;
	acl->version = strtoll(buf, NULL, 10);
	memcpy(acl->status, sp + 1, (size_t)(sp2 - sp - 1));
	acl->status[sp2 - sp - 1] = '\0';
	memcpy(acl->org, sp2 + 1, strlen(sp2 + 1) + 1);
	return HTQ_OK;
}

static int
get_acl(struct htq_db *db, MDB_txn *txn, const char *id, struct acl *acl)
{
	MDB_val k = { strlen(id), (void *)id }, v;
	int rc;

	if ((rc = htq_mdb_err(mdb_get(txn, htq_dbi(db, HTQ_T_SUB_ACL), &k,
	    &v))) != HTQ_OK)
		return rc;
	return parse_acl(&v, acl);
}

/* How many drafts organisation org keeps (from the access records). */
static int
count_drafts(struct htq_db *db, MDB_txn *txn, const char *org, size_t *n)
{
	struct acl acl;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	*n = 0;
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_SUB_ACL), &c)) != 0)
		return htq_mdb_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (parse_acl(&v, &acl) != HTQ_OK) {
			rc = HTQ_EFORMAT;
			break;
		}
		*n += strcmp(acl.status, "draft") == 0 &&
		    strcmp(acl.org, org) == 0;
	}
	mdb_cursor_close(c);
	if (rc == HTQ_EFORMAT)
		return rc;
	return rc == MDB_NOTFOUND ? HTQ_OK : htq_mdb_err(rc);
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

/* The submission as the API shows it, with coverage computed now: doc
 * itself (which is not stored again) gains "coverage"; *out is a new
 * reference to it. */
static int
view(struct htq_db *db, MDB_txn *txn, json_t *doc, json_t **out)
{
	json_t *cov = NULL;
	int rc;

	*out = NULL;
	if ((rc = htq_coverage(db, txn, doc, &cov)) != HTQ_OK)
		return rc;
	json_object_set_new(doc, "coverage", cov);
	*out = json_incref(doc);
	return HTQ_OK;
}

/*
 * Store doc: version + 1, updated now, and its coverage computed from the
 * content being stored (the stored document is exactly what a read
 * answers; the content and the standard version's KSBs cannot change
 * without another store, so it equals a coverage computed at the read),
 * with its access record.  std is the standard version of doc's content
 * when the caller has it (NULL: it is read here).
 */
static int
store(struct htq_db *db, MDB_txn *txn, json_t *doc, const json_t *given)
{
	const char *id = json_string_value(json_object_get(doc, "id"));
	char now[21];
	json_t *std, *cov;
	int rc;

	if (id == NULL)
		return HTQ_EFORMAT;
	htq_now_iso(now);
	json_object_set_new(doc, "version", json_integer(json_integer_value(
	    json_object_get(doc, "version")) + 1));
	json_object_set_new(doc, "updated", json_string(now));
	if (given != NULL)
		std = json_incref((json_t *)given);
	else if ((rc = htq_load_standard(db, txn, doc, &std, NULL)) != HTQ_OK)
		return rc;
	cov = htq_coverage_of(std, doc);
	json_decref(std);
	if (cov == NULL)
		return HTQ_ENOMEM;
	json_object_set_new(doc, "coverage", cov);
	if ((rc = htq_put_json(txn, htq_dbi(db, HTQ_T_SUB), id, doc,
	    0)) != HTQ_OK)
		return rc;
	return put_acl(db, txn, doc);
}

/* Commit txn; *out (if wanted) is doc as stored. */
static int
finish(struct htq_db *db, MDB_txn *txn, json_t *doc, json_t **out)
{
	int rc;

	if ((rc = htq_commit(db, txn)) != HTQ_OK)
		return rc;
	if (out != NULL)
		*out = json_incref(doc);
	return HTQ_OK;
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

/* Copy the content fields of c into doc, with the standard's route and
 * title (derived, server-owned). */
static void
set_content(json_t *doc, const json_t *c, const json_t *std)
{
	json_object_set(doc, "qualification", json_object_get(c,
	    "qualification"));
	json_object_set(doc, "standard", json_object_get(c, "standard"));
	json_object_set(doc, "units", json_object_get(c, "units"));
	json_object_set(doc, "mapping", json_object_get(c, "mapping"));
	json_object_set(doc, "route", json_object_get(std, "route"));
	json_object_set(doc, "standard_title", json_object_get(std, "title"));
}

/* --- the actions --- */

int
htq_submission_create(struct htq_db *db, const struct htq_actor *a,
    const json_t *content, json_t **out, struct htq_why *why)
{
	char id[HTQ_ID_LEN + 1], now[21];
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
		    "%zu drafts, the most it may (HTQ_MAX_DRAFTS %d): submit or "
		    "withdraw one first", ndrafts, htq_max_drafts());
		goto out;
	}
	if ((rc = htq_check_content(db, txn, content, &std, why)) != HTQ_OK)
		goto out;
	htq_new_id('s', id);
	htq_now_iso(now);
	doc = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:[s],s:[]}", "id", id,
	    "organisation", a->org, "status", "draft", "version", 0,
	    "created", now, "created_by", a->id, "authors", a->id, "reviews");
	if (doc == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	set_content(doc, content, std);
	if ((rc = store(db, txn, doc, std)) != HTQ_OK)
		goto out;
	rc = finish(db, txn, doc, out);
	txn = NULL;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(std);
	json_decref(doc);
	return rc;
}

/* Common start of an awarding body's action on its own submission. */
static int
begin_own(struct htq_db *db, const struct htq_actor *a, const char *id,
    const char *what, MDB_txn **txn, json_t **doc, struct htq_why *why)
{
	int rc;

	*txn = NULL;
	*doc = NULL;
	if ((rc = need_role(a, HTQ_ROLE_AWARDING_BODY, what, why)) != HTQ_OK)
		return rc;
	if ((rc = htq_txn_write(db, txn)) != HTQ_OK)
		return rc;
	if ((rc = load(db, *txn, a, id, doc, why)) != HTQ_OK) {
		mdb_txn_abort(*txn);
		*txn = NULL;
	}
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
	if ((rc = begin_own(db, a, id, "edit submissions", &txn, &doc,
	    why)) != HTQ_OK)
		return rc;
	if (!is_status(doc, "draft")) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "status", "submission %s is "
		    "%s: only a draft can be edited; submitted content never "
		    "changes", id, status_of(doc));
		goto out;
	}
	cur = json_integer_value(json_object_get(doc, "version"));
	if (version != cur) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "version", "version %lld is "
		    "stale: the submission is at version %lld; read it again",
		    version, cur);
		goto out;
	}
	if ((rc = htq_check_content(db, txn, content, &std, why)) != HTQ_OK)
		goto out;
	set_content(doc, content, std);
	if ((rc = add_author(doc, a->id)) != HTQ_OK ||
	    (rc = store(db, txn, doc, std)) != HTQ_OK)
		goto out;
	rc = finish(db, txn, doc, out);
	txn = NULL;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(std);
	json_decref(doc);
	return rc;
}

/* The window open now for route (else a 409 naming the route and the
 * next announced window); *win a new reference. */
static int
open_window(struct htq_db *db, MDB_txn *txn, const char *route,
    json_t **win, struct htq_why *why)
{
	int rc, open;

	*win = NULL;
	rc = htq_window_for_route(db, txn, route, win, &open);
	if (rc == HTQ_OK && open)
		return HTQ_OK;
	if (rc == HTQ_OK)
		rc = htq_refuse(why, HTQ_ECONFLICT, "standard.ref", "the %s "
		    "route accepts no submissions now; the next window opens on "
		    "%s and closes on %s", route, json_string_value(
		    json_object_get(*win, "opens")), json_string_value(
		    json_object_get(*win, "closes")));
	else if (rc == HTQ_ENOTFOUND)
		rc = htq_refuse(why, HTQ_ECONFLICT, "standard.ref", "the %s "
		    "route accepts no submissions now, and no window is "
		    "announced", route);
	json_decref(*win);
	*win = NULL;
	return rc;
}

/*
 * Submit: in one write transaction, check the draft again (the catalogue
 * may have changed since it was saved), find the route's open window,
 * freeze the content with its SHA-256 and append submission.submitted.
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
	if ((rc = begin_own(db, a, id, "submit", &txn, &doc, why)) != HTQ_OK)
		return rc;
	if (!is_status(doc, "draft")) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "status", "submission %s is "
		    "%s already", id, status_of(doc));
		goto out;
	}
	if ((content = content_of(doc)) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((rc = htq_check_content(db, txn, content, &std, why)) != HTQ_OK ||
	    (rc = open_window(db, txn, json_string_value(json_object_get(std,
	    "route")), &win, why)) != HTQ_OK ||
	    (rc = htq_content_hash(content, hash)) != HTQ_OK)
		goto out;
	wid = json_string_value(json_object_get(win, "id"));
	htq_now_iso(now);
	json_object_set_new(doc, "status", json_string("submitted"));
	json_object_set_new(doc, "submitted_at", json_string(now));
	json_object_set_new(doc, "content_sha256", json_string(hash));
	json_object_set_new(doc, "window", json_string(wid));
	if ((rc = add_author(doc, a->id)) != HTQ_OK ||
	    (rc = store(db, txn, doc, std)) != HTQ_OK)
		goto out;
	data = json_pack("{s:s,s:O,s:{s:O,s:O},s:O,s:s,s:O,s:s}",
	    "submission", id, "organisation", json_object_get(doc,
	    "organisation"), "standard", "ref", json_object_get(std, "ref"),
	    "version", json_object_get(std, "version"), "route",
	    json_object_get(std, "route"), "content_sha256", hash,
	    "coverage", json_object_get(doc, "coverage"), "window", wid);
	if (data == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((rc = htq_record_as(db, txn, a->id, "submission.submitted", id,
	    data)) != HTQ_OK)
		goto out;
	rc = finish(db, txn, doc, out);
	txn = NULL;
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
	int rc;

	*out = NULL;
	if ((rc = begin_own(db, a, id, "withdraw submissions", &txn, &doc,
	    why)) != HTQ_OK)
		return rc;
	if (!is_status(doc, "draft") && !is_status(doc, "submitted") &&
	    !is_status(doc, "in_review")) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "status", "submission %s is "
		    "%s: only one not yet decided can be withdrawn", id,
		    status_of(doc));
		goto out;
	}
	htq_now_iso(now);
	data = json_pack("{s:s,s:O,s:s}", "submission", id, "organisation",
	    json_object_get(doc, "organisation"), "from", status_of(doc));
	if (data == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	json_object_set_new(doc, "status", json_string("withdrawn"));
	json_object_set_new(doc, "withdrawn_at", json_string(now));
	/* a draft is the organisation's alone: its withdrawal, like its
	 * creation and edits, never reaches the public ledger */
	if ((rc = store(db, txn, doc, NULL)) != HTQ_OK ||
	    (strcmp(json_string_value(json_object_get(data, "from")),
	    "draft") != 0 && (rc = htq_record_as(db, txn, a->id,
	    "submission.withdrawn", id, data)) != HTQ_OK))
		goto out;
	rc = finish(db, txn, doc, out);
	txn = NULL;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(doc);
	json_decref(data);
	return rc;
}

static int
reviewed_by(const json_t *doc, const char *id)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(doc, "reviews"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "reviewer")),
		    id) == 0)
			return 1;
	return 0;
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
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = load(db, txn, a, id, &doc, why)) != HTQ_OK)
		goto out;
	if (!is_status(doc, "submitted") && !is_status(doc, "in_review")) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "status", "submission %s is "
		    "%s: reviews are recorded while it is submitted or in "
		    "review", id, status_of(doc));
		goto out;
	}
	if ((rc = independent(a, doc, "review", why)) != HTQ_OK)
		goto out;
	if (reviewed_by(doc, a->id)) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "", "you have recorded a "
		    "review of %s already; each reviewer records one", id);
		goto out;
	}
	if (json_array_size(json_object_get(doc, "reviews")) >=
	    HTQ_MAX_REVIEWS) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "", "submission %s has "
		    "the most reviews it can take (%d)", id, HTQ_MAX_REVIEWS);
		goto out;
	}
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
	if ((rc = comment_commitment(comments, salt, hash)) != HTQ_OK)
		goto out;
	rec = json_pack("{s:s,s:s,s:O,s:s,s:o,s:s}", "reviewer", a->id,
	    "recommendation", rcm, "comments", comments, "comments_salt", salt,
	    "ksb_findings",
	    json_object_get(review, "ksb_findings") ? json_deep_copy(
	    json_object_get(review, "ksb_findings")) : json_array(),
	    "recorded", now);
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
	if ((rc = store(db, txn, doc, NULL)) != HTQ_OK ||
	    (rc = htq_record_as(db, txn, a->id, "review.recorded", id,
	    data)) != HTQ_OK)
		goto out;
	rc = finish(db, txn, doc, out);
	txn = NULL;
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
	int rc, approve, against, min = htq_min_recommendations();

	*out = NULL;
	if ((rc = need_role(a, HTQ_ROLE_APPROVER, "decide", why)) != HTQ_OK)
		return rc;
	if (outcome == NULL || (strcmp(outcome, "approved") != 0 &&
	    strcmp(outcome, "rejected") != 0))
		return htq_refuse(why, HTQ_EINVAL, "outcome", "outcome: "
		    "approved or rejected");
	if (reasons == NULL || *reasons == '\0' ||
	    strlen(reasons) > HTQ_MAX_TEXT)
		return htq_refuse(why, HTQ_EINVAL, "reasons", "reasons: 1 to "
		    "%d bytes", HTQ_MAX_TEXT);
	if (!htq_text_valid(reasons, 1))
		return htq_refuse(why, HTQ_EINVAL, "reasons", "reasons: "
		    HTQ_TEXT_RULE);
	approve = strcmp(outcome, "approved") == 0;
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = load(db, txn, a, id, &doc, why)) != HTQ_OK)
		goto out;
	if (is_status(doc, "approved") || is_status(doc, "rejected")) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "status", "submission %s "
		    "was %s already; a decision is final", id, status_of(doc));
		goto out;
	}
	if (!is_status(doc, "submitted") && !is_status(doc, "in_review")) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "status", "submission %s is "
		    "%s: there is nothing to decide", id, status_of(doc));
		goto out;
	}
	if ((rc = independent(a, doc, "decide", why)) != HTQ_OK)
		goto out;
	if (reviewed_by(doc, a->id)) {
		rc = htq_refuse(why, HTQ_EPERM, "", "four eyes: you reviewed "
		    "submission %s, so another approver must decide it", id);
		goto out;
	}
	nrev = json_array_size(json_object_get(doc, "reviews"));
	if (nrev < (size_t)min) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "status", "a decision needs "
		    "at least %d employer recommendation%s; submission %s has "
		    "%zu", min, min == 1 ? "" : "s", id, nrev);
		goto out;
	}
	json_array_foreach(json_object_get(doc, "reviews"), i, r)
		nfor += strcmp(json_string_value(json_object_get(r,
		    "recommendation")), "approve") == 0;
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
		    json_string_value(json_object_get(std, "ref")),
		    json_string_value(json_object_get(std,
		    "ineligible_reason")));
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
	}
	if ((rc = htq_record_as(db, txn, a->id, approve ? "decision.approved" :
	    "decision.rejected", id, data)) != HTQ_OK)
		goto out;
	/* the entry that proves what was approved follows the decision */
	if (approve && ((rc = htq_record_as(db, txn, a->id, "mark.awarded",
	    mark, facts)) != HTQ_OK ||
	    (rc = htq_mark_note_seq(db, txn, mark, 'a')) != HTQ_OK))
		goto out;
	if ((rc = store(db, txn, doc, NULL)) != HTQ_OK)
		goto out;
	rc = finish(db, txn, doc, out);
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
htq_submission_get(struct htq_db *db, MDB_txn *txn,
    const struct htq_actor *a, const char *id, json_t **out)
{
	json_t *doc;
	int rc;

	*out = NULL;
	if ((rc = load(db, txn, a, id, &doc, NULL)) != HTQ_OK)
		return rc;
	rc = view(db, txn, doc, out);
	json_decref(doc);
	return rc;
}

int
htq_submission_org(struct htq_db *db, MDB_txn *txn, const char *id,
    char org[HTQ_ID_LEN + 1])
{
	struct acl acl;
	int rc;

	if (!valid_id(id))
		return HTQ_ENOTFOUND;
	if ((rc = get_acl(db, txn, id, &acl)) != HTQ_OK)
		return rc;
	memcpy(org, acl.org, sizeof(acl.org));
	return HTQ_OK;
}

int
htq_submission_raw(struct htq_db *db, MDB_txn *txn,
    const struct htq_actor *a, const char *id, const char **json,
    size_t *len, long long *version)
{
	struct acl acl;
	MDB_val k, v;
	int rc;

	if (!valid_id(id))
		return HTQ_ENOTFOUND;
	if ((rc = get_acl(db, txn, id, &acl)) != HTQ_OK)
		return rc;
	if (!visible_to(a, acl.status, acl.org))
		return HTQ_ENOTFOUND;
	k.mv_data = (void *)id;
	k.mv_size = strlen(id);
	if ((rc = htq_mdb_err(mdb_get(txn, htq_dbi(db, HTQ_T_SUB), &k,
	    &v))) != HTQ_OK)
		return rc;
	*json = v.mv_data;
	*len = v.mv_size;
	*version = acl.version;
	return HTQ_OK;
}

static int
filtered(const struct htq_actor *a, const struct htq_sub_filter *f,
    const json_t *doc)
{
	const char *r;

	if (f->status && strcmp(f->status, "awaiting_review") == 0) {
		/* the reviewer's queue: open for review, not yet reviewed by
		 * the caller */
		if ((!is_status(doc, "submitted") && !is_status(doc,
		    "in_review")) || reviewed_by(doc, a->id))
			return 0;
	} else if (f->status && !is_status(doc, f->status))
		return 0;
	if (f->standard && strcmp(f->standard, json_string_value(
	    json_object_get(json_object_get(doc, "standard"), "ref"))) != 0)
		return 0;
	if (f->organisation && strcmp(f->organisation, json_string_value(
	    json_object_get(doc, "organisation"))) != 0)
		return 0;
	r = json_string_value(json_object_get(doc, "route"));
	if (f->route && (r == NULL || strcasecmp(f->route, r) != 0))
		return 0;
	return 1;
}

/*
 * Into *item the list entry of submission id (access record acl) if the
 * actor sees it and it passes the filter, else NULL.  A document that
 * cannot be read is an error, never left out.
 */
static int
list_entry(struct htq_db *db, MDB_txn *txn, const struct htq_actor *a,
    const struct htq_sub_filter *f, const char *id, const struct acl *acl,
    json_t **item)
{
	json_t *doc;
	int rc;

	*item = NULL;
	if (!visible_to(a, acl->status, acl->org))
		return HTQ_OK;
	/* the state filter needs no document */
	if (f->status != NULL && strcmp(f->status, "awaiting_review") != 0 &&
	    strcmp(f->status, acl->status) != 0)
		return HTQ_OK;
	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_SUB), id,
	    &doc)) != HTQ_OK)
		return rc;
	if (visible(a, doc) && filtered(a, f, doc) &&
	    (*item = summary(doc)) == NULL)
		rc = HTQ_ENOMEM;
	json_decref(doc);
	return rc;
}

int
htq_submissions_list(struct htq_db *db, MDB_txn *txn,
    const struct htq_actor *a, const struct htq_sub_filter *f,
    json_t **out)
{
	char id[HTQ_ID_LEN + 1];
	struct acl acl;
	MDB_cursor *cur;
	MDB_val k, v;
	json_t *arr, *item, *next = NULL;
	size_t limit = f->limit ? f->limit : HTQ_LIST_PAGE;
	int rc, op;

	*out = NULL;
	if (limit > HTQ_LIST_PAGE_MAX)
		limit = HTQ_LIST_PAGE_MAX;
	if ((arr = json_array()) == NULL)
		return HTQ_ENOMEM;
	/* the access records: one a submission, in id order, small */
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_SUB_ACL),
	    &cur)) != 0) {
		json_decref(arr);
		return htq_mdb_err(rc);
	}
	if (f->after != NULL) {
		k.mv_data = (void *)f->after;
		k.mv_size = strlen(f->after);
		op = MDB_SET_RANGE;
	} else
		op = MDB_FIRST;
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (f->after != NULL && k.mv_size == strlen(f->after) &&
		    memcmp(k.mv_data, f->after, k.mv_size) == 0)
			continue;
		if (k.mv_size > HTQ_ID_LEN ||
		    (rc = parse_acl(&v, &acl)) != HTQ_OK)
			goto fail;
		memcpy(id, k.mv_data, k.mv_size);
		id[k.mv_size] = '\0';
		if ((rc = list_entry(db, txn, a, f, id, &acl, &item)) != HTQ_OK)
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
