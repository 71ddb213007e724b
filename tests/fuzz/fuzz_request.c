/*
 * fuzz_request.c - fuzz the request boundary: URI decoding, query
 * parameters, header copying, JSON body parsing, body validation and route
 * matching; and for /register/search the register's search page and
 * a refusal page rendered from the parsed parameters (core/publish/
 * pages.c), whose echo of them must be escaped.
 *
 * Two input forms, chosen by the first byte:
 *
 *   0x00..0xef  "URI\nCONTENT-TYPE\nBODY", taken literally.
 *   0xf0..0xff  a URI built from pieces, so that short inputs reach every
 *               length limit in core/store/limits.h and past it: the rest is a
 *               list of (count, length, piece bytes) records, each piece
 *               repeated count (0..255) times, scaled by 8 when the first
 *               byte is odd.  The URI is "/api/v1/health?" unless the
 *               first record starts with '/'.
 *
 * The parsed request lives in its own heap block, and the decoder's
 * output is checked after every call: parameters stay inside qbuf,
 * are NUL-terminated there, and there are no more than HTQ_MAX_PARAMS of
 * them.  ASan does not see an overflow inside one struct (qbuf running
 * into params), so these checks are what catch that class.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcx.h"
#include "pages.h"

static const struct fcx_field fields[] = {
	{ "email", FCX_T_STRING, 1, 3, 254 },
	{ "n", FCX_T_INTEGER, 0, 0, 100 },
	{ "list", FCX_T_ARRAY, 0, 0, 10 },
	{ NULL, 0, 0, 0, 0 }
};

/* Longest URI built: past both limits together. */
#define BUILT_MAX	(HTQ_MAX_PATH + HTQ_MAX_QUERY + 4 * HTQ_MAX_PARAMS + 64)

/* A string that starts inside qbuf and ends (NUL) inside it. */
static int
in_qbuf(const struct fcx_req *req, const char *s)
{
	const char *lo = req->qbuf, *hi = req->qbuf + sizeof(req->qbuf);

	return s >= lo && s < hi && memchr(s, '\0', (size_t)(hi - s)) != NULL;
}

static void
check_parsed(const struct fcx_req *req)
{
	size_t i;

	if (req->nparams > HTQ_MAX_PARAMS)
		abort();
	if (strnlen(req->path, sizeof(req->path)) == sizeof(req->path))
		abort();
	for (i = 0; i < req->nparams; i++)
		if (!in_qbuf(req, req->params[i].key) ||
		    !in_qbuf(req, req->params[i].val))
			abort();
}

/* Expand records into uri (BUILT_MAX + 1 bytes). */
static void
build_uri(const uint8_t *data, size_t size, char *uri)
{
	size_t off = 0, i = 1, len, n, k, scale = (data[0] & 1) ? 8 : 1;
	const char *prefix = "/api/v1/health?";

	if (size > 3 && data[3] == '/')
		prefix = "";
	off = strlen(prefix);
	memcpy(uri, prefix, off);
	while (i + 2 <= size) {
		n = data[i] * scale;
		len = data[i + 1];
		i += 2;
		if (len > size - i)
			len = size - i;
		for (k = 0; k < n && len > 0 && off + len <= BUILT_MAX; k++) {
			memcpy(uri + off, data + i, len);
			off += len;
		}
		i += len;
	}
	uri[off] = '\0';
}

/* How many of the bytes that make markup a page holds. */
static size_t
markup(const char *out)
{
	size_t n = 0;

	for (; out != NULL && *out != '\0'; out++)
		n += *out == '<' || *out == '>' || *out == '"' || *out == '\'';
	return n;
}

/*
 * The register's search page from the parsed query, over a one-mark
 * register whose awarding body, route and standard are parameters too
 * (so the form's choices carry them; q is also its award day, written
 * in words when it is one: pages.c htq_day_text), and a refusal page
 * naming q (no site: pages.c's own shell); each must have exactly the
 * markup of the same page made with "x" for every value given: a
 * value's '<', '>', '"' or '\'' that came through unescaped would add to
 * it.
 */
static int
register_page(const struct htq_register_filter *f, size_t page, char **out,
    size_t *len)
{
	json_t *all;
	int rc;

	*out = NULL;
	all = json_pack("[{s:s,s:{s:s,s:i},s:{s:s,s:s},s:{s:s,s:s},s:s,s:s}]",
	    "mark_id", "HTQ-2026-000001-K", "qualification", "title", "HNC",
	    "level", 4, "awarding_body", "id", "o-a", "name",
	    f->q != NULL ? f->q : "A", "standard", "ref", f->standard != NULL ?
	    f->standard : "ST0001", "title", "T", "route", f->route != NULL ?
	    f->route : "Digital", "awarded", f->q != NULL ? f->q : "2026-12-06");
	if (all == NULL)
		return HTQ_ENOMEM;
	rc = htq_register_html(all, all, f, page, NULL, out, len);
	json_decref(all);
	return rc;
}

static void
fuzz_register_page(const struct fcx_req *req)
{
	struct htq_register_filter f, x;
	const char *page = fcx_param(req, "page");
	size_t n = page != NULL && page[0] == '2' ? 2 : 1, len, xlen;
	char *out = NULL, *xout = NULL;
	int rc;

	memset(&f, 0, sizeof(f));
	f.q = fcx_param(req, "q");
	f.awarding_body = fcx_param(req, "awarding_body");
	f.route = fcx_param(req, "route");
	f.standard = fcx_param(req, "standard");
	f.status = fcx_param(req, "status");
	x = f;
	x.q = f.q != NULL ? "x" : NULL;
	x.awarding_body = f.awarding_body != NULL ? "x" : NULL;
	x.route = f.route != NULL ? "x" : NULL;
	x.standard = f.standard != NULL ? "x" : NULL;
	x.status = f.status != NULL ? "x" : NULL;
	rc = register_page(&f, n, &out, &len);
	if (rc != register_page(&x, n, &xout, &xlen))
		abort();
	if (rc == HTQ_OK && (strlen(out) != len || markup(out) !=
	    markup(xout)))
		abort();
	free(out);
	free(xout);
	if (htq_problem_html("Problem", f.q != NULL ? f.q : "", NULL, &out,
	    &len) == HTQ_OK && htq_problem_html("Problem", "x", NULL, &xout,
	    &xlen) == HTQ_OK && markup(out) != markup(xout))
		abort();
	free(out);
	free(xout);
}

static void
fuzz_uri(struct fcx_req *req, const char *uri)
{
	const struct fcx_route *r;
	char why[160];

	if (fcx_req_set_uri(req, uri, why, sizeof(why)) != HTQ_OK) {
		if (memchr(why, '\0', sizeof(why)) == NULL)
			abort();
		return;
	}
	check_parsed(req);
	(void)fcx_param(req, "level");
	if (strcmp(req->path, "/register/search") == 0)
		fuzz_register_page(req);
	for (r = fcx_routes; r->pattern != NULL; r++)
		if (fcx_route_match(r->pattern, req->path, req) &&
		    req->ncaptures > HTQ_MAX_CAPTURES)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fcx_req *req;
	struct fcx_resp resp;
	char *buf, *uri, *ct, *body;
	size_t boff;

	if ((req = calloc(1, sizeof(*req))) == NULL)
		return 0;
	memset(&resp, 0, sizeof(resp));
	if (size > 0 && data[0] >= 0xf0) {
		if ((uri = malloc(BUILT_MAX + 1)) != NULL) {
			build_uri(data, size, uri);
			fuzz_uri(req, uri);
			free(uri);
		}
		fcx_req_free(req);
		free(req);
		return 0;
	}
	if ((buf = malloc(size + 1)) == NULL) {
		free(req);
		return 0;
	}
	memcpy(buf, data, size);
	buf[size] = '\0';
	uri = buf;
	ct = memchr(buf, '\n', size);
	if (ct != NULL)
		*ct++ = '\0';
	else
		ct = "";
	body = strchr(ct, '\n');
	if (body != NULL) {
		*body++ = '\0';
		boff = (size_t)(body - buf);
	} else
		boff = size;	/* no body */

	fuzz_uri(req, uri);
	if (fcx_copy_header(req->content_type, sizeof(req->content_type),
	    ct) == HTQ_OK) {
		req->body_len = boff <= size ? size - boff : 0;
		req->body = malloc(req->body_len + 1);
		if (req->body != NULL) {
			memcpy(req->body, data + boff, req->body_len);
			req->body[req->body_len] = '\0';
			if (fcx_req_parse_json(req, &resp) == HTQ_OK)
				(void)fcx_validate_body(req->json, fields,
				    &resp);
		}
	}
	fcx_req_free(req);
	fcx_resp_free(&resp);
	free(req);
	free(buf);
	return 0;
}
