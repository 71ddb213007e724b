/*
 * ctl_key.c - htqctl key generate|show|rotate.
 *
 * The current signing key is keys/ledger.key.  A rotation writes
 * keys/ledger.next.key, commits the key.rotated entry (signed by the old
 * key) with a checkpoint signed by the new one, then retires the old file
 * as keys/ledger.key.<kid>.retired.  If the process dies between commit
 * and rename, the next open finishes the rename (core/store/ledger.c).
 *
 * keys/credential.key signs the marks' Open Badges credentials
 * (docs/credentials.md): a key of its own, created with the ledger's at
 * init, so that the ledger key signs nothing but the ledger's formats.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"
#include "aud.h"
#include "credential.h"

int
ctl_key_ensure(struct ctl *c)
{
	char path[4096];
	int rc;

	if (sodium_init() < 0)
		return HTQ_ECRYPTO;
	if ((rc = htq_key_path(c->datadir, "ledger.key", path,
	    sizeof(path))) != HTQ_OK)
		return rc;
	if (access(path, F_OK) != 0) {
		if ((rc = aud_key_generate(path, htq_origin())) != HTQ_OK)
			return rc;
		printf("created ledger signing key %s (mode 0600)\n", path);
	}
	/* the credentials' key: also for a data directory made before it */
	if ((rc = htq_key_path(c->datadir, HTQ_CREDENTIAL_NAME, path,
	    sizeof(path))) != HTQ_OK)
		return rc;
	if (access(path, F_OK) == 0)
		return HTQ_OK;
	if ((rc = htq_ckey_generate(path)) == HTQ_OK)
		printf("created credential signing key %s (mode 0600)\n",
		    path);
	return rc;
}

static int
cmd_generate(struct ctl *c, int argc, char **argv)
{
	char path[4096];
	int rc;

	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl key generate\n\nWrite a new ledger "
		    "signing key to DATA/keys/ledger.key (mode 0600).\n"
		    "Refuses to overwrite an existing key; the key name is "
		    "$HTQ_ORIGIN\n(default %s).\n", htq_origin());
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: htqctl key generate\n");
		return 2;
	}
	if (sodium_init() < 0 || (rc = htq_key_path(c->datadir, "ledger.key",
	    path, sizeof(path))) != HTQ_OK)
		return ctl_fail("key", HTQ_ECRYPTO);
	if ((rc = aud_key_generate(path, htq_origin())) != HTQ_OK)
		return ctl_fail(path, rc);
	printf("created %s\n", path);
	return 0;
}

static int
cmd_show(struct ctl *c, int argc, char **argv)
{
	struct aud_vkey vk;
	char line[512];
	int rc;

	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl key show\n\nPrint the verifier key of "
		    "the current signing key: give it to auditors\n(the public "
		    "API serves all keys at /api/v1/ledger/key).\n");
		return 0;
	}
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("ledger key", rc);
	aud_key_public(htq_db_key(c->db), &vk);
	if ((rc = aud_vkey_format(&vk, line, sizeof(line))) != HTQ_OK)
		return ctl_fail("key", rc);
	printf("%s\n", line);
	return 0;
}

static int
cmd_rotate(struct ctl *c, int argc, char **argv)
{
	char cur[4096], next[4096], old[4200], hex[9];
	struct aud_key *nk = NULL, *ok;
	struct aud_vkey vk;
	MDB_txn *txn;
	int rc;

	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl key rotate\n\nGenerate a new signing "
		    "key and append a key.rotated entry, signed by the\n"
		    "current key, that names it.  Later entries and checkpoints "
		    "are signed by\nthe new key; verifiers follow the chain. The "
		    "old key file is kept as\nkeys/ledger.key.<kid>.retired: "
		    "move it offline.\n");
		return 0;
	}
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("ledger key", rc);
	ok = htq_db_key(c->db);
	if (htq_key_path(c->datadir, "ledger.key", cur, sizeof(cur)) ||
	    htq_key_path(c->datadir, "ledger.next.key", next, sizeof(next)))
		return ctl_fail("key", HTQ_EINVAL);
	unlink(next);	/* a leftover from a rotation that never committed */
	if ((rc = aud_key_generate(next, htq_origin())) != HTQ_OK ||
	    (rc = aud_key_load(next, &nk)) != HTQ_OK)
		return ctl_fail(next, rc);
	if ((rc = htq_txn_write(c->db, &txn)) != HTQ_OK)
		goto fail;
	if ((rc = aud_rotate(htq_db_log(c->db), txn, ok, nk, "admin")) !=
	    HTQ_OK || (rc = aud_seal(htq_db_log(c->db), txn, nk)) != HTQ_OK) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = htq_mdb_err(mdb_txn_commit(txn))) != HTQ_OK)
		goto fail;
	/* the checkpoint is sealed with the new key: publish it and the
	 * new key list (a failure is repaired by the next start) */
	if (htq_publish(c->db, 0) != HTQ_OK)
		fprintf(stderr, "htqctl: publishing the static files failed; "
		    "run 'htqctl ledger publish'\n");
	sodium_bin2hex(hex, sizeof(hex), ok->kid, AUD_KID);
	snprintf(old, sizeof(old), "%s.%s.retired", cur, hex);
	if (rename(cur, old) != 0 || rename(next, cur) != 0) {
		aud_key_free(nk);
		return ctl_fail("renaming key files (rerun any htqctl "
		    "command to finish)", HTQ_EIO);
	}
	aud_key_public(nk, &vk);
	aud_vkey_format(&vk, cur, sizeof(cur));
	printf("rotated: new verifier key %s\nold key kept in %s: move it "
	    "offline\n", cur, old);
	aud_key_free(nk);
	return 0;
fail:
	aud_key_free(nk);
	unlink(next);
	return ctl_fail("rotate", rc);
}

static const struct ctl_cmd cmds[] = {
	{ "generate", cmd_generate, "write a new signing key (never "
	    "overwrites)" },
	{ "show", cmd_show, "print the current verifier key" },
	{ "rotate", cmd_rotate, "switch to a new key, recorded in the ledger" },
	{ NULL, NULL, NULL }
};

int
ctl_key(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "key", cmds, argc - 1, argv + 1);
}
