/*
 * store_check.c - verify a log held in LMDB (a restored backup) as
 * htq-verify's ledger mode verifies an export (docs/ledger.md 6.1), and
 * check it against the last checkpoint the log published, so that a
 * restore can never rewind or fork a public log.  Built with store.c
 * (it reads LMDB); htq-verify does not link it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <sodium.h>

#include "aud.h"

/* The chain of keys as the entries name them: the log's first key, then
 * one per key.rotated entry (a log rotates rarely: a fixed bound). */
#define CHAIN_MAX	256

struct chain {
	struct aud_vkey	 k[CHAIN_MAX];
	size_t		 n;
};

static const char *
hex4(const uint8_t kid[AUD_KID], char out[2 * AUD_KID + 1])
{
	sodium_bin2hex(out, 2 * AUD_KID + 1, kid, AUD_KID);
	return out;
}

/* The first line of the log's key list: the key the chain starts from. */
static int
first_key(struct aud_log *l, MDB_txn *txn, struct aud_vkey *k, char *why,
    size_t whysz)
{
	char line[AUD_MAX_ORIGIN + 100];
	const char *text, *nl;
	size_t len, n;
	int rc;

	if ((rc = aud_keys(l, txn, &text, &len)) != AUD_OK) {
		snprintf(why, whysz, "the log records no key");
		return rc == AUD_ENOTFOUND ? AUD_EFORMAT : rc;
	}
	nl = memchr(text, '\n', len);
	n = nl != NULL ? (size_t)(nl - text) : len;
	if (n >= sizeof(line)) {
		snprintf(why, whysz, "the log's first key is malformed");
		return AUD_EFORMAT;
	}
	memcpy(line, text, n);
	line[n] = '\0';
	if (aud_vkey_parse(line, k) != AUD_OK) {
		snprintf(why, whysz, "the log's first key is malformed");
		return AUD_EFORMAT;
	}
	return AUD_OK;
}

/* A key.rotated entry, signed by the current key (checked by the
 * caller): the next key of the chain, by the rule htq-verify applies. */
static int
follow_rotation(struct chain *c, const struct aud_entry *e, char *why,
    size_t whysz)
{
	struct aud_vkey nk;
	int rc;

	if ((rc = aud_rotation_check(e, c->k, c->n, &nk, why, whysz)) !=
	    AUD_OK)
		return rc;
	if (c->n == CHAIN_MAX) {
		snprintf(why, whysz, "more than %d key rotations", CHAIN_MAX);
		return AUD_ETOOBIG;
	}
	c->k[c->n++] = nk;
	return AUD_OK;
}

static int
check_log(struct chain *cp, struct aud_log *l, MDB_txn *txn, const char *pub,
    size_t publen, struct aud_check *out, char *why, size_t whysz)
{
	struct aud_range range;
	struct aud_entry e;
	const uint8_t *sig;
	const char *entry;
	uint8_t kid[AUD_KID];
	aud_hash prev, leaf, stored, pub_root;
	uint64_t seq, size;
	size_t len, blen, which, pub_key = 0;
	char h1[9], h2[9], origin[AUD_MAX_ORIGIN + 1];
	int rc;

	memset(out, 0, sizeof(*out));
	why[0] = '\0';
	if ((rc = aud_size(l, txn, &size)) != AUD_OK)
		return rc;
	out->size = size;
	if (pub != NULL) {
		/* its form and origin now; its signature once the chain
		 * says which key was current at its size */
		rc = aud_note_verify(pub, publen, NULL, 0, &blen, &which, why,
		    whysz);
		if (rc == AUD_EFORMAT)
			return rc;
		if (aud_checkpoint_parse(pub, blen, origin, sizeof(origin),
		    &out->pub_size, out->pub_root) != AUD_OK) {
			snprintf(why, whysz, "the published checkpoint's signed "
			    "text is not a checkpoint");
			return AUD_EFORMAT;
		}
		if (strcmp(origin, aud_log_origin(l)) != 0) {
			snprintf(why, whysz, "the published checkpoint is for "
			    "origin \"%.100s\", the backup's log for \"%.100s\"",
			    origin, aud_log_origin(l));
			return AUD_EVERIFY;
		}
		out->have_pub = 1;
		if (out->pub_size > size) {
			snprintf(why, whysz, "the backup's ledger has %llu "
			    "entries but the published checkpoint has %llu",
			    (unsigned long long)size,
			    (unsigned long long)out->pub_size);
			return AUD_ERANGE;
		}
	}
	if (size == 0) {
		aud_empty_root(out->root);
		memcpy(pub_root, out->root, AUD_HASH);
		out->entries_ok = 1;
		goto published;
	}
	if ((rc = first_key(l, txn, &cp->k[0], why, whysz)) != AUD_OK)
		return rc;
	cp->n = 1;
	aud_range_init(&range);
	memset(prev, 0, sizeof(prev));
	if (out->have_pub && out->pub_size == 0)
		aud_empty_root(pub_root);
	for (seq = 0; seq < size; seq++) {
		const struct aud_vkey *cur = &cp->k[cp->n - 1];

		if ((rc = aud_entry_get(l, txn, seq, &entry, &len, &sig)) !=
		    AUD_OK) {
			snprintf(why, whysz, "entry %llu: missing from the log "
			    "of %llu entries", (unsigned long long)seq,
			    (unsigned long long)size);
			return rc == AUD_ENOTFOUND ? AUD_EVERIFY : rc;
		}
		if (aud_entry_parse(entry, len, &e, why, whysz) != AUD_OK) {
			char w[300];

			snprintf(w, sizeof(w), "%s", why);
			snprintf(why, whysz, "entry %llu: %s",
			    (unsigned long long)seq, w);
			return AUD_EFORMAT;
		}
		if (e.seq != seq) {
			snprintf(why, whysz, "entry %llu: field seq says %llu",
			    (unsigned long long)seq, (unsigned long long)e.seq);
			return AUD_EVERIFY;
		}
		if (sodium_memcmp(e.prev, prev, AUD_HASH) != 0) {
			snprintf(why, whysz, "entry %llu: field prev does not "
			    "match the hash of entry %lld (chain broken)",
			    (unsigned long long)seq, (long long)seq - 1);
			return AUD_EVERIFY;
		}
		if (memcmp(e.kid, cur->kid, AUD_KID) != 0) {
			snprintf(why, whysz, "entry %llu: signed with key %s, "
			    "but the current key is %s",
			    (unsigned long long)seq, hex4(e.kid, h1),
			    hex4(cur->kid, h2));
			return AUD_EVERIFY;
		}
		if (aud_entry_verify(cur->pk, entry, len, sig) != AUD_OK) {
			snprintf(why, whysz, "entry %llu: signature does not "
			    "verify with key %s", (unsigned long long)seq,
			    hex4(cur->kid, h1));
			return AUD_EVERIFY;
		}
		aud_leaf_hash(entry, len, leaf);
		aud_range_append(&range, leaf);
		memcpy(prev, leaf, AUD_HASH);
		if (strcmp(e.type, "key.rotated") == 0 &&
		    (rc = follow_rotation(cp, &e, why, whysz)) != AUD_OK) {
			char w[300];

			snprintf(w, sizeof(w), "%s", why);
			snprintf(why, whysz, "entry %llu: %s",
			    (unsigned long long)seq, w);
			return rc;
		}
		if (out->have_pub && range.size == out->pub_size) {
			aud_range_root(&range, pub_root);
			pub_key = cp->n - 1;
		}
	}
	aud_range_root(&range, out->root);
	/* the tree the log serves proofs and tiles from is the entries' */
	if ((rc = aud_root(l, txn, size, stored)) != AUD_OK)
		return rc;
	if (sodium_memcmp(stored, out->root, AUD_HASH) != 0) {
		snprintf(why, whysz, "the stored tree's root for %llu entries "
		    "differs from the entries' own", (unsigned long long)size);
		return AUD_EVERIFY;
	}
	if ((rc = aud_current_kid(l, txn, kid)) != AUD_OK)
		return rc;
	if (memcmp(kid, cp->k[cp->n - 1].kid, AUD_KID) != 0) {
		snprintf(why, whysz, "the log's current key %s is not the "
		    "last key of its chain of rotations, %s", hex4(kid, h1),
		    hex4(cp->k[cp->n - 1].kid, h2));
		return AUD_EVERIFY;
	}
	out->nkeys = cp->n;
	out->entries_ok = 1;
published:
	if (!out->have_pub)
		return AUD_OK;
	if (size > 0 && (rc = aud_note_verify(pub, publen, &cp->k[pub_key], 1,
	    &blen, &which, why, whysz)) != AUD_OK) {
		char w[300];

		snprintf(w, sizeof(w), "%s", why);
		snprintf(why, whysz, "the published checkpoint: %s (the key "
		    "current at size %llu is %s)", w,
		    (unsigned long long)out->pub_size,
		    hex4(cp->k[pub_key].kid, h1));
		return AUD_EVERIFY;
	}
	if (sodium_memcmp(pub_root, out->pub_root, AUD_HASH) != 0) {
		snprintf(why, whysz, "the published checkpoint's root for "
		    "%llu entries differs from the backup's root at that size "
		    "(the two logs have forked)",
		    (unsigned long long)out->pub_size);
		return AUD_EVERIFY;
	}
	return AUD_OK;
}

int
aud_log_check(struct aud_log *l, MDB_txn *txn, const char *pub,
    size_t publen, struct aud_check *out, char *why, size_t whysz)
{
	struct chain *c;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(why, whysz, "out of memory");
		return AUD_ENOMEM;
	}
	rc = check_log(c, l, txn, pub, publen, out, why, whysz);
	free(c);
	return rc;
}
