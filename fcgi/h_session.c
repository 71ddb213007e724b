/*
 * h_session.c - log in, log out, who am I.
 *
 * A login returns the account, a CSRF token, and sets the htq_session
 * cookie (256 random bits; the server stores only their SHA-256).  Wrong
 * e-mail, wrong password and disabled account get the same 401 after the
 * same work (core/accounts.c).  Logging out needs the CSRF token.
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

/* The session token from the Cookie header, or "" (token has room for
 * HTQ_TOKEN_LEN + 1). */
static void
cookie_token(const char *cookies, char *token)
{
	const char *p = cookies;
	size_t n;

	token[0] = '\0';
	while ((p = strstr(p, COOKIE "=")) != NULL) {
		if (p == cookies || p[-1] == ' ' || p[-1] == ';') {
			p += strlen(COOKIE "=");
			n = strcspn(p, "; ");
			if (n == HTQ_TOKEN_LEN) {
				memcpy(token, p, n);
				token[n] = '\0';
			}
			return;
		}
		p++;
	}
}

static int
session_json(struct fcx_resp *resp, int status, const struct htq_account *a,
    const char *csrf)
{
	return fcx_json(resp, status, json_pack("{s:o,s:s}", "account",
	    htq_account_json(a), "csrf", csrf));
}

int
fcx_h_session_login(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_account a;
	char token[HTQ_TOKEN_LEN + 1], csrf[HTQ_CSRF_LEN + 1];
	const char *secure = getenv("HTQ_SECURE_COOKIES");
	int rc, n;

	if (fcx_validate_body(req->json, login_fields, resp) != HTQ_OK)
		return resp->status;
	rc = htq_login(ctx->db, json_string_value(json_object_get(req->json,
	    "email")), json_string_value(json_object_get(req->json,
	    "password")), &a);
	if (rc == HTQ_EPERM)
		return fcx_error(resp, 401, "invalid_credentials",
		    "e-mail or password is wrong");
	if (rc != HTQ_OK ||
	    (rc = htq_session_create(ctx->db, a.id, token, csrf)) != HTQ_OK)
		return fcx_error(resp, 503, "unavailable", "cannot log in now: "
		    "%s", htq_strerror(rc));
	n = snprintf(resp->extra, sizeof(resp->extra), "Set-Cookie: " COOKIE
	    "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s\r\n",
	    token, HTQ_SESSION_MAX_AGE, secure && strcmp(secure, "1") == 0 ?
	    "; Secure" : "");
	sodium_memzero(token, sizeof(token));
	if (n < 0 || (size_t)n >= sizeof(resp->extra))
		return fcx_error(resp, 500, "internal", "cookie too long");
	return session_json(resp, 200, &a, csrf);
}

/* The caller's session, or a 401 in resp. */
static int
current(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp,
    struct htq_account *a, char *token, char *csrf)
{
	cookie_token(req->cookie, token);
	if (token[0] == '\0' ||
	    htq_session_lookup(ctx->db, ctx->rtxn, token, a, csrf) != HTQ_OK) {
		fcx_error(resp, 401, "unauthenticated", "not logged in");
		return HTQ_EPERM;
	}
	(void)htq_session_touch(ctx->db, token);	/* idle expiry moves */
	return HTQ_OK;
}

int
fcx_h_session_get(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_account a;
	char token[HTQ_TOKEN_LEN + 1], csrf[HTQ_CSRF_LEN + 1];

	if (current(ctx, req, resp, &a, token, csrf) != HTQ_OK)
		return resp->status;
	return session_json(resp, 200, &a, csrf);
}

int
fcx_h_session_logout(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	struct htq_account a;
	char token[HTQ_TOKEN_LEN + 1], csrf[HTQ_CSRF_LEN + 1];

	if (current(ctx, req, resp, &a, token, csrf) != HTQ_OK)
		return resp->status;
	if (strlen(req->csrf) != HTQ_CSRF_LEN ||
	    sodium_memcmp(req->csrf, csrf, HTQ_CSRF_LEN) != 0)
		return fcx_error(resp, 403, "csrf", "missing or wrong "
		    "X-CSRF-Token header");
	if (htq_session_delete(ctx->db, token) != HTQ_OK)
		return fcx_error(resp, 503, "unavailable", "cannot log out now");
	snprintf(resp->extra, sizeof(resp->extra), "Set-Cookie: " COOKIE
	    "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0\r\n");
	resp->status = 204;
	return 204;
}
