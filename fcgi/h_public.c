/*
 * h_public.c - unauthenticated read-only endpoints: health, ping and the
 * standards catalogue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "fcx.h"
#include "aud.h"

/* Catalogue answers may be cached briefly by browsers and proxies. */
#define PUBLIC_CACHE	"public, max-age=60"

int
fcx_h_ping(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp)
{
	static const char pong[] = "{\"pong\":true}";

	(void)ctx;
	(void)req;
	resp->status = 200;
	resp->raw = pong;
	resp->raw_len = sizeof(pong) - 1;
	return 200;
}

/* schemas/openapi.json, compiled in by the Makefile (build/.../gen/). */
extern const char fcx_openapi_json[];
extern const size_t fcx_openapi_len;

int
fcx_h_openapi(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp)
{
	static const char *const allowed[] = { NULL };

	(void)ctx;
	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK)
		return resp->status;
	resp->status = 200;
	resp->raw = fcx_openapi_json;
	resp->raw_len = fcx_openapi_len;
	resp->cache = PUBLIC_CACHE;
	return 200;
}

/*
 * The instance tag: BLAKE2b-128, in hex, of $HTQ_INSTANCE, a random nonce
 * that scripts/run.sh gives the htq-fcgi it starts and that no other
 * process knows.  Health answers carry it (X-HTQ-Instance), so that
 * run.sh's start-up wait tells its own instance from another server on
 * the port or another instance's workers on a stale socket; the nonce
 * itself is never sent.  Without the variable (an installed service,
 * dist/systemd), no header.
 */
static const char *
instance_tag(void)
{
	static char hex[2 * 16 + 1];
	static int done;
	unsigned char h[16];
	const char *n;
	size_t len;

	if (!done) {
		done = 1;
		n = getenv("HTQ_INSTANCE");
		if (n != NULL && (len = strlen(n)) > 0 && len <= 256 &&
		    crypto_generichash(h, sizeof(h), (const unsigned char *)n,
		    len, NULL, 0) == 0)
			sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	}
	return hex[0] != '\0' ? hex : NULL;
}

int
fcx_h_health(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp)
{
	static const char *const allowed[] = { NULL };
	const char *tag;
	uint64_t size = 0;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK)
		return resp->status;
	if (htq_db_log(ctx->db) == NULL ||
	    aud_size(htq_db_log(ctx->db), ctx->rtxn, &size) != HTQ_OK)
		return fcx_error(resp, 503, "unavailable", "ledger unavailable");
	if ((tag = instance_tag()) != NULL)
		snprintf(resp->extra, sizeof(resp->extra),
		    "X-HTQ-Instance: %s\r\n", tag);
	return fcx_json(resp, 200, json_pack("{s:s,s:{s:I,s:s}}",
	    "status", "ok", "ledger", "size", (json_int_t)size, "origin",
	    aud_log_origin(htq_db_log(ctx->db))));
}

int
fcx_h_standards(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp)
{
	static const char *const allowed[] = { "route", "level", "eligible",
	    NULL };
	struct htq_std_filter f = { NULL, 0, -1 };
	const char *el;
	long long level;
	json_t *out = NULL;
	int rc;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK ||
	    fcx_query_int(req, "level", 1, 8, 0, &level, resp) != HTQ_OK)
		return resp->status;
	f.level = (int)level;
	f.route = fcx_param(req, "route");
	if (f.route != NULL && (f.route[0] == '\0' ||
	    strlen(f.route) > HTQ_MAX_TITLE))
		return fcx_error(resp, 400, "bad_parameter",
		    "query parameter \"route\" must be a route name");
	if ((el = fcx_param(req, "eligible")) != NULL) {
		if (strcasecmp(el, "true") == 0 || strcasecmp(el, "yes") == 0)
			f.eligible = 1;
		else if (strcasecmp(el, "false") == 0 ||
		    strcasecmp(el, "no") == 0)
			f.eligible = 0;
		else
			return fcx_error(resp, 400, "bad_parameter", "query "
			    "parameter \"eligible\" must be true or false");
	}
	if ((rc = htq_standards_list(ctx->db, ctx->rtxn, &f, &out)) != HTQ_OK)
		return fcx_error(resp, 503, "unavailable",
		    "could not read the catalogue: %s", htq_strerror(rc));
	resp->cache = PUBLIC_CACHE;
	return fcx_json(resp, 200, out);
}

int
fcx_h_standard(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp)
{
	static const char *const allowed[] = { "version", NULL };
	const char *ref = req->captures[0], *ver, *json;
	size_t len;
	int rc;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK)
		return resp->status;
	if (!htq_ref_valid(ref))
		return fcx_error(resp, 400, "bad_parameter", "standard "
		    "reference must be ST followed by 4 digits, e.g. ST0116");
	ver = fcx_param(req, "version");
	if (ver != NULL && !htq_version_valid(ver))
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"version\" must look like 1.0");
	rc = htq_standard_get(ctx->db, ctx->rtxn, ref, ver, &json, &len);
	if (rc == HTQ_ENOTFOUND)
		return fcx_error(resp, 404, "not_found", ver ? "no standard "
		    "%s version %s" : "no standard %s%s", ref, ver ? ver : "");
	if (rc != HTQ_OK)
		return fcx_error(resp, 503, "unavailable",
		    "could not read the catalogue: %s", htq_strerror(rc));
	resp->status = 200;
	resp->raw = json;
	resp->raw_len = len;
	resp->cache = PUBLIC_CACHE;
	return 200;
}
