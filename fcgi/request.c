/*
 * request.c - untrusted request data is decoded and validated here, once.
 *
 * Nothing in this file knows about libfcgi: fcgi/main.c hands it plain
 * strings, which keeps every parser reachable from unit tests and the fuzz
 * target.  After these functions succeed, every string in struct fcx_req is
 * NUL-terminated UTF-8 with no control characters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "fcx.h"

static const struct {
	const char	*name;
	enum fcx_method	 m;
} methods[] = {
	{ "GET", FCX_GET }, { "HEAD", FCX_HEAD }, { "POST", FCX_POST },
	{ "PUT", FCX_PUT }, { "PATCH", FCX_PATCH }, { "DELETE", FCX_DELETE },
};

enum fcx_method
fcx_method_parse(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(s, methods[i].name) == 0)
			return methods[i].m;
	return FCX_OTHER;
}

const char *
fcx_method_name(enum fcx_method m)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].m == m)
			return methods[i].name;
	return "OTHER";
}

/*
 * Strict UTF-8 check (RFC 3629): no overlong forms, no surrogates, nothing
 * above U+10FFFF.  Returns 1 when s[0..len) is valid.
 */
static int
utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	unsigned long cp;

	while (i < len) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode src[0..len) into dst (size dstsz), '+' meaning space when
 * plus is set.  Refuses bad escapes, NUL and other control characters, and
 * invalid UTF-8, saying which in why.
 */
static int
decode(char *dst, size_t dstsz, const char *src, size_t len, int plus,
    const char *what, char *why, size_t whysz)
{
	size_t i, o = 0;
	int hi, lo;
	unsigned char c;

	if (dstsz == 0) {	/* not even room for the NUL */
		snprintf(why, whysz, "%s is too long", what);
		return HTQ_ETOOBIG;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)src[i];
		if (c == '%') {
			if (i + 2 >= len)
				goto bad_escape;
			hi = hexval((unsigned char)src[i + 1]);
			lo = hexval((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad_escape;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus)
			c = ' ';
		if (c == 0) {
			snprintf(why, whysz, "%s contains a NUL byte", what);
			return HTQ_EINVAL;
		}
		if (c < 0x20 || c == 0x7f) {
			snprintf(why, whysz, "%s contains a control character",
			    what);
			return HTQ_EINVAL;
		}
		if (o + 1 >= dstsz) {
			snprintf(why, whysz, "%s is too long", what);
			return HTQ_ETOOBIG;
		}
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	if (!utf8_valid((const unsigned char *)dst, o)) {
		snprintf(why, whysz, "%s is not valid UTF-8", what);
		return HTQ_EINVAL;
	}
	return HTQ_OK;
bad_escape:
	snprintf(why, whysz, "%s has a malformed %%-escape", what);
	return HTQ_EINVAL;
}

/*
 * Split the query string into decoded key/value pairs stored in
 * req->qbuf.  Empty pieces ("a=1&&b=2") are ignored.  Decoding never
 * lengthens a key or a value, but each pair takes two NULs where the raw
 * text may have had only its '&' (or nothing, for the last pair): qbuf
 * is sized for that worst case (FCX_QBUF), and decode() still checks the
 * room left before every byte it writes.
 */
static int
parse_query(struct fcx_req *req, const char *q, char *why, size_t whysz)
{
	char *out = req->qbuf, *end = req->qbuf + sizeof(req->qbuf);
	const char *p = q, *amp, *eq;
	size_t klen, vlen;
	int rc;

	req->nparams = 0;
	while (*p != '\0') {
		amp = strchr(p, '&');
		if (amp == NULL)
			amp = p + strlen(p);
		if (amp == p) {
			p++;
			continue;
		}
		if (req->nparams == HTQ_MAX_PARAMS) {
			snprintf(why, whysz, "too many query parameters "
			    "(at most %d)", HTQ_MAX_PARAMS);
			return HTQ_EINVAL;
		}
		eq = memchr(p, '=', (size_t)(amp - p));
		klen = (size_t)((eq ? eq : amp) - p);
		vlen = eq ? (size_t)(amp - eq - 1) : 0;
		if ((rc = decode(out, (size_t)(end - out), p, klen, 1,
		    "query parameter name", why, whysz)) != HTQ_OK)
			return rc;
		req->params[req->nparams].key = out;
		out += strlen(out) + 1;
		if ((rc = decode(out, (size_t)(end - out), eq ? eq + 1 : "",
		    vlen, 1, "query parameter value", why, whysz)) != HTQ_OK)
			return rc;
		req->params[req->nparams].val = out;
		out += strlen(out) + 1;
		req->nparams++;
		p = *amp ? amp + 1 : amp;
	}
	return HTQ_OK;
}

int
fcx_req_set_uri(struct fcx_req *req, const char *uri, char *why, size_t whysz)
{
	const char *qm;
	size_t plen;

	if (uri == NULL || uri[0] != '/') {
		snprintf(why, whysz, "request path must start with /");
		return HTQ_EINVAL;
	}
	qm = strchr(uri, '?');
	plen = qm ? (size_t)(qm - uri) : strlen(uri);
	if (plen > HTQ_MAX_PATH) {
		snprintf(why, whysz, "path is longer than %d bytes",
		    HTQ_MAX_PATH);
		return HTQ_ETOOBIG;
	}
	if (qm != NULL && strlen(qm + 1) > HTQ_MAX_QUERY) {
		snprintf(why, whysz, "query string is longer than %d bytes",
		    HTQ_MAX_QUERY);
		return HTQ_ETOOBIG;
	}
	if (decode(req->path, sizeof(req->path), uri, plen, 0, "path",
	    why, whysz) != HTQ_OK)
		return HTQ_EINVAL;
	return parse_query(req, qm ? qm + 1 : "", why, whysz);
}

int
fcx_copy_header(char *dst, size_t dstsz, const char *src)
{
	size_t i, n;

	dst[0] = '\0';
	if (src == NULL)
		return HTQ_OK;
	n = strlen(src);
	if (n >= dstsz)
		return HTQ_ETOOBIG;
	for (i = 0; i < n; i++)
		if ((unsigned char)src[i] < 0x20 || src[i] == 0x7f)
			return HTQ_EINVAL;
	if (!utf8_valid((const unsigned char *)src, n))
		return HTQ_EINVAL;
	memcpy(dst, src, n + 1);
	return HTQ_OK;
}

const char *
fcx_param(const struct fcx_req *req, const char *key)
{
	size_t i;

	for (i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i].key, key) == 0)
			return req->params[i].val;
	return NULL;
}

/* Depth of a JSON value: 0 for scalars, 1 for a flat object or array. */
static int
json_depth(const json_t *v, int limit)
{
	const char *k;
	json_t *c;
	size_t i;
	int d, max = 0;

	if (limit < 0)
		return 1;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, c)
			if ((d = json_depth(c, limit - 1)) > max)
				max = d;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c)
			if ((d = json_depth(c, limit - 1)) > max)
				max = d;
	} else
		return 0;
	return max + 1;
}

/* 1 if the Content-Type names JSON, with or without a UTF-8 charset. */
static int
ctype_is_json(const char *ct)
{
	size_t n = strlen("application/json");
	const char *p;

	if (strncasecmp(ct, "application/json", n) != 0)
		return 0;
	p = ct + n;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return 1;
	if (*p++ != ';')
		return 0;
	while (*p == ' ')
		p++;
	return strcasecmp(p, "charset=utf-8") == 0;
}

int
fcx_req_parse_json(struct fcx_req *req, struct fcx_resp *resp)
{
	json_error_t jerr;

	if (!ctype_is_json(req->content_type)) {
		fcx_error(resp, 415, "unsupported_media_type",
		    "request body must be application/json");
		return HTQ_EINVAL;
	}
	if (req->body_len == 0) {
		fcx_error(resp, 400, "bad_json", "request body is empty");
		return HTQ_EINVAL;
	}
	req->json = json_loadb(req->body, req->body_len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (req->json == NULL) {
		fcx_error(resp, 400, "bad_json", "body is not valid JSON: %s "
		    "(line %d, column %d)", jerr.text, jerr.line, jerr.column);
		return HTQ_EINVAL;
	}
	if (!json_is_object(req->json)) {
		fcx_error(resp, 400, "bad_json", "body must be a JSON object");
		return HTQ_EINVAL;
	}
	if (json_depth(req->json, HTQ_MAX_JSON_DEPTH) > HTQ_MAX_JSON_DEPTH) {
		fcx_error(resp, 400, "bad_json", "body is nested deeper than "
		    "%d levels", HTQ_MAX_JSON_DEPTH);
		return HTQ_EINVAL;
	}
	return HTQ_OK;
}

/* Zero every string in a parsed body (passwords live in them). */
static void
wipe_json(json_t *v)
{
	const char *k;
	json_t *c;
	size_t i;

	if (json_is_string(v))
		sodium_memzero((char *)json_string_value(v),
		    json_string_length(v));
	else if (json_is_object(v)) {
		json_object_foreach(v, k, c)
			wipe_json(c);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c)
			wipe_json(c);
	}
}

void
fcx_req_free(struct fcx_req *req)
{
	/* the body and its parse may hold a password: wiped, then freed */
	if (req->body != NULL)
		sodium_memzero(req->body, req->body_len);
	free(req->body);
	req->body = NULL;
	wipe_json(req->json);
	json_decref(req->json);
	req->json = NULL;
	/* the session token and who the caller was end with the request */
	sodium_memzero(&req->auth, sizeof(req->auth));
	sodium_memzero(req->cookie, strnlen(req->cookie, sizeof(req->cookie)));
	sodium_memzero(req->authorization, strnlen(req->authorization,
	    sizeof(req->authorization)));
}
