/*
 * ctl_users.c - htqctl org add|list, user add|list|disable|enable|
 * set-role|reset-password.
 *
 * Passwords are read from the terminal without echo, or from stdin when
 * it is not a terminal; never from the command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"

/* Read one line into buf (sodium_malloc'd by the caller). */
static int
read_password(char *buf, size_t bufsz)
{
	struct termios old, noecho;
	int tty = isatty(STDIN_FILENO);
	size_t n;

	if (tty) {
		fprintf(stderr, "password (at least %d characters): ",
		    HTQ_MIN_PASSWORD);
		tcgetattr(STDIN_FILENO, &old);
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
	}
	if (fgets(buf, (int)bufsz, stdin) == NULL)
		buf[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return n >= HTQ_MIN_PASSWORD && n <= HTQ_MAX_PASSWORD ? HTQ_OK :
	    HTQ_EINVAL;
}

static int
cmd_org_add(struct ctl *c, int argc, char **argv)
{
	const char *kind = ctl_opt(argc, argv, "--kind"), *name = ctl_opt(argc, argv,
	    "--name");
	enum htq_org_kind k;
	char id[HTQ_ID_LEN + 1];
	int rc;

	if (ctl_wants_help(argc, argv) || kind == NULL || name == NULL ||
	    htq_org_kind_parse(kind, &k) != HTQ_OK) {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl org add --kind awarding_body|employer_panel|"
		    "approving_body\n            --name NAME [--rn RN1234] "
		    "[--ukprn 1xxxxxxx]\n\nAn awarding body needs its Ofqual "
		    "recognition number or its UKPRN.\n");
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	/* said here: htq_org_add's HTQ_EINVAL cannot say which */
	if (!htq_text_valid(name, 0)) {
		fprintf(stderr, "htqctl: --name: %s\n", HTQ_LINE_RULE);
		return 1;
	}
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("database", rc);
	rc = htq_org_add(c->db, k, name, ctl_opt(argc, argv, "--rn"),
	    ctl_opt(argc, argv, "--ukprn"), id);
	if (rc == HTQ_EINVAL) {
		fprintf(stderr, "htqctl: check --rn (RN + 4-6 digits), --ukprn "
		    "(8 digits starting with 1); an awarding body needs one\n");
		return 1;
	}
	if (rc != HTQ_OK)
		return ctl_fail("org add", rc);
	printf("%s\n", id);
	return 0;
}

static int
print_list(struct ctl *c, int (*fn)(struct htq_db *, MDB_txn *, json_t **))
{
	MDB_txn *txn;
	json_t *out;
	int rc;

	if ((rc = ctl_open(c, 0)) != HTQ_OK)
		return ctl_fail("database", rc);
	if ((rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	rc = fn(c->db, txn, &out);
	mdb_txn_abort(txn);
	if (rc != HTQ_OK)
		return ctl_fail("list", rc);
	ctl_print_json(out);
	return 0;
}

static int
cmd_org_list(struct ctl *c, int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl org list\n");
		return 0;
	}
	return print_list(c, htq_orgs_list);
}

static int
cmd_user_add(struct ctl *c, int argc, char **argv)
{
	const char *email = ctl_opt(argc, argv, "--email"), *name = ctl_opt(argc, argv,
	    "--name"), *role = ctl_opt(argc, argv, "--role");
	char id[HTQ_ID_LEN + 1], *pw;
	enum htq_role r;
	int rc;

	if (ctl_wants_help(argc, argv) || !email || !name || !role ||
	    htq_role_parse(role, &r) != HTQ_OK) {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl user add --email E --name NAME --role "
		    "awarding_body|reviewer|approver|auditor|admin\n"
		    "            [--org ORG_ID]   (password from the terminal "
		    "or stdin)\n");
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	if (!htq_text_valid(name, 0)) {
		fprintf(stderr, "htqctl: --name: %s\n", HTQ_LINE_RULE);
		return 1;
	}
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("database", rc);
	if ((pw = sodium_malloc(HTQ_MAX_PASSWORD + 2)) == NULL)
		return ctl_fail("password", HTQ_ENOMEM);
	if (read_password(pw, HTQ_MAX_PASSWORD + 2) != HTQ_OK) {
		sodium_free(pw);
		fprintf(stderr, "htqctl: the password must be %d to %d "
		    "characters\n", HTQ_MIN_PASSWORD, HTQ_MAX_PASSWORD);
		return 1;
	}
	rc = htq_account_add(c->db, email, name, r, ctl_opt(argc, argv, "--org"),
	    pw, id);
	sodium_free(pw);
	if (rc == HTQ_EEXIST) {
		fprintf(stderr, "htqctl: an account with that e-mail exists\n");
		return 1;
	}
	if (rc == HTQ_EINVAL || rc == HTQ_ENOTFOUND) {
		fprintf(stderr, "htqctl: check the e-mail and the organisation "
		    "(an awarding_body account needs --org of an awarding "
		    "body)\n");
		return 1;
	}
	if (rc != HTQ_OK)
		return ctl_fail("user add", rc);
	printf("%s\n", id);
	return 0;
}

static int
cmd_user_list(struct ctl *c, int argc, char **argv)
{
	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl user list\n");
		return 0;
	}
	return print_list(c, htq_accounts_list);
}

static int
cmd_user_disable(struct ctl *c, int argc, char **argv)
{
	int rc, off = strcmp(argv[0], "disable") == 0;

	if (ctl_wants_help(argc, argv) || argc != 2) {
		fprintf(argc == 2 ? stdout : stderr, "usage: htqctl user %s "
		    "EMAIL|ID\n", argv[0]);
		return argc == 2 ? 0 : 2;
	}
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("database", rc);
	if ((rc = htq_account_set_disabled(c->db, argv[1], off)) != HTQ_OK)
		return ctl_fail(argv[1], rc);
	printf("%s %s\n", argv[1], off ? "disabled" : "enabled");
	return 0;
}

static int
cmd_user_set_role(struct ctl *c, int argc, char **argv)
{
	const char *role = ctl_opt(argc, argv, "--role");
	enum htq_role r;
	int rc;

	if (ctl_wants_help(argc, argv) || argc < 4 || role == NULL ||
	    htq_role_parse(role, &r) != HTQ_OK) {
		fprintf(ctl_wants_help(argc, argv) ? stdout : stderr,
		    "usage: htqctl user set-role EMAIL|ID --role ROLE "
		    "[--org ORG_ID]\n\nRecorded in the ledger as "
		    "account.role_changed (ids only).\n");
		return ctl_wants_help(argc, argv) ? 0 : 2;
	}
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("database", rc);
	if ((rc = htq_account_set_role(c->db, argv[1], r, ctl_opt(argc, argv,
	    "--org"))) != HTQ_OK)
		return ctl_fail(argv[1], rc);
	printf("%s is now %s\n", argv[1], role);
	return 0;
}

static int
cmd_user_reset_password(struct ctl *c, int argc, char **argv)
{
	char *pw;
	int rc;

	if (ctl_wants_help(argc, argv) || argc != 2) {
		fprintf(argc == 2 ? stdout : stderr, "usage: htqctl user "
		    "reset-password EMAIL|ID   (new password from the terminal "
		    "or stdin)\n");
		return argc == 2 ? 0 : 2;
	}
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("database", rc);
	if ((pw = sodium_malloc(HTQ_MAX_PASSWORD + 2)) == NULL)
		return ctl_fail("password", HTQ_ENOMEM);
	rc = read_password(pw, HTQ_MAX_PASSWORD + 2);
	if (rc == HTQ_OK)
		rc = htq_account_set_password(c->db, argv[1], pw);
	sodium_free(pw);
	if (rc != HTQ_OK)
		return ctl_fail(argv[1], rc);
	printf("password of %s changed\n", argv[1]);
	return 0;
}

static const struct ctl_cmd org_cmds[] = {
	{ "add", cmd_org_add, "add an organisation" },
	{ "list", cmd_org_list, "list organisations" },
	{ NULL, NULL, NULL }
};

static const struct ctl_cmd user_cmds[] = {
	{ "add", cmd_user_add, "add an account" },
	{ "list", cmd_user_list, "list accounts" },
	{ "disable", cmd_user_disable, "disable an account" },
	{ "enable", cmd_user_disable, "enable an account again" },
	{ "set-role", cmd_user_set_role, "change an account's role" },
	{ "reset-password", cmd_user_reset_password, "set a new password" },
	{ NULL, NULL, NULL }
};

int
ctl_org(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "org", org_cmds, argc - 1, argv + 1);
}

int
ctl_user(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "user", user_cmds, argc - 1, argv + 1);
}
