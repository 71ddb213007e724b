/*
 * fuzz_jcs.c - the JSON canonicalizer (RFC 8785, core/publish/credential.c)
 * over any JSON Jansson parses.  JCS is given only the documents the
 * publisher builds (mark records whose text came from clients, checked
 * when stored), never a request; this target checks it on every shape:
 * it either refuses (HTQ_EINVAL for a real, a large integer or invalid
 * UTF-8; HTQ_ETOOBIG for depth) or its output parses back to an equal
 * value and canonicalizes to the same bytes again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v, *w;
	char *a = NULL, *b = NULL;
	size_t alen, blen;
	int rc;

	v = json_loadb((const char *)data, size, JSON_DECODE_ANY |
	    JSON_ALLOW_NUL, NULL);
	if (v == NULL)
		return 0;
	rc = htq_jcs(v, &a, &alen);
	if (rc != HTQ_OK) {
		if ((rc != HTQ_EINVAL && rc != HTQ_ETOOBIG) || a != NULL)
			abort();
		json_decref(v);
		return 0;
	}
	if (strlen(a) > alen ||
	    (w = json_loadb(a, alen, JSON_DECODE_ANY | JSON_ALLOW_NUL,
	    NULL)) == NULL || !json_equal(v, w) ||
	    htq_jcs(w, &b, &blen) != HTQ_OK || blen != alen ||
	    memcmp(a, b, alen) != 0)
		abort();
	json_decref(w);
	json_decref(v);
	free(a);
	free(b);
	return 0;
}
