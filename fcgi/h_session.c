/*
 * h_session.c - log in, log out, who am I.
 *
 * A login returns the account, a CSRF token, and sets the htq_session
 * cookie (256 random bits; the server stores only their SHA-256).  Wrong
 * e-mail, wrong password and disabled account get the same 401 after the
 * same work (core/domain/accounts.c); an address backed off after repeated
 * failures gets 429 with Retry-After.  Who may call what, and the CSRF
 * check on logout, are the router's (auth.c, routes.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fcx.h"

/* RFC 5321 caps an address at 254 bytes; passwords at 1 KiB so that
 * hashing cost stays bounded for unauthenticated callers. */
static const struct fcx_field login_fields[] = {
	{ "email", FCX_T_STRING, 1, 3, 254 },
	{ "password", FCX_T_STRING, 1, 1, HTQ_MAX_PASSWORD },
	{ NULL, 0, 0, 0, 0 }
};

#define COOKIE	"htq_session"

/* "; Secure" when the request came over HTTPS (or HTQ_SECURE_COOKIES=1
 * says TLS ends in front of nginx). */
static const char *
secure_flag(const struct fcx_req *req)
{
	const char *env = getenv("HTQ_SECURE_COOKIES");

	return req->https || (env != NULL && strcmp(env, "1") == 0) ?
	    "; Secure" : "";
}

/* {"account": ..., "csrf": ...}; no csrf for an API token. */
static int
session_json(struct fcx_resp *resp, const struct htq_account *a,
    const char *csrf)
{
	return fcx_json(resp, 200, json_pack("{s:o,s:s*}", "account",
	    htq_account_json(a), "csrf", csrf && *csrf ? csrf : NULL));
}

int
fcx_h_session_login(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_account a;
	char token[HTQ_TOKEN_LEN + 1], csrf[HTQ_CSRF_LEN + 1];
	int rc, n, wait, max_age, idle;

	if (fcx_validate_body(req->json, login_fields, resp) != HTQ_OK)
		return resp->status;
	rc = htq_login(ctx->db, json_string_value(json_object_get(req->json,
	    "email")), json_string_value(json_object_get(req->json,
	    "password")), &a, token, csrf, &wait);
	if (rc == HTQ_EPERM)
		return fcx_error(resp, 401, "invalid_credentials",
		    "e-mail or password is wrong");
	if (rc == HTQ_EBUSY) {
		snprintf(resp->extra, sizeof(resp->extra),
		    "Retry-After: %d\r\n", wait);
		return fcx_error(resp, 429, "login_backoff", "too many failed "
		    "logins for this address; try again in %d s", wait);
	}
	if (rc != HTQ_OK && fcx_storage_error(resp, rc) != 0)
		return resp->status;
	if (rc != HTQ_OK)
		return fcx_error(resp, 503, "unavailable", "cannot log in now: "
		    "%s", htq_strerror(rc));
	htq_session_limits(&max_age, &idle);
	n = snprintf(resp->extra, sizeof(resp->extra), "Set-Cookie: " COOKIE
	    "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s\r\n",
	    token, max_age, secure_flag(req));
	sodium_memzero(token, sizeof(token));
	if (n < 0 || (size_t)n >= sizeof(resp->extra))
		return fcx_error(resp, 500, "internal", "cookie too long");
	return session_json(resp, &a, csrf);
}

int
fcx_h_session_get(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	(void)ctx;
	return session_json(resp, &req->auth.account, req->auth.csrf);
}

int
fcx_h_session_logout(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	int rc;

	if (req->auth.via != FCX_VIA_COOKIE)
		return fcx_error(resp, 400, "not_a_session", "this request "
		    "uses an API token, not a session; tokens are revoked "
		    "with htqctl token revoke");
	if ((rc = htq_session_delete(ctx->db, req->auth.session)) != HTQ_OK)
		return fcx_storage_error(resp, rc) != 0 ? resp->status :
		    fcx_error(resp, 503, "unavailable", "cannot log out now");
	snprintf(resp->extra, sizeof(resp->extra), "Set-Cookie: " COOKIE
	    "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s\r\n",
	    secure_flag(req));
	resp->status = 204;
	return 204;
}
