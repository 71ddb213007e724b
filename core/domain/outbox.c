/*
 * outbox.c - notifications: the messages that tell an account something
 * needs its attention, and the e-mail queue a sender (htq-mailer)
 * delivers from.
 *
 * A message is made by the domain operation that causes it, in the same
 * write transaction as the state change (submissions.c, marks.c,
 * windows.c call htq_notify_*): both commit or neither.  Recipients are
 * resolved at that commit from the accounts as they are then (enabled
 * accounts of the roles concerned; an awarding body's messages go to
 * its own organisation's accounts only), and each gets its own copy:
 *
 *   "msg":    "<account id>/<message id>" -> {"id","account","event",
 *             "subject","title","body","link","created","read","mailed"?}
 *             (a message id is "n-" and 16 hex digits of a counter, so
 *             an account's messages sort oldest first, and nobody can
 *             name another account's message: the key starts with the
 *             caller's own id)
 *   "outbox": "<message id>" -> {"key","state":"pending"|"sending",
 *             "attempts","next","attempt"?}, only while an SMTP relay is
 *             configured ($HTQ_SMTP_URL), removed once the relay took it.
 *
 * Messages hold no more than the portal shows the account anyway, and
 * nothing of them reaches the ledger.  Time-based messages (a window
 * closing soon, a mark's review date approaching) are made by the
 * workers' tick, once each: a "once/<kind>/<subject>" key in "meta"
 * commits with them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "domain.h"

#define ROLE(r)		(1u << (r))
#define MSG_PREFIX	"n-"

/* 1 if a mail relay is configured: only then is a message queued. */
static int
mail_configured(void)
{
	const char *u = getenv("HTQ_SMTP_URL");

	return u != NULL && *u != '\0';
}

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* A day in words into buf (htq_day_text; "" for none). */
static void
human_date(const char *d, char *buf, size_t bufsz)
{
	char day[HTQ_DAY_TEXT];
	const char *t = htq_day_text(d, day);

	snprintf(buf, bufsz, "%s", t != NULL ? t : "");
}

static int
in_ids(const json_t *ids, const char *id)
{
	const json_t *x;
	size_t i;

	json_array_foreach(ids, i, x)
		if (strcmp(json_string_value(x) ? json_string_value(x) : "",
		    id) == 0)
			return 1;
	return 0;
}

/*
 * The accounts a message goes to: enabled accounts whose role is in
 * roles and, when org is given, of that organisation; or (ids not NULL)
 * the enabled accounts named there.  Never except (the one who acted).
 * Appended to out once each.
 */
static int
recipients(struct htq_db *db, MDB_txn *txn, unsigned roles, const char *org,
    const json_t *ids, const char *except, json_t *out)
{
	struct htq_account a;
	MDB_cursor *c;
	MDB_val k, v;
	json_t *j;
	int rc;

	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_ACCT), &c)) != 0)
		return htq_mdb_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if ((j = json_loadb(v.mv_data, v.mv_size, 0, NULL)) == NULL)
			continue;	/* not an account record */
		htq_account_from_json(j, &a);
		json_decref(j);
		if (a.disabled || a.id[0] == '\0' || (except != NULL &&
		    strcmp(a.id, except) == 0) || in_ids(out, a.id))
			continue;
		if (ids != NULL ? !in_ids(ids, a.id) :
		    (!(roles & ROLE(a.role)) || (org != NULL &&
		    strcmp(a.org, org) != 0)))
			continue;
		if (json_array_append_new(out, json_string(a.id)) != 0) {
			mdb_cursor_close(c);
			return HTQ_ENOMEM;
		}
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? HTQ_OK : htq_mdb_err(rc);
}

/* The next message id from the counter in "meta". */
static int
next_id(struct htq_db *db, MDB_txn *txn, char id[HTQ_ID_LEN + 1])
{
	MDB_dbi meta = htq_dbi(db, HTQ_T_META);
	MDB_val k = { 7, (void *)"msg_seq" }, v;
	unsigned long long n = 0;
	char val[24];
	int rc;

	rc = mdb_get(txn, meta, &k, &v);
	if (rc == 0 && v.mv_size < sizeof(val)) {
		memcpy(val, v.mv_data, v.mv_size);
		val[v.mv_size] = '\0';
		n = strtoull(val, NULL, 10);
	} else if (rc != 0 && rc != MDB_NOTFOUND)
		return htq_mdb_err(rc);
	n++;
	snprintf(val, sizeof(val), "%llu", n);
	v.mv_data = val;
	v.mv_size = strlen(val);
	if ((rc = mdb_put(txn, meta, &k, &v, 0)) != 0)
		return htq_mdb_err(rc);
	snprintf(id, HTQ_ID_LEN + 1, MSG_PREFIX "%016llx", n);
	return HTQ_OK;
}

static void
msg_key(char *buf, size_t bufsz, const char *account, const char *id)
{
	snprintf(buf, bufsz, "%s/%s", account, id);
}

/*
 * One message to every account in to, and (with a relay configured) its
 * e-mail queued, in txn.
 */
static int
deliver(struct htq_db *db, MDB_txn *txn, const json_t *to,
    const char *event, const char *subject, const char *title,
    const char *body, const char *link)
{
	char id[HTQ_ID_LEN + 1], key[2 * HTQ_ID_LEN + 2], now[21];
	char t[256], b[1024];
	const json_t *x;
	json_t *m, *q;
	size_t i;
	int rc;

	/* the callers' snprintf may have cut a long title's last character
	 * in two, which no JSON string takes: whole characters only */
	title = htq_clip(t, sizeof(t), title, sizeof(t));
	body = htq_clip(b, sizeof(b), body, sizeof(b));
	htq_now_iso(now);
	json_array_foreach(to, i, x) {
		if ((rc = next_id(db, txn, id)) != HTQ_OK)
			return rc;
		msg_key(key, sizeof(key), json_string_value(x), id);
		m = json_pack("{s:s,s:O,s:s,s:s,s:s,s:s,s:s,s:s,s:n}", "id", id,
		    "account", x, "event", event, "subject", subject, "title",
		    title, "body", body, "link", link, "created", now, "read");
		if (m == NULL)
			return HTQ_ENOMEM;
		rc = htq_put_json(txn, htq_dbi(db, HTQ_T_MSG), key, m,
		    MDB_NOOVERWRITE);
		json_decref(m);
		if (rc != HTQ_OK)
			return rc;
		if (!mail_configured())
			continue;
		if ((q = json_pack("{s:s,s:s,s:i,s:I}", "key", key, "state",
		    "pending", "attempts", 0, "next", (json_int_t)0)) == NULL)
			return HTQ_ENOMEM;
		rc = htq_put_json(txn, htq_dbi(db, HTQ_T_OUTBOX), id, q,
		    MDB_NOOVERWRITE);
		json_decref(q);
		if (rc != HTQ_OK)
			return rc;
	}
	return HTQ_OK;
}

/* The organisation's name, or "An awarding body" when it has none. */
static void
org_name(struct htq_db *db, MDB_txn *txn, const char *org, char *buf,
    size_t bufsz)
{
	json_t *o = NULL;

	if (org != NULL && htq_org_get(db, txn, org, &o) == HTQ_OK &&
	    json_is_string(json_object_get(o, "name")))
		snprintf(buf, bufsz, "%s", jstr(o, "name"));
	else
		snprintf(buf, bufsz, "An awarding body");
	json_decref(o);
}

int
htq_notify_submission(struct htq_db *db, MDB_txn *txn,
    const struct htq_actor *a, const json_t *doc, const char *event)
{
	const json_t *q = json_object_get(doc, "qualification");
	const char *id = jstr(doc, "id"), *org = jstr(doc, "organisation");
	const char *qt = jstr(q, "title"), *ref = htq_jstr(doc, "standard",
	    "ref");
	char title[160], body[1024], link[64], oname[HTQ_MAX_TITLE + 1];
	char d[40];
	json_t *to, *ids = NULL, *r, *req;
	unsigned who = 0;
	size_t i;
	int rc = HTQ_OK, ab = 0;

	if (strcmp(event, "submission.created") == 0 ||
	    strcmp(event, "submission.edited") == 0 ||
	    strcmp(event, "submission.withdrawn") == 0)
		return HTQ_OK;		/* the actor's own doing: no message */
	if ((to = json_array()) == NULL)
		return HTQ_ENOMEM;
	org_name(db, txn, org, oname, sizeof(oname));
	snprintf(link, sizeof(link), "/submissions/view/?id=%s", id);
	ref = ref ? ref : "";
	if (strcmp(event, "submission.submitted") == 0) {
		/* the reviewers: it awaits them; the awarding body's other
		 * accounts: their organisation's submission went in */
		who = ROLE(HTQ_ROLE_REVIEWER);
		ab = 1;
		snprintf(title, sizeof(title), "Submitted for approval: %s", qt);
		snprintf(body, sizeof(body), "%s submitted \"%s\" for approval "
		    "against %s. It is waiting for an employer panel review.",
		    oname, qt, ref);
	} else if (strcmp(event, "information.requested") == 0) {
		ab = 1;
		req = json_array_get(json_object_get(doc,
		    "information_requests"), json_array_size(json_object_get(
		    doc, "information_requests")) - 1);
		human_date(jstr(req, "respond_by"), d, sizeof(d));
		snprintf(title, sizeof(title), "Information requested: %s", qt);
		snprintf(body, sizeof(body), "A question was asked about \"%s\". "
		    "Respond by %s.", qt, d);
	} else if (strcmp(event, "information.provided") == 0) {
		/* whoever asked (and the reviewers, below, when amended) */
		if ((ids = json_array()) == NULL) {
			rc = HTQ_ENOMEM;
			goto out;
		}
		req = json_array_get(json_object_get(doc,
		    "information_requests"), json_array_size(json_object_get(
		    doc, "information_requests")) - 1);
		json_array_append_new(ids, json_string(jstr(req, "asked_by")));
		/* amended content is a new round: every reviewer again */
		if (json_is_true(json_object_get(req, "amended")))
			who = ROLE(HTQ_ROLE_REVIEWER);
		snprintf(title, sizeof(title), "Question answered: %s", qt);
		snprintf(body, sizeof(body), "%s answered your question about "
		    "\"%s\"%s.", oname, qt, json_is_true(json_object_get(req,
		    "amended")) ? " and amended the submission" : "");
	} else if (strcmp(event, "review.recorded") == 0) {
		who = ROLE(HTQ_ROLE_APPROVER);
		ab = 1;
		snprintf(title, sizeof(title), "Employer review recorded: %s",
		    qt);
		snprintf(body, sizeof(body), "An employer panel review of \"%s\" "
		    "from %s was recorded. It may now be decided.", qt, oname);
	} else if (strcmp(event, "decision.approved") == 0 ||
	    strcmp(event, "decision.rejected") == 0) {
		/* the reviewers who recommended, and the awarding body */
		ab = 1;
		if ((ids = json_array()) == NULL) {
			rc = HTQ_ENOMEM;
			goto out;
		}
		json_array_foreach(json_object_get(doc, "reviews"), i, r)
			json_array_append_new(ids, json_string(jstr(r,
			    "reviewer")));
		snprintf(title, sizeof(title), "%s: %s", event[9] == 'a' ?
		    "Approved" : "Rejected", qt);
		snprintf(body, sizeof(body), "\"%s\" from %s was %s.", qt, oname,
		    event[9] == 'a' ? "approved" : "rejected");
	} else if (strcmp(event, "mark.awarded") == 0) {
		ab = 1;
		snprintf(title, sizeof(title), "Quality mark awarded: %s", qt);
		snprintf(body, sizeof(body), "\"%s\" carries quality mark %s. "
		    "Anyone can check it at /verify/%s.", qt, jstr(doc, "mark"),
		    jstr(doc, "mark"));
	} else if (strcmp(event, "mark.revoked") == 0) {
		who = ROLE(HTQ_ROLE_ADMIN);
		ab = 1;
		snprintf(title, sizeof(title), "Quality mark revoked: %s", qt);
		snprintf(body, sizeof(body), "Quality mark %s of \"%s\" from %s "
		    "was revoked.", jstr(doc, "mark"), qt, oname);
	} else
		goto out;		/* nothing needs anyone's attention */
	if (ids != NULL && (rc = recipients(db, txn, 0, NULL, ids, a->id,
	    to)) != HTQ_OK)
		goto out;
	if (who != 0 && (rc = recipients(db, txn, who, NULL, NULL, a->id,
	    to)) != HTQ_OK)
		goto out;
	if (ab && *org != '\0' && (rc = recipients(db, txn,
	    ROLE(HTQ_ROLE_AWARDING_BODY), org, NULL, a->id, to)) != HTQ_OK)
		goto out;
	rc = deliver(db, txn, to, event, id, title, body, link);
out:
	json_decref(to);
	json_decref(ids);
	return rc;
}

int
htq_notify_window(struct htq_db *db, MDB_txn *txn, const char *actor,
    const json_t *w, const char *event)
{
	char title[160], body[512], o[40], c[40];
	json_t *to;
	int rc;

	if ((to = json_array()) == NULL)
		return HTQ_ENOMEM;
	human_date(jstr(w, "opens"), o, sizeof(o));
	human_date(jstr(w, "closes"), c, sizeof(c));
	if (strcmp(event, "window.opened") == 0) {
		snprintf(title, sizeof(title), "Submission window: %s route",
		    jstr(w, "route"));
		snprintf(body, sizeof(body), "A submission window for the %s "
		    "route opens on %s and closes on %s.", jstr(w, "route"), o,
		    c);
	} else if (strcmp(event, "window.closing") == 0) {
		snprintf(title, sizeof(title), "Window closing soon: %s route",
		    jstr(w, "route"));
		snprintf(body, sizeof(body), "The submission window for the %s "
		    "route closes on %s. Submit your drafts before then.",
		    jstr(w, "route"), c);
	} else {
		json_decref(to);
		return HTQ_OK;
	}
	if ((rc = recipients(db, txn, ROLE(HTQ_ROLE_AWARDING_BODY), NULL, NULL,
	    actor, to)) == HTQ_OK)
		rc = deliver(db, txn, to, event, jstr(w, "id"), title, body,
		    "/submissions/");
	json_decref(to);
	return rc;
}

/* --- the portal's view --- */

/* The message as the API shows it (new reference). */
static json_t *
msg_view(const json_t *m)
{
	return json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "id",
	    json_object_get(m, "id"), "event", json_object_get(m, "event"),
	    "subject", json_object_get(m, "subject"), "title",
	    json_object_get(m, "title"), "body", json_object_get(m, "body"),
	    "link", json_object_get(m, "link"), "created",
	    json_object_get(m, "created"), "read", json_object_get(m, "read")
	    ? json_object_get(m, "read") : json_null());
}

static int
valid_msg_id(const char *id)
{
	size_t i;

	if (id == NULL || strlen(id) != HTQ_ID_LEN || strncmp(id, MSG_PREFIX,
	    2) != 0)
		return 0;
	for (i = 2; i < HTQ_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' &&
		    id[i] <= 'f')))
			return 0;
	return 1;
}

int
htq_messages_list(struct htq_db *db, MDB_txn *txn,
    const struct htq_actor *a, const char *after, size_t limit,
    json_t **out)
{
	char key[2 * HTQ_ID_LEN + 2];
	size_t plen, unread = 0, total = 0;
	json_t *list = NULL, *m;
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int rc, op;

	*out = NULL;
	if (a == NULL || a->id == NULL || strlen(a->id) != HTQ_ID_LEN)
		return HTQ_EPERM;
	if (after != NULL && !valid_msg_id(after))
		return HTQ_EINVAL;
	if ((list = json_array()) == NULL)
		return HTQ_ENOMEM;
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_MSG), &c)) != 0) {
		rc = htq_mdb_err(rc);
		goto out;
	}
	/* newest first: from the last key of this account backwards ('0'
	 * sorts just after '/') */
	snprintf(key, sizeof(key), "%s0", a->id);
	plen = HTQ_ID_LEN + 1;
	k.mv_data = key;
	k.mv_size = strlen(key);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(c, &k, &v, MDB_PREV) : rc ==
	    MDB_NOTFOUND ? mdb_cursor_get(c, &k, &v, MDB_LAST) : rc;
	for (op = MDB_PREV; rc == 0; rc = mdb_cursor_get(c, &k, &v, op)) {
		if (k.mv_size != plen + HTQ_ID_LEN || memcmp(k.mv_data, a->id,
		    HTQ_ID_LEN) != 0 || ((char *)k.mv_data)[HTQ_ID_LEN] != '/')
			break;
		total++;
		/* stored compact by htq_put_json: an unread one says so */
		if (htq_record_holds(&v, "\"read\":null"))
			unread++;
		if (after != NULL && memcmp((char *)k.mv_data + plen, after,
		    HTQ_ID_LEN) >= 0)
			continue;
		if (json_array_size(list) > limit)
			continue;	/* counting only */
		if ((m = json_loadb(v.mv_data, v.mv_size, 0, NULL)) == NULL) {
			rc = HTQ_EFORMAT;
			goto out;
		}
		json_array_append_new(list, msg_view(m));
		json_decref(m);
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		rc = htq_mdb_err(rc);
		goto out;
	}
	*out = json_pack("{s:[],s:I,s:I}", "messages", "unread",
	    (json_int_t)unread, "total", (json_int_t)total);
	if (*out == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if (json_array_size(list) > limit) {
		json_object_set(*out, "next", json_object_get(json_array_get(
		    list, limit - 1), "id"));
		json_array_remove(list, limit);
	}
	json_object_set(*out, "messages", list);
	rc = HTQ_OK;
out:
	if (c != NULL)
		mdb_cursor_close(c);
	json_decref(list);
	return rc;
}

int
htq_message_read(struct htq_db *db, const struct htq_actor *a,
    const char *id, json_t **out, struct htq_why *why)
{
	char key[2 * HTQ_ID_LEN + 2], now[21];
	MDB_txn *txn;
	json_t *m = NULL;
	int rc;

	*out = NULL;
	if (a == NULL || a->id == NULL || strlen(a->id) != HTQ_ID_LEN ||
	    !valid_msg_id(id))
		return htq_refuse(why, HTQ_ENOTFOUND, "id", "no such message");
	msg_key(key, sizeof(key), a->id, id);
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_MSG), key, &m)) !=
	    HTQ_OK) {
		if (rc == HTQ_ENOTFOUND)
			htq_refuse(why, rc, "id", "no such message");
		mdb_txn_abort(txn);
		return rc;
	}
	if (json_is_null(json_object_get(m, "read"))) {
		htq_now_iso(now);
		json_object_set_new(m, "read", json_string(now));
		if ((rc = htq_put_json(txn, htq_dbi(db, HTQ_T_MSG), key, m,
		    0)) != HTQ_OK) {
			mdb_txn_abort(txn);
			goto out;
		}
		rc = htq_commit(db, txn);
	} else
		mdb_txn_abort(txn);	/* read already: nothing changes */
	if (rc == HTQ_OK && (*out = msg_view(m)) == NULL)
		rc = HTQ_ENOMEM;
out:
	json_decref(m);
	return rc;
}

/* --- time-based messages (the workers' tick) --- */

/* Put the "once" key for kind and subject: HTQ_EEXIST when it is there
 * (the message was made already). */
static int
once(struct htq_db *db, MDB_txn *txn, const char *kind, const char *subject)
{
	char key[128];
	MDB_val k, v = { 1, (void *)"1" };

	snprintf(key, sizeof(key), "once/%s/%s", kind, subject);
	k.mv_data = key;
	k.mv_size = strlen(key);
	return htq_mdb_err(mdb_put(txn, htq_dbi(db, HTQ_T_META), &k, &v,
	    MDB_NOOVERWRITE));
}

/* Days from date a to date b (both "YYYY-MM-DD"). */
static long
days_between(const char *a, const char *b)
{
	struct tm ta, tb;

	memset(&ta, 0, sizeof(ta));
	memset(&tb, 0, sizeof(tb));
	if (sscanf(a, "%d-%d-%d", &ta.tm_year, &ta.tm_mon, &ta.tm_mday) != 3 ||
	    sscanf(b, "%d-%d-%d", &tb.tm_year, &tb.tm_mon, &tb.tm_mday) != 3)
		return 0;
	ta.tm_year -= 1900;
	tb.tm_year -= 1900;
	ta.tm_mon--;
	tb.tm_mon--;
	return (long)((timegm(&tb) - timegm(&ta)) / 86400);
}

/* The review date of a current mark approaching: its awarding body and
 * the administrators. */
static int
notify_review_by(struct htq_db *db, MDB_txn *txn, const json_t *m)
{
	char title[160], body[512], link[64], d[40];
	const char *org = htq_jstr(m, "awarding_body", "id");
	json_t *to;
	int rc;

	if ((to = json_array()) == NULL)
		return HTQ_ENOMEM;
	human_date(jstr(m, "review_by"), d, sizeof(d));
	snprintf(title, sizeof(title), "Review due: quality mark %s",
	    jstr(m, "id"));
	snprintf(body, sizeof(body), "Quality mark %s of \"%s\" is due for "
	    "review by %s.", jstr(m, "id"), htq_jstr(m, "qualification",
	    "title") ? htq_jstr(m, "qualification", "title") : "", d);
	snprintf(link, sizeof(link), "/submissions/view/?id=%s", jstr(m,
	    "submission"));
	if ((rc = recipients(db, txn, ROLE(HTQ_ROLE_ADMIN), NULL, NULL, NULL,
	    to)) == HTQ_OK && (org == NULL || (rc = recipients(db, txn,
	    ROLE(HTQ_ROLE_AWARDING_BODY), org, NULL, NULL, to)) == HTQ_OK))
		rc = deliver(db, txn, to, "mark.review_due", jstr(m, "id"),
		    title, body, link);
	json_decref(to);
	return rc;
}

int
htq_notify_tick(struct htq_db *db, size_t *made)
{
	char today[HTQ_DATE_LEN + 1];
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	json_t *x;
	long days;
	int rc, r2;

	*made = 0;
	htq_today(today);
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	/* windows open now and closing within HTQ_NOTIFY_CLOSING_DAYS */
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_WIN), &c)) != 0) {
		mdb_txn_abort(txn);
		return htq_mdb_err(rc);
	}
	for (r2 = mdb_cursor_get(c, &k, &v, MDB_FIRST); r2 == 0;
	    r2 = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if ((x = json_loadb(v.mv_data, v.mv_size, 0, NULL)) == NULL)
			continue;
		days = days_between(today, jstr(x, "closes"));
		if (json_object_get(x, "closed_on") == NULL &&
		    strcmp(jstr(x, "opens"), today) <= 0 && days >= 0 &&
		    days <= HTQ_NOTIFY_CLOSING_DAYS) {
			rc = once(db, txn, "window.closing", jstr(x, "id"));
			if (rc == HTQ_OK) {
				rc = htq_notify_window(db, txn, NULL, x,
				    "window.closing");
				++*made;
			} else if (rc == HTQ_EEXIST)
				rc = HTQ_OK;
		}
		json_decref(x);
		if (rc != HTQ_OK)
			break;
	}
	mdb_cursor_close(c);
	if (rc != HTQ_OK)
		goto fail;
	/* current marks whose review date is within HTQ_NOTIFY_REVIEW_DAYS */
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_MARK), &c)) != 0) {
		rc = htq_mdb_err(rc);
		goto fail;
	}
	for (r2 = mdb_cursor_get(c, &k, &v, MDB_FIRST); r2 == 0;
	    r2 = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (!htq_record_holds(&v, "\"status\":\"current\"") ||
		    (x = json_loadb(v.mv_data, v.mv_size, 0, NULL)) == NULL)
			continue;
		days = days_between(today, jstr(x, "review_by"));
		if (days <= HTQ_NOTIFY_REVIEW_DAYS) {
			rc = once(db, txn, "mark.review_due", jstr(x, "id"));
			if (rc == HTQ_OK) {
				rc = notify_review_by(db, txn, x);
				++*made;
			} else if (rc == HTQ_EEXIST)
				rc = HTQ_OK;
		}
		json_decref(x);
		if (rc != HTQ_OK)
			break;
	}
	mdb_cursor_close(c);
	if (rc != HTQ_OK)
		goto fail;
	if (*made == 0) {
		mdb_txn_abort(txn);	/* nothing new: no write */
		return HTQ_OK;
	}
	return htq_commit(db, txn);
fail:
	mdb_txn_abort(txn);
	*made = 0;
	return rc;
}

/* --- the e-mail queue (htq-mailer) --- */

int
htq_outbox_recover(struct htq_db *db, size_t *n)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	json_t *q, *all;
	char id[HTQ_ID_LEN + 1];
	const char *key;
	int rc, mrc;

	*n = 0;
	if ((all = json_object()) == NULL)
		return HTQ_ENOMEM;
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK) {
		json_decref(all);
		return rc;
	}
	if ((mrc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_OUTBOX), &c)) != 0) {
		rc = htq_mdb_err(mrc);
		goto fail;
	}
	for (mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); mrc == 0;
	    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (!htq_record_holds(&v, "\"state\":\"sending\"") ||
		    k.mv_size != HTQ_ID_LEN)
			continue;
		if ((q = json_loadb(v.mv_data, v.mv_size, 0, NULL)) == NULL)
			continue;
		memcpy(id, k.mv_data, HTQ_ID_LEN);
		id[HTQ_ID_LEN] = '\0';
		json_object_set_new(q, "state", json_string("pending"));
		json_object_del(q, "attempt");
		json_object_set_new(all, id, q);
	}
	mdb_cursor_close(c);
	if (mrc != MDB_NOTFOUND) {
		rc = htq_mdb_err(mrc);
		goto fail;
	}
	json_object_foreach(all, key, q) {
		if ((rc = htq_put_json(txn, htq_dbi(db, HTQ_T_OUTBOX), key, q,
		    0)) != HTQ_OK)
			goto fail;
		++*n;
	}
	json_decref(all);
	if (*n == 0) {
		mdb_txn_abort(txn);
		return HTQ_OK;
	}
	return htq_commit(db, txn);
fail:
	mdb_txn_abort(txn);
	json_decref(all);
	*n = 0;
	return rc;
}

/* The Message-ID of message id: the same on every attempt, so that a
 * relay or a reader can drop a second copy. */
static void
message_id(const char *id, char *buf, size_t bufsz)
{
	const char *o = htq_origin(), *slash = strchr(o, '/');
	int hl = slash ? (int)(slash - o) : (int)strlen(o);

	snprintf(buf, bufsz, "<%s@%.*s>", id, hl, o);
}

int
htq_outbox_claim(struct htq_db *db, time_t now, json_t **job, time_t *wait)
{
	char id[HTQ_ID_LEN + 1], attempt[33], mid[128];
	unsigned char rnd[16];
	struct htq_account acct;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	json_t *q = NULL, *m = NULL;
	json_int_t next;
	time_t soonest = 0;
	int rc, found = 0;

	*job = NULL;
	*wait = 0;
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_OUTBOX), &c)) != 0) {
		mdb_txn_abort(txn);
		return htq_mdb_err(rc);
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != HTQ_ID_LEN || (q = json_loadb(v.mv_data,
		    v.mv_size, 0, NULL)) == NULL)
			continue;
		next = json_integer_value(json_object_get(q, "next"));
		if (strcmp(jstr(q, "state"), "pending") == 0 && next <= now) {
			memcpy(id, k.mv_data, HTQ_ID_LEN);
			id[HTQ_ID_LEN] = '\0';
			found = 1;
			break;
		}
		if (strcmp(jstr(q, "state"), "pending") == 0 && (soonest == 0 ||
		    next < soonest))
			soonest = (time_t)next;
		json_decref(q);
		q = NULL;
	}
	mdb_cursor_close(c);
	if (!found) {
		mdb_txn_abort(txn);
		*wait = soonest > now ? soonest - now : 0;
		return rc == MDB_NOTFOUND || rc == 0 ? HTQ_ENOTFOUND :
		    htq_mdb_err(rc);
	}
	rc = htq_get_json(txn, htq_dbi(db, HTQ_T_MSG), jstr(q, "key"), &m);
	if (rc == HTQ_OK)
		rc = htq_account_get(db, txn, jstr(m, "account"), &acct);
	if (rc == HTQ_ENOTFOUND || (rc == HTQ_OK && acct.disabled)) {
		/* nobody to send to any more: the portal keeps the message */
		k.mv_data = id;
		k.mv_size = HTQ_ID_LEN;
		rc = htq_mdb_err(mdb_del(txn, htq_dbi(db, HTQ_T_OUTBOX), &k,
		    NULL));
		if (rc == HTQ_OK) {
			if ((rc = htq_commit(db, txn)) == HTQ_OK)
				rc = HTQ_EBUSY;
			txn = NULL;
		}
		goto out;
	}
	if (rc != HTQ_OK)
		goto out;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(attempt, sizeof(attempt), rnd, sizeof(rnd));
	json_object_set_new(q, "state", json_string("sending"));
	json_object_set_new(q, "attempt", json_string(attempt));
	json_object_set_new(q, "attempts", json_integer(json_integer_value(
	    json_object_get(q, "attempts")) + 1));
	message_id(id, mid, sizeof(mid));
	*job = json_pack("{s:s,s:s,s:s,s:s,s:O,s:O,s:O,s:s,s:O}", "id", id,
	    "attempt", attempt, "to", acct.email, "name", acct.name,
	    "subject", json_object_get(m, "title"), "body",
	    json_object_get(m, "body"), "link", json_object_get(m, "link"),
	    "message_id", mid, "attempts", json_object_get(q, "attempts"));
	if (*job == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((rc = htq_put_json(txn, htq_dbi(db, HTQ_T_OUTBOX), id, q, 0)) !=
	    HTQ_OK)
		goto out;
	rc = htq_commit(db, txn);
	txn = NULL;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (rc != HTQ_OK) {
		json_decref(*job);
		*job = NULL;
	}
	json_decref(q);
	json_decref(m);
	return rc;
}

/*
 * After the relay's answer to attempt of message id: sent (250) removes
 * it from the queue and notes the time on the message; otherwise it
 * waits delay seconds, or with permanent (a 5xx, or HTQ_MAIL_MAX_ATTEMPTS
 * tries) leaves the queue, the message kept in the portal.  An attempt
 * that is no longer the message's current one changes nothing.
 */
int
htq_outbox_result(struct htq_db *db, const char *id, const char *attempt,
    int sent, int permanent, time_t next)
{
	char now[21];
	MDB_txn *txn;
	MDB_val k;
	json_t *q = NULL, *m = NULL;
	int rc;

	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_OUTBOX), id, &q)) !=
	    HTQ_OK || strcmp(jstr(q, "attempt"), attempt) != 0) {
		rc = rc == HTQ_ENOTFOUND || rc == HTQ_OK ? HTQ_ECONFLICT : rc;
		goto out;
	}
	if (sent || permanent || json_integer_value(json_object_get(q,
	    "attempts")) >= HTQ_MAIL_MAX_ATTEMPTS) {
		k.mv_data = (void *)id;
		k.mv_size = strlen(id);
		if ((rc = htq_mdb_err(mdb_del(txn, htq_dbi(db, HTQ_T_OUTBOX),
		    &k, NULL))) != HTQ_OK)
			goto out;
		if (htq_get_json(txn, htq_dbi(db, HTQ_T_MSG), jstr(q, "key"),
		    &m) == HTQ_OK) {
			htq_now_iso(now);
			json_object_set_new(m, sent ? "mailed" : "mail_failed",
			    json_string(now));
			if ((rc = htq_put_json(txn, htq_dbi(db, HTQ_T_MSG),
			    jstr(q, "key"), m, 0)) != HTQ_OK)
				goto out;
		}
	} else {
		json_object_set_new(q, "state", json_string("pending"));
		json_object_del(q, "attempt");
		json_object_set_new(q, "next", json_integer((json_int_t)next));
		if ((rc = htq_put_json(txn, htq_dbi(db, HTQ_T_OUTBOX), id, q,
		    0)) != HTQ_OK)
			goto out;
	}
	rc = htq_commit(db, txn);
	txn = NULL;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(q);
	json_decref(m);
	return rc;
}

int
htq_outbox_count(struct htq_db *db, MDB_txn *txn, size_t *n)
{
	MDB_stat st;
	int rc;

	*n = 0;
	if ((rc = mdb_stat(txn, htq_dbi(db, HTQ_T_OUTBOX), &st)) != 0)
		return htq_mdb_err(rc);
	*n = st.ms_entries;
	return HTQ_OK;
}
