/*
 * h_admin.c - organisations and the administrator's API.
 *
 * Access is the route table's (routes.c): these handlers run only for
 * callers it admits, and an awarding body reaches only its own
 * organisation.  Account lists never carry password hashes.
 */
#include <string.h>

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
