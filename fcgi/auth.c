/*
 * auth.c - who is calling, and may they: the one place where the access
 * rules of the route table (routes.c) are applied.
 *
 * Credentials: "Authorization: Bearer htq_..." (an API token, for machine
 * clients) or the htq_session cookie (the portal).  Order of refusals:
 * no or bad credentials 401; a role the route does not admit 403; a
 * cookie-authenticated POST/PUT/PATCH/DELETE without the session's
 * X-CSRF-Token 403; a resource of another organisation 404, with the very
 * answer a missing one gets.  Bearer requests need no CSRF token: a
 * browser never attaches one on its own.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "fcx.h"
#include "metrics.h"

#define COOKIE	"htq_session"
#define BEARER	"Bearer "

int
fcx_not_found(struct fcx_resp *resp)
{
	return fcx_error(resp, 404, "not_found", "no such resource");
}

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
unauthenticated(struct fcx_resp *resp, int bearer)
{
	if (bearer)
		snprintf(resp->extra, sizeof(resp->extra),
		    "WWW-Authenticate: Bearer realm=\"htq\"\r\n");
	return fcx_error(resp, 401, "unauthenticated", bearer ?
	    "the API token is unknown, revoked or expired" :
	    "not logged in, or the session has expired");
}

/* Fill req->auth from the request's credentials; 401 in resp if none. */
static int
authenticate(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp)
{
	struct fcx_auth *a = &req->auth;
	struct htq_session s;

	if (req->authorization[0] != '\0') {
		if (strncmp(req->authorization, BEARER, strlen(BEARER)) != 0 ||
		    htq_token_lookup(ctx->db, ctx->rtxn, req->authorization +
		    strlen(BEARER), &a->account) != HTQ_OK) {
			unauthenticated(resp, 1);
			return HTQ_EPERM;
		}
		a->via = FCX_VIA_TOKEN;
		return HTQ_OK;
	}
	cookie_token(req->cookie, a->session);
	if (a->session[0] == '\0' ||
	    htq_session_lookup(ctx->db, ctx->rtxn, a->session, &s) != HTQ_OK) {
		sodium_memzero(a->session, sizeof(a->session));
		unauthenticated(resp, 0);
		return HTQ_EPERM;
	}
	if (s.stale)	/* activity moves the idle expiry */
		(void)htq_session_touch(ctx->db, a->session);
	a->via = FCX_VIA_COOKIE;
	a->account = s.account;
	memcpy(a->csrf, s.csrf, sizeof(a->csrf));
	return HTQ_OK;
}

/* Did the caller send credentials of either kind (good or bad)? */
static int
has_credentials(const struct fcx_req *req)
{
	const char *p = req->cookie;

	if (req->authorization[0] != '\0')
		return 1;
	while ((p = strstr(p, COOKIE "=")) != NULL) {
		if (p == req->cookie || p[-1] == ' ' || p[-1] == ';')
			return 1;
		p++;
	}
	return 0;
}

static const enum htq_role all_roles[] = { HTQ_ROLE_AWARDING_BODY,
    HTQ_ROLE_REVIEWER, HTQ_ROLE_APPROVER, HTQ_ROLE_AUDITOR, HTQ_ROLE_ADMIN };
#define NROLES	(sizeof(all_roles) / sizeof(all_roles[0]))

/* "approver, admin" for the roles in mask. */
static void
role_list(unsigned mask, char *buf, size_t bufsz)
{
	const char *names[NROLES];
	unsigned bits[NROLES];
	size_t i;

	for (i = 0; i < NROLES; i++) {
		bits[i] = FCX_ROLE(all_roles[i]);
		names[i] = htq_role_name(all_roles[i]);
	}
	fcx_join(mask, bits, names, NROLES, buf, bufsz);
}

int
fcx_authorise(struct fcx_ctx *ctx, struct fcx_req *req,
    const struct fcx_route *r, struct fcx_resp *resp)
{
	const struct htq_account *who = &req->auth.account;
	char org[HTQ_ID_LEN + 1], roles[96];
	int rc;

	if (r->roles == 0 || r->scope == 0) {
		fcx_error(resp, 500, "internal", "route has no access rule");
		return HTQ_EPERM;
	}
	if (r->roles & FCX_ANON)
		return HTQ_OK;
	if ((r->roles & FCX_LOOPBACK) && !has_credentials(req)) {
		if (fcx_metrics_local(req->remote_addr))
			return HTQ_OK;
		snprintf(resp->extra, sizeof(resp->extra),
		    "WWW-Authenticate: Bearer realm=\"htq\"\r\n");
		fcx_error(resp, 401, "unauthenticated", "from outside this "
		    "machine, this needs an admin's API token "
		    "(Authorization: Bearer)");
		return HTQ_EPERM;
	}
	if (authenticate(ctx, req, resp) != HTQ_OK)
		return HTQ_EPERM;
	if (!(r->roles & FCX_ROLE(who->role))) {
		role_list(r->roles, roles, sizeof(roles));
		fcx_error(resp, 403, "forbidden", "this needs the role %s%s",
		    strchr(roles, ',') ? "one of: " : "", roles);
		return HTQ_EPERM;
	}
	if (req->auth.via == FCX_VIA_COOKIE && (req->method & (FCX_POST |
	    FCX_PUT | FCX_PATCH | FCX_DELETE)) &&
	    (strlen(req->csrf) != HTQ_CSRF_LEN ||
	    sodium_memcmp(req->csrf, req->auth.csrf, HTQ_CSRF_LEN) != 0)) {
		fcx_error(resp, 403, "csrf", "missing or wrong X-CSRF-Token "
		    "header (the csrf value from POST or GET /api/v1/session)");
		return HTQ_EPERM;
	}
	if (r->scope == FCX_SCOPE_ORG && who->role == HTQ_ROLE_AWARDING_BODY) {
		rc = r->owner(ctx, req, org);
		if (rc == HTQ_OK && strcmp(org, who->org) != 0)
			rc = HTQ_ENOTFOUND;
		if (rc == HTQ_ENOTFOUND) {
			fcx_not_found(resp);
			return HTQ_EPERM;
		}
		if (rc != HTQ_OK) {
			fcx_error(resp, 503, "unavailable", "cannot check "
			    "access now: %s", htq_strerror(rc));
			return HTQ_EPERM;
		}
	}
	return HTQ_OK;
}

int
fcx_owner_org(struct fcx_ctx *ctx, const struct fcx_req *req,
    char org[HTQ_ID_LEN + 1])
{
	json_t *o;
	int rc;

	if (req->ncaptures < 1 || strlen(req->captures[0]) > HTQ_ID_LEN)
		return HTQ_ENOTFOUND;
	if ((rc = htq_org_get(ctx->db, ctx->rtxn, req->captures[0], &o)) !=
	    HTQ_OK)
		return rc;
	json_decref(o);
	snprintf(org, HTQ_ID_LEN + 1, "%s", req->captures[0]);
	return HTQ_OK;
}

int
fcx_routes_check(void)
{
	const struct fcx_route *r;

	for (r = fcx_routes; r->pattern != NULL; r++)
		if (r->roles == 0 || r->scope == 0 ||
		    (r->scope == FCX_SCOPE_ORG && r->owner == NULL) ||
		    ((r->roles & FCX_ANON) && r->scope != FCX_SCOPE_ANY)) {
			fprintf(stderr, "htq-fcgi: route %s has no complete "
			    "access rule in fcgi/routes.c\n", r->pattern);
			return -1;
		}
	return 0;
}

json_t *
fcx_routes_json(void)
{
	static const enum fcx_method methods[] = { FCX_GET, FCX_POST, FCX_PUT,
	    FCX_PATCH, FCX_DELETE };
	const struct fcx_route *r;
	json_t *out = json_array(), *roles;
	size_t i;

	for (r = fcx_routes; out != NULL && r->pattern != NULL; r++) {
		roles = json_array();
		if (r->roles & FCX_ANON)
			json_array_append_new(roles, json_string("anonymous"));
		if (r->roles & FCX_LOOPBACK)
			json_array_append_new(roles, json_string("loopback"));
		for (i = 0; i < NROLES; i++)
			if (r->roles & FCX_ROLE(all_roles[i]))
				json_array_append_new(roles, json_string(
				    htq_role_name(all_roles[i])));
		for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
			if (r->methods & methods[i])
				json_array_append_new(out, json_pack(
				    "{s:s,s:s,s:O,s:s}", "method",
				    fcx_method_name(methods[i]), "path",
				    r->pattern, "roles", roles, "scope",
				    r->scope == FCX_SCOPE_ORG ? "organisation" :
				    "any"));
		json_decref(roles);
	}
	return out;
}

struct htq_actor
fcx_actor(const struct fcx_req *req)
{
	struct htq_actor a;

	a.id = req->auth.account.id;
	a.role = req->auth.account.role;
	a.org = req->auth.account.org;
	return a;
}
