/*
 * ctl.h - shared by htqctl's command files (core/ctl/).
 * These link only into bin/htqctl.
 */
#ifndef HTQ_CTL_H
#define HTQ_CTL_H

#include "publish.h"

struct ctl {
	const char	*datadir;
	struct htq_db	*db;		/* opened by ctl_open() */
	void		*ledger;	/* ledger state behind db's hooks */
};

/* A command: argv[0] is the command's own name. Returns the exit status:
 * 0 ok, 1 failure, 2 usage. */
struct ctl_cmd {
	const char	*name;
	int		(*run)(struct ctl *, int argc, char **argv);
	const char	*summary;
};

/* Open the database (and the ledger, for writes) once. */
int	 ctl_open(struct ctl *, int write);
/* Print "htqctl: what: reason" to stderr and return 1. */
int	 ctl_fail(const char *what, int err);
/* The value after option name (e.g. "--user") in argv, or NULL. */
const char *ctl_opt(int argc, char **argv, const char *name);
/* Print doc to stdout, indented, and release it (NULL prints nothing). */
void	 ctl_print_json(json_t *doc);
/* 1 if argv has --help or -h. */
int	 ctl_wants_help(int argc, char **argv);
/* Run the subcommand of a command group from its table. */
int	 ctl_dispatch(struct ctl *, const char *group,
	    const struct ctl_cmd *cmds, int argc, char **argv);
/* Read a whole file (or "-" for stdin) up to max bytes. */
int	 ctl_read_file(const char *path, size_t max, char **buf, size_t *len);

int	 ctl_standards(struct ctl *, int, char **);
int	 ctl_key(struct ctl *, int, char **);
int	 ctl_ledger(struct ctl *, int, char **);
int	 ctl_org(struct ctl *, int, char **);
int	 ctl_user(struct ctl *, int, char **);
int	 ctl_demo(struct ctl *, int, char **);
int	 ctl_token(struct ctl *, int, char **);
int	 ctl_window(struct ctl *, int, char **);
int	 ctl_submission(struct ctl *, int, char **);
/* core/ctl/ctl_report.c */
int	 ctl_report(struct ctl *, int, char **);
/* core/ctl/ctl_backup.c */
int	 ctl_backup(struct ctl *, int, char **);
int	 ctl_restore(struct ctl *, int, char **);
/* The demo story (core/ctl/demo.c): windows and submissions in every
 * state through the workflow functions, acting as the demo accounts. */
int	 ctl_demo_story(struct ctl *, const char *admin, const char *north,
	    const char *north_org, const char *meridian,
	    const char *meridian_org, const char *panel, const char *approver);
/* Generate keys/ledger.key unless it exists. */
int	 ctl_key_ensure(struct ctl *);

#endif /* HTQ_CTL_H */
