/*
 * h_ledger.c - the public ledger endpoints (no login): checkpoint, keys,
 * entries and proofs.  Shapes are an external contract (docs/ledger.md).
 */
#include <string.h>

#include <sodium.h>

#include "fcx.h"
#include "aud.h"

/* Checkpoints change with every commit: revalidate, never cache long. */
#define LEDGER_CACHE	"no-cache"
/* An entry or a proof between fixed sizes never changes. */
#define FIXED_CACHE	"public, max-age=31536000, immutable"

static int
no_ledger(struct fcx_resp *resp)
{
	return fcx_error(resp, 503, "unavailable", "the ledger is not "
	    "initialised");
}

static int
text(struct fcx_resp *resp, const char *s, size_t len)
{
	resp->status = 200;
	resp->raw = s;
	resp->raw_len = len;
	resp->ctype = "text/plain; charset=utf-8";
	resp->cache = LEDGER_CACHE;
	return 200;
}

int
fcx_h_ledger_checkpoint(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	static const char *const allowed[] = { NULL };
	const char *note;
	size_t len;
	int rc;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK)
		return resp->status;
	if (htq_db_log(ctx->db) == NULL)
		return no_ledger(resp);
	rc = aud_checkpoint(htq_db_log(ctx->db), ctx->rtxn,
	    htq_db_key(ctx->db), &note, &len);
	/* the key was rotated by htqctl since this worker loaded it */
	if (rc == HTQ_EPERM &&
	    htq_ledger_reload_key(ctx->db, ctx->datadir) == HTQ_OK)
		rc = aud_checkpoint(htq_db_log(ctx->db), ctx->rtxn,
		    htq_db_key(ctx->db), &note, &len);
	if (rc != HTQ_OK)
		return no_ledger(resp);
	return text(resp, note, len);
}

int
fcx_h_ledger_key(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	static const char *const allowed[] = { NULL };
	const char *keys;
	size_t len;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK)
		return resp->status;
	if (htq_db_log(ctx->db) == NULL ||
	    aud_keys(htq_db_log(ctx->db), ctx->rtxn, &keys, &len) != HTQ_OK)
		return no_ledger(resp);
	return text(resp, keys, len);
}

static json_t *
hashes_json(const aud_hash *h, size_t n)
{
	char b64[sodium_base64_ENCODED_LEN(AUD_HASH,
	    sodium_base64_VARIANT_ORIGINAL)];
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < n; i++) {
		sodium_bin2base64(b64, sizeof(b64), h[i], AUD_HASH,
		    sodium_base64_VARIANT_ORIGINAL);
		if (json_array_append_new(arr, json_string(b64)) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* The current size, or a 503 when there is no ledger. */
static int
ledger_size(struct fcx_ctx *ctx, struct fcx_resp *resp, uint64_t *size)
{
	if (htq_db_log(ctx->db) == NULL ||
	    aud_size(htq_db_log(ctx->db), ctx->rtxn, size) != HTQ_OK) {
		no_ledger(resp);
		return HTQ_ENOTFOUND;
	}
	return HTQ_OK;
}

int
fcx_h_ledger_entries(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	static const char *const allowed[] = { "start", "end", NULL };
	char b64[sodium_base64_ENCODED_LEN(AUD_SIG,
	    sodium_base64_VARIANT_ORIGINAL)];
	long long start, end;
	uint64_t size, seq, stop;
	const uint8_t *sig;
	const char *e;
	size_t len;
	json_t *arr, *out;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK ||
	    ledger_size(ctx, resp, &size) != HTQ_OK ||
	    fcx_query_int(req, "start", 0, (long long)size, 0, &start, resp) ||
	    fcx_query_int(req, "end", 0, (long long)size, (long long)size,
	    &end, resp))
		return resp->status;
	if (end < start)
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"end\" must not be less than \"start\"");
	stop = (uint64_t)end;
	if (stop - (uint64_t)start > HTQ_LEDGER_PAGE)
		stop = (uint64_t)start + HTQ_LEDGER_PAGE;
	if ((arr = json_array()) == NULL)
		return fcx_error(resp, 503, "unavailable", "out of memory");
	for (seq = (uint64_t)start; seq < stop; seq++) {
		if (aud_entry_get(htq_db_log(ctx->db), ctx->rtxn, seq, &e, &len,
		    &sig) != HTQ_OK) {
			json_decref(arr);
			return fcx_error(resp, 500, "internal", "entry %llu is "
			    "missing", (unsigned long long)seq);
		}
		sodium_bin2base64(b64, sizeof(b64), sig, AUD_SIG,
		    sodium_base64_VARIANT_ORIGINAL);
		json_array_append_new(arr, json_pack("{s:I,s:s%,s:s}", "seq",
		    (json_int_t)seq, "entry", e, len, "sig", b64));
	}
	out = json_pack("{s:o}", "entries", arr);
	if (out != NULL && stop < (uint64_t)end)
		json_object_set_new(out, "next", json_integer((json_int_t)stop));
	if (stop == (uint64_t)end && end < (long long)size)
		resp->cache = FIXED_CACHE;
	return fcx_json(resp, 200, out);
}

int
fcx_h_ledger_inclusion(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	static const char *const allowed[] = { "index", "size", NULL };
	aud_hash h[AUD_MAX_PROOF];
	long long index, sz;
	uint64_t size;
	size_t n;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK ||
	    ledger_size(ctx, resp, &size) != HTQ_OK)
		return resp->status;
	if (fcx_param(req, "index") == NULL)
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"index\" is required");
	if (size == 0)
		return fcx_error(resp, 400, "bad_parameter", "the ledger is "
		    "empty");
	if (fcx_query_int(req, "size", 1, (long long)size, (long long)size,
	    &sz, resp) ||
	    fcx_query_int(req, "index", 0, sz - 1, 0, &index, resp))
		return resp->status;
	if (aud_prove_inclusion(htq_db_log(ctx->db), ctx->rtxn,
	    (uint64_t)index, (uint64_t)sz, h, &n) != HTQ_OK)
		return fcx_error(resp, 500, "internal", "cannot build proof");
	resp->cache = FIXED_CACHE;
	return fcx_json(resp, 200, json_pack("{s:I,s:I,s:o}", "index",
	    (json_int_t)index, "size", (json_int_t)sz, "hashes",
	    hashes_json(h, n)));
}

int
fcx_h_ledger_consistency(struct fcx_ctx *ctx, struct fcx_req *req,
    struct fcx_resp *resp)
{
	static const char *const allowed[] = { "old", "new", NULL };
	aud_hash h[AUD_MAX_PROOF];
	long long old, new;
	uint64_t size;
	size_t n;

	if (fcx_query_allowed(req, allowed, resp) != HTQ_OK ||
	    ledger_size(ctx, resp, &size) != HTQ_OK)
		return resp->status;
	if (fcx_param(req, "old") == NULL)
		return fcx_error(resp, 400, "bad_parameter", "query parameter "
		    "\"old\" is required");
	if (size == 0)
		return fcx_error(resp, 400, "bad_parameter", "the ledger is "
		    "empty");
	if (fcx_query_int(req, "new", 1, (long long)size, (long long)size,
	    &new, resp) ||
	    fcx_query_int(req, "old", 1, new, 1, &old, resp))
		return resp->status;
	if (aud_prove_consistency(htq_db_log(ctx->db), ctx->rtxn,
	    (uint64_t)old, (uint64_t)new, h, &n) != HTQ_OK)
		return fcx_error(resp, 500, "internal", "cannot build proof");
	resp->cache = FIXED_CACHE;
	return fcx_json(resp, 200, json_pack("{s:I,s:I,s:o}", "old",
	    (json_int_t)old, "new", (json_int_t)new, "hashes",
	    hashes_json(h, n)));
}
