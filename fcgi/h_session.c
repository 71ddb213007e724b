/*
 * h_session.c - log in, log out, who am I.
 *
 * Accounts arrive with the accounts issue; until then no credentials are
 * valid, but the body is already validated exactly as it will be.
 */
#include "fcx.h"

/* RFC 5321 caps an address at 254 bytes; passwords at 1 KiB so that
 * hashing cost stays bounded for unauthenticated callers. */
static const struct fcx_field login_fields[] = {
	{ "email", FCX_T_STRING, 1, 3, 254 },
	{ "password", FCX_T_STRING, 1, 1, 1024 },
	{ NULL, 0, 0, 0, 0 }
};

int
fcx_h_session_login(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	(void)ctx;
	if (fcx_validate_body(req->json, login_fields, resp) != HTQ_OK)
		return resp->status;
	return fcx_error(resp, 401, "invalid_credentials",
	    "e-mail or password is wrong");
}

int
fcx_h_session_get(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	(void)ctx;
	(void)req;
	return fcx_error(resp, 401, "unauthenticated", "not logged in");
}

int
fcx_h_session_logout(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	(void)ctx;
	(void)req;
	return fcx_error(resp, 401, "unauthenticated", "not logged in");
}
