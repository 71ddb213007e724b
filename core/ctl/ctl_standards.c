/*
 * ctl_standards.c - htqctl standards import|list|show|eligibility.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static void
warn_line(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "warning: %s\n", msg);
}

static int
cmd_import(struct ctl *c, int argc, char **argv)
{
	struct htq_import_stats st;
	char *buf, err[512];
	size_t len;
	int rc;

	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl standards import FILE\n\n"
		    "Import standards in the Institute's public API shape "
		    "(an array of standards,\nor an object with a \"standards\" "
		    "array); FILE may be - for stdin.\nEach new (reference, "
		    "version) is stored and recorded in the ledger; older\n"
		    "versions are kept; a stored version is never changed.\n");
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: htqctl standards import FILE\n");
		return 2;
	}
	if ((rc = ctl_read_file(argv[1], HTQ_MAX_IMPORT, &buf, &len)) != HTQ_OK)
		return ctl_fail(argv[1], rc);
	if ((rc = ctl_open(c, 1)) != HTQ_OK) {
		free(buf);
		return ctl_fail("database", rc);
	}
	rc = htq_standards_import(c->db, buf, len, &st, warn_line, NULL, err,
	    sizeof(err));
	free(buf);
	if (rc != HTQ_OK) {
		fprintf(stderr, "htqctl: %s: %s\n", argv[1], err);
		return 1;
	}
	printf("imported %zu, unchanged %zu, skipped %zu\n", st.imported,
	    st.unchanged, st.skipped);
	return 0;
}

static int
cmd_list(struct ctl *c, int argc, char **argv)
{
	struct htq_std_filter f = { NULL, 0, -1 };
	MDB_txn *txn;
	json_t *out, *s;
	size_t i;
	int rc, a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
			printf("usage: htqctl standards list [--route ROUTE] "
			    "[--level N] [--eligible yes|no]\n\nThe latest version "
			    "of each standard.\n");
			return 0;
		} else if (strcmp(argv[a], "--route") == 0 && a + 1 < argc)
			f.route = argv[++a];
		else if (strcmp(argv[a], "--level") == 0 && a + 1 < argc)
			f.level = atoi(argv[++a]);
		else if (strcmp(argv[a], "--eligible") == 0 && a + 1 < argc) {
			a++;
			f.eligible = strcmp(argv[a], "yes") == 0 ? 1 :
			    strcmp(argv[a], "no") == 0 ? 0 : -2;
			if (f.eligible == -2)
				goto usage;
		} else
			goto usage;
	}
	if ((rc = ctl_open(c, 0)) != HTQ_OK)
		return ctl_fail("database", rc);
	if ((rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	rc = htq_standards_list(c->db, txn, &f, &out);
	mdb_txn_abort(txn);
	if (rc != HTQ_OK)
		return ctl_fail("list", rc);
	printf("%-7s %-7s %-5s %-20s %-8s %s\n", "REF", "VERSION", "LEVEL",
	    "ROUTE", "ELIGIBLE", "TITLE");
	json_array_foreach(json_object_get(out, "standards"), i, s)
		printf("%-7s %-7s %-5lld %-20.20s %-8s %s\n",
		    json_string_value(json_object_get(s, "ref")),
		    json_string_value(json_object_get(s, "version")),
		    (long long)json_integer_value(json_object_get(s, "level")),
		    json_string_value(json_object_get(s, "route")),
		    json_is_true(json_object_get(s, "eligible")) ? "yes" : "no",
		    json_string_value(json_object_get(s, "title")));
	json_decref(out);
	return 0;
usage:
	fprintf(stderr, "usage: htqctl standards list [--route ROUTE] "
	    "[--level N] [--eligible yes|no]\n");
	return 2;
}

static int
cmd_show(struct ctl *c, int argc, char **argv)
{
	const char *ver = NULL, *json;
	MDB_txn *txn;
	size_t len;
	int rc;

	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl standards show REF [--version V]\n\n"
		    "Print a standard as the API serves it.\n");
		return 0;
	}
	if (argc == 4 && strcmp(argv[2], "--version") == 0)
		ver = argv[3];
	else if (argc != 2) {
		fprintf(stderr, "usage: htqctl standards show REF "
		    "[--version V]\n");
		return 2;
	}
	if (!htq_ref_valid(argv[1]) || (ver && !htq_version_valid(ver))) {
		fprintf(stderr, "htqctl: reference must be ST + 4 digits and "
		    "version like 1.0\n");
		return 2;
	}
	if ((rc = ctl_open(c, 0)) != HTQ_OK)
		return ctl_fail("database", rc);
	if ((rc = htq_txn_read(c->db, &txn)) != HTQ_OK)
		return ctl_fail("database", rc);
	rc = htq_standard_get(c->db, txn, argv[1], ver, &json, &len);
	if (rc == HTQ_OK) {
		ctl_print_json(json_loadb(json, len, 0, NULL));
	}
	mdb_txn_abort(txn);
	return rc == HTQ_OK ? 0 : ctl_fail(argv[1], rc);
}

static int
cmd_eligibility(struct ctl *c, int argc, char **argv)
{
	const char *reason = NULL;
	int eligible = -1, a, rc;

	if (ctl_wants_help(argc, argv)) {
		printf("usage: htqctl standards eligibility REF --yes\n"
		    "       htqctl standards eligibility REF --no --reason TEXT\n"
		    "\nDecide whether qualifications may be approved against "
		    "REF (all versions).\nThe decision overrides the import "
		    "rules, survives re-import and is recorded\nin the ledger.\n");
		return 0;
	}
	for (a = 2; a < argc; a++) {
		if (strcmp(argv[a], "--yes") == 0)
			eligible = 1;
		else if (strcmp(argv[a], "--no") == 0)
			eligible = 0;
		else if (strcmp(argv[a], "--reason") == 0 && a + 1 < argc)
			reason = argv[++a];
		else
			eligible = -2;
	}
	if (argc < 3 || eligible < 0 || (eligible == 0 && reason == NULL) ||
	    (eligible == 1 && reason != NULL)) {
		fprintf(stderr, "usage: htqctl standards eligibility REF --yes | "
		    "--no --reason TEXT\n");
		return 2;
	}
	if (!htq_ref_valid(argv[1])) {
		fprintf(stderr, "htqctl: reference must be ST + 4 digits\n");
		return 2;
	}
	if ((rc = ctl_open(c, 1)) != HTQ_OK)
		return ctl_fail("database", rc);
	rc = htq_standard_set_eligibility(c->db, argv[1], eligible, reason);
	if (rc != HTQ_OK)
		return ctl_fail(argv[1], rc);
	printf("%s is now %s\n", argv[1], eligible ? "eligible" :
	    "not eligible");
	return 0;
}

static const struct ctl_cmd cmds[] = {
	{ "import", cmd_import, "import standards from a JSON file" },
	{ "list", cmd_list, "list the latest version of each standard" },
	{ "show", cmd_show, "print one standard" },
	{ "eligibility", cmd_eligibility, "set eligibility for HTQ approval" },
	{ NULL, NULL, NULL }
};

int
ctl_standards(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "standards", cmds, argc - 1, argv + 1);
}
