/*
 * h_admin.c - organisations and the administrator's API.
 *
 * Access is the route table's (routes.c): these handlers run only for
 * callers it admits, and an awarding body reaches only its own
 * organisation.  Account lists never carry password hashes.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "fcx.h"

int
fcx_h_org(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp)
{
	json_t *o;
	int rc;

	rc = strlen(req->captures[0]) > HTQ_ID_LEN ? HTQ_ENOTFOUND :
	    htq_org_get(ctx->db, ctx->rtxn, req->captures[0], &o);
	if (rc == HTQ_ENOTFOUND)
		return fcx_not_found(resp);
	if (rc != HTQ_OK)
		return fcx_error(resp, 503, "unavailable", "cannot read the "
		    "organisation now: %s", htq_strerror(rc));
	return fcx_json(resp, 200, json_pack("{s:o}", "organisation", o));
}

static int
list(struct fcx_ctx *ctx, struct fcx_resp *resp,
    int (*fn)(struct htq_db *, MDB_txn *, json_t **))
{
	json_t *doc = NULL;
	int rc = fn(ctx->db, ctx->rtxn, &doc);

	if (rc != HTQ_OK)
		return fcx_error(resp, 503, "unavailable", "cannot list now: %s",
		    htq_strerror(rc));
	return fcx_json(resp, 200, doc);
}

int
fcx_h_admin_orgs(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	(void)req;
	return list(ctx, resp, htq_orgs_list);
}

int
fcx_h_admin_accounts(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	(void)req;
	return list(ctx, resp, htq_accounts_list);
}

static const struct fcx_field eligibility_fields[] = {
	{ "eligible", FCX_T_BOOLEAN, 1, 0, 0 },
	{ "reason", FCX_T_STRING, 0, 1, HTQ_MAX_REASON },
	{ NULL, 0, 0, 0, 0 }
};

/* An administrator's eligibility decision: stored, rendered into the
 * public standard, and appended to the ledger with the admin's id. */
int
fcx_h_admin_eligibility(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	const char *ref = req->captures[0], *reason;
	const char *body;
	size_t len;
	int eligible, rc;

	if (fcx_validate_body(req->json, eligibility_fields, resp) != HTQ_OK)
		return resp->status;
	eligible = json_is_true(json_object_get(req->json, "eligible"));
	reason = json_string_value(json_object_get(req->json, "reason"));
	if (!htq_ref_valid(ref))
		return fcx_error(resp, 400, "invalid_ref", "a standard "
		    "reference is ST followed by four digits");
	if (!eligible && reason == NULL)
		return fcx_error(resp, 400, "invalid_field", "reason: required "
		    "when eligible is false");
	rc = htq_standard_set_eligibility(ctx->db, ref, eligible, reason);
	if (rc == HTQ_ENOTFOUND)
		return fcx_not_found(resp);
	if (rc != HTQ_OK && fcx_storage_error(resp, rc) != 0)
		return resp->status;
	if (rc != HTQ_OK)
		return fcx_error(resp, 503, "unavailable", "cannot record the "
		    "decision now: %s", htq_strerror(rc));
	/* answer with the standard as the public API now shows it */
	mdb_txn_reset(ctx->rtxn);
	if (mdb_txn_renew(ctx->rtxn) != 0 ||
	    htq_standard_get(ctx->db, ctx->rtxn, ref, NULL, &body, &len) !=
	    HTQ_OK)
		return fcx_error(resp, 503, "unavailable", "decision recorded; "
		    "cannot read it back now");
	resp->status = 200;
	resp->raw = body;
	resp->raw_len = len;
	return 200;
}

/* --- accounts and organisations managed in the browser: the rules
 * (admin only, not oneself, not the last administrator) are core's --- */

/* Core's answer as HTTP (fcx_core_error), an EINVAL's message starting
 * with the field it is about (the accounts' refusals name it apart). */
static int
core_error(struct fcx_resp *resp, int rc, const struct htq_why *why)
{
	if (rc == HTQ_EINVAL && why->field[0] != '\0')
		return fcx_error(resp, 422, "unprocessable", "%s: %s",
		    why->field, why->msg[0] ? why->msg : htq_strerror(rc));
	return fcx_core_error(resp, rc, why);
}

static const char *
opt_str(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v != NULL && *v != '\0' ? v : NULL;
}

static int
bad_field(struct fcx_resp *resp, const char *field, const char *what)
{
	return fcx_error(resp, 400, "invalid_field", "%s: %s", field, what);
}

#define ROLES	"awarding_body, reviewer, approver, auditor or admin"

/* {"account": a, "password": pw?}, pw wiped from our buffer after. */
static int
account_answer(struct fcx_resp *resp, int status, json_t *acc, char *pw)
{
	json_t *doc = json_pack("{s:o}", "account", acc);

	if (doc != NULL && pw != NULL && pw[0] != '\0' &&
	    json_object_set_new(doc, "password", json_string(pw)) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	if (pw != NULL) {
		sodium_memzero(pw, HTQ_NEW_PASSWORD_LEN + 1);
		sodium_free(pw);
	}
	if (doc == NULL)
		return fcx_error(resp, 503, "unavailable", "out of memory");
	return fcx_json(resp, status, doc);
}

static const struct fcx_field account_fields[] = {
	{ "email", FCX_T_STRING, 1, 1, 254 },
	{ "name", FCX_T_STRING, 1, 1, HTQ_MAX_TITLE },
	{ "role", FCX_T_STRING, 1, 1, 32 },
	{ "org", FCX_T_STRING, 0, 0, HTQ_ID_LEN },
	{ NULL, 0, 0, 0, 0 }
};

int
fcx_h_admin_account_add(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	enum htq_role role;
	json_t *acc;
	char *pw;
	int rc;

	if (fcx_validate_body(req->json, account_fields, resp) != HTQ_OK)
		return resp->status;
	if (htq_role_parse(opt_str(req->json, "role"), &role) != HTQ_OK)
		return bad_field(resp, "role", "one of " ROLES);
	if ((pw = sodium_malloc(HTQ_NEW_PASSWORD_LEN + 1)) == NULL)
		return fcx_error(resp, 503, "unavailable", "out of memory");
	memset(&why, 0, sizeof(why));
	rc = htq_admin_account_add(ctx->db, &a, opt_str(req->json, "email"),
	    opt_str(req->json, "name"), role, opt_str(req->json, "org"), pw,
	    &acc, &why);
	if (rc != HTQ_OK) {
		sodium_free(pw);
		return core_error(resp, rc, &why);
	}
	snprintf(resp->extra, sizeof(resp->extra), "Location: "
	    "/api/v1/admin/accounts\r\n");
	return account_answer(resp, 201, acc, pw);
}

static int
set_disabled(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp, int off)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	json_t *acc;
	int rc;

	memset(&why, 0, sizeof(why));
	rc = htq_admin_account_set_disabled(ctx->db, &a, req->captures[0], off,
	    &acc, &why);
	if (rc != HTQ_OK)
		return core_error(resp, rc, &why);
	return account_answer(resp, 200, acc, NULL);
}

int
fcx_h_admin_account_disable(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	return set_disabled(ctx, req, resp, 1);
}

int
fcx_h_admin_account_enable(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	return set_disabled(ctx, req, resp, 0);
}

int
fcx_h_admin_account_reset(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	json_t *acc;
	char *pw;
	int rc;

	if ((pw = sodium_malloc(HTQ_NEW_PASSWORD_LEN + 1)) == NULL)
		return fcx_error(resp, 503, "unavailable", "out of memory");
	memset(&why, 0, sizeof(why));
	rc = htq_admin_account_reset(ctx->db, &a, req->captures[0], pw, &acc,
	    &why);
	if (rc != HTQ_OK) {
		sodium_free(pw);
		return core_error(resp, rc, &why);
	}
	return account_answer(resp, 200, acc, pw);
}

static const struct fcx_field role_fields[] = {
	{ "role", FCX_T_STRING, 1, 1, 32 },
	{ "org", FCX_T_STRING, 0, 0, HTQ_ID_LEN },
	{ NULL, 0, 0, 0, 0 }
};

int
fcx_h_admin_account_role(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	enum htq_role role;
	json_t *acc;
	int rc;

	if (fcx_validate_body(req->json, role_fields, resp) != HTQ_OK)
		return resp->status;
	if (htq_role_parse(opt_str(req->json, "role"), &role) != HTQ_OK)
		return bad_field(resp, "role", "one of " ROLES);
	memset(&why, 0, sizeof(why));
	rc = htq_admin_account_set_role(ctx->db, &a, req->captures[0], role,
	    opt_str(req->json, "org"), &acc, &why);
	if (rc != HTQ_OK)
		return core_error(resp, rc, &why);
	return account_answer(resp, 200, acc, NULL);
}

static const struct fcx_field org_fields[] = {
	{ "kind", FCX_T_STRING, 1, 1, 32 },
	{ "name", FCX_T_STRING, 1, 1, HTQ_MAX_TITLE },
	{ "rn", FCX_T_STRING, 0, 0, 16 },
	{ "ukprn", FCX_T_STRING, 0, 0, 16 },
	{ NULL, 0, 0, 0, 0 }
};

int
fcx_h_admin_org_add(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_actor a = fcx_actor(req);
	struct htq_why why;
	enum htq_org_kind kind;
	json_t *o;
	int rc;

	if (fcx_validate_body(req->json, org_fields, resp) != HTQ_OK)
		return resp->status;
	if (htq_org_kind_parse(opt_str(req->json, "kind"), &kind) != HTQ_OK)
		return bad_field(resp, "kind", "one of awarding_body, "
		    "employer_panel or approving_body");
	memset(&why, 0, sizeof(why));
	rc = htq_admin_org_add(ctx->db, &a, kind, opt_str(req->json, "name"),
	    opt_str(req->json, "rn"), opt_str(req->json, "ukprn"), &o, &why);
	if (rc != HTQ_OK)
		return core_error(resp, rc, &why);
	return fcx_json(resp, 201, json_pack("{s:o}", "organisation", o));
}

/* --- impact warnings: what a change would affect, read only --- */

static int
impact(struct fcx_resp *resp, int rc, json_t *doc)
{
	if (rc == HTQ_ENOTFOUND)
		return fcx_not_found(resp);
	if (rc != HTQ_OK)
		return fcx_error(resp, 503, "unavailable", "cannot count now: %s",
		    htq_strerror(rc));
	return fcx_json(resp, 200, doc);
}

int
fcx_h_admin_window_impact(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	json_t *doc = NULL;
	int rc = htq_window_impact(ctx->db, ctx->rtxn, req->captures[0], &doc);

	return impact(resp, rc, doc);
}

int
fcx_h_admin_standard_impact(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	json_t *doc = NULL;
	int rc = htq_standard_impact(ctx->db, ctx->rtxn, req->captures[0],
	    &doc);

	return impact(resp, rc, doc);
}
