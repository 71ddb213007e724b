/*
 * windows.c - submission windows: when a route accepts submissions.
 *
 * Routes open in waves.  An administrator opens a window for a route with
 * an opening and a closing date and the first-teaching date of the
 * approval cycle it belongs to, and may close it early.  A window's state
 * is computed from today's date each time it is read: announced (before it
 * opens), open (from its opening to its closing date, both inclusive,
 * unless closed early), closed.  Nothing is deleted; opening and closing
 * are ledger entries.
 *
 * Dates are ISO 8601 calendar dates in UTC, compared as strings.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "domain.h"

/* The state of a stored window today. */
static const char *
window_state(const json_t *w, const char *today)
{
	const char *opens = json_string_value(json_object_get(w, "opens"));
	const char *closes = json_string_value(json_object_get(w, "closes"));

	if (json_is_string(json_object_get(w, "closed_on")))
		return "closed";
	if (opens == NULL || closes == NULL)
		return "closed";
	if (strcmp(today, opens) < 0)
		return "announced";
	if (strcmp(today, closes) <= 0)
		return "open";
	return "closed";
}

/* The stored window with its state for today, as a new reference. */
static json_t *
window_view(const json_t *w, const char *today)
{
	json_t *v = json_deep_copy(w);

	if (v == NULL)
		return NULL;
	json_object_set_new(v, "state", json_string(window_state(w, today)));
	if (json_object_get(v, "closed_on") == NULL)
		json_object_set_new(v, "closed_on", json_null());
	return v;
}

/* The catalogue's spelling of route, or NULL if no standard has it. */
static int
known_route(struct htq_db *db, MDB_txn *txn, const char *route, char *buf,
    size_t bufsz)
{
	struct htq_std_filter f = { route, 0, -1 };
	json_t *doc = NULL, *first;
	int rc;

	if ((rc = htq_standards_list(db, txn, &f, &doc)) != HTQ_OK)
		return rc;
	first = json_array_get(json_object_get(doc, "standards"), 0);
	rc = first ? HTQ_OK : HTQ_ENOTFOUND;
	if (first)
		snprintf(buf, bufsz, "%s", json_string_value(json_object_get(
		    first, "route")));
	json_decref(doc);
	return rc;
}

/* Every stored window of route (case-insensitive; NULL all), in an array
 * ordered by route then opening date. */
static int
windows_of(struct htq_db *db, MDB_txn *txn, const char *route, json_t **out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	json_t *arr, *w, *x;
	size_t i, n;
	int rc, op = MDB_FIRST, c;

	*out = NULL;
	if ((arr = json_array()) == NULL)
		return HTQ_ENOMEM;
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_WIN), &cur)) != 0) {
		json_decref(arr);
		return htq_mdb_err(rc);
	}
	while (mdb_cursor_get(cur, &k, &v, op) == 0) {
		op = MDB_NEXT;
		if ((w = json_loadb(v.mv_data, v.mv_size, 0, NULL)) == NULL)
			continue;
		if (route != NULL && strcasecmp(route, json_string_value(
		    json_object_get(w, "route"))) != 0) {
			json_decref(w);
			continue;
		}
		/* insertion by (route, opens): the list is short */
		n = json_array_size(arr);
		for (i = 0; i < n; i++) {
			x = json_array_get(arr, i);
			c = strcmp(json_string_value(json_object_get(w, "route")),
			    json_string_value(json_object_get(x, "route")));
			if (c == 0)
				c = strcmp(json_string_value(json_object_get(w,
				    "opens")), json_string_value(
				    json_object_get(x, "opens")));
			if (c < 0)
				break;
		}
		json_array_insert_new(arr, i, w);
		if (json_array_size(arr) >= HTQ_MAX_WINDOWS)
			break;
	}
	mdb_cursor_close(cur);
	*out = arr;
	return HTQ_OK;
}

int
htq_window_for_route(struct htq_db *db, MDB_txn *txn, const char *route,
    json_t **out, int *open)
{
	char today[HTQ_DATE_LEN + 1];
	json_t *all, *w, *next = NULL;
	const char *st;
	size_t i;
	int rc;

	*out = NULL;
	*open = 0;
	htq_today(today);
	if ((rc = windows_of(db, txn, route, &all)) != HTQ_OK)
		return rc;
	json_array_foreach(all, i, w) {
		st = window_state(w, today);
		if (strcmp(st, "open") == 0) {
			*out = json_incref(w);
			*open = 1;
			break;
		}
		if (strcmp(st, "announced") == 0 && next == NULL)
			next = w;
	}
	if (*out == NULL && next != NULL)
		*out = json_incref(next);
	json_decref(all);
	return *out ? HTQ_OK : HTQ_ENOTFOUND;
}

int
htq_window_open(struct htq_db *db, const struct htq_actor *actor,
    const char *route, const char *opens, const char *closes,
    const char *first_teaching, json_t **out, struct htq_why *why)
{
	char id[HTQ_ID_LEN + 1], name[HTQ_MAX_TITLE + 1];
	char today[HTQ_DATE_LEN + 1], q[65];
	MDB_txn *txn = NULL;
	json_t *all = NULL, *w = NULL, *x, *data = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (actor == NULL || actor->role != HTQ_ROLE_ADMIN)
		return htq_refuse(why, HTQ_EPERM, "", "only an administrator "
		    "opens submission windows");
	if (route == NULL || *route == '\0' || strlen(route) > HTQ_MAX_TITLE)
		return htq_refuse(why, HTQ_EINVAL, "route", "route: a route "
		    "name of 1 to %d bytes", HTQ_MAX_TITLE);
	if (!htq_text_valid(route, 0))
		return htq_refuse(why, HTQ_EINVAL, "route", "route: "
		    HTQ_LINE_RULE);
	if (!htq_date_valid(opens))
		return htq_refuse(why, HTQ_EINVAL, "opens", "opens: a date "
		    "like 2026-09-01");
	if (!htq_date_valid(closes))
		return htq_refuse(why, HTQ_EINVAL, "closes", "closes: a date "
		    "like 2026-12-01");
	if (!htq_date_valid(first_teaching))
		return htq_refuse(why, HTQ_EINVAL, "first_teaching",
		    "first_teaching: a date like 2027-09-01");
	if (strcmp(opens, closes) > 0)
		return htq_refuse(why, HTQ_EINVAL, "closes", "closes: must not "
		    "be before opens (%s)", opens);
	if (strcmp(first_teaching, opens) < 0)
		return htq_refuse(why, HTQ_EINVAL, "first_teaching",
		    "first_teaching: the cycle's first teaching cannot come "
		    "before the window opens (%s)", opens);
	htq_today(today);
	if (strcmp(closes, today) < 0)
		return htq_refuse(why, HTQ_EINVAL, "closes", "closes: %s is "
		    "in the past", closes);
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	rc = known_route(db, txn, route, name, sizeof(name));
	if (rc == HTQ_ENOTFOUND) {
		rc = htq_refuse(why, HTQ_EINVAL, "route", "route: no standard "
		    "in the catalogue belongs to route \"%s\"", htq_clip(q,
		    sizeof(q), route, 64));
		goto out;
	}
	if (rc != HTQ_OK || (rc = windows_of(db, txn, name, &all)) != HTQ_OK)
		goto out;
	json_array_foreach(all, i, x) {
		if (strcmp(window_state(x, today), "closed") == 0)
			continue;
		if (strcmp(opens, json_string_value(json_object_get(x,
		    "closes"))) <= 0 && strcmp(json_string_value(
		    json_object_get(x, "opens")), closes) <= 0) {
			rc = htq_refuse(why, HTQ_ECONFLICT, "opens", "the %s "
			    "route already has window %s from %s to %s; close "
			    "it first or choose dates that do not overlap",
			    name, json_string_value(json_object_get(x, "id")),
			    json_string_value(json_object_get(x, "opens")),
			    json_string_value(json_object_get(x, "closes")));
			goto out;
		}
	}
	htq_new_id('w', id);
	w = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", id, "route", name,
	    "opens", opens, "closes", closes, "first_teaching",
	    first_teaching, "opened_by", actor->id);
	data = json_pack("{s:s,s:s,s:s,s:s}", "route", name, "opens", opens,
	    "closes", closes, "first_teaching", first_teaching);
	if (w == NULL || data == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((rc = htq_put_json(txn, htq_dbi(db, HTQ_T_WIN), id, w,
	    MDB_NOOVERWRITE)) !=
	    HTQ_OK || (rc = htq_record_as(db, txn, actor->id,
	    "window.opened", id, data)) != HTQ_OK)
		goto out;
	rc = htq_commit(db, txn);
	txn = NULL;
	if (rc == HTQ_OK && (*out = window_view(w, today)) == NULL)
		rc = HTQ_ENOMEM;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(all);
	json_decref(w);
	json_decref(data);
	return rc;
}

int
htq_window_close(struct htq_db *db, const struct htq_actor *actor,
    const char *id, json_t **out, struct htq_why *why)
{
	char today[HTQ_DATE_LEN + 1];
	MDB_txn *txn;
	json_t *w = NULL, *data = NULL;
	int rc;

	*out = NULL;
	if (actor == NULL || actor->role != HTQ_ROLE_ADMIN)
		return htq_refuse(why, HTQ_EPERM, "", "only an administrator "
		    "closes submission windows");
	if (id == NULL || strlen(id) != HTQ_ID_LEN || id[0] != 'w')
		return htq_refuse(why, HTQ_ENOTFOUND, "id", "no such window");
	htq_today(today);
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_WIN), id,
	    &w)) != HTQ_OK) {
		if (rc == HTQ_ENOTFOUND)
			htq_refuse(why, rc, "id", "no such window");
		goto out;
	}
	if (strcmp(window_state(w, today), "closed") == 0) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "", "window %s is closed "
		    "already", id);
		goto out;
	}
	json_object_set_new(w, "closed_on", json_string(today));
	json_object_set_new(w, "closed_by", json_string(actor->id));
	data = json_pack("{s:O,s:s}", "route", json_object_get(w, "route"),
	    "closed_on", today);
	if (data == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	if ((rc = htq_put_json(txn, htq_dbi(db, HTQ_T_WIN), id, w,
	    0)) != HTQ_OK ||
	    (rc = htq_record_as(db, txn, actor->id, "window.closed", id,
	    data)) != HTQ_OK)
		goto out;
	rc = htq_commit(db, txn);
	txn = NULL;
	if (rc == HTQ_OK && (*out = window_view(w, today)) == NULL)
		rc = HTQ_ENOMEM;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(w);
	json_decref(data);
	return rc;
}

int
htq_window_get(struct htq_db *db, MDB_txn *txn, const char *id,
    json_t **out)
{
	char today[HTQ_DATE_LEN + 1];
	json_t *w;
	int rc;

	*out = NULL;
	if (id == NULL || strlen(id) != HTQ_ID_LEN)
		return HTQ_ENOTFOUND;
	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_WIN), id, &w)) != HTQ_OK)
		return rc;
	htq_today(today);
	*out = window_view(w, today);
	json_decref(w);
	return *out ? HTQ_OK : HTQ_ENOMEM;
}

int
htq_windows_list(struct htq_db *db, MDB_txn *txn, const char *route,
    json_t **out)
{
	char today[HTQ_DATE_LEN + 1];
	json_t *all, *routes = NULL, *cur = NULL, *w, *v;
	const char *last = NULL, *r;
	size_t i;
	int rc;

	*out = NULL;
	htq_today(today);
	if ((rc = windows_of(db, txn, route, &all)) != HTQ_OK)
		return rc;
	if ((routes = json_array()) == NULL)
		goto nomem;
	json_array_foreach(all, i, w) {
		r = json_string_value(json_object_get(w, "route"));
		if (last == NULL || strcmp(last, r) != 0) {
			cur = json_array();
			if (cur == NULL || json_array_append_new(routes,
			    json_pack("{s:s,s:o}", "route", r, "windows",
			    cur)) != 0)
				goto nomem;
			last = r;
		}
		if ((v = window_view(w, today)) == NULL)
			goto nomem;
		json_object_del(v, "opened_by");
		json_object_del(v, "closed_by");
		json_array_append_new(cur, v);
	}
	*out = json_pack("{s:s,s:o}", "today", today, "routes", routes);
	json_decref(all);
	return *out ? HTQ_OK : HTQ_ENOMEM;
nomem:
	json_decref(routes);
	json_decref(all);
	return HTQ_ENOMEM;
}

/* --- impact warnings --- */

static int
status_is(const json_t *f, const char *const *list)
{
	const char *st = json_string_value(json_object_get(f, "status"));

	for (; st != NULL && *list != NULL; list++)
		if (strcmp(st, *list) == 0)
			return 1;
	return 0;
}

int
htq_count_affected(struct htq_db *db, MDB_txn *txn, const char *route,
    const char *ref, json_int_t *drafts, json_int_t *open)
{
	static const char *const draft[] = { "draft", NULL };
	static const char *const undecided[] = { "submitted", "in_review",
	    "information_requested", NULL };
	const char *v;
	MDB_cursor *c;
	MDB_val k, fv;
	json_t *f, *doc;
	int rc, d, o;

	*drafts = *open = 0;
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_SUB_FACTS), &c)) != 0)
		return htq_mdb_err(rc);
	/* the small facts say the state; only live ones are read whole */
	for (rc = mdb_cursor_get(c, &k, &fv, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &fv, MDB_NEXT)) {
		if ((f = json_loadb(fv.mv_data, fv.mv_size, 0, NULL)) == NULL)
			continue;
		d = status_is(f, draft);
		o = status_is(f, undecided);
		v = json_string_value(json_object_get(f, "id"));
		doc = NULL;
		if ((d || o) && v != NULL && htq_get_json(txn, htq_dbi(db,
		    HTQ_T_SUB), v, &doc) == HTQ_OK) {
			v = route != NULL ? json_string_value(json_object_get(
			    doc, "route")) : json_string_value(json_object_get(
			    json_object_get(doc, "standard"), "ref"));
			if (v != NULL && strcmp(v, route ? route : ref) == 0) {
				*drafts += d;
				*open += o;
			}
		}
		json_decref(doc);
		json_decref(f);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? HTQ_OK : htq_mdb_err(rc);
}

int
htq_window_impact(struct htq_db *db, MDB_txn *txn, const char *id,
    json_t **out)
{
	json_int_t drafts, open;
	json_t *w;
	int rc;

	*out = NULL;
	if ((rc = htq_window_get(db, txn, id, &w)) != HTQ_OK)
		return rc;
	rc = htq_count_affected(db, txn, json_string_value(json_object_get(w,
	    "route")), NULL, &drafts, &open);
	if (rc == HTQ_OK && (*out = json_pack("{s:O,s:O,s:O,s:I,s:I}",
	    "window", json_object_get(w, "id"), "route", json_object_get(w,
	    "route"), "state", json_object_get(w, "state"), "drafts", drafts,
	    "submissions", open)) == NULL)
		rc = HTQ_ENOMEM;
	json_decref(w);
	return rc;
}
