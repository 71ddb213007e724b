/*
 * register.c - the public register: every quality mark, revoked ones
 * included, in id order, filtered and paged.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain.h"

/* Case-insensitive substring test (ASCII). */
static int
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;

	if (hay == NULL)
		return 0;
	for (; *hay != '\0'; hay++) {
		for (i = 0; i < n && hay[i] != '\0' &&
		    tolower((unsigned char)hay[i]) ==
		    tolower((unsigned char)needle[i]); i++)
			;
		if (i == n)
			return 1;
	}
	return n == 0;
}

static int
register_match(const json_t *m, const struct htq_register_filter *f)
{
	const char *s;
	char lvl[16];

	if (f->route && ((s = htq_jstr(m, "route", NULL)) == NULL ||
	    strcasecmp(s, f->route) != 0))
		return 0;
	if (f->standard && ((s = htq_jstr(m, "standard", "ref")) == NULL ||
	    strcasecmp(s, f->standard) != 0))
		return 0;
	if (f->awarding_body && ((s = htq_jstr(m, "awarding_body", "id")) ==
	    NULL || strcmp(s, f->awarding_body) != 0))
		return 0;
	if (f->status && ((s = htq_jstr(m, "status", NULL)) == NULL ||
	    strcmp(s, f->status) != 0))
		return 0;
	if (f->level) {
		const json_t *l = json_object_get(json_object_get(m,
		    "qualification"), "level");

		if (json_is_integer(l))
			snprintf(lvl, sizeof(lvl), "%lld",
			    (long long)json_integer_value(l));
		else if (json_is_string(l))
			snprintf(lvl, sizeof(lvl), "%s", json_string_value(l));
		else
			return 0;
		if (strcmp(lvl, f->level) != 0)
			return 0;
	}
	if (f->q && *f->q && !contains_ci(htq_jstr(m, "qualification", "title"),
	    f->q) && !contains_ci(htq_jstr(m, "qualification", "qan"), f->q))
		return 0;
	return 1;
}

/* A register item: the public facts, the status, the revocation. */
static json_t *
register_item(const json_t *m)
{
	const json_t *r = json_object_get(m, "revoked");
	json_t *it;

	it = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O}",
	    "mark_id", json_object_get(m, "id"),
	    "status", json_object_get(m, "status"),
	    "qualification", json_object_get(m, "qualification"),
	    "awarding_body", json_object_get(m, "awarding_body"),
	    "standard", json_object_get(m, "standard"),
	    "route", json_object_get(m, "route"),
	    "awarded", json_object_get(m, "awarded"),
	    "first_teaching", json_object_get(m, "first_teaching") ?
	    json_object_get(m, "first_teaching") : json_null(),
	    "review_by", json_object_get(m, "review_by"));
	if (it != NULL && json_is_object(r))
		json_object_set_new(it, "revoked", json_pack("{s:O,s:O}",
		    "date", json_object_get(r, "date"), "reason",
		    json_object_get(r, "reason")));
	return it;
}

int
htq_register_list(struct htq_db *db, MDB_txn *txn,
    const struct htq_register_filter *f, json_t **out)
{
	MDB_cursor *c;
	MDB_val k, v;
	json_t *items, *m;
	json_error_t err;
	char last[HTQ_MARK_ID_LEN + 1] = "";
	size_t n = 0;
	int rc, op = MDB_FIRST, more = 0;

	*out = NULL;
	if ((items = json_array()) == NULL)
		return HTQ_ENOMEM;
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_MARK), &c)) != 0) {
		json_decref(items);
		return htq_mdb_err(rc);
	}
	if (f->after != NULL) {
		k.mv_data = (void *)f->after;
		k.mv_size = strlen(f->after);
		op = MDB_SET_RANGE;
	}
	for (; (rc = mdb_cursor_get(c, &k, &v, op)) == 0; op = MDB_NEXT) {
		if (op == MDB_SET_RANGE && k.mv_size == strlen(f->after) &&
		    memcmp(k.mv_data, f->after, k.mv_size) == 0)
			continue;
		/* a record that cannot be read fails the list: a register
		 * that left a mark out would say it was never awarded */
		if ((m = json_loadb(v.mv_data, v.mv_size, 0, &err)) == NULL) {
			rc = HTQ_EFORMAT;
			break;
		}
		if (register_match(m, f)) {
			if (f->limit > 0 && n == f->limit) {
				more = 1;
				json_decref(m);
				break;
			}
			json_array_append_new(items, register_item(m));
			snprintf(last, sizeof(last), "%s",
			    json_string_value(json_object_get(m, "id")));
			n++;
		}
		json_decref(m);
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		json_decref(items);
		return rc == HTQ_EFORMAT ? rc : htq_mdb_err(rc);
	}
	*out = json_pack("{s:o}", "items", items);
	if (*out != NULL && more)
		json_object_set_new(*out, "next", json_string(last));
	return *out == NULL ? HTQ_ENOMEM : HTQ_OK;
}
