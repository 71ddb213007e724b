/*
 * router.c - match a request against the route table and call a handler.
 *
 * The route table (routes.c) is the one place that says which paths exist,
 * which methods they take and who may call them; 404 and 405 (with Allow)
 * fall out of it, and auth.c applies its access rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcx.h"

/* The end of the path segment starting at s: the next '/' or the NUL. */
static const char *
seg_end(const char *s)
{
	while (*s != '\0' && *s != '/')
		s++;
	return s;
}

/*
 * Match path against pattern segment by segment.  "{name}" matches one
 * non-empty segment, which is copied into req->capbuf and listed in
 * req->captures.  Returns 1 on a match.
 */
int
fcx_route_match(const char *pattern, const char *path, struct fcx_req *req)
{
	const char *p = pattern, *s = path, *pe, *se;
	char *out = req->capbuf;
	size_t n;

	req->ncaptures = 0;
	while (*p == '/' && *s == '/') {
		p++;
		s++;
		pe = seg_end(p);
		se = seg_end(s);
		if (*p == '{') {
			n = (size_t)(se - s);
			if (n == 0 || req->ncaptures == HTQ_MAX_CAPTURES)
				return 0;
			/* capbuf is as large as path, so this always fits */
			memcpy(out, s, n);
			out[n] = '\0';
			req->captures[req->ncaptures++] = out;
			out += n + 1;
		} else if (pe - p != se - s || memcmp(p, s, (size_t)(pe - p)))
			return 0;
		p = pe;
		s = se;
	}
	return *p == '\0' && *s == '\0';
}

/* Write the names of the bits of mask, in table order, as "A, B" into
 * buf (names[i] names bits[i]). */
void
fcx_join(unsigned mask, const unsigned *bits, const char *const *names,
    size_t n, char *buf, size_t bufsz)
{
	size_t i, off = 0;
	int w;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!(mask & bits[i]))
			continue;
		w = snprintf(buf + off, bufsz - off, "%s%s", off ? ", " : "",
		    names[i]);
		if (w < 0 || (size_t)w >= bufsz - off)
			return;
		off += (size_t)w;
	}
}

/* Write the methods in mask as "GET, HEAD" into buf. */
static void
allow_list(unsigned mask, char *buf, size_t bufsz)
{
	static const unsigned bits[] = { FCX_GET, FCX_HEAD, FCX_POST, FCX_PUT,
	    FCX_PATCH, FCX_DELETE };
	static const char *const names[] = { "GET", "HEAD", "POST", "PUT",
	    "PATCH", "DELETE" };

	fcx_join(mask, bits, names, sizeof(bits) / sizeof(bits[0]), buf,
	    bufsz);
}

/*
 * The length of each route's literal prefix (up to its first "{"), worked
 * out once: a path that does not start with it cannot match, so most
 * routes are passed over with one comparison.  NULL (no memory): every
 * route is matched in full.
 */
static size_t *
literal_prefixes(void)
{
	static size_t *lit;
	static int done;
	size_t i, n = 0;

	if (done)
		return lit;
	done = 1;
	while (fcx_routes[n].pattern != NULL)
		n++;
	if ((lit = calloc(n, sizeof(*lit))) != NULL)
		for (i = 0; i < n; i++)
			lit[i] = strcspn(fcx_routes[i].pattern, "{");
	return lit;
}

size_t
fcx_route_max_body(const struct fcx_route *r)
{
	if (r->flags & FCX_FILE_BODY)
		return HTQ_MAX_DOCUMENT;
	if (!(r->flags & FCX_JSON_BODY))
		return 0;
	return (r->flags & FCX_LARGE_BODY) ? HTQ_MAX_BODY : HTQ_MAX_SMALL_BODY;
}

const struct fcx_route *
fcx_route_request(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	const struct fcx_route *r, *hit = NULL;
	const size_t *lit = literal_prefixes();
	unsigned allowed = 0, m = req->method;
	char q[65];
	size_t i, j;

	/* HEAD is GET without a body; main.c drops the body. */
	if (m == FCX_HEAD)
		m = FCX_GET;
	for (r = fcx_routes; r->pattern != NULL; r++) {
		if (lit != NULL && strncmp(req->path, r->pattern,
		    lit[r - fcx_routes]) != 0)
			continue;
		if (!fcx_route_match(r->pattern, req->path, req))
			continue;
		allowed |= r->methods;
		if (r->methods & m) {
			hit = r;
			break;
		}
	}
	req->route = hit;
	if (hit == NULL) {
		if (allowed == 0) {
			fcx_error(resp, 404, "not_found", "no such resource");
			return NULL;
		}
		if (allowed & FCX_GET)
			allowed |= FCX_HEAD;
		allow_list(allowed, resp->allow, sizeof(resp->allow));
		fcx_error(resp, 405, "method_not_allowed",
		    "method not allowed here; allowed: %s", resp->allow);
		return NULL;
	}
	/* A repeated query parameter is ambiguous: which one was meant? */
	for (i = 0; i < req->nparams; i++)
		for (j = i + 1; j < req->nparams; j++)
			if (strcmp(req->params[i].key, req->params[j].key) ==
			    0) {
				fcx_error(resp, 400, "bad_parameter", "query "
				    "parameter \"%s\" is given more than "
				    "once", htq_clip(q, sizeof(q),
				    req->params[i].key, 64));
				return NULL;
			}
	/* Captures were overwritten by later non-matching patterns. */
	fcx_route_match(hit->pattern, req->path, req);
	/* Who may call it comes before looking at what they sent. */
	if (fcx_authorise(ctx, req, hit, resp) != HTQ_OK)
		return NULL;
	return hit;
}

void
fcx_route_run(struct fcx_ctx *ctx, struct fcx_req *req,
    const struct fcx_route *hit, struct fcx_resp *resp)
{
	const char *prev;

	if (hit->flags & FCX_JSON_BODY) {
		if (req->body_len > fcx_route_max_body(hit)) {
			fcx_error(resp, 413, "body_too_large", "request body "
			    "is larger than %zu bytes", fcx_route_max_body(hit));
			return;
		}
		if (fcx_req_parse_json(req, resp) != HTQ_OK)
			return;
	} else if (hit->flags & FCX_FILE_BODY) {
		if (req->body_len > fcx_route_max_body(hit)) {
			fcx_error(resp, 413, "body_too_large", "the file is "
			    "larger than %zu bytes", fcx_route_max_body(hit));
			return;
		}
	} else if (req->body_len > 0) {
		fcx_error(resp, 400, "unexpected_body",
		    "this resource takes no request body");
		return;
	}
	/* Ledger entries made while handling name the caller. */
	prev = htq_set_actor(ctx->db, req->auth.via != FCX_VIA_NONE ?
	    req->auth.account.id : NULL);
	hit->handler(ctx, req, resp);
	htq_set_actor(ctx->db, prev);
	if (resp->status == 0)
		fcx_error(resp, 500, "internal", "handler set no response");
}

void
fcx_dispatch(struct fcx_ctx *ctx, struct fcx_req *req, struct fcx_resp *resp)
{
	const struct fcx_route *hit;

	if ((hit = fcx_route_request(ctx, req, resp)) != NULL)
		fcx_route_run(ctx, req, hit, resp);
}
