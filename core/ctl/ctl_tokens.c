/*
 * ctl_tokens.c - htqctl token create|list|revoke: API tokens for machine
 * clients ("Authorization: Bearer htq_...").
 *
 * The token is printed once, on stdout, by create; the database keeps
 * only its SHA-256, so a lost token is revoked and replaced, not shown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctl.h"

static int
cmd_token_create(struct ctl *c, int argc, char **argv)
{
	const char *user = ctl_opt(argc, argv, "--user"), *name = ctl_opt(argc, argv,
	    "--name"), *d = ctl_opt(argc, argv, "--days");
	char token[HTQ_API_TOKEN_LEN + 1], id[HTQ_ID_LEN + 1], *end;
	long days = HTQ_API_TOKEN_DAYS;
	int rc;

	if (d != NULL)
		days = strtol(d, &end, 10);
	if (ctl_wants_help(argc, argv) || user == NULL || (d != NULL &&
	    (*end != '\0' || days < 1 || days > HTQ_API_TOKEN_MAX_DAYS))) {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl token create --user EMAIL|ID [--name NAME] "
		    "[--days N]\n"
		    "  prints the token once (use it as 'Authorization: Bearer "
		    "TOKEN');\n  it acts with the account's role, for %d days "
		    "unless --days (1 to %d)\n", HTQ_API_TOKEN_DAYS,
		    HTQ_API_TOKEN_MAX_DAYS);
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("database", rc);
	rc = htq_token_create(c->db, user, name ? name : "api", (int)days,
	    token, id);
	if (rc == HTQ_ENOTFOUND) {
		fprintf(stderr, "htqctl: no account %s\n", user);
		return 1;
	}
	if (rc == HTQ_ECONFLICT) {
		fprintf(stderr, "htqctl: account %s is disabled\n", user);
		return 1;
	}
	if (rc == HTQ_EINVAL) {
		fprintf(stderr, "htqctl: a token name is 1 to %d characters\n",
		    HTQ_MAX_TOKEN_NAME);
		return 1;
	}
	if (rc != HTQ_OK)
		return ctl_fail("token create", rc);
	printf("%s\n", token);
	fprintf(stderr, "htqctl: token %s created for %s, valid %ld days; it "
	    "is shown only now\n", id, user, days);
	sodium_memzero(token, sizeof(token));
	return 0;
}

static int
cmd_token_list(struct ctl *c, int argc, char **argv)
{
	const char *user = ctl_opt(argc, argv, "--user");
	struct htq_account a;
	MDB_txn *txn;
	json_t *out;
	int rc;

	if (ctl_wants_help(argc, argv) || (argc != 1 && user == NULL)) {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl token list [--user EMAIL|ID]\n");
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	if ((rc = ctl_open(c, 0)) != HTQ_OK)
		return ctl_fail("database", rc);
	if ((rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	if (user != NULL && (rc = htq_account_find(c->db, txn, user, &a)) !=
	    HTQ_OK) {
		mdb_txn_abort(txn);
		return ctl_fail(user, rc);
	}
	rc = htq_tokens_list(c->db, txn, user ? a.id : NULL, &out);
	mdb_txn_abort(txn);
	if (rc != HTQ_OK)
		return ctl_fail("token list", rc);
	ctl_print_json(out);
	return 0;
}

static int
cmd_token_revoke(struct ctl *c, int argc, char **argv)
{
	int rc;

	if (ctl_wants_help(argc, argv) || argc != 2) {
		fprintf(argc == 2 ? stdout : stderr,
		    "usage: htqctl token revoke TOKEN_ID   (the k-... id from "
		    "token list)\n");
		return argc == 2 ? 0 : 2;
	}
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("database", rc);
	if ((rc = htq_token_revoke(c->db, argv[1])) != HTQ_OK)
		return ctl_fail(argv[1], rc);
	printf("%s revoked\n", argv[1]);
	return 0;
}

static const struct ctl_cmd token_cmds[] = {
	{ "create", cmd_token_create, "create an API token for an account" },
	{ "list", cmd_token_list, "list tokens (ids, accounts, expiry)" },
	{ "revoke", cmd_token_revoke, "revoke a token at once" },
	{ NULL, NULL, NULL }
};

int
ctl_token(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "token", token_cmds, argc - 1, argv + 1);
}
