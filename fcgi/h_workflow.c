/*
 * h_workflow.c - the approvals workflow over HTTP: submission windows,
 * submissions, reviews, decisions and quality marks.
 *
 * These handlers only translate: the route table (routes.c) has already
 * admitted the caller's role (and, for awarding bodies, the submission's
 * organisation); the body's outer shape is parsed here; the rules, the
 * states, ownership, visibility and four eyes are core/'s, which gets the
 * caller as an explicit struct htq_actor.  Core's answers map to HTTP
 * once, in fcx_core_error() (response.c): EFORMAT 400, EPERM 403,
 * ENOTFOUND 404 (the one answer for "absent" and "not yours"), ECONFLICT
 * 409, EINVAL 422.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcx.h"
#include "pages.h"

/* Windows change rarely: the public schedule may be cached briefly. */
#define SCHEDULE_CACHE	"public, max-age=30"

/* A submission answer with its version as ETag (for If-Match). */
static int
sub_answer(struct fcx_resp *resp, int status, json_t *doc)
{
	snprintf(resp->extra, sizeof(resp->extra), "ETag: \"%lld\"\r\n%s%s%s",
	    (long long)json_integer_value(json_object_get(doc, "version")),
	    status == 201 ? "Location: /api/v1/submissions/" : "",
	    status == 201 ? json_string_value(json_object_get(doc, "id")) : "",
	    status == 201 ? "\r\n" : "");
	return fcx_json(resp, status, doc);
}

int
fcx_owner_submission(struct fcx_ctx *ctx, const struct fcx_req *req,
    char org[HTQ_ID_LEN + 1])
{
	if (req->ncaptures < 1)
		return HTQ_ENOTFOUND;
	return htq_submission_org(ctx->db, ctx->rtxn, req->captures[0], org);
}

/* --- windows --- */

int
fcx_h_windows(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp)
{
	static const char *const allowed[] = { "route", NULL };
	const char *route;
	json_t *doc;
	int rc;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK)
		return resp->status;
	route = fcx_param(req, "route");
	if (route != NULL && (*route == '\0' || strlen(route) > HTQ_MAX_TITLE))
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"route\" must be a route name");
	if ((rc = htq_windows_list(ctx->db, ctx->rtxn, route, &doc)) != HTQ_OK)
		return fcx_core_error(resp, rc, NULL);
	resp->cache = SCHEDULE_CACHE;
	return fcx_json(resp, 200, doc);
}

static const struct fcx_field window_fields[] = {
	{ "route", FCX_T_STRING, 1, 1, HTQ_MAX_TITLE },
	{ "opens", FCX_T_STRING, 1, HTQ_DATE_LEN, HTQ_DATE_LEN },
	{ "closes", FCX_T_STRING, 1, HTQ_DATE_LEN, HTQ_DATE_LEN },
	{ "first_teaching", FCX_T_STRING, 1, HTQ_DATE_LEN, HTQ_DATE_LEN },
	{ NULL, 0, 0, 0, 0 }
};

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int
fcx_h_window_open(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	json_t *w;
	int rc;

	if (fcx_validate_body(req->json, window_fields, resp) != HTQ_OK)
		return resp->status;
	memset(&why, 0, sizeof(why));
	rc = htq_window_open(ctx->db, &a, str(req->json, "route"),
	    str(req->json, "opens"), str(req->json, "closes"),
	    str(req->json, "first_teaching"), &w, &why);
	if (rc != HTQ_OK)
		return fcx_core_error(resp, rc, &why);
	return fcx_json(resp, 201, w);
}

int
fcx_h_window_close(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	json_t *w;
	int rc;

	memset(&why, 0, sizeof(why));
	if ((rc = htq_window_close(ctx->db, &a, req->captures[0], &w, &why)) !=
	    HTQ_OK)
		return fcx_core_error(resp, rc, &why);
	return fcx_json(resp, 200, w);
}

/* --- submissions --- */

int
fcx_h_sub_create(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	json_t *doc;
	int rc;

	memset(&why, 0, sizeof(why));
	if ((rc = htq_submission_create(ctx->db, &a, req->json, &doc, &why)) !=
	    HTQ_OK)
		return fcx_core_error(resp, rc, &why);
	return sub_answer(resp, 201, doc);
}

int
fcx_h_sub_list(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	static const char *const allowed[] = { "status", "standard", "route",
	    "organisation", "q", "after", "limit", NULL };
	struct htq_actor a = fcx_actor(req);
	struct htq_sub_filter f;
	long long limit;
	json_t *doc;
	int rc;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK ||
	    fcx_query_int(req, "limit", 1, HTQ_LIST_PAGE_MAX, HTQ_LIST_PAGE,
	    &limit, resp) != HTQ_OK)
		return resp->status;
	memset(&f, 0, sizeof(f));
	f.limit = (size_t)limit;
	f.status = fcx_param(req, "status");
	f.standard = fcx_param(req, "standard");
	f.route = fcx_param(req, "route");
	f.organisation = fcx_param(req, "organisation");
	f.q = fcx_param(req, "q");
	f.after = fcx_param(req, "after");
	if (f.q != NULL && strlen(f.q) > HTQ_SUB_QUERY_MAX)
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"q\": at most 200 bytes (a reference such as "
		    "HTQ-SUB-2026-0042, an id or part of a title)");
	if (f.status != NULL && !htq_status_valid(f.status) &&
	    strcmp(f.status, "awaiting_review") != 0 &&
	    strcmp(f.status, "awaiting_decision") != 0 &&
	    strcmp(f.status, "reviewed") != 0)
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"status\" must be one of draft, submitted, in_review, "
		    "information_requested, approved, rejected, withdrawn, "
		    "awaiting_review, awaiting_decision, reviewed");
	if (f.standard != NULL && !htq_ref_valid(f.standard))
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"standard\" must be a reference like ST0116");
	if (f.route != NULL && (*f.route == '\0' ||
	    strlen(f.route) > HTQ_MAX_TITLE))
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"route\" must be a route name");
	if (f.organisation != NULL && strlen(f.organisation) != HTQ_ID_LEN)
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"organisation\" must be an organisation id");
	if (f.after != NULL && strlen(f.after) != HTQ_ID_LEN)
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"after\" must be the \"next\" value of the previous page");
	if ((rc = htq_submissions_list(ctx->db, ctx->rtxn, &a, &f, &doc)) !=
	    HTQ_OK)
		return fcx_core_error(resp, rc, NULL);
	return fcx_json(resp, 200, doc);
}

/* The submission with the caller's actions (and, on a draft it may
 * submit, whether a submit would be accepted now). */
int
fcx_h_sub_get(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp)
{
	static const char *const allowed[] = { NULL };
	struct htq_actor a = fcx_actor(req);
	long long version;
	size_t len;
	char *body;
	int rc;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK)
		return resp->status;
	if ((rc = htq_submission_answer(ctx->db, ctx->rtxn, &a,
	    req->captures[0], &body, &len, &version)) != HTQ_OK)
		return fcx_core_error(resp, rc, NULL);
	snprintf(resp->extra, sizeof(resp->extra), "ETag: \"%lld\"\r\n",
	    version);
	resp->status = 200;
	resp->raw = resp->owned = body;
	resp->raw_len = len;
	return 200;
}

/* The version the client last read: If-Match ("\"3\"", W/ refused: a
 * weak tag cannot guard a write) or a "version" member of the body. */
static int
client_version(struct fcx_req *req, struct fcx_resp *resp, long long *out)
{
	const json_t *v = json_object_get(req->json, "version");
	const char *s = req->if_match;
	char *end;

	if (s[0] != '\0') {
		if (s[0] != '"' || s[1] < '0' || s[1] > '9')
			goto bad;
		*out = strtoll(s + 1, &end, 10);
		if (end[0] != '"' || end[1] != '\0' || *out < 1)
			goto bad;
		if (v != NULL && (!json_is_integer(v) ||
		    json_integer_value(v) != *out))
			return fcx_error(resp, 400, "invalid_request", "version "
			    "and If-Match disagree");
		return HTQ_OK;
	}
	if (v == NULL)
		return fcx_error(resp, 428, "version_required", "send the "
		    "version you last read: If-Match with its ETag, or a "
		    "\"version\" field");
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return fcx_error(resp, 400, "invalid_request", "version: must "
		    "be a positive integer");
	*out = json_integer_value(v);
	return HTQ_OK;
bad:
	return fcx_error(resp, 400, "bad_header", "If-Match must be the "
	    "ETag of the last read, e.g. \"3\"");
}

int
fcx_h_sub_update(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	long long version = 0;
	json_t *content, *doc;
	int rc;

	if (client_version(req, resp, &version) != HTQ_OK)
		return resp->status;
	if ((content = json_copy(req->json)) == NULL)
		return fcx_error(resp, 500, "internal", "out of memory");
	json_object_del(content, "version");
	memset(&why, 0, sizeof(why));
	rc = htq_submission_update(ctx->db, &a, req->captures[0], version,
	    content, &doc, &why);
	json_decref(content);
	if (rc != HTQ_OK)
		return fcx_core_error(resp, rc, &why);
	return sub_answer(resp, 200, doc);
}

static int
sub_action(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp,
    int (*fn)(struct htq_db *, const struct htq_actor *, const char *,
    json_t **, struct htq_why *))
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	json_t *doc;
	int rc;

	memset(&why, 0, sizeof(why));
	if ((rc = fn(ctx->db, &a, req->captures[0], &doc, &why)) != HTQ_OK)
		return fcx_core_error(resp, rc, &why);
	return sub_answer(resp, 200, doc);
}

int
fcx_h_sub_submit(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	return sub_action(ctx, req, resp, htq_submission_submit);
}

int
fcx_h_sub_withdraw(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	return sub_action(ctx, req, resp, htq_submission_withdraw);
}

int
fcx_h_sub_delete(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	int rc;

	memset(&why, 0, sizeof(why));
	if ((rc = htq_submission_delete(ctx->db, &a, req->captures[0],
	    &why)) != HTQ_OK)
		return fcx_core_error(resp, rc, &why);
	return fcx_json(resp, 200, json_pack("{s:s,s:b}", "id",
	    req->captures[0], "deleted", 1));
}

static const struct fcx_field question_fields[] = {
	{ "question", FCX_T_STRING, 1, 1, HTQ_MAX_TEXT },
	{ NULL, 0, 0, 0, 0 }
};

int
fcx_h_sub_info_request(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	json_t *doc;
	int rc;

	if (fcx_validate_body(req->json, question_fields, resp) != HTQ_OK)
		return resp->status;
	memset(&why, 0, sizeof(why));
	if ((rc = htq_information_request(ctx->db, &a, req->captures[0],
	    str(req->json, "question"), &doc, &why)) != HTQ_OK)
		return fcx_core_error(resp, rc, &why);
	return sub_answer(resp, 201, doc);
}

static const struct fcx_field answer_fields[] = {
	{ "answer", FCX_T_STRING, 1, 1, HTQ_MAX_TEXT },
	{ "content", FCX_T_OBJECT, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0 }
};

int
fcx_h_sub_info_respond(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	json_t *doc;
	int rc;

	if (fcx_validate_body(req->json, answer_fields, resp) != HTQ_OK)
		return resp->status;
	memset(&why, 0, sizeof(why));
	if ((rc = htq_information_respond(ctx->db, &a, req->captures[0],
	    str(req->json, "answer"), json_object_get(req->json, "content"),
	    &doc, &why)) != HTQ_OK)
		return fcx_core_error(resp, rc, &why);
	return sub_answer(resp, 200, doc);
}

int
fcx_h_sub_review(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	json_t *doc;
	int rc;

	memset(&why, 0, sizeof(why));
	if ((rc = htq_review_record(ctx->db, &a, req->captures[0], req->json,
	    &doc, &why)) != HTQ_OK)
		return fcx_core_error(resp, rc, &why);
	return sub_answer(resp, 201, doc);
}

static const struct fcx_field decision_fields[] = {
	{ "outcome", FCX_T_STRING, 1, 1, 16 },
	{ "reasons", FCX_T_STRING, 1, 1, HTQ_MAX_TEXT },
	{ NULL, 0, 0, 0, 0 }
};

int
fcx_h_sub_decide(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	json_t *doc;
	int rc;

	if (fcx_validate_body(req->json, decision_fields, resp) != HTQ_OK)
		return resp->status;
	memset(&why, 0, sizeof(why));
	if ((rc = htq_decide(ctx->db, &a, req->captures[0],
	    str(req->json, "outcome"), str(req->json, "reasons"), &doc,
	    &why)) != HTQ_OK)
		return fcx_core_error(resp, rc, &why);
	return sub_answer(resp, 200, doc);
}

/* --- marks --- */

int
fcx_h_mark(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp)
{
	static const char *const allowed[] = { NULL };
	json_t *m;
	int rc;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK)
		return resp->status;
	rc = htq_mark_bundle(ctx->db, ctx->rtxn, req->captures[0], &m);
	if (rc == HTQ_EINVAL)
		return fcx_error(resp, 400, "bad_mark_id", "not a quality mark "
		    "id: HTQ-<year>-<6 digits>-<check character>, and the check "
		    "character must match (a mistyped id is refused here)");
	if (rc == HTQ_ENOTFOUND)
		return fcx_error(resp, 404, "not_found", "no such quality mark");
	if (rc != HTQ_OK)
		return fcx_core_error(resp, rc, NULL);
	resp->cache = "no-cache";
	return fcx_json(resp, 200, m);
}

/* The register changes with every award: cache it briefly. */
#define REGISTER_CACHE	"public, max-age=5"

int
fcx_h_register(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	static const char *const allowed[] = { "route", "standard",
	    "awarding_body", "level", "status", "q", "after", "limit", NULL };
	struct htq_register_filter f;
	long long limit;
	json_t *out;
	int rc;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK ||
	    fcx_query_int(req, "limit", 1, HTQ_LIST_PAGE_MAX, HTQ_LIST_PAGE,
	    &limit, resp) != HTQ_OK)
		return resp->status;
	memset(&f, 0, sizeof(f));
	f.route = fcx_param(req, "route");
	f.standard = fcx_param(req, "standard");
	f.awarding_body = fcx_param(req, "awarding_body");
	f.level = fcx_param(req, "level");
	f.status = fcx_param(req, "status");
	f.q = fcx_param(req, "q");
	f.after = fcx_param(req, "after");
	f.limit = (size_t)limit;
	if (f.status != NULL && strcmp(f.status, "current") != 0 &&
	    strcmp(f.status, "revoked") != 0)
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"status\" must be current or revoked");
	if (f.after != NULL && !htq_mark_id_valid(f.after))
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"after\" must be the \"next\" value of the previous page");
	if (f.q != NULL && strlen(f.q) > 200)
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"q\": at most 200 bytes");
	if ((rc = htq_register_list(ctx->db, ctx->rtxn, &f, &out)) != HTQ_OK)
		return fcx_core_error(resp, rc, NULL);
	resp->cache = REGISTER_CACHE;
	return fcx_json(resp, 200, out);
}

/*
 * GET /register/search?q=&awarding_body=&route=&standard=&status=&page=:
 * the register's search for a browser with or without JavaScript (the
 * form on /register, a GET form, asks here).  The workers answer it, not
 * a published file: a search's answer depends on what was asked, and
 * publishing every combination is not possible.  The same table and form
 * as the published /register pages (core/publish/pages.c), from the same
 * register (core/domain/register.c), HTQ_REGISTER_PAGE marks a page
 * with links to the others.  Empty parameters (the form sends every
 * field) mean "any"; every value is at most HTQ_MAX_SEARCH bytes; a
 * refusal is an HTML page (fcx_html_problem).
 */
int
fcx_h_register_page(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	static const char *const allowed[] = { "q", "awarding_body", "route",
	    "standard", "status", "page", NULL };
	static const char *const text[] = { "q", "awarding_body", "route",
	    "standard", "status", NULL };
	struct htq_register_filter f, none;
	struct htq_site site;
	const char *v[5];
	json_t *all = NULL, *shown = NULL;
	long long page;
	char *out = NULL;
	size_t i, len = 0, n;
	int rc;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK ||
	    fcx_query_int(req, "page", 1, HTQ_REGISTER_MAX_PAGE, 1, &page,
	    resp) != HTQ_OK)
		return resp->status;
	for (i = 0; text[i] != NULL; i++) {
		v[i] = fcx_param(req, text[i]);
		if (v[i] != NULL && strlen(v[i]) > HTQ_MAX_SEARCH)
			return fcx_error(resp, 400, "bad_parameter", "\"%s\" is "
			    "too long: at most %d characters", text[i],
			    HTQ_MAX_SEARCH);
		if (v[i] != NULL && v[i][0] == '\0')
			v[i] = NULL;
	}
	memset(&f, 0, sizeof(f));
	f.q = v[0];
	f.awarding_body = v[1];
	f.route = v[2];
	f.standard = v[3];
	f.status = v[4];
	if (f.status != NULL && strcmp(f.status, "current") != 0 &&
	    strcmp(f.status, "revoked") != 0)
		return fcx_error(resp, 400, "bad_parameter", "status must be "
		    "current or revoked");
	memset(&none, 0, sizeof(none));
	if ((rc = htq_register_list(ctx->db, ctx->rtxn, &none, &all)) !=
	    HTQ_OK || (rc = htq_register_list(ctx->db, ctx->rtxn, &f,
	    &shown)) != HTQ_OK) {
		json_decref(all);
		return fcx_core_error(resp, rc, NULL);
	}
	htq_site_load(&site, ctx->datadir);
	rc = htq_register_html(json_object_get(all, "items"),
	    json_object_get(shown, "items"), &f, (size_t)page, &site, &out,
	    &len);
	htq_site_free(&site);
	n = json_array_size(json_object_get(shown, "items"));
	json_decref(all);
	json_decref(shown);
	if (rc == HTQ_EINVAL)
		return fcx_error(resp, 404, "not_found", "there is no page %lld "
		    "of this search: it has %zu", page, n == 0 ? 1 :
		    (n + HTQ_REGISTER_PAGE - 1) / HTQ_REGISTER_PAGE);
	if (rc != HTQ_OK)
		return fcx_core_error(resp, rc, NULL);
	resp->owned = out;
	resp->raw = out;
	resp->raw_len = len;
	resp->ctype = "text/html; charset=utf-8";
	resp->cache = REGISTER_CACHE;
	resp->status = 200;
	return resp->status;
}

static const struct fcx_field revoke_fields[] = {
	{ "reason", FCX_T_STRING, 1, 1, 32 },
	{ "note", FCX_T_STRING, 0, 1, HTQ_MAX_TEXT },
	{ NULL, 0, 0, 0, 0 }
};

int
fcx_h_mark_revoke(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	json_t *m;
	int rc;

	if (fcx_validate_body(req->json, revoke_fields, resp) != HTQ_OK)
		return resp->status;
	memset(&why, 0, sizeof(why));
	rc = htq_mark_revoke(ctx->db, &a, req->captures[0], str(req->json,
	    "reason"), str(req->json, "note"), &m, &why);
	if (rc == HTQ_EFORMAT)
		return fcx_error(resp, 400, "bad_mark_id", "%s", why.msg);
	if (rc != HTQ_OK)
		return fcx_core_error(resp, rc, &why);
	return fcx_json(resp, 200, json_pack("{s:o}", "mark", m));
}
