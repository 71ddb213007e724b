/*
 * rotation.c - the rule a key.rotated entry must follow (docs/ledger.md
 * 3), shared by the offline verifier (htq-verify) and the check of a
 * stored log (store_check.c, htqctl restore), so that both accept
 * exactly the same chains of keys.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "aud.h"

static const char *
hex4(const uint8_t kid[AUD_KID], char out[2 * AUD_KID + 1])
{
	sodium_bin2hex(out, 2 * AUD_KID + 1, kid, AUD_KID);
	return out;
}

int
aud_rotation_check(const struct aud_entry *e, const struct aud_vkey *chain,
    size_t n, struct aud_vkey *nk, char *why, size_t whysz)
{
	const struct aud_vkey *cur = &chain[n - 1];
	struct aud_vkey ok;
	json_t *d, *o, *nj;
	size_t i;
	char h1[9], h2[9];
	int rc = AUD_EFORMAT;

	d = json_loadb(e->data, e->datalen, JSON_REJECT_DUPLICATES, NULL);
	o = json_object_get(d, "old_key");
	nj = json_object_get(d, "new_key");
	if (json_object_size(d) != 2 || !json_is_string(o) ||
	    !json_is_string(nj)) {
		snprintf(why, whysz, "key.rotated: data is not {\"new_key\","
		    "\"old_key\"}");
		goto out;
	}
	if (aud_vkey_parse(json_string_value(o), &ok) != AUD_OK) {
		snprintf(why, whysz, "key.rotated: old_key is not a verifier "
		    "key");
		goto out;
	}
	if (memcmp(ok.pk, cur->pk, AUD_PK) != 0 ||
	    memcmp(ok.kid, cur->kid, AUD_KID) != 0 ||
	    strcmp(ok.name, cur->name) != 0) {
		snprintf(why, whysz, "key.rotated: old_key %s is not the current "
		    "key %s", hex4(ok.kid, h1), hex4(cur->kid, h2));
		rc = AUD_EVERIFY;
		goto out;
	}
	if (aud_vkey_parse(json_string_value(nj), nk) != AUD_OK) {
		snprintf(why, whysz, "key.rotated: new_key is not a verifier "
		    "key");
		goto out;
	}
	rc = AUD_EVERIFY;
	if (strcmp(nk->name, cur->name) != 0) {
		snprintf(why, whysz, "key.rotated: new_key is named \"%.100s\", "
		    "not \"%.100s\"", nk->name, cur->name);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (memcmp(chain[i].pk, nk->pk, AUD_PK) == 0) {
			snprintf(why, whysz, "key.rotated: new_key %s is not "
			    "new", hex4(nk->kid, h1));
			goto out;
		}
	rc = AUD_OK;
out:
	json_decref(d);
	return rc;
}
