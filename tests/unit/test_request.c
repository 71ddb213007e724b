/*
 * test_request.c - the request boundary's pure functions: URI and query
 * decoding, header copying, route matching, JSON bodies, field
 * validation and response rendering.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "fcx.h"

static struct fcx_req req;

static int
set_uri(const char *uri)
{
	char why[160];

	memset(&req, 0, sizeof(req));
	return fcx_req_set_uri(&req, uri, why, sizeof(why));
}

static void
test_uri_decoding(void)
{
	T_EQ(set_uri("/api/v1/standards/ST0116"), HTQ_OK);
	T_STREQ(req.path, "/api/v1/standards/ST0116");
	T_EQ(req.nparams, 0);
	T_EQ(set_uri("/a%20b/%C3%A9"), HTQ_OK);
	T_STREQ(req.path, "/a b/\xc3\xa9");
	T_EQ(set_uri("/a+b"), HTQ_OK);
	T_STREQ(req.path, "/a+b");	/* '+' is literal in paths */
}

static void
test_uri_refusals(void)
{
	static const char *bad[] = {
		"", "api", "/a%00b", "/a%0ab", "/a%7f", "/%", "/%4", "/%zz",
		"/%ff", "/%c3%28", "/%ed%a0%80" /* surrogate */,
		"/%c0%af" /* overlong */, "/%f4%90%80%80" /* > U+10FFFF */,
		"/?a=%00", "/?%00=1", "/?a=%e2%82", "/?a=%", "/?a=\x01",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (set_uri(bad[i]) == HTQ_OK)
			T_FAILF("accepted %s", bad[i]);
	T_ASSERT(set_uri(NULL) != HTQ_OK);
}

static void
test_uri_limits(void)
{
	char *p = malloc(HTQ_MAX_PATH + 8);

	T_ASSERT(p != NULL);
	memset(p, 'a', HTQ_MAX_PATH + 2);
	p[0] = '/';
	p[HTQ_MAX_PATH] = '\0';
	T_EQ(set_uri(p), HTQ_OK);
	p[HTQ_MAX_PATH] = 'a';
	p[HTQ_MAX_PATH + 1] = '\0';
	T_EQ(set_uri(p), HTQ_ETOOBIG);
	free(p);
}

static void
test_query(void)
{
	T_EQ(set_uri("/s?route=Health+and+science&level=4&&eligible&x=%26"),
	    HTQ_OK);
	T_EQ(req.nparams, 4);
	T_STREQ(fcx_param(&req, "route"), "Health and science");
	T_STREQ(fcx_param(&req, "level"), "4");
	T_STREQ(fcx_param(&req, "eligible"), "");
	T_STREQ(fcx_param(&req, "x"), "&");
	T_ASSERT(fcx_param(&req, "missing") == NULL);
}

static void
test_too_many_params(void)
{
	char q[1024];
	size_t off = 0;
	int i;

	off += (size_t)snprintf(q, sizeof(q), "/x?");
	for (i = 0; i <= HTQ_MAX_PARAMS; i++)
		off += (size_t)snprintf(q + off, sizeof(q) - off, "p%d=1&", i);
	T_EQ(set_uri(q), HTQ_EINVAL);
}

/*
 * The worst case for the decoded query: pairs without '=' take one byte
 * more decoded than raw.  The security review's query (30 x "a&", 1,958
 * x "b", "&", 29 x "x": 2,048 bytes, 32 pairs) once ran past qbuf and
 * over the parameter array; its "&=y" variant bent a parameter pointer.
 * Every parameter must decode whole and stay inside qbuf.
 */
static void
test_query_worst_case(void)
{
	static const struct {
		size_t	 a, b, x;	/* counts of "a&", 'b', 'x' */
		const char *tail;
	} v[] = { { 30, 1958, 29, "" }, { 29, 1957, 29, "&=y" } };
	char *q = malloc(HTQ_MAX_QUERY + 64);
	size_t off, i, t;

	T_ASSERT(q != NULL);
	for (t = 0; t < 2; t++) {
		off = (size_t)snprintf(q, 64, "/api/v1/health?");
		for (i = 0; i < v[t].a; i++)
			off += (size_t)snprintf(q + off, 3, "a&");
		memset(q + off, 'b', v[t].b);
		off += v[t].b;
		q[off++] = '&';
		memset(q + off, 'x', v[t].x);
		off += v[t].x;
		memcpy(q + off, v[t].tail, strlen(v[t].tail) + 1);
		T_EQ(strlen(q) - strlen("/api/v1/health?"), HTQ_MAX_QUERY);
		T_EQ(set_uri(q), HTQ_OK);
		T_EQ(req.nparams, HTQ_MAX_PARAMS);
		for (i = 0; i < req.nparams; i++)
			T_ASSERT(req.params[i].key >= req.qbuf &&
			    req.params[i].val < req.qbuf + sizeof(req.qbuf));
		T_STREQ(req.params[0].key, "a");
		T_STREQ(req.params[0].val, "");
		T_EQ(strlen(req.params[v[t].a].key), v[t].b);
		T_EQ(strlen(req.params[v[t].a + 1].key), v[t].x);
	}
	T_STREQ(req.params[HTQ_MAX_PARAMS - 1].key, "");
	T_STREQ(req.params[HTQ_MAX_PARAMS - 1].val, "y");
	/* 32 one-letter pairs without '=': the most the decoder can grow */
	off = (size_t)snprintf(q, 64, "/x?");
	for (i = 0; i < HTQ_MAX_PARAMS; i++)
		off += (size_t)snprintf(q + off, 3, "%c&", 'a' + (int)(i % 26));
	T_EQ(set_uri(q), HTQ_OK);
	T_EQ(req.nparams, HTQ_MAX_PARAMS);
	free(q);
}

static void
test_headers(void)
{
	char buf[16];

	T_EQ(fcx_copy_header(buf, sizeof(buf), "text/plain"), HTQ_OK);
	T_STREQ(buf, "text/plain");
	T_EQ(fcx_copy_header(buf, sizeof(buf), NULL), HTQ_OK);
	T_STREQ(buf, "");
	T_EQ(fcx_copy_header(buf, sizeof(buf), "0123456789abcdef"),
	    HTQ_ETOOBIG);
	T_EQ(fcx_copy_header(buf, sizeof(buf), "a\rb"), HTQ_EINVAL);
	T_EQ(fcx_copy_header(buf, sizeof(buf), "a\xff"), HTQ_EINVAL);
}

static void
test_route_match(void)
{
	memset(&req, 0, sizeof(req));
	T_ASSERT(fcx_route_match("/api/v1/standards/{ref}",
	    "/api/v1/standards/ST0116", &req));
	T_EQ(req.ncaptures, 1);
	T_STREQ(req.captures[0], "ST0116");
	T_ASSERT(!fcx_route_match("/api/v1/standards/{ref}",
	    "/api/v1/standards/", &req));
	T_ASSERT(!fcx_route_match("/api/v1/standards/{ref}",
	    "/api/v1/standards/a/b", &req));
	T_ASSERT(!fcx_route_match("/api/v1/standards", "/api/v1/standard",
	    &req));
	T_ASSERT(!fcx_route_match("/api/v1/health", "/api/v1/health/", &req));
	T_ASSERT(fcx_route_match("/a/{x}/b/{y}", "/a/1/b/2", &req));
	T_STREQ(req.captures[1], "2");
}

static void
test_route_table_is_sane(void)
{
	const struct fcx_route *r, *q;

	for (r = fcx_routes; r->pattern != NULL; r++) {
		T_ASSERT(r->pattern[0] == '/');
		T_ASSERT(r->handler != NULL);
		T_ASSERT(r->methods != 0);
		for (q = r + 1; q->pattern != NULL; q++)
			if (strcmp(q->pattern, r->pattern) == 0 &&
			    (q->methods & r->methods))
				T_FAILF("duplicate route %s", q->pattern);
	}
}

static int
parse_body(const char *ct, const char *body, struct fcx_resp *resp)
{
	fcx_req_free(&req);
	memset(&req, 0, sizeof(req));
	memset(resp, 0, sizeof(*resp));
	snprintf(req.content_type, sizeof(req.content_type), "%s", ct);
	req.body = strdup(body);
	req.body_len = strlen(body);
	return fcx_req_parse_json(&req, resp);
}

static void
test_json_bodies(void)
{
	struct fcx_resp resp;
	char deep[200];
	int i;

	T_EQ(parse_body("application/json", "{\"a\":1}", &resp), HTQ_OK);
	T_EQ(parse_body("application/json; charset=UTF-8", "{}", &resp),
	    HTQ_OK);
	T_EQ(parse_body("text/json", "{}", &resp), HTQ_EINVAL);
	T_EQ(resp.status, 415);
	fcx_resp_free(&resp);
	T_EQ(parse_body("application/json", "{\"a\":1,\"a\":2}", &resp),
	    HTQ_EINVAL);
	T_EQ(resp.status, 400);
	fcx_resp_free(&resp);
	T_EQ(parse_body("application/json", "[1]", &resp), HTQ_EINVAL);
	fcx_resp_free(&resp);
	/* {"a":[[[...]]]} nested deeper than HTQ_MAX_JSON_DEPTH */
	i = snprintf(deep, sizeof(deep), "{\"a\":");
	memset(deep + i, '[', HTQ_MAX_JSON_DEPTH);
	memset(deep + i + HTQ_MAX_JSON_DEPTH, ']', HTQ_MAX_JSON_DEPTH);
	snprintf(deep + i + 2 * HTQ_MAX_JSON_DEPTH, 2, "}");
	T_EQ(parse_body("application/json", deep, &resp), HTQ_EINVAL);
	T_EQ(resp.status, 400);
	fcx_resp_free(&resp);
	fcx_req_free(&req);
}

static void
test_validate_fields(void)
{
	static const struct fcx_field f[] = {
		{ "name", FCX_T_STRING, 1, 1, 5 },
		{ "n", FCX_T_INTEGER, 0, 1, 9 },
		{ NULL, 0, 0, 0, 0 }
	};
	struct fcx_resp resp;
	json_t *o;

	memset(&resp, 0, sizeof(resp));
	o = json_pack("{s:s,s:i}", "name", "abc", "n", 3);
	T_EQ(fcx_validate_body(o, f, &resp), HTQ_OK);
	json_object_set_new(o, "n", json_integer(10));
	T_EQ(fcx_validate_body(o, f, &resp), HTQ_EINVAL);
	T_EQ(resp.status, 400);
	json_object_del(o, "n");
	json_object_set_new(o, "name", json_string("abcdef"));
	T_EQ(fcx_validate_body(o, f, &resp), HTQ_EINVAL);
	json_object_set_new(o, "name", json_string("ab"));
	json_object_set_new(o, "extra", json_true());
	T_EQ(fcx_validate_body(o, f, &resp), HTQ_EINVAL);
	T_ASSERT(strstr(json_string_value(json_object_get(json_object_get(
	    resp.json, "error"), "message")), "extra") != NULL);
	json_object_del(o, "extra");
	json_object_del(o, "name");
	T_EQ(fcx_validate_body(o, f, &resp), HTQ_EINVAL);
	json_decref(o);
	fcx_resp_free(&resp);
}

static void
test_render(void)
{
	struct fcx_resp resp;
	char hdr[1024], *owned;
	const char *body;
	size_t blen;

	memset(&resp, 0, sizeof(resp));
	fcx_error(&resp, 404, "not_found", "no %s", "thing");
	T_EQ(fcx_resp_render(&resp, 0, hdr, sizeof(hdr), &body, &blen,
	    &owned), HTQ_OK);
	T_STREQ(body, "{\"error\":{\"code\":\"not_found\",\"message\":"
	    "\"no thing\"}}");
	T_ASSERT(strstr(hdr, "Status: 404 Not Found\r\n") == hdr);
	T_ASSERT(strstr(hdr, "Content-Type: application/json\r\n") != NULL);
	T_ASSERT(strstr(hdr, "Cache-Control: no-store\r\n") != NULL);
	T_ASSERT(strstr(hdr, "\r\n\r\n") == hdr + strlen(hdr) - 4);
	{
		char cl[64];
		snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", blen);
		T_ASSERT(strstr(hdr, cl) != NULL);
	}
	free(owned);
	T_EQ(fcx_resp_render(&resp, 1, hdr, sizeof(hdr), &body, &blen,
	    &owned), HTQ_OK);
	T_EQ(blen, 0);
	free(owned);
	fcx_resp_free(&resp);
}

/*
 * Storage errors are named: ENOSPC/EDQUOT a JSON 507, a full LMDB map (a
 * real one: a database whose map is shrunk to its data, written until it
 * refuses) a JSON 503 naming it; anything else is left to the caller.
 * Reads go on when the map is full.
 */
static void
test_storage_errors_are_named(void)
{
	struct fcx_resp resp;
	struct htq_db *db;
	MDB_txn *txn;
	char dir[64], key[32], cmd[96], *text;
	int i, rc = HTQ_OK;

	T_EQ(htq_mdb_err(ENOSPC), HTQ_ENOSPC);
	T_EQ(htq_mdb_err(EDQUOT), HTQ_ENOSPC);
	T_EQ(htq_mdb_err(MDB_MAP_FULL), HTQ_EFULL);
	T_EQ(htq_mdb_err(EIO), HTQ_EDB);
	memset(&resp, 0, sizeof(resp));
	T_EQ(fcx_storage_error(&resp, HTQ_ENOSPC), 507);
	T_STREQ(json_string_value(json_object_get(json_object_get(resp.json,
	    "error"), "code")), "insufficient_storage");
	T_STREQ(fcx_status_text(507), "Insufficient Storage");
	fcx_resp_free(&resp);
	memset(&resp, 0, sizeof(resp));
	T_EQ(fcx_storage_error(&resp, HTQ_EFULL), 503);
	T_STREQ(json_string_value(json_object_get(json_object_get(resp.json,
	    "error"), "code")), "database_full");
	fcx_resp_free(&resp);
	memset(&resp, 0, sizeof(resp));
	T_EQ(fcx_storage_error(&resp, HTQ_EDB), 0);
	T_EQ(resp.status, 0);

	snprintf(dir, sizeof(dir), "/tmp/htq-unit-XXXXXX");
	T_ASSERT(mkdtemp(dir) != NULL);
	T_EQ(htq_db_open(dir, HTQ_DB_CREATE, &db), HTQ_OK);
	/* LMDB keeps the map at least as large as its data */
	T_EQ(mdb_env_set_mapsize(htq_db_env(db), 1), 0);
	T_ASSERT((text = malloc(2001)) != NULL);
	memset(text, 'x', 2000);
	text[2000] = '\0';
	for (i = 0; i < 10000 && rc == HTQ_OK; i++) {
		T_EQ(htq_txn_write(db, &txn), HTQ_OK);
		snprintf(key, sizeof(key), "fill-%d", i);
		rc = htq_put_text(txn, htq_dbi(db, HTQ_T_META), key, text, 0);
		if (rc == HTQ_OK)
			rc = htq_commit(db, txn);
		else
			mdb_txn_abort(txn);
	}
	T_EQ(rc, HTQ_EFULL);
	T_EQ(htq_txn_read(db, &txn), HTQ_OK);
	mdb_txn_abort(txn);
	free(text);
	htq_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	T_EQ(system(cmd), 0);
}

/* The routes that take a document take HTQ_MAX_BODY; the upload of a
 * supporting document HTQ_MAX_DOCUMENT; other JSON routes
 * HTQ_MAX_SMALL_BODY; the rest none (nginx/htq.conf.in lists the same). */
static void
test_route_body_limits(void)
{
	static const char *const docs[] = { "/api/v1/submissions",
	    "/api/v1/submissions/{id}",
	    "/api/v1/submissions/{id}/information-response",
	    "/api/v1/submissions/{id}/reviews" };
	const struct fcx_route *r;
	size_t i, want, ndocs = 0;

	for (r = fcx_routes; r->pattern != NULL; r++) {
		want = (r->flags & FCX_JSON_BODY) ? HTQ_MAX_SMALL_BODY : 0;
		/* a supporting document's upload alone takes a file */
		if (strcmp(r->pattern, "/api/v1/submissions/{id}/documents") ==
		    0 && r->methods == FCX_POST)
			want = HTQ_MAX_DOCUMENT;
		else if (r->flags & FCX_FILE_BODY)
			T_FAILF("%s: takes a file", r->pattern);
		for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
			if (strcmp(r->pattern, docs[i]) == 0 &&
			    (r->methods & (FCX_POST | FCX_PUT))) {
				want = HTQ_MAX_BODY;
				ndocs++;
			}
		if (fcx_route_max_body(r) != want)
			T_FAILF("%s: body limit %zu, not %zu", r->pattern,
			    fcx_route_max_body(r), want);
	}
	T_EQ(ndocs, 4);
}

int
main(void)
{
	T_RUN(test_uri_decoding);
	T_RUN(test_uri_refusals);
	T_RUN(test_uri_limits);
	T_RUN(test_query);
	T_RUN(test_too_many_params);
	T_RUN(test_query_worst_case);
	T_RUN(test_headers);
	T_RUN(test_route_match);
	T_RUN(test_route_table_is_sane);
	T_RUN(test_json_bodies);
	T_RUN(test_validate_fields);
	T_RUN(test_render);
	T_RUN(test_storage_errors_are_named);
	T_RUN(test_route_body_limits);
	return T_DONE();
}
