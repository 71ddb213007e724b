/*
 * record.c - records as JSON in LMDB, ids and secrets' keys.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store.h"

const char *
htq_jstr(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(o, a);

	if (b != NULL)
		v = json_object_get(v, b);
	return json_string_value(v);
}

void
htq_new_id(char prefix, char id[HTQ_ID_LEN + 1])
{
	uint8_t raw[8];

	randombytes_buf(raw, sizeof(raw));
	id[0] = prefix;
	id[1] = '-';
	sodium_bin2hex(id + 2, HTQ_ID_LEN - 1, raw, sizeof(raw));
}

int
htq_put_text(MDB_txn *txn, MDB_dbi dbi, const char *key, const char *text,
    unsigned flags)
{
	MDB_val k = { strlen(key), (void *)key }, v = { strlen(text),
	    (void *)text };

	return htq_mdb_err(mdb_put(txn, dbi, &k, &v, flags));
}

int
htq_record_holds(const MDB_val *v, const char *s)
{
	const char *p = v->mv_data, *end = p + v->mv_size;
	size_t n = strlen(s);

	for (; (size_t)(end - p) >= n; p++)
		if (*p == *s && memcmp(p, s, n) == 0)
			return 1;
	return 0;
}

int
htq_put_json(MDB_txn *txn, MDB_dbi dbi, const char *key, const json_t *doc,
    unsigned flags)
{
	char *s = json_dumps(doc, JSON_COMPACT);
	int rc;

	if (s == NULL)
		return HTQ_ENOMEM;
	rc = htq_put_text(txn, dbi, key, s, flags);
	free(s);
	return rc;
}

int
htq_get_json(MDB_txn *txn, MDB_dbi dbi, const char *key, json_t **out)
{
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc;

	*out = NULL;
	if ((rc = htq_mdb_err(mdb_get(txn, dbi, &k, &v))) != HTQ_OK)
		return rc;
	*out = json_loadb(v.mv_data, v.mv_size, 0, NULL);
	return *out ? HTQ_OK : HTQ_EFORMAT;
}

void
htq_token_key(const char *token, char key[65])
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const uint8_t *)token, strlen(token));
	sodium_bin2hex(key, 65, h, sizeof(h));
}
