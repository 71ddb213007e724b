/*
 * validate.c - table-driven checks of JSON request bodies and query
 * parameters.  A handler lists the fields it accepts; anything else, a
 * missing required field, a wrong type or an overlong string is a 400 that
 * names the field.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fcx.h"

int
fcx_validate_body(const json_t *obj, const struct fcx_field *fields,
    struct fcx_resp *resp)
{
	const struct fcx_field *f;
	const char *key;
	char q[65];
	json_t *v;
	size_t len;

	json_object_foreach((json_t *)obj, key, v) {
		for (f = fields; f->name != NULL; f++)
			if (strcmp(f->name, key) == 0)
				break;
		if (f->name == NULL) {
			fcx_error(resp, 400, "unknown_field",
			    "unknown field \"%s\"", htq_clip(q, sizeof(q),
			    key, 64));
			return HTQ_EINVAL;
		}
	}
	for (f = fields; f->name != NULL; f++) {
		v = json_object_get(obj, f->name);
		if (v == NULL || json_is_null(v)) {
			if (!f->required)
				continue;
			fcx_error(resp, 400, "missing_field",
			    "field \"%s\" is required", f->name);
			return HTQ_EINVAL;
		}
		switch (f->type) {
		case FCX_T_STRING:
			if (!json_is_string(v))
				goto type;
			len = json_string_length(v);
			if (len < f->min || len > f->max) {
				fcx_error(resp, 400, "bad_field", "field \"%s\" "
				    "must be %zu to %zu bytes long", f->name,
				    f->min, f->max);
				return HTQ_EINVAL;
			}
			if (memchr(json_string_value(v), 0, len) != NULL) {
				fcx_error(resp, 400, "bad_field",
				    "field \"%s\" contains a NUL", f->name);
				return HTQ_EINVAL;
			}
			break;
		case FCX_T_INTEGER:
			if (!json_is_integer(v))
				goto type;
			if (json_integer_value(v) < (json_int_t)f->min ||
			    json_integer_value(v) > (json_int_t)f->max) {
				fcx_error(resp, 400, "bad_field", "field \"%s\" "
				    "must be between %zu and %zu", f->name,
				    f->min, f->max);
				return HTQ_EINVAL;
			}
			break;
		case FCX_T_BOOLEAN:
			if (!json_is_boolean(v))
				goto type;
			break;
		case FCX_T_OBJECT:
			if (!json_is_object(v))
				goto type;
			break;
		case FCX_T_ARRAY:
			if (!json_is_array(v))
				goto type;
			if (json_array_size(v) > f->max) {
				fcx_error(resp, 400, "bad_field", "field \"%s\" "
				    "has more than %zu items", f->name, f->max);
				return HTQ_EINVAL;
			}
			break;
		}
	}
	return HTQ_OK;
type:
	fcx_error(resp, 400, "bad_field", "field \"%s\" has the wrong type",
	    f->name);
	return HTQ_EINVAL;
}

int
fcx_query_allowed(const struct fcx_req *req, const char *const *names,
    struct fcx_resp *resp)
{
	char q[65];
	size_t i, j;

	for (i = 0; i < req->nparams; i++) {
		for (j = 0; names[j] != NULL; j++)
			if (strcmp(req->params[i].key, names[j]) == 0)
				break;
		if (names[j] == NULL) {
			fcx_error(resp, 400, "bad_parameter",
			    "unknown query parameter \"%s\"", htq_clip(q,
			    sizeof(q), req->params[i].key, 64));
			return HTQ_EINVAL;
		}
	}
	return HTQ_OK;
}

int
fcx_query_int(const struct fcx_req *req, const char *name, long long min,
    long long max, long long def, long long *out, struct fcx_resp *resp)
{
	const char *s = fcx_param(req, name);
	char *end;
	long long v;

	*out = def;
	if (s == NULL)
		return HTQ_OK;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max ||
	    !(*s >= '0' && *s <= '9')) {
		fcx_error(resp, 400, "bad_parameter", "query parameter \"%s\" "
		    "must be an integer from %lld to %lld", name, min, max);
		return HTQ_EINVAL;
	}
	*out = v;
	return HTQ_OK;
}
