/*
 * policy.c - the verifier's trust root (docs/ledger.md 6.7): a small text
 * file naming the log's origin and its verifier keys, oldest first.
 *
 *	# comment
 *	origin htq.localhost/ledger
 *	key htq.localhost/ledger+9aed5832+AczG...
 *
 * "witness" and "quorum" lines are reserved for witness cosignatures
 * (C2SP tlog-witness) and are refused until a verifier checks them: a
 * policy must never ask for a check that is silently skipped.
 */
#include <stdio.h>
#include <string.h>

#include "aud.h"

/* One line (NUL-terminated, no '\n'): its keyword and argument. */
static int
policy_line(struct aud_policy *p, char *line, size_t lineno, char *why,
    size_t whysz)
{
	char *arg;
	size_t i;

	if (line[0] == '\0' || line[0] == '#')
		return AUD_OK;
	if ((arg = strchr(line, ' ')) == NULL) {
		snprintf(why, whysz, "line %zu: not \"keyword value\"", lineno);
		return AUD_EFORMAT;
	}
	*arg++ = '\0';
	if (strcmp(line, "witness") == 0 || strcmp(line, "quorum") == 0) {
		snprintf(why, whysz, "line %zu: %s is reserved for witness "
		    "cosignatures, which this verifier does not check yet",
		    lineno, line);
		return AUD_EINVAL;
	}
	if (arg[0] == '\0' || strchr(arg, ' ') != NULL) {
		snprintf(why, whysz, "line %zu: %s takes one value", lineno,
		    line);
		return AUD_EFORMAT;
	}
	if (strcmp(line, "origin") == 0) {
		if (p->origin[0] != '\0') {
			snprintf(why, whysz, "line %zu: a second origin", lineno);
			return AUD_EFORMAT;
		}
		if (strlen(arg) > AUD_MAX_ORIGIN || !aud_name_valid(arg)) {
			snprintf(why, whysz, "line %zu: not a log origin",
			    lineno);
			return AUD_EFORMAT;
		}
		memcpy(p->origin, arg, strlen(arg) + 1);
		return AUD_OK;
	}
	if (strcmp(line, "key") == 0) {
		if (p->nkeys == AUD_MAX_POLICY_KEYS) {
			snprintf(why, whysz, "line %zu: more than %d keys",
			    lineno, AUD_MAX_POLICY_KEYS);
			return AUD_ETOOBIG;
		}
		if (aud_vkey_parse(arg, &p->keys[p->nkeys]) != AUD_OK) {
			snprintf(why, whysz, "line %zu: not a verifier key",
			    lineno);
			return AUD_EFORMAT;
		}
		for (i = 0; i < p->nkeys; i++)
			if (memcmp(p->keys[i].pk, p->keys[p->nkeys].pk,
			    AUD_PK) == 0) {
				snprintf(why, whysz, "line %zu: the same key "
				    "twice", lineno);
				return AUD_EFORMAT;
			}
		p->nkeys++;
		return AUD_OK;
	}
	snprintf(why, whysz, "line %zu: unknown keyword \"%.40s\"", lineno,
	    line);
	return AUD_EFORMAT;
}

int
aud_policy_parse(const char *text, size_t len, struct aud_policy *p,
    char *why, size_t whysz)
{
	char line[AUD_MAX_POLICY_LINE + 1];
	size_t i, start, n, lineno = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	if (len > AUD_MAX_POLICY) {
		snprintf(why, whysz, "larger than %d bytes", AUD_MAX_POLICY);
		return AUD_ETOOBIG;
	}
	for (start = 0; start < len; start = i + 1) {
		lineno++;
		for (i = start; i < len && text[i] != '\n'; i++)
			if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f) {
				snprintf(why, whysz, "line %zu: a control "
				    "character", lineno);
				return AUD_EFORMAT;
			}
		if ((n = i - start) > AUD_MAX_POLICY_LINE) {
			snprintf(why, whysz, "line %zu: longer than %d bytes",
			    lineno, AUD_MAX_POLICY_LINE);
			return AUD_ETOOBIG;
		}
		memcpy(line, text + start, n);
		line[n] = '\0';
		if ((rc = policy_line(p, line, lineno, why, whysz)) != AUD_OK)
			return rc;
	}
	if (p->origin[0] == '\0') {
		snprintf(why, whysz, "no origin line");
		return AUD_EFORMAT;
	}
	if (p->nkeys == 0) {
		snprintf(why, whysz, "no key line");
		return AUD_EFORMAT;
	}
	for (i = 0; i < p->nkeys; i++)
		if (strcmp(p->keys[i].name, p->origin) != 0) {
			snprintf(why, whysz, "key %zu is named \"%.100s\", not "
			    "the origin", i + 1, p->keys[i].name);
			return AUD_EFORMAT;
		}
	return AUD_OK;
}
