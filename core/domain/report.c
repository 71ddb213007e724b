/*
 * report.c - partners' reports: what each submission window and each
 * route taught (design.md "Partners' lessons", issue 28).
 *
 * Every figure is computed here, at the time of asking, from two sources
 * and nothing stored besides them (no cache, no derived table):
 *
 *  - the public ledger: which submissions entered which window and route
 *    (submission.submitted), their state now (every later entry), the
 *    times from submission to decision (the entries' own times), the
 *    requests for information, the KSBs left uncovered (the coverage the
 *    submitted and amended entries carry), the reasons for rejection
 *    (decision.rejected carries them) and for revocation (mark.revoked);
 *  - what partners may read beyond it: the submissions themselves (never
 *    drafts) for the reasons awarding bodies gave why a KSB cannot be
 *    attained, the organisations for the awarding bodies' names, and the
 *    standards catalogue for the KSBs' words.
 *
 * The report's "sources" member says which figure comes from where.  The
 * same data gives the same bytes (htq_report_render): keys sorted, lists
 * in a fixed order with ties broken by value, reals rounded, and the only
 * time in it is the time of the last ledger entry the report rests on
 * ("through"), never the time of asking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "domain.h"
#include "aud.h"

static const char *const states[] = { "submitted", "in_review",
    "information_requested", "approved", "rejected", "withdrawn", NULL };
static const char *const revoke_reasons[] = { "qualification_withdrawn",
    "standard_withdrawn", "non_compliance", "other", NULL };

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* POSIX seconds of an entry's RFC 3339 UTC time ("2026-09-01T10:00:00Z"),
 * which aud_entry_parse has checked. */
static long long
entry_seconds(const char *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm);
}

/* x (never negative) rounded half up to places (1 or 2) decimals, as a
 * JSON real (NULL out of memory); no libm needed. */
static json_t *
rounded(double x, int places)
{
	double f = places == 1 ? 10.0 : 100.0;

	return json_real((double)(long long)(x * f + 0.5) / f);
}

/* --- reading the ledger --- */

struct scan {
	const struct htq_report_filter *flt;
	json_t		*windows;	/* id -> {id,route,opens,closes,seq,
					 * time}, every window */
	json_t		*subs;		/* id -> the submission's story */
};

/* Whether a window passes the filter. */
static int
window_wanted(const struct htq_report_filter *f, const json_t *w)
{
	if (f->window != NULL && strcmp(f->window, str(w, "id")) != 0)
		return 0;
	if (f->route != NULL && strcasecmp(f->route, str(w, "route")) != 0)
		return 0;
	return 1;
}

static void
touch(json_t *s, const struct aud_entry *e)
{
	json_object_set_new(s, "last", json_integer((json_int_t)e->seq));
	json_object_set_new(s, "last_time", json_string(e->time));
}

/*
 * One ledger entry into the submissions' stories: a new one at
 * submission.submitted (its window, route, organisation, standard, first
 * submission time, coverage), then its state and what each later entry
 * adds.  Entries of other types, and of submissions this scan did not see
 * submitted, change nothing.
 */
static int
scan_entry(struct scan *sc, const struct aud_entry *e)
{
	json_t *data, *s, *w;
	const char *t = e->type, *id;
	int rc = HTQ_OK;

	if (strncmp(t, "window.", 7) != 0 &&
	    strncmp(t, "submission.", 11) != 0 &&
	    strcmp(t, "review.recorded") != 0 &&
	    strncmp(t, "information.", 12) != 0 &&
	    strncmp(t, "decision.", 9) != 0 &&
	    strcmp(t, "mark.revoked") != 0)
		return HTQ_OK;
	if ((data = json_loadb(e->data, e->datalen, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL)
		return HTQ_EFORMAT;
	if (strcmp(t, "window.opened") == 0) {
		w = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "id", e->subject,
		    "route", str(data, "route"), "opens", str(data, "opens"),
		    "closes", str(data, "closes"), "seq", (json_int_t)e->seq,
		    "time", e->time);
		if (w == NULL || json_object_set_new(sc->windows, e->subject,
		    w) != 0)
			rc = HTQ_ENOMEM;
		goto out;
	}
	if (strcmp(t, "window.closed") == 0) {
		/* closed early: the day it closed, part of its story */
		if ((w = json_object_get(sc->windows, e->subject)) != NULL) {
			json_object_set_new(w, "closed_on", json_string(str(data,
			    "closed_on")));
			json_object_set_new(w, "seq", json_integer(
			    (json_int_t)e->seq));
			json_object_set_new(w, "time", json_string(e->time));
		}
		goto out;
	}
	id = strcmp(t, "mark.revoked") == 0 ? str(data, "submission") :
	    e->subject;
	s = json_object_get(sc->subs, id);
	if (strcmp(t, "submission.submitted") == 0 && s == NULL) {
		w = json_object_get(sc->windows, str(data, "window"));
		if (w == NULL || !window_wanted(sc->flt, w))
			goto out;
		s = json_pack("{s:s,s:s,s:s,s:s,s:O,s:s,s:I,s:i,s:O}",
		    "id", id, "window", str(data, "window"),
		    "route", str(w, "route"),
		    "organisation", str(data, "organisation"),
		    "standard", json_object_get(data, "standard"),
		    "state", "submitted",
		    "submitted", (json_int_t)entry_seconds(e->time),
		    "requests", 0,
		    "uncovered", json_object_get(json_object_get(data,
		    "coverage"), "uncovered"));
		if (s == NULL || json_object_set_new(sc->subs, id, s) != 0) {
			rc = HTQ_ENOMEM;
			goto out;
		}
		touch(s, e);
		goto out;
	}
	if (s == NULL)
		goto out;
	touch(s, e);
	if (strcmp(t, "review.recorded") == 0)
		json_object_set_new(s, "state", json_string("in_review"));
	else if (strcmp(t, "information.requested") == 0) {
		json_object_set(s, "from", json_object_get(s, "state"));
		json_object_set_new(s, "state",
		    json_string("information_requested"));
		json_object_set_new(s, "requests", json_integer(
		    json_integer_value(json_object_get(s, "requests")) + 1));
	} else if (strcmp(t, "information.provided") == 0) {
		if (json_is_true(json_object_get(data, "amended"))) {
			json_object_set_new(s, "state",
			    json_string("submitted"));
			json_object_set(s, "standard",
			    json_object_get(data, "standard"));
			json_object_set(s, "uncovered", json_object_get(
			    json_object_get(data, "coverage"), "uncovered"));
		} else
			json_object_set(s, "state", json_object_get(s, "from"));
	} else if (strcmp(t, "submission.withdrawn") == 0)
		json_object_set_new(s, "state", json_string("withdrawn"));
	else if (strncmp(t, "decision.", 9) == 0) {
		json_object_set_new(s, "state", json_string(str(data,
		    "outcome")));
		json_object_set_new(s, "decided", json_integer(
		    (json_int_t)entry_seconds(e->time)));
		json_object_set(s, "reasons", json_object_get(data, "reasons"));
	} else if (strcmp(t, "mark.revoked") == 0)
		json_object_set_new(s, "revoked", json_pack("{s:s,s:s?}",
		    "reason", str(data, "reason"), "note",
		    json_string_value(json_object_get(data, "note"))));
out:
	json_decref(data);
	return rc;
}

static int
scan_ledger(struct htq_db *db, MDB_txn *txn, struct scan *sc)
{
	struct aud_log *log = htq_db_log(db);
	struct aud_entry e;
	const uint8_t *sig;
	const char *bytes;
	uint64_t size, seq;
	size_t len;
	char why[128];
	int rc;

	if (log == NULL)
		return HTQ_OK;		/* no ledger: nothing has happened */
	if ((rc = aud_size(log, txn, &size)) != HTQ_OK)
		return rc;
	for (seq = 0; seq < size; seq++) {
		if ((rc = aud_entry_get(log, txn, seq, &bytes, &len,
		    &sig)) != HTQ_OK)
			return rc;
		if (aud_entry_parse(bytes, len, &e, why, sizeof(why)) !=
		    AUD_OK)
			return HTQ_EFORMAT;
		if ((rc = scan_entry(sc, &e)) != HTQ_OK)
			return rc;
	}
	return HTQ_OK;
}

/* --- the figures of one group of submissions --- */

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/*
 * {"decided","median","p90"} in days (one decimal) of the seconds from
 * first submission to decision.  The median of an even count is the mean
 * of the middle two; the 90th percentile is the nearest rank: the
 * ceil(0.9 n)-th smallest.  Both null when nothing is decided.
 */
static json_t *
decision_times(const json_t *group)
{
	const json_t *s;
	long long *v;
	size_t i, n = 0, rank;
	json_t *out;
	double med;

	if ((v = calloc(json_array_size(group) + 1, sizeof(*v))) == NULL)
		return NULL;
	json_array_foreach(group, i, s)
		if (json_is_integer(json_object_get(s, "decided")))
			v[n++] = json_integer_value(json_object_get(s,
			    "decided")) - json_integer_value(json_object_get(s,
			    "submitted"));
	if (n == 0) {
		free(v);
		return json_pack("{s:i,s:n,s:n}", "decided", 0, "median",
		    "p90");
	}
	qsort(v, n, sizeof(*v), cmp_ll);
	med = n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] +
	    (double)v[n / 2]) / 2.0;
	rank = (9 * n + 9) / 10;		/* ceil(0.9 n), n >= 1 */
	out = json_pack("{s:I,s:o,s:o}", "decided", (json_int_t)n,
	    "median", rounded(med / 86400.0, 1),
	    "p90", rounded((double)v[rank - 1] / 86400.0, 1));
	free(v);
	return out;
}

/* Append {key: value, count: n} for each member of counts (an object
 * text -> integer) into a new array, most frequent first, ties by text;
 * at most top. */
/* Texts in natural order: runs of digits compare as numbers, so that
 * "ST0116 S2" comes before "ST0116 S16". */
static int
natcmp(const char *a, const char *b)
{
	size_t la, lb;
	int c;

	while (*a != '\0' && *b != '\0') {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			while (*a == '0' && a[1] >= '0' && a[1] <= '9')
				a++;
			while (*b == '0' && b[1] >= '0' && b[1] <= '9')
				b++;
			la = strspn(a, "0123456789");
			lb = strspn(b, "0123456789");
			if (la != lb)
				return la < lb ? -1 : 1;
			if ((c = strncmp(a, b, la)) != 0)
				return c;
			a += la;
			b += lb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a != '\0' ? 1 : *b != '\0' ? -1 : 0;
}

static int
cmp_counted(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t cx = json_integer_value(json_object_get(x, "n"));
	json_int_t cy = json_integer_value(json_object_get(y, "n"));
	int c;

	if (cx != cy)
		return cx > cy ? -1 : 1;
	if ((c = natcmp(str(x, "k"), str(y, "k"))) != 0)
		return c;
	return strcmp(str(x, "k"), str(y, "k"));
}

static json_t *
top_list(const json_t *counts, const char *key, const char *count,
    size_t top)
{
	json_t **v, *arr, *x;
	const char *k;
	json_t *n;
	size_t i = 0, m = json_object_size(counts);

	if ((arr = json_array()) == NULL)
		return NULL;
	if ((v = calloc(m + 1, sizeof(*v))) == NULL) {
		json_decref(arr);
		return NULL;
	}
	json_object_foreach((json_t *)counts, k, n)
		v[i++] = json_pack("{s:s,s:O}", "k", k, "n", n);
	qsort(v, m, sizeof(*v), cmp_counted);
	for (i = 0; i < m; i++) {
		if (i < top && v[i] != NULL && (x = json_pack("{s:O,s:O}", key,
		    json_object_get(v[i], "k"), count,
		    json_object_get(v[i], "n"))) != NULL)
			json_array_append_new(arr, x);
		json_decref(v[i]);
	}
	free(v);
	return arr;
}

static void
bump(json_t *counts, const char *key)
{
	json_object_set_new(counts, key, json_integer(json_integer_value(
	    json_object_get(counts, key)) + 1));
}

/* The KSB's words in the catalogue (its standard version), or "". */
static json_t *
ksb_text(struct htq_db *db, MDB_txn *txn, const json_t *stdref,
    const char *code)
{
	json_t *c, *std = NULL, *k, *out = NULL;
	size_t i;

	if ((c = json_pack("{s:O}", "standard", stdref)) == NULL)
		return NULL;
	if (htq_load_standard(db, txn, c, &std, NULL) == HTQ_OK)
		json_array_foreach(json_object_get(std, "ksbs"), i, k)
			if (strcmp(str(k, "code"), code) == 0) {
				out = json_string(str(k, "text"));
				break;
			}
	json_decref(c);
	json_decref(std);
	return out != NULL ? out : json_string("");
}

/*
 * The KSBs left uncovered most often (ledger: each submission's latest
 * coverage), "ST0116 K3" keyed, with the reasons the awarding bodies gave
 * (the submissions' mappings: not_attainable), identical texts counted
 * together.
 */
static int
uncovered(struct htq_db *db, MDB_txn *txn, const json_t *group,
    json_t **out)
{
	json_t *counts, *reasons, *per, *top = NULL, *doc, *m, *x, *u, *r;
	const json_t *s;
	const char *ref;
	char key[96];
	size_t i, j, l;
	int rc = HTQ_ENOMEM;

	*out = NULL;
	counts = json_object();
	reasons = json_object();
	if (counts == NULL || reasons == NULL)
		goto out;
	json_array_foreach(group, i, s) {
		ref = str(json_object_get(s, "standard"), "ref");
		json_array_foreach(json_object_get(s, "uncovered"), j, u) {
			snprintf(key, sizeof(key), "%s %s", ref,
			    json_string_value(u) ? json_string_value(u) : "");
			bump(counts, key);
		}
		if (json_array_size(json_object_get(s, "uncovered")) == 0)
			continue;
		rc = htq_get_json(txn, htq_dbi(db, HTQ_T_SUB), str(s, "id"),
		    &doc);
		if (rc == HTQ_ENOTFOUND)
			continue;
		if (rc != HTQ_OK)
			goto out;
		rc = HTQ_ENOMEM;
		json_array_foreach(json_object_get(doc, "mapping"), j, m) {
			if (!json_is_string(json_object_get(m,
			    "not_attainable")))
				continue;
			snprintf(key, sizeof(key), "%s %s", ref, str(m, "ksb"));
			if ((per = json_object_get(reasons, key)) == NULL) {
				per = json_object();
				json_object_set_new(reasons, key, per);
			}
			bump(per, str(m, "not_attainable"));
		}
		json_decref(doc);
	}
	if ((top = top_list(counts, "key", "submissions",
	    HTQ_REPORT_TOP)) == NULL)
		goto out;
	json_array_foreach(top, i, x) {
		const char *k = str(x, "key"), *sp = strchr(k, ' ');
		json_t *stdref = NULL;

		l = sp ? (size_t)(sp - k) : strlen(k);
		json_array_foreach(group, j, s)
			if (strncmp(str(json_object_get(s, "standard"), "ref"),
			    k, l) == 0 && str(json_object_get(s, "standard"),
			    "ref")[l] == '\0') {
				stdref = json_object_get(s, "standard");
				break;
			}
		if ((per = json_object_get(reasons, k)) == NULL) {
			/* uncovered with no reason given (a submit needs
			 * one, so never yet): an empty list */
			per = json_object();
			json_object_set_new(reasons, k, per);
		}
		if ((r = top_list(per, "reason", "submissions",
		    HTQ_REPORT_TOP)) == NULL)
			goto out;
		json_object_set_new(x, "standard", json_stringn(k, l));
		json_object_set_new(x, "ksb", json_string(sp ? sp + 1 : ""));
		json_object_set_new(x, "text", stdref ? ksb_text(db, txn,
		    stdref, sp ? sp + 1 : "") : json_string(""));
		json_object_set_new(x, "reasons", r);
		json_object_del(x, "key");
	}
	*out = top;
	top = NULL;
	rc = HTQ_OK;
out:
	json_decref(counts);
	json_decref(reasons);
	json_decref(top);
	return rc;
}

/* Awarding bodies taking part (submitted at least once), by name. */
static int
cmp_body(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(str(x, "name"), str(y, "name"));

	return c != 0 ? c : strcmp(str(x, "organisation"),
	    str(y, "organisation"));
}

static int
bodies(struct htq_db *db, MDB_txn *txn, const json_t *group, json_t **out)
{
	json_t *by = json_object(), *b, *o, *arr = NULL, **v = NULL;
	const json_t *s;
	const char *k;
	size_t i, n = 0;
	int rc = HTQ_ENOMEM;

	*out = NULL;
	if (by == NULL)
		goto out;
	json_array_foreach(group, i, s) {
		if ((b = json_object_get(by, str(s, "organisation"))) == NULL) {
			o = NULL;
			rc = htq_org_get(db, txn, str(s, "organisation"), &o);
			if (rc != HTQ_OK && rc != HTQ_ENOTFOUND)
				goto out;
			rc = HTQ_ENOMEM;
			b = json_pack("{s:s,s:s,s:i,s:i}", "organisation",
			    str(s, "organisation"), "name", o ? str(o, "name") :
			    "", "submissions", 0, "approved", 0);
			json_decref(o);
			if (b == NULL || json_object_set_new(by, str(s,
			    "organisation"), b) != 0)
				goto out;
		}
		bump(b, "submissions");
		if (strcmp(str(s, "state"), "approved") == 0)
			bump(b, "approved");
	}
	if ((arr = json_array()) == NULL ||
	    (v = calloc(json_object_size(by) + 1, sizeof(*v))) == NULL)
		goto out;
	json_object_foreach(by, k, b)
		v[n++] = b;
	qsort(v, n, sizeof(*v), cmp_body);
	for (i = 0; i < n; i++)
		json_array_append(arr, v[i]);
	*out = arr;
	arr = NULL;
	rc = HTQ_OK;
out:
	free(v);
	json_decref(by);
	json_decref(arr);
	return rc;
}

/* The figures of one group: the submissions of a window, or of a route. */
static int
figures(struct htq_db *db, MDB_txn *txn, const json_t *group, json_t **out)
{
	json_t *f, *bystate, *rej, *rev, *notes, *x;
	const json_t *s, *r;
	json_int_t approved = 0, rejected = 0, asked = 0, requests = 0;
	json_int_t nrev = 0;
	size_t i, n = json_array_size(group);
	int rc;

	*out = NULL;
	bystate = json_object();
	rej = json_object();
	rev = json_object();
	notes = json_object();
	if ((f = json_object()) == NULL || bystate == NULL || rej == NULL ||
	    rev == NULL || notes == NULL) {
		rc = HTQ_ENOMEM;
		goto fail;
	}
	for (i = 0; states[i] != NULL; i++)
		json_object_set_new(bystate, states[i], json_integer(0));
	for (i = 0; revoke_reasons[i] != NULL; i++)
		json_object_set_new(rev, revoke_reasons[i], json_integer(0));
	json_array_foreach(group, i, s) {
		bump(bystate, str(s, "state"));
		approved += strcmp(str(s, "state"), "approved") == 0;
		if (strcmp(str(s, "state"), "rejected") == 0) {
			rejected++;
			bump(rej, str(s, "reasons"));
		}
		requests += json_integer_value(json_object_get(s, "requests"));
		asked += json_integer_value(json_object_get(s, "requests")) > 0;
		if ((r = json_object_get(s, "revoked")) != NULL) {
			nrev++;
			bump(rev, str(r, "reason"));
			if (json_is_string(json_object_get(r, "note")))
				bump(notes, str(r, "note"));
		}
	}
	json_object_set_new(f, "submissions", json_integer((json_int_t)n));
	json_object_set_new(f, "by_state", bystate);
	bystate = NULL;
	json_object_set_new(f, "decisions", json_pack("{s:I,s:I,s:I,s:o,s:o}",
	    "decided", approved + rejected, "approved", approved,
	    "rejected", rejected,
	    "approval_rate", approved + rejected ? rounded(100.0 *
	    (double)approved / (double)(approved + rejected), 1) : json_null(),
	    "rejection_rate", approved + rejected ? rounded(100.0 *
	    (double)rejected / (double)(approved + rejected), 1) :
	    json_null()));
	json_object_set_new(f, "time_to_decision_days", decision_times(group));
	json_object_set_new(f, "information_requests", json_pack("{s:I,s:I,"
	    "s:o}", "total", requests, "submissions_asked", asked,
	    "per_submission", n ? rounded((double)requests / (double)n, 2) :
	    json_null()));
	json_object_set_new(f, "rejection_reasons", top_list(rej, "reasons",
	    "submissions", HTQ_REPORT_TOP));
	x = json_pack("{s:I,s:o,s:o}", "total", nrev, "by_reason", rev,
	    "notes", top_list(notes, "note", "marks", HTQ_REPORT_TOP));
	rev = NULL;
	json_object_set_new(f, "revocations", x);
	if ((rc = uncovered(db, txn, group, &x)) != HTQ_OK)
		goto fail;
	json_object_set_new(f, "uncovered_ksbs", x);
	if ((rc = bodies(db, txn, group, &x)) != HTQ_OK)
		goto fail;
	json_object_set_new(f, "awarding_bodies", x);
	/* one member missing means a json_pack above ran out of memory */
	if (json_object_size(f) != 9) {
		rc = HTQ_ENOMEM;
		goto fail;
	}
	json_decref(rej);
	json_decref(notes);
	*out = f;
	return HTQ_OK;
fail:
	json_decref(f);
	json_decref(bystate);
	json_decref(rej);
	json_decref(rev);
	json_decref(notes);
	return rc;
}

/* --- the report --- */

static int
cmp_window(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c;

	if ((c = strcmp(str(x, "route"), str(y, "route"))) != 0)
		return c;
	if ((c = strcmp(str(x, "opens"), str(y, "opens"))) != 0)
		return c;
	return strcmp(str(x, "id"), str(y, "id"));
}

static const char SOURCES[] =
    "{\"submissions\":\"ledger: submission.submitted entries naming the "
    "window\","
    "\"by_state\":\"ledger: each submission's latest entry (reviews, "
    "requests for information and answers, decisions, withdrawals)\","
    "\"decisions\":\"ledger: decision.approved and decision.rejected\","
    "\"time_to_decision_days\":\"ledger: the time of the first "
    "submission.submitted entry to that of the decision entry\","
    "\"information_requests\":\"ledger: information.requested\","
    "\"uncovered_ksbs\":\"ledger: the coverage in submission.submitted "
    "(or in information.provided for an amended submission); the KSB's "
    "words from the standards catalogue\","
    "\"uncovered_ksbs.reasons\":\"submissions partners may read: the "
    "reasons given in each submission's mapping why a KSB cannot be attained\","
    "\"rejection_reasons\":\"ledger: the reasons decision.rejected "
    "records\","
    "\"revocations\":\"ledger: mark.revoked (reason and note)\","
    "\"awarding_bodies\":\"ledger: the organisation in "
    "submission.submitted; names from the organisations\","
    "\"windows\":\"ledger: window.opened, and window.closed for a "
    "window closed early\"}";

int
htq_report(struct htq_db *db, MDB_txn *txn, const struct htq_actor *a,
    const struct htq_report_filter *flt, json_t **out, struct htq_why *why)
{
	struct scan sc;
	json_t *wl = NULL, **wv = NULL, *group = NULL, *routes = NULL;
	json_t *byroute = NULL, *rep = NULL, *f, *w, *s, *x;
	const char *k;
	json_int_t through = -1;
	const char *through_time = NULL;
	char tbuf[21] = "";
	size_t i, n = 0;
	int rc = HTQ_ENOMEM;

	*out = NULL;
	if (a->role != HTQ_ROLE_AUDITOR && a->role != HTQ_ROLE_ADMIN &&
	    a->role != HTQ_ROLE_OPERATOR)
		return htq_refuse(why, HTQ_EPERM, "", "reports are for "
		    "auditors (the partners) and administrators");
	memset(&sc, 0, sizeof(sc));
	sc.flt = flt;
	sc.windows = json_object();
	sc.subs = json_object();
	wl = json_array();
	routes = json_array();
	byroute = json_object();
	if (sc.windows == NULL || sc.subs == NULL || wl == NULL ||
	    routes == NULL || byroute == NULL)
		goto out;
	if ((rc = scan_ledger(db, txn, &sc)) != HTQ_OK)
		goto out;
	rc = HTQ_ENOMEM;
	if ((wv = calloc(json_object_size(sc.windows) + 1, sizeof(*wv))) ==
	    NULL)
		goto out;
	json_object_foreach(sc.windows, k, w)
		if (window_wanted(flt, w))
			wv[n++] = w;
	if (n == 0) {
		rc = htq_refuse(why, HTQ_ENOTFOUND, flt->window ? "window" :
		    "route", "no submission window %s", flt->window ?
		    "with that id" : "for that route");
		goto out;
	}
	qsort(wv, n, sizeof(*wv), cmp_window);
	for (i = 0; i < n; i++) {
		if (json_integer_value(json_object_get(wv[i], "seq")) >
		    through) {
			through = json_integer_value(json_object_get(wv[i],
			    "seq"));
			through_time = str(wv[i], "time");
		}
		if ((group = json_array()) == NULL)
			goto out;
		json_object_foreach(sc.subs, k, s) {
			if (strcmp(str(s, "window"), str(wv[i], "id")) != 0)
				continue;
			json_array_append(group, s);
			if (json_integer_value(json_object_get(s, "last")) >
			    through) {
				through = json_integer_value(json_object_get(s,
				    "last"));
				through_time = str(s, "last_time");
			}
			if ((x = json_object_get(byroute, str(s,
			    "route"))) == NULL) {
				x = json_array();
				json_object_set_new(byroute, str(s, "route"), x);
			}
			json_array_append(x, s);
		}
		if ((rc = figures(db, txn, group, &f)) != HTQ_OK)
			goto out;
		rc = HTQ_ENOMEM;
		json_decref(group);
		group = NULL;
		x = json_pack("{s:{s:O,s:O,s:O,s:O,s:O},s:o}", "window", "id",
		    json_object_get(wv[i], "id"), "route",
		    json_object_get(wv[i], "route"), "opens",
		    json_object_get(wv[i], "opens"), "closes",
		    json_object_get(wv[i], "closes"), "closed_on",
		    json_object_get(wv[i], "closed_on") ? json_object_get(wv[i],
		    "closed_on") : json_null(), "figures", f);
		if (x == NULL || json_array_append_new(wl, x) != 0)
			goto out;
		/* every route with a window in the report has its total */
		if (json_object_get(byroute, str(wv[i], "route")) == NULL)
			json_object_set_new(byroute, str(wv[i], "route"),
			    json_array());
	}
	json_object_foreach(byroute, k, x) {
		if ((rc = figures(db, txn, x, &f)) != HTQ_OK)
			goto out;
		rc = HTQ_ENOMEM;
		if ((s = json_pack("{s:s,s:o}", "route", k, "figures", f)) ==
		    NULL || json_array_append_new(routes, s) != 0)
			goto out;
	}
	/* routes in name order: object iteration order is not */
	if (json_array_size(routes) > 1) {
		json_t **rv = calloc(json_array_size(routes), sizeof(*rv));
		json_t *sorted = json_array();

		if (rv == NULL || sorted == NULL) {
			free(rv);
			json_decref(sorted);
			goto out;
		}
		json_array_foreach(routes, i, x)
			rv[i] = x;
		qsort(rv, json_array_size(routes), sizeof(*rv), cmp_window);
		for (i = 0; i < json_array_size(routes); i++)
			json_array_append(sorted, rv[i]);
		free(rv);
		json_decref(routes);
		routes = sorted;
	}
	if (through_time != NULL)
		snprintf(tbuf, sizeof(tbuf), "%s", through_time);
	rep = json_pack("{s:{s:s?,s:s?},s:{s:I,s:s},s:o,s:O,s:O}",
	    "filter", "window", flt->window, "route", flt->route,
	    "through", "seq", through, "time", tbuf,
	    "sources", json_loads(SOURCES, 0, NULL),
	    "windows", wl, "routes", routes);
	if (rep == NULL)
		goto out;
	*out = rep;
	rc = HTQ_OK;
out:
	free(wv);
	json_decref(sc.windows);
	json_decref(sc.subs);
	json_decref(wl);
	json_decref(routes);
	json_decref(byroute);
	json_decref(group);
	return rc;
}

/* --- rendering --- */

/* Reals with at most 10 significant digits: a rounded 66.7 prints as
 * "66.7", not 66.700000000000003. */
#define REPORT_JSON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | \
	JSON_REAL_PRECISION(10))

struct buf {
	char	*p;
	size_t	 len, cap;
	int	 err;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	char *np;
	size_t cap;

	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->err = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/*
 * One CSV field (RFC 4180: quoted when it holds a comma, quote or line
 * break, quotes doubled).  A text that a spreadsheet would take for a
 * formula (it starts with = + - @, a tab or a carriage return) is
 * preceded by an apostrophe, as OWASP advises for CSV files opened in
 * spreadsheets; the JSON carries the text as given.
 */
static void
field(struct buf *b, const char *s, int text)
{
	const char *p;
	int quote = strpbrk(s, ",\"\r\n") != NULL;

	if (quote)
		put(b, "\"", 1);
	if (text && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		put(b, "'", 1);
	for (p = s; *p != '\0'; p++) {
		put(b, p, 1);
		if (*p == '"')
			put(b, "\"", 1);	/* doubled */
	}
	if (quote)
		put(b, "\"", 1);
}

/* A JSON scalar as CSV text: "" for null, integers and reals as the
 * JSON prints them. */
static void
value(struct buf *b, const json_t *v)
{
	char *s;

	if (v == NULL || json_is_null(v))
		return;
	if (json_is_string(v)) {
		field(b, json_string_value(v), 1);
		return;
	}
	if ((s = json_dumps(v, JSON_ENCODE_ANY | REPORT_JSON_FLAGS)) == NULL) {
		b->err = 1;
		return;
	}
	put(b, s, strlen(s));
	free(s);
}

static void
row(struct buf *b, const char *scope, const json_t *scope_id,
    const char *figure, const char *item, const char *detail,
    const json_t *v)
{
	field(b, scope, 0);
	put(b, ",", 1);
	if (json_is_string(scope_id))
		field(b, json_string_value(scope_id), 1);
	put(b, ",", 1);
	field(b, figure, 0);
	put(b, ",", 1);
	field(b, item, 1);
	put(b, ",", 1);
	field(b, detail, 1);
	put(b, ",", 1);
	value(b, v);
	put(b, "\r\n", 2);
}

/* The rows of one group's figures. */
static void
figure_rows(struct buf *b, const char *scope, const json_t *id,
    const json_t *f)
{
	static const char *const objs[] = { "by_state", "decisions",
	    "time_to_decision_days", "information_requests", NULL };
	const json_t *o, *x, *r, *rv;
	const char *k;
	json_t *v;
	size_t i, j;
	char item[96];

	row(b, scope, id, "submissions", "", "", json_object_get(f,
	    "submissions"));
	for (i = 0; objs[i] != NULL; i++) {
		o = json_object_get(f, objs[i]);
		if (strcmp(objs[i], "by_state") == 0) {
			for (j = 0; states[j] != NULL; j++)
				row(b, scope, id, objs[i], states[j], "",
				    json_object_get(o, states[j]));
			continue;
		}
		/* fixed member order: sorted, as the JSON prints them */
		{
			const char *keys[8];
			size_t n = 0, a, c;

			json_object_foreach((json_t *)o, k, v)
				if (n < 8)
					keys[n++] = k;
			for (a = 1; a < n; a++)
				for (c = a; c > 0 && strcmp(keys[c - 1],
				    keys[c]) > 0; c--) {
					const char *t = keys[c];

					keys[c] = keys[c - 1];
					keys[c - 1] = t;
				}
			for (a = 0; a < n; a++)
				row(b, scope, id, objs[i], keys[a], "",
				    json_object_get(o, keys[a]));
		}
	}
	json_array_foreach(json_object_get(f, "uncovered_ksbs"), i, x) {
		snprintf(item, sizeof(item), "%s %s", json_string_value(
		    json_object_get(x, "standard")), json_string_value(
		    json_object_get(x, "ksb")));
		row(b, scope, id, "uncovered_ksbs", item, "",
		    json_object_get(x, "submissions"));
		json_array_foreach(json_object_get(x, "reasons"), j, r)
			row(b, scope, id, "uncovered_ksbs.reasons", item,
			    json_string_value(json_object_get(r, "reason")),
			    json_object_get(r, "submissions"));
	}
	json_array_foreach(json_object_get(f, "rejection_reasons"), i, x)
		row(b, scope, id, "rejection_reasons", json_string_value(
		    json_object_get(x, "reasons")), "", json_object_get(x,
		    "submissions"));
	rv = json_object_get(f, "revocations");
	row(b, scope, id, "revocations", "total", "", json_object_get(rv,
	    "total"));
	for (i = 0; revoke_reasons[i] != NULL; i++)
		row(b, scope, id, "revocations.by_reason", revoke_reasons[i],
		    "", json_object_get(json_object_get(rv, "by_reason"),
		    revoke_reasons[i]));
	json_array_foreach(json_object_get(rv, "notes"), i, x)
		row(b, scope, id, "revocations.notes", json_string_value(
		    json_object_get(x, "note")), "", json_object_get(x, "marks"));
	json_array_foreach(json_object_get(f, "awarding_bodies"), i, x) {
		row(b, scope, id, "awarding_bodies.submissions",
		    json_string_value(json_object_get(x, "name")), "",
		    json_object_get(x, "submissions"));
		row(b, scope, id, "awarding_bodies.approved",
		    json_string_value(json_object_get(x, "name")), "",
		    json_object_get(x, "approved"));
	}
}

#define CSV_HEAD "scope,id,figure,item,detail,value\r\n"

int
htq_report_render(const json_t *rep, int csv, char **out, size_t *len)
{
	struct buf b = { NULL, 0, 0, 0 };
	const json_t *x, *th;
	size_t i;

	*out = NULL;
	*len = 0;
	if (!csv) {
		if ((*out = json_dumps(rep, REPORT_JSON_FLAGS)) == NULL)
			return HTQ_ENOMEM;
		*len = strlen(*out);
		return HTQ_OK;
	}
	put(&b, CSV_HEAD, sizeof(CSV_HEAD) - 1);
	th = json_object_get(rep, "through");
	row(&b, "report", NULL, "through", "seq", "", json_object_get(th,
	    "seq"));
	row(&b, "report", NULL, "through", "time", "", json_object_get(th,
	    "time"));
	json_array_foreach(json_object_get(rep, "windows"), i, x) {
		const json_t *w = json_object_get(x, "window");

		row(&b, "window", json_object_get(w, "id"), "window", "route",
		    "", json_object_get(w, "route"));
		row(&b, "window", json_object_get(w, "id"), "window", "opens",
		    "", json_object_get(w, "opens"));
		row(&b, "window", json_object_get(w, "id"), "window", "closes",
		    "", json_object_get(w, "closes"));
		row(&b, "window", json_object_get(w, "id"), "window",
		    "closed_on", "", json_object_get(w, "closed_on"));
		figure_rows(&b, "window", json_object_get(w, "id"),
		    json_object_get(x, "figures"));
	}
	json_array_foreach(json_object_get(rep, "routes"), i, x)
		figure_rows(&b, "route", json_object_get(x, "route"),
		    json_object_get(x, "figures"));
	if (b.err) {
		free(b.p);
		return HTQ_ENOMEM;
	}
	*out = b.p;
	*len = b.len;
	return HTQ_OK;
}
