/*
 * policy.c - the verifier's trust root (docs/ledger.md 6.7): a small text
 * file naming the log's origin and its verifier keys, oldest first, and
 * optionally the witnesses whose cosignatures the latest checkpoint needs.
 *
 *	# comment
 *	origin htq.localhost/ledger
 *	key htq.localhost/ledger+9aed5832+AczG...
 *	witness regulator.example/w1+1f2e3d4c+BH8x...
 *	quorum 1
 *	max_age 600
 *
 * aud_policy_cosigned applies the witness rule (C2SP tlog-cosignature,
 * cosignature/v1) to a checkpoint note.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "aud.h"

int
aud_cosig_vkey_parse(const char *s, struct aud_vkey *out)
{
	const char *p1, *p2;
	uint8_t bin[1 + AUD_PK + 1], want[AUD_KID];
	size_t binlen, hexlen;

	memset(out, 0, sizeof(*out));
	/* names and hex ids have no '+'; base64 may */
	if ((p1 = strchr(s, '+')) == NULL || p1 == s ||
	    (size_t)(p1 - s) > AUD_MAX_ORIGIN ||
	    (p2 = strchr(p1 + 1, '+')) == NULL || p2 - p1 - 1 != 2 * AUD_KID)
		return AUD_EFORMAT;
	memcpy(out->name, s, (size_t)(p1 - s));
	out->name[p1 - s] = '\0';
	if (!aud_name_valid(out->name))
		return AUD_EFORMAT;
	/* lowercase hex only, as aud_cosig_vkey_format writes it */
	for (hexlen = 0; hexlen < 2 * AUD_KID; hexlen++)
		if (strchr("0123456789abcdef", p1[1 + hexlen]) == NULL)
			return AUD_EFORMAT;
	if (sodium_hex2bin(out->kid, AUD_KID, p1 + 1, 2 * AUD_KID, NULL,
	    &hexlen, NULL) != 0 || hexlen != AUD_KID)
		return AUD_EFORMAT;
	if (strlen(p2 + 1) != 44 || sodium_base642bin(bin, sizeof(bin),
	    p2 + 1, 44, NULL, &binlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || binlen != 1 + AUD_PK ||
	    bin[0] != AUD_COSIG_ALG)
		return AUD_EFORMAT;
	memcpy(out->pk, bin + 1, AUD_PK);
	aud_cosig_key_id(out->name, out->pk, want);
	return memcmp(want, out->kid, AUD_KID) == 0 ? AUD_OK : AUD_EFORMAT;
}

/* A decimal with no leading zero (nor sign), at most max. */
static int
parse_num(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > max)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return v > max ? -1 : 0;
}

static int
policy_witness(struct aud_policy *p, const char *arg, size_t lineno,
    char *why, size_t whysz)
{
	struct aud_vkey *w = &p->witnesses[p->nwitnesses];
	size_t i;

	if (p->nwitnesses == AUD_MAX_POLICY_WITNESSES) {
		snprintf(why, whysz, "line %zu: more than %d witnesses",
		    lineno, AUD_MAX_POLICY_WITNESSES);
		return AUD_ETOOBIG;
	}
	if (aud_cosig_vkey_parse(arg, w) != AUD_OK) {
		snprintf(why, whysz, "line %zu: not a witness's cosignature "
		    "key (name+id+base64 as htq-witness keygen prints it)",
		    lineno);
		return AUD_EFORMAT;
	}
	for (i = 0; i < p->nwitnesses; i++)
		if (strcmp(p->witnesses[i].name, w->name) == 0 ||
		    memcmp(p->witnesses[i].pk, w->pk, AUD_PK) == 0) {
			snprintf(why, whysz, "line %zu: witness %.100s twice "
			    "(by name or key)", lineno, w->name);
			return AUD_EFORMAT;
		}
	p->nwitnesses++;
	return AUD_OK;
}

/* quorum and max_age: one line each, checked against the witnesses
 * when the whole file is read. */
static int
policy_number(struct aud_policy *p, const char *kw, const char *arg,
    size_t lineno, char *why, size_t whysz)
{
	int isq = strcmp(kw, "quorum") == 0;
	uint64_t v, max = isq ? AUD_MAX_POLICY_WITNESSES : AUD_MAX_POLICY_AGE;

	if (isq ? p->quorum != 0 : p->max_age != 0) {
		snprintf(why, whysz, "line %zu: a second %s line", lineno, kw);
		return AUD_EFORMAT;
	}
	if (parse_num(arg, UINT32_MAX, &v) != 0) {
		snprintf(why, whysz, "line %zu: %s is not a decimal number",
		    lineno, kw);
		return AUD_EFORMAT;
	}
	if (v == 0 || v > max) {
		snprintf(why, whysz, "line %zu: %s %llu is out of range "
		    "(1..%llu)", lineno, kw, (unsigned long long)v,
		    (unsigned long long)max);
		return AUD_ERANGE;
	}
	if (isq)
		p->quorum = (size_t)v;
	else
		p->max_age = v;
	return AUD_OK;
}

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
	if (arg[0] == '\0' || strchr(arg, ' ') != NULL) {
		snprintf(why, whysz, "line %zu: %s takes one value", lineno,
		    line);
		return AUD_EFORMAT;
	}
	if (strcmp(line, "witness") == 0)
		return policy_witness(p, arg, lineno, why, whysz);
	if (strcmp(line, "quorum") == 0 || strcmp(line, "max_age") == 0)
		return policy_number(p, line, arg, lineno, why, whysz);
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

/* The whole file read: the keys name the origin, quorum and max_age
 * only with witnesses, and the defaults. */
static int
policy_finish(struct aud_policy *p, char *why, size_t whysz)
{
	size_t i;

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
	if (p->nwitnesses == 0) {
		if (p->quorum != 0 || p->max_age != 0) {
			snprintf(why, whysz, "%s without witness lines",
			    p->quorum != 0 ? "quorum" : "max_age");
			return AUD_EFORMAT;
		}
		return AUD_OK;
	}
	if (p->quorum > p->nwitnesses) {
		snprintf(why, whysz, "quorum %zu is more than the %zu "
		    "witnesses", p->quorum, p->nwitnesses);
		return AUD_ERANGE;
	}
	if (p->quorum == 0)
		p->quorum = p->nwitnesses;
	if (p->max_age == 0)
		p->max_age = AUD_DEFAULT_POLICY_AGE;
	return AUD_OK;
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
	return policy_finish(p, why, whysz);
}

/* --- the witness rule --- */

/* "2026-12-07T06:48:17Z" */
static void
iso_time(uint64_t t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t > (uint64_t)INT32_MAX * 64 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, bufsz, "@%llu", (unsigned long long)t);
}

/* Append "; "-joined text to why (truncated quietly when full). */
static void
why_add(char *why, size_t whysz, const char *text)
{
	size_t n = strlen(why);

	if (n + 1 < whysz)
		snprintf(why + n, whysz - n, "%s%s", n > 0 ? "; " : "", text);
}

static int
cmp_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

int
aud_policy_cosigned(const struct aud_policy *p, const char *note,
    size_t len, uint64_t now, uint64_t *when, char *why, size_t whysz)
{
	uint64_t fresh[AUD_MAX_POLICY_WITNESSES], old[AUD_MAX_POLICY_WITNESSES];
	uint64_t good[AUD_MAX_POLICY_WITNESSES], ts;
	const char *sigs, *q, *nl, *end = note + len;
	char iso[40], msg[AUD_MAX_ORIGIN + 80];
	size_t bodylen, which, i, ngood = 0, quorum;

	*when = 0;
	if (whysz > 0)
		why[0] = '\0';
	if (p->nwitnesses == 0)
		return AUD_OK;
	/* a policy not made by aud_policy_parse: never read past the
	 * arrays, never a quorum of none */
	if (p->nwitnesses > AUD_MAX_POLICY_WITNESSES)
		return AUD_EINVAL;
	quorum = p->quorum == 0 || p->quorum > p->nwitnesses ?
	    p->nwitnesses : p->quorum;
	/* the note's form (every line, as Go's note.Open); no log key */
	if (aud_note_verify(note, len, NULL, 0, &bodylen, &which, why,
	    whysz) == AUD_EFORMAT)
		return AUD_EFORMAT;
	if (whysz > 0)
		why[0] = '\0';
	memset(fresh, 0, sizeof(fresh));
	memset(old, 0, sizeof(old));
	sigs = note + bodylen + 1;
	for (q = sigs; q < end; q = nl + 1) {
		nl = memchr(q, '\n', (size_t)(end - q));
		for (i = 0; i < p->nwitnesses; i++) {
			if (aud_cosig_verify(q, (size_t)(nl - q),
			    p->witnesses[i].name, p->witnesses[i].pk, note,
			    bodylen, &ts) != AUD_OK || ts == 0)
				continue;
			if (ts <= now + AUD_COSIG_SKEW &&
			    ts + p->max_age >= now) {
				if (ts > fresh[i])
					fresh[i] = ts;
			} else if (ts < now && ts > old[i])
				old[i] = ts;
		}
	}
	for (i = 0; i < p->nwitnesses; i++)
		if (fresh[i] != 0)
			good[ngood++] = fresh[i];
	if (ngood >= quorum) {
		qsort(good, ngood, sizeof(good[0]), cmp_desc);
		*when = good[quorum - 1];
		return AUD_OK;
	}
	for (i = 0; i < p->nwitnesses; i++) {
		if (fresh[i] != 0)
			continue;
		if (old[i] != 0) {
			iso_time(old[i], iso, sizeof(iso));
			snprintf(msg, sizeof(msg), "witness %s has not cosigned "
			    "since %s", p->witnesses[i].name, iso);
		} else
			snprintf(msg, sizeof(msg), "no valid cosignature from "
			    "witness %s", p->witnesses[i].name);
		why_add(why, whysz, msg);
	}
	return AUD_EVERIFY;
}
