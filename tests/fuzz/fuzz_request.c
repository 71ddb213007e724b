/*
 * fuzz_request.c - fuzz the request boundary: URI decoding, query
 * parameters, header copying, JSON body parsing, body validation and route
 * matching.  Input: "URI\nCONTENT-TYPE\nBODY".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcx.h"

static const struct fcx_field fields[] = {
	{ "email", FCX_T_STRING, 1, 3, 254 },
	{ "n", FCX_T_INTEGER, 0, 0, 100 },
	{ "list", FCX_T_ARRAY, 0, 0, 10 },
	{ NULL, 0, 0, 0, 0 }
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fcx_req req;
	struct fcx_resp resp;
	const struct fcx_route *r;
	char *buf, *uri, *ct, *body, why[160];
	size_t boff;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
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

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	if (fcx_req_set_uri(&req, uri, why, sizeof(why)) == HTQ_OK) {
		(void)fcx_param(&req, "level");
		for (r = fcx_routes; r->pattern != NULL; r++)
			(void)fcx_route_match(r->pattern, req.path, &req);
	}
	if (fcx_copy_header(req.content_type, sizeof(req.content_type), ct) ==
	    HTQ_OK) {
		req.body_len = boff <= size ? size - boff : 0;
		req.body = malloc(req.body_len + 1);
		if (req.body != NULL) {
			memcpy(req.body, data + boff, req.body_len);
			req.body[req.body_len] = '\0';
			if (fcx_req_parse_json(&req, &resp) == HTQ_OK)
				(void)fcx_validate_body(req.json, fields, &resp);
		}
	}
	fcx_req_free(&req);
	fcx_resp_free(&resp);
	free(buf);
	return 0;
}
