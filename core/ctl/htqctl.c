/*
 * htqctl.c - the administrator's command line.
 *
 * usage: htqctl [--data DIR] COMMAND [ARGS]
 * The data directory comes from --data, else $HTQ_DATA, else ./var.
 * Exit status: 0 ok, 1 failure, 2 usage error.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int	cmd_init(struct ctl *, int, char **);

static const struct ctl_cmd commands[] = {
	{ "init", cmd_init, "create the data directory, database and ledger "
	    "key" },
	{ "backup", ctl_backup, "copy the database while the service runs "
	    "(mode 0600)" },
	{ "demo", ctl_demo, "create the demo organisations, accounts and "
	    "workflow story" },
	{ "key", ctl_key, "generate, show or rotate the ledger signing key" },
	{ "ledger", ctl_ledger, "export the ledger, show an entry, print the "
	    "checkpoint, publish the static files" },
	{ "org", ctl_org, "add or list organisations" },
	{ "report", ctl_report, "the partners' report per window and route "
	    "(JSON or CSV)" },
	{ "restore", ctl_restore, "restore a backup into a new data "
	    "directory, checked against the published log" },
	{ "standards", ctl_standards, "import, list, show standards; set "
	    "eligibility" },
	{ "submission", ctl_submission, "list or show submissions" },
	{ "token", ctl_token, "create, list, revoke API tokens" },
	{ "user", ctl_user, "add, list, disable accounts; roles, passwords" },
	{ "window", ctl_window, "open, close, list submission windows" },
	{ NULL, NULL, NULL }
};

int
ctl_fail(const char *what, int err)
{
	fprintf(stderr, "htqctl: %s: %s\n", what, htq_strerror(err));
	return 1;
}

const char *
ctl_opt(int argc, char **argv, const char *name)
{
	int i;

	for (i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

void
ctl_print_json(json_t *doc)
{
	if (doc == NULL)
		return;
	json_dumpf(doc, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(doc);
}

int
ctl_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

static void
list_commands(FILE *f, const char *group, const struct ctl_cmd *cmds)
{
	fprintf(f, "usage: htqctl [--data DIR] %s%sCOMMAND [ARGS]\n\n"
	    "commands:\n", group ? group : "", group ? " " : "");
	for (; cmds->name != NULL; cmds++)
		fprintf(f, "  %-14s %s\n", cmds->name, cmds->summary);
	fprintf(f, "\nEach command takes --help.  The data directory is "
	    "--data, else $HTQ_DATA, else ./var.\n");
}

int
ctl_dispatch(struct ctl *c, const char *group, const struct ctl_cmd *cmds,
    int argc, char **argv)
{
	const struct ctl_cmd *cmd;

	if (argc < 1 || strcmp(argv[0], "--help") == 0 ||
	    strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "help") == 0) {
		list_commands(argc < 1 ? stderr : stdout, group, cmds);
		return argc < 1 ? 2 : 0;
	}
	for (cmd = cmds; cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, argv[0]) == 0)
			return cmd->run(c, argc, argv);
	fprintf(stderr, "htqctl: unknown command '%s%s%s'\n", group ?
	    group : "", group ? " " : "", argv[0]);
	list_commands(stderr, group, cmds);
	return 2;
}

/* After a commit of ours that appended entries: publish them.  The
 * commit stands whatever happens here; a failure is said, and the next
 * publish (any writer's, or the server's retry) starts again from the
 * published checkpoint. */
static void
after_commit(struct htq_db *db, uint64_t size, void *ctx)
{
	int rc;

	(void)ctx;
	if ((rc = htq_publish_upto(db, size)) != HTQ_OK)
		fprintf(stderr, "htqctl: committed, but publishing the static "
		    "files failed: %s (the server retries; 'htqctl ledger "
		    "publish --check' lists what is behind)\n",
		    htq_strerror(rc));
}

int
ctl_open(struct ctl *c, int write)
{
	size_t n;
	int rc;

	if (c->db != NULL)
		return HTQ_OK;
	rc = htq_db_open(c->datadir, 0, &c->db);
	if (rc == HTQ_ENOTFOUND || rc == HTQ_EIO) {
		fprintf(stderr, "htqctl: no database in %s (run 'htqctl init' "
		    "first)\n", c->datadir);
		return rc;
	}
	if (rc != HTQ_OK)
		return rc;
	/* the submissions' facts, from a database from before them */
	if ((rc = htq_submissions_reindex(c->db, &n)) != HTQ_OK) {
		htq_db_close(c->db);
		c->db = NULL;
		return rc;
	}
	/* writes are recorded in the ledger, so they need the key */
	rc = htq_ledger_attach(c->db, c->datadir, write);
	if (rc == HTQ_ENOTFOUND)
		fprintf(stderr, "htqctl: no ledger key in %s/keys (run "
		    "'htqctl key generate')\n", c->datadir);
	else if (rc == HTQ_EPERM)
		fprintf(stderr, "htqctl: the ledger key file must be mode 0600 "
		    "and match the ledger's current key\n");
	if (rc != HTQ_OK) {
		htq_db_close(c->db);
		c->db = NULL;
		return rc;
	}
	/* our own writes update the static files (core/publish/publish.c) */
	htq_on_commit(c->db, after_commit, NULL);
	return rc;
}

int
ctl_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	FILE *f;
	size_t cap = 65536, n = 0, r;
	char *b = NULL, *nb;

	*buf = NULL;
	htq_as_caller(1);	/* the caller's file, read as the caller */
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	htq_as_caller(0);
	if (f == NULL)
		return HTQ_EIO;
	for (;;) {
		if ((nb = realloc(b, cap + 1)) == NULL)
			goto fail;
		b = nb;
		r = fread(b + n, 1, cap - n, f);
		n += r;
		if (n > max) {
			free(b);
			if (f != stdin)
				fclose(f);
			return HTQ_ETOOBIG;
		}
		if (n < cap) {
			if (ferror(f))
				goto fail;
			break;
		}
		cap *= 2;
	}
	if (f != stdin)
		fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return HTQ_OK;
fail:
	free(b);
	if (f != stdin)
		fclose(f);
	return HTQ_EIO;
}

/* Make a directory with mode, saying so when it is new. */
static int
make_dir(const char *base, const char *sub, mode_t mode)
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s%s%s", base, sub ? "/" : "",
	    sub ? sub : "");

	if (n < 0 || (size_t)n >= sizeof(path))
		return HTQ_EINVAL;
	if (mkdir(path, mode) == 0) {
		printf("created %s\n", path);
		return HTQ_OK;
	}
	return errno == EEXIST ? HTQ_OK : HTQ_EIO;
}

static int
cmd_init(struct ctl *c, int argc, char **argv)
{
	static const char *const subdirs[] = { "keys", "run", "log" };
	struct htq_db *db;
	size_t i;
	int rc;

	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl init\n\nCreate the data directory "
		    "(mode 0700) with db/, keys/, run/ and log/, the "
		    "database\nand, if there are none, a ledger signing key and a credential signing key.\nSafe to run again: existing data is kept.\n");
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: htqctl init\n");
		return 2;
	}
	if ((rc = make_dir(c->datadir, NULL, 0700)) != HTQ_OK)
		return ctl_fail(c->datadir, rc);
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++)
		if ((rc = make_dir(c->datadir, subdirs[i], 0700)) != HTQ_OK)
			return ctl_fail(subdirs[i], rc);
	if ((rc = htq_db_open(c->datadir, HTQ_DB_CREATE, &db)) != HTQ_OK)
		return ctl_fail("database", rc);
	htq_db_close(db);
	printf("database ready in %s/db\n", c->datadir);
	if ((rc = ctl_key_ensure(c)) != HTQ_OK)
		return ctl_fail("ledger key", rc);
	/* opening with the key creates the ledger's database */
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("ledger", rc);
	printf("ledger ready (origin %s)\n", htq_origin());
	return 0;
}

int
main(int argc, char **argv)
{
	struct ctl c;
	int i = 1, rc;

	memset(&c, 0, sizeof(c));
	c.datadir = getenv("HTQ_DATA");
	if (argc > 2 && strcmp(argv[1], "--data") == 0) {
		c.datadir = argv[2];
		i = 3;
	}
	if (c.datadir == NULL || *c.datadir == '\0')
		c.datadir = "./var";
	/* a restore acts on the directory it restores into, not $HTQ_DATA */
	if (i < argc && strcmp(argv[i], "restore") == 0 &&
	    ctl_opt(argc - i, argv + i, "--data") != NULL)
		c.datadir = ctl_opt(argc - i, argv + i, "--data");
	/* as the data directory's owner, and never on an open directory */
	if (htq_become_owner(c.datadir, 0) != HTQ_OK) {
		fprintf(stderr, "htqctl: cannot act as the owner of %s\n",
		    c.datadir);
		return 1;
	}
	if ((rc = htq_datadir_secure(c.datadir, 1)) == HTQ_EPERM ||
	    rc == HTQ_EIO) {
		fprintf(stderr, "htqctl: %s is open to other accounts and "
		    "not ours to repair: chmod 700 it\n", c.datadir);
		return 1;
	}
	rc = ctl_dispatch(&c, NULL, commands, argc - i, argv + i);
	htq_db_close(c.db);
	return rc;
}
