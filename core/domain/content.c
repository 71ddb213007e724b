/*
 * content.c - what a submission says and the rules it must keep: the
 * shape of a request (table-driven, like fcgi/validate.c), the content
 * rules checked on create, update and submit (qualification type and
 * level, QAN, an eligible standard of the qualification's own level, its
 * option, unit ids, every mapped KSB one of the standard's and every
 * mapped unit listed, a KSB either mapped or given a reason why it cannot
 * be attained), the completeness a submit needs (every KSB mapped to a
 * unit and an assessment, or given that reason), coverage of the
 * standard's KSBs, and the content's SHA-256 that submission.submitted
 * records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "domain.h"

/* Fields the server owns: refused in a request body. */
static const char *const server_owned[] = { "id", "status", "coverage",
    "organisation", "version", "created", "updated", "submitted_at",
    "content_sha256", "window", "reviews", "decision", "mark", "route",
    "standard_title", "withdrawn_at", "created_by", "authors", NULL };

static const char *const qual_types[] = { "HNC", "HND",
    "foundation_degree", "other", NULL };

static int
in_list(const char *s, const char *const *list)
{
	for (; s != NULL && *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* --- the shape of a request: table-driven, like fcgi/validate.c --- */

enum ftype { F_STR, F_INT, F_BOOL, F_OBJ, F_ARR };

/*
 * Every string is text someone else will see (a public page, a badge,
 * the ledger): one line unless the field says TX_LINES, multi-line free
 * text where a tab or a line break is harmless (htq_text_valid).
 */
enum ftext { TX_LINE, TX_LINES };

struct fld {
	const char	*name;
	enum ftype	 type;
	int		 required;
	long long	 min, max;	/* bytes, value, or items (max) */
	enum ftext	 text;		/* F_STR: one line or several */
};

static const char *const tnames[] = { "a string", "an integer",
    "true or false", "an object", "an array" };

/*
 * The path of field name (NULL: of the object itself) in the object at
 * path, the element idx of an array there when idx >= 0: written out only
 * when there is something to say about it, as a request is checked far
 * more often than it is refused.
 */
static const char *
at(char p[96], const char *path, long idx, const char *name)
{
	char base[48], q[41];

	if (idx >= 0)
		snprintf(base, sizeof(base), "%s[%ld]", path, idx);
	else
		snprintf(base, sizeof(base), "%s", path);
	if (name == NULL)
		snprintf(p, 96, "%s", base);
	else
		snprintf(p, 96, "%s%s%s", base, *base ? "." : "",
		    htq_clip(q, sizeof(q), name, 40));
	return p;
}

/*
 * Check obj (at path, "" for the top; element idx of the array at path
 * when idx >= 0) against fields: unknown and server-owned fields, missing
 * ones and wrong types are HTQ_EFORMAT; lengths and counts out of bounds
 * HTQ_EINVAL.
 */
static int
check_shape(const json_t *obj, const char *path, long idx,
    const struct fld *fields, int top, struct htq_why *why)
{
	const struct fld *f;
	const char *key;
	char p[96];
	json_t *v;
	long long n;

	if (!json_is_object(obj)) {
		at(p, path, idx, NULL);
		return htq_refuse(why, HTQ_EFORMAT, p, "%s: must be an object",
		    *p ? p : "body");
	}
	json_object_foreach((json_t *)obj, key, v) {
		for (f = fields; f->name != NULL; f++)
			if (strcmp(f->name, key) == 0)
				break;
		if (f->name == NULL && top && in_list(key, server_owned))
			return htq_refuse(why, HTQ_EFORMAT, at(p, path, idx,
			    key), "%s: set by the server, never by a request",
			    p);
		if (f->name == NULL)
			return htq_refuse(why, HTQ_EFORMAT, at(p, path, idx,
			    key), "%s: unknown field", p);
	}
	for (f = fields; f->name != NULL; f++) {
		v = json_object_get(obj, f->name);
		if (v == NULL) {
			if (f->required)
				return htq_refuse(why, HTQ_EFORMAT, at(p, path,
				    idx, f->name), "%s: required", p);
			continue;
		}
		switch (f->type) {
		case F_STR:
			if (!json_is_string(v))
				goto type;
			n = (long long)json_string_length(v);
			if (memchr(json_string_value(v), '\0', (size_t)n))
				return htq_refuse(why, HTQ_EFORMAT, at(p, path,
				    idx, f->name), "%s: contains a NUL", p);
			if (n < f->min || n > f->max)
				return htq_refuse(why, HTQ_EINVAL, at(p, path,
				    idx, f->name), "%s: must be %lld to %lld "
				    "bytes long", p, f->min, f->max);
			if (!htq_text_valid(json_string_value(v), f->text ==
			    TX_LINES))
				return htq_refuse(why, HTQ_EINVAL, at(p, path,
				    idx, f->name), "%s: %s", p, f->text ==
				    TX_LINES ? HTQ_TEXT_RULE : HTQ_LINE_RULE);
			break;
		case F_INT:
			if (!json_is_integer(v))
				goto type;
			n = json_integer_value(v);
			if (n < f->min || n > f->max)
				return htq_refuse(why, HTQ_EINVAL, at(p, path,
				    idx, f->name), "%s: must be from %lld to "
				    "%lld", p, f->min, f->max);
			break;
		case F_BOOL:
			if (!json_is_boolean(v))
				goto type;
			break;
		case F_OBJ:
			if (!json_is_object(v))
				goto type;
			break;
		case F_ARR:
			if (!json_is_array(v))
				goto type;
			if ((long long)json_array_size(v) > f->max)
				return htq_refuse(why, HTQ_EINVAL, at(p, path,
				    idx, f->name), "%s: at most %lld items", p,
				    f->max);
			break;
		}
		continue;
type:
		return htq_refuse(why, HTQ_EFORMAT, at(p, path, idx, f->name),
		    "%s: must be %s", p, tnames[f->type]);
	}
	return HTQ_OK;
}

static const struct fld content_fields[] = {
	{ "qualification", F_OBJ, 1, 0, 0, TX_LINE },
	{ "standard", F_OBJ, 1, 0, 0, TX_LINE },
	{ "units", F_ARR, 1, 0, HTQ_MAX_UNITS, TX_LINE },
	{ "mapping", F_ARR, 1, 0, HTQ_MAX_KSBS, TX_LINE },
	{ NULL, 0, 0, 0, 0, TX_LINE }
};
/* A draft may be saved before its standard is chosen (the journey saves
 * from its first page): the same fields, the standard not yet required. */
static const struct fld draft_fields[] = {
	{ "qualification", F_OBJ, 1, 0, 0, TX_LINE },
	{ "standard", F_OBJ, 0, 0, 0, TX_LINE },
	{ "units", F_ARR, 1, 0, HTQ_MAX_UNITS, TX_LINE },
	{ "mapping", F_ARR, 1, 0, HTQ_MAX_KSBS, TX_LINE },
	{ NULL, 0, 0, 0, 0, TX_LINE }
};
static const struct fld qual_fields[] = {
	{ "title", F_STR, 1, 1, HTQ_MAX_TITLE, TX_LINE },
	{ "type", F_STR, 1, 1, 32, TX_LINE },
	{ "level", F_INT, 1, 0, 99, TX_LINE },
	{ "qan", F_STR, 0, 0, 16, TX_LINE },
	{ NULL, 0, 0, 0, 0, TX_LINE }
};
static const struct fld std_fields[] = {
	{ "ref", F_STR, 1, 1, 16, TX_LINE },
	{ "version", F_STR, 1, 1, HTQ_MAX_VERSION, TX_LINE },
	{ "option", F_STR, 0, 1, HTQ_MAX_TITLE, TX_LINE },
	{ NULL, 0, 0, 0, 0, TX_LINE }
};
static const struct fld unit_fields[] = {
	{ "id", F_STR, 1, 1, HTQ_MAX_UNIT_ID, TX_LINE },
	{ "title", F_STR, 1, 1, HTQ_MAX_TITLE, TX_LINE },
	{ "glh", F_INT, 0, 0, 10000, TX_LINE },
	{ NULL, 0, 0, 0, 0, TX_LINE }
};
static const struct fld map_fields[] = {
	{ "ksb", F_STR, 1, 1, 8, TX_LINE },
	{ "units", F_ARR, 1, 0, HTQ_MAX_MAP_UNITS, TX_LINE },
	{ "assessment", F_STR, 0, 1, HTQ_MAX_TEXT, TX_LINES },
	/* why the KSB cannot be attained in an education setting: instead
	 * of units and an assessment, shown to reviewers and approvers */
	{ "not_attainable", F_STR, 0, 1, HTQ_MAX_TEXT, TX_LINES },
	{ NULL, 0, 0, 0, 0, TX_LINE }
};
static const struct fld review_fields[] = {
	{ "recommendation", F_STR, 1, 1, 16, TX_LINE },
	{ "comments", F_STR, 1, 1, HTQ_MAX_TEXT, TX_LINES },
	{ "ksb_findings", F_ARR, 0, 0, HTQ_MAX_FINDINGS, TX_LINE },
	{ NULL, 0, 0, 0, 0, TX_LINE }
};
static const struct fld finding_fields[] = {
	{ "ksb", F_STR, 1, 1, 8, TX_LINE },
	{ "agree", F_BOOL, 1, 0, 0, TX_LINE },
	{ "note", F_STR, 0, 0, HTQ_MAX_TEXT, TX_LINES },
	{ NULL, 0, 0, 0, 0, TX_LINE }
};

/* Ofqual qualification number NNN/NNNN/N (the last may be X). */
static int
qan_valid(const char *s)
{
	int i;

	if (strlen(s) != 10 || s[3] != '/' || s[8] != '/')
		return 0;
	for (i = 0; i < 10; i++) {
		if (i == 3 || i == 8)
			continue;
		if (!(s[i] >= '0' && s[i] <= '9') && !(i == 9 && s[i] == 'X'))
			return 0;
	}
	return 1;
}

/* Letters, digits, '.', '-', '_'. */
static int
unit_id_valid(const char *s)
{
	return *s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == strlen(s);
}

/* The stored standard named by content, parsed (*std a new reference). */
int
htq_load_standard(struct htq_db *db, MDB_txn *txn, const json_t *c,
    json_t **std, struct htq_why *why)
{
	const json_t *s = json_object_get(c, "standard");
	const char *ref = json_string_value(json_object_get(s, "ref"));
	const char *ver = json_string_value(json_object_get(s, "version"));
	const char *buf;
	size_t len;
	int rc;

	*std = NULL;
	if (!htq_ref_valid(ref))
		return htq_refuse(why, HTQ_EINVAL, "standard.ref", "standard.ref"
		    ": ST followed by four digits, e.g. ST0116");
	if (!htq_version_valid(ver))
		return htq_refuse(why, HTQ_EINVAL, "standard.version",
		    "standard.version: a version like 1.0");
	rc = htq_standard_get(db, txn, ref, ver, &buf, &len);
	if (rc == HTQ_ENOTFOUND)
		return htq_refuse(why, HTQ_EINVAL, "standard.version",
		    "standard.version: the catalogue has no %s version %s",
		    ref, ver);
	if (rc != HTQ_OK)
		return rc;
	if ((*std = json_loadb(buf, len, 0, NULL)) == NULL)
		return HTQ_EFORMAT;
	return HTQ_OK;
}

/* 1 if code is a KSB code of std. */
static int
std_has_ksb(const size_t counts[3], const char *code)
{
	static const char kinds[] = "KSB";
	const char *p;
	char *end;
	unsigned long n;

	if (code == NULL || (p = strchr(kinds, code[0])) == NULL ||
	    code[0] == '\0' || code[1] < '1' || code[1] > '9')
		return 0;
	n = strtoul(code + 1, &end, 10);
	return *end == '\0' && n >= 1 && n <= counts[p - kinds];
}

/*
 * How many knowledge, skill and behaviour KSBs std has.  Codes are
 * positional (K1..Kn, S1.., B1.., standards.c htq_ksb_code), so a
 * code exists when its number is within its kind's count.
 */
static void
ksb_counts(const json_t *std, size_t counts[3])
{
	static const char *const kinds[] = { "knowledge", "skill",
	    "behaviour" };
	const json_t *k;
	const char *kind;
	size_t i, x;

	counts[0] = counts[1] = counts[2] = 0;
	json_array_foreach(json_object_get(std, "ksbs"), i, k) {
		kind = json_string_value(json_object_get(k, "kind"));
		for (x = 0; x < 3; x++)
			if (kind != NULL && strcmp(kind, kinds[x]) == 0)
				counts[x]++;
	}
}

/*
 * The rules a submission's content must keep, checked on create, update
 * and submit.  On success *stdout (if not NULL) is the standard, parsed.
 * A draft (draft set) may leave out the standard, and then maps no KSB
 * yet; a submit (draft 0) needs it like every other rule.
 */
static int
check_content(struct htq_db *db, MDB_txn *txn, const json_t *c,
    json_t **stdout_, int draft, struct htq_why *why)
{
	const json_t *q, *s, *units, *map, *u, *m, *x;
	const char *str, *opt;
	json_t *std = NULL, *ids = NULL, *ksbs = NULL;
	json_int_t level, slevel;
	char p[96], quote[65];
	size_t i, j, counts[3] = { 0, 0, 0 };
	int rc, found;

	if (stdout_)
		*stdout_ = NULL;
	if (!draft && json_is_object(c) && json_object_get(c, "standard") ==
	    NULL)
		return htq_refuse(why, HTQ_EFORMAT, "standard", "standard: "
		    "required: choose the occupational standard the "
		    "qualification is mapped against");
	if ((rc = check_shape(c, "", -1, draft ? draft_fields :
	    content_fields, 1, why)) != HTQ_OK)
		return rc;
	q = json_object_get(c, "qualification");
	s = json_object_get(c, "standard");
	units = json_object_get(c, "units");
	map = json_object_get(c, "mapping");
	if ((rc = check_shape(q, "qualification", -1, qual_fields, 0, why)) ||
	    (s != NULL && (rc = check_shape(s, "standard", -1, std_fields, 0,
	    why))))
		return rc;
	json_array_foreach(units, i, u)
		if ((rc = check_shape(u, "units", (long)i, unit_fields, 0,
		    why)) != HTQ_OK)
			return rc;
	json_array_foreach(map, i, m) {
		if ((rc = check_shape(m, "mapping", (long)i, map_fields, 0,
		    why)) != HTQ_OK)
			return rc;
		json_array_foreach(json_object_get(m, "units"), j, x)
			if (!json_is_string(x)) {
				snprintf(p, sizeof(p), "mapping[%zu].units[%zu]",
				    i, j);
				return htq_refuse(why, HTQ_EFORMAT, p, "%s: "
				    "must be a string (a unit id)", p);
			}
	}
	/* the rules */
	if (!in_list(json_string_value(json_object_get(q, "type")),
	    qual_types))
		return htq_refuse(why, HTQ_EINVAL, "qualification.type",
		    "qualification.type: one of HNC, HND, foundation_degree, "
		    "other");
	level = json_integer_value(json_object_get(q, "level"));
	if (level != 4 && level != 5)
		return htq_refuse(why, HTQ_EINVAL, "qualification.level",
		    "qualification.level: an HTQ is at level 4 or 5");
	str = json_string_value(json_object_get(q, "qan"));
	if (str != NULL && !qan_valid(str))
		return htq_refuse(why, HTQ_EINVAL, "qualification.qan",
		    "qualification.qan: an Ofqual qualification number looks "
		    "like 603/1234/5");
	if (s == NULL && json_array_size(map) > 0)
		return htq_refuse(why, HTQ_EINVAL, "mapping", "mapping: choose "
		    "the standard before mapping its KSBs");
	if (s == NULL)
		goto units;
	if ((rc = htq_load_standard(db, txn, c, &std, why)) != HTQ_OK)
		return rc;
	if (!json_is_true(json_object_get(std, "eligible"))) {
		str = json_string_value(json_object_get(std,
		    "ineligible_reason"));
		rc = htq_refuse(why, HTQ_EINVAL, "standard.ref", "standard.ref"
		    ": %s is not eligible for HTQ approval: %s",
		    json_string_value(json_object_get(std, "ref")),
		    str ? str : "the catalogue says so");
		goto out;
	}
	slevel = json_integer_value(json_object_get(std, "level"));
	if (level != slevel) {
		rc = htq_refuse(why, HTQ_EINVAL, "qualification.level",
		    "qualification.level: %s is a level %lld standard, so the "
		    "qualification must be level %lld too (it says %lld)",
		    json_string_value(json_object_get(std, "ref")),
		    (long long)slevel, (long long)slevel, (long long)level);
		goto out;
	}
	if ((opt = json_string_value(json_object_get(s, "option"))) != NULL) {
		found = 0;
		json_array_foreach(json_object_get(std, "options"), i, x)
			if (strcmp(opt, json_string_value(json_object_get(x,
			    "title"))) == 0 || (*json_string_value(
			    json_object_get(x, "id")) && strcmp(opt,
			    json_string_value(json_object_get(x, "id"))) == 0))
				found = 1;
		if (!found) {
			rc = htq_refuse(why, HTQ_EINVAL, "standard.option",
			    "standard.option: %s %s has no option \"%s\"",
			    json_string_value(json_object_get(std, "ref")),
			    json_string_value(json_object_get(std, "version")),
			    htq_clip(quote, sizeof(quote), opt, 64));
			goto out;
		}
	}
units:
	if ((ids = json_object()) == NULL || (ksbs = json_object()) == NULL) {
		rc = HTQ_ENOMEM;
		goto out;
	}
	json_array_foreach(units, i, u) {
		str = json_string_value(json_object_get(u, "id"));
		if (!unit_id_valid(str)) {
			rc = htq_refuse(why, HTQ_EINVAL, at(p, "units", (long)i,
			    "id"), "%s: letters, digits, '.', '-' and '_' only",
			    p);
			goto out;
		}
		if (json_object_get(ids, str) != NULL) {
			rc = htq_refuse(why, HTQ_EINVAL, at(p, "units", (long)i,
			    "id"), "%s: unit \"%s\" is listed twice", p, str);
			goto out;
		}
		json_object_set_new(ids, str, json_true());
	}
	if (std != NULL)
		ksb_counts(std, counts);
	json_array_foreach(map, i, m) {
		str = json_string_value(json_object_get(m, "ksb"));
		if (!std_has_ksb(counts, str)) {
			rc = htq_refuse(why, HTQ_EINVAL, at(p, "mapping",
			    (long)i, "ksb"), "%s: %s %s has no "
			    "KSB \"%s\"", p, json_string_value(json_object_get(
			    std, "ref")), json_string_value(json_object_get(std,
			    "version")), str);
			goto out;
		}
		if (json_object_get(ksbs, str) != NULL) {
			rc = htq_refuse(why, HTQ_EINVAL, at(p, "mapping",
			    (long)i, "ksb"), "%s: %s is mapped twice", p, str);
			goto out;
		}
		json_object_set_new(ksbs, str, json_true());
		if (json_object_get(m, "not_attainable") != NULL &&
		    (json_array_size(json_object_get(m, "units")) > 0 ||
		    json_object_get(m, "assessment") != NULL)) {
			rc = htq_refuse(why, HTQ_EINVAL, at(p, "mapping",
			    (long)i, "not_attainable"), "%s: %s has units or an "
			    "assessment, so it is attained; give units and an "
			    "assessment, or a reason it cannot be attained, not "
			    "both", p, str);
			goto out;
		}
		json_array_foreach(json_object_get(m, "units"), j, x) {
			if (json_object_get(ids, json_string_value(x)) != NULL)
				continue;
			snprintf(p, sizeof(p), "mapping[%zu].units[%zu]", i, j);
			rc = htq_refuse(why, HTQ_EINVAL, p, "%s: no unit \"%s\" "
			    "in units", p, json_string_value(x));
			goto out;
		}
	}
	rc = HTQ_OK;
out:
	json_decref(ids);
	json_decref(ksbs);
	if (rc == HTQ_OK && stdout_ != NULL)
		*stdout_ = std;
	else
		json_decref(std);
	return rc;
}

int
htq_check_content(struct htq_db *db, MDB_txn *txn, const json_t *c,
    json_t **stdout_, struct htq_why *why)
{
	return check_content(db, txn, c, stdout_, 0, why);
}

int
htq_check_draft(struct htq_db *db, MDB_txn *txn, const json_t *c,
    json_t **stdout_, struct htq_why *why)
{
	return check_content(db, txn, c, stdout_, 1, why);
}

/* --- coverage and hashing --- */

/*
 * Coverage: a KSB is covered when a mapping entry gives it at least one
 * unit and an assessment; one not covered is either justified (the entry
 * says why it cannot be attained in an education setting) or unexplained.
 */
json_t *
htq_coverage_of(const json_t *std, const json_t *content)
{
	static const char *const kinds[] = { "knowledge", "skill",
	    "behaviour" };
	static const char *const keys[] = { "knowledge", "skills",
	    "behaviours" };
	json_int_t covered[3] = { 0, 0, 0 }, total[3] = { 0, 0, 0 }, c = 0, t;
	json_t *state, *uncovered, *justified, *unexplained, *out, *k, *m, *v;
	const char *kind, *code;
	size_t i, n;
	int kx;

	state = json_object();
	uncovered = json_array();
	justified = json_array();
	unexplained = json_array();
	out = json_object();
	if (state == NULL || uncovered == NULL || justified == NULL ||
	    unexplained == NULL || out == NULL)
		goto fail;
	/* per code: true covered, false given a reason */
	json_array_foreach(json_object_get(content, "mapping"), i, m) {
		if (!json_is_string(json_object_get(m, "ksb")))
			continue;
		if (json_array_size(json_object_get(m, "units")) > 0 &&
		    json_is_string(json_object_get(m, "assessment")))
			v = json_true();
		else if (json_is_string(json_object_get(m, "not_attainable")))
			v = json_false();
		else
			continue;
		json_object_set_new(state, json_string_value(json_object_get(m,
		    "ksb")), v);
	}
	json_array_foreach(json_object_get(std, "ksbs"), i, k) {
		kind = json_string_value(json_object_get(k, "kind"));
		code = json_string_value(json_object_get(k, "code"));
		for (kx = 0; kx < 3; kx++)
			if (kind && strcmp(kind, kinds[kx]) == 0)
				break;
		if (kx == 3 || code == NULL)
			continue;
		total[kx]++;
		v = json_object_get(state, code);
		if (json_is_true(v)) {
			covered[kx]++;
			continue;
		}
		json_array_append_new(uncovered, json_string(code));
		json_array_append_new(v ? justified : unexplained,
		    json_string(code));
	}
	json_decref(state);
	state = NULL;
	t = total[0] + total[1] + total[2];
	c = covered[0] + covered[1] + covered[2];
	for (kx = 0; kx < 3; kx++)
		json_object_set_new(out, keys[kx], json_pack("{s:I,s:I}",
		    "covered", covered[kx], "total", total[kx]));
	n = t > 0 ? (size_t)(c * 100 / t) : 0;
	if (json_object_set_new(out, "covered", json_integer(c)) ||
	    json_object_set_new(out, "total", json_integer(t)) ||
	    json_object_set_new(out, "percentage",
	    json_integer((json_int_t)n)) ||
	    json_object_set_new(out, "uncovered", uncovered) ||
	    json_object_set_new(out, "not_attainable", justified) ||
	    json_object_set_new(out, "unexplained", unexplained)) {
		uncovered = justified = unexplained = NULL;
		goto fail;
	}
	return out;
fail:
	json_decref(state);
	json_decref(uncovered);
	json_decref(justified);
	json_decref(unexplained);
	json_decref(out);
	return NULL;
}

int
htq_check_complete(const json_t *coverage, struct htq_why *why)
{
	const json_t *list = json_object_get(coverage, "unexplained");
	size_t n = json_array_size(list), i;
	char codes[96] = "";
	size_t len = 0;

	if (n == 0)
		return HTQ_OK;
	for (i = 0; i < n && i < 8; i++)
		len += (size_t)snprintf(codes + len, sizeof(codes) - len, "%s%s",
		    i ? ", " : "", json_string_value(json_array_get(list, i)));
	return htq_refuse(why, HTQ_EINVAL, "mapping", "mapping: %zu KSB%s "
	    "(%s%s) %s neither mapped to a unit and an assessment nor given a "
	    "reason (not_attainable) why %s cannot be attained in an "
	    "education setting", n, n == 1 ? "" : "s", codes, n > 8 ? ", ..." :
	    "", n == 1 ? "is" : "are", n == 1 ? "it" : "they");
}

int
htq_coverage(struct htq_db *db, MDB_txn *txn, const json_t *content,
    json_t **out)
{
	json_t *std;
	int rc;

	*out = NULL;
	if ((rc = htq_load_standard(db, txn, content, &std, NULL)) != HTQ_OK)
		return rc;
	*out = htq_coverage_of(std, content);
	json_decref(std);
	return *out ? HTQ_OK : HTQ_ENOMEM;
}

int
htq_content_hash(const json_t *content, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char *s = json_dumps(content, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY);

	if (s == NULL)
		return HTQ_ENOMEM;
	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	free(s);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	return HTQ_OK;
}


/* The shape of an employer review: {"recommendation","comments",
 * "ksb_findings"?}, recommendation approve or reject. */
int
htq_check_review(const json_t *review, struct htq_why *why)
{
	const json_t *f;
	const char *rcm;
	size_t i;
	int rc;

	if ((rc = check_shape(review, "", -1, review_fields, 0, why)) !=
	    HTQ_OK)
		return rc;
	json_array_foreach(json_object_get(review, "ksb_findings"), i, f)
		if ((rc = check_shape(f, "ksb_findings", (long)i,
		    finding_fields, 0, why)) != HTQ_OK)
			return rc;
	rcm = json_string_value(json_object_get(review, "recommendation"));
	if (strcmp(rcm, "approve") != 0 && strcmp(rcm, "reject") != 0)
		return htq_refuse(why, HTQ_EINVAL, "recommendation",
		    "recommendation: approve or reject");
	return HTQ_OK;
}

/* Every KSB a review's findings name is one of std's. */
int
htq_check_findings(const json_t *std, const json_t *review,
    struct htq_why *why)
{
	const json_t *f;
	size_t i, counts[3];
	char p[96];

	ksb_counts(std, counts);
	json_array_foreach(json_object_get(review, "ksb_findings"), i, f)
		if (!std_has_ksb(counts, json_string_value(json_object_get(f,
		    "ksb")))) {
			snprintf(p, sizeof(p), "ksb_findings[%zu].ksb", i);
			return htq_refuse(why, HTQ_EINVAL, p, "%s: the standard "
			    "has no KSB \"%s\"", p, json_string_value(
			    json_object_get(f, "ksb")));
		}
	return HTQ_OK;
}
