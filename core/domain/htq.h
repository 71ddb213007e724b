/*
 * htq.h - the domain layer of core/ (core/domain/): standards,
 * organisations, accounts, sessions, API tokens, submission windows,
 * submissions (content rules, coverage, the state machine), quality
 * marks and the register.  It uses core/store/ only; publishing, htqctl
 * and fcgi/ use it.  core/ never includes a FastCGI header.
 *
 * Every function returns an enum htq_err (0 on success) and puts results
 * in out-parameters; besides what each says, any may return HTQ_ENOMEM,
 * and those that read or write the database HTQ_EDB (an LMDB failure) or
 * HTQ_EFULL (the map is full).
 */
#ifndef HTQ_H
#define HTQ_H

#include "store.h"

/* --- standards catalogue --- */

/* 1 if s is a standard reference: "ST" followed by exactly 4 digits (these
 * three return a truth value or an order, not an error). */
int	 htq_ref_valid(const char *s);
/* 1 if s is a version: 1-3 digits, '.', 1-3 digits ("1.0", "1.12"). */
int	 htq_version_valid(const char *s);
/* Compare two valid versions numerically: <0, 0, >0. */
int	 htq_version_cmp(const char *a, const char *b);

enum htq_ksb_kind { HTQ_KNOWLEDGE, HTQ_SKILL, HTQ_BEHAVIOUR };
/* Write the positional KSB code ("K1", "S12", "B3") for the 0-based index
 * into buf.  HTQ_ETOOBIG if it does not fit. */
int	 htq_ksb_code(enum htq_ksb_kind, size_t index, char *buf, size_t bufsz);

struct htq_import_stats {
	size_t	 imported;	/* new (ref, version) pairs stored */
	size_t	 unchanged;	/* identical to what was stored */
	size_t	 skipped;	/* refused; reasons reported via warn() */
};

/*
 * Import standards in the Institute's public API shape (a JSON array of
 * standards, or an object with a "standards" array) from buf, in one
 * write transaction.  Each problem with one standard calls
 * warn(ctx, message) and skips it; a malformed file as a whole returns
 * HTQ_EFORMAT with a message in errbuf and stores nothing; HTQ_ETOOBIG
 * over HTQ_MAX_IMPORT.
 */
int	 htq_standards_import(struct htq_db *, const char *buf, size_t len,
	    struct htq_import_stats *stats,
	    void (*warn)(void *ctx, const char *msg), void *ctx,
	    char *errbuf, size_t errsz);

/*
 * The stored API JSON of standard ref at version (NULL: latest) as
 * compact UTF-8 bytes, exactly what GET /api/v1/standards/{ref} returns.
 * *json points into LMDB and is valid until txn ends.  HTQ_EINVAL a
 * malformed ref or version; HTQ_ENOTFOUND no such standard or version.
 */
int	 htq_standard_get(struct htq_db *, MDB_txn *, const char *ref,
	    const char *version, const char **json, size_t *len);

struct htq_std_filter {
	const char	*route;		/* NULL: any; else case-insensitive */
	int		 level;		/* 0: any */
	int		 eligible;	/* -1: any, 0 or 1 */
};
/* Summaries of the latest version of each matching standard, ordered by
 * ref: {"standards":[{ref,title,level,version,route,status,eligible,
 * ineligible_reason,ksb_count}...]}.  *out is a new reference. */
int	 htq_standards_list(struct htq_db *, MDB_txn *,
	    const struct htq_std_filter *, json_t **out);

/* Set eligibility for every version of ref (admin decision; it overrides
 * the default rules and survives re-import); appends standard.eligibility.
 * HTQ_EINVAL a malformed ref, or no reason (1..HTQ_MAX_TEXT bytes) when
 * eligible is 0; HTQ_ENOTFOUND no such standard. */
int	 htq_standard_set_eligibility(struct htq_db *, const char *ref,
	    int eligible, const char *reason);

/* --- organisations, accounts (accounts.c), sessions (sessions.c) --- */

enum htq_role { HTQ_ROLE_NONE, HTQ_ROLE_AWARDING_BODY, HTQ_ROLE_REVIEWER,
    HTQ_ROLE_APPROVER, HTQ_ROLE_AUDITOR, HTQ_ROLE_ADMIN,
    /* the console operator (htqctl reading the data directory it owns):
     * never an account's role */
    HTQ_ROLE_OPERATOR };
enum htq_org_kind { HTQ_ORG_AWARDING_BODY = 1, HTQ_ORG_EMPLOYER_PANEL,
    HTQ_ORG_APPROVING_BODY };

struct htq_account {
	char		 id[HTQ_ID_LEN + 1];
	char		 email[256];
	char		 name[HTQ_MAX_TITLE + 1];
	enum htq_role	 role;
	char		 org[HTQ_ID_LEN + 1];	/* "" when none */
	int		 disabled;
	json_int_t	 gen;		/* credential generation */
};

/* "awarding_body", ...; "none" for HTQ_ROLE_NONE (never an error). */
const char *htq_role_name(enum htq_role);
/* HTQ_EINVAL for a name that is no role (kind). */
int	 htq_role_parse(const char *, enum htq_role *);
int	 htq_org_kind_parse(const char *, enum htq_org_kind *);
/* Lower-cased and trimmed into out; HTQ_EINVAL for no address or one
 * that does not fit. */
int	 htq_email_normalise(const char *in, char *out, size_t outsz);
/* An awarding body needs an Ofqual RN ("RN" + digits) and/or a UKPRN
 * (8 digits starting with 1): HTQ_EINVAL otherwise, or for a name that
 * is empty, over HTQ_MAX_TITLE or not one line of htq_text_valid text. */
int	 htq_org_add(struct htq_db *, enum htq_org_kind, const char *name,
	    const char *rn, const char *ukprn, char id[HTQ_ID_LEN + 1]);
int	 htq_orgs_list(struct htq_db *, MDB_txn *, json_t **out);
/* HTQ_ENOTFOUND for no such organisation. */
int	 htq_org_get(struct htq_db *, MDB_txn *, const char *id, json_t **out);
/* Passwords: HTQ_MIN_PASSWORD..HTQ_MAX_PASSWORD bytes, Argon2id. Adding
 * an account or changing its role appends account.role_changed.
 * HTQ_EINVAL a bad e-mail, name (as htq_org_add's) or password, or an organisation that does
 * not fit the role (an awarding body account needs its awarding body);
 * HTQ_EEXIST the e-mail has an account already. */
int	 htq_account_add(struct htq_db *, const char *email, const char *name,
	    enum htq_role, const char *org, const char *password,
	    char id[HTQ_ID_LEN + 1]);
/* HTQ_ENOTFOUND for no such account (both). */
int	 htq_account_get(struct htq_db *, MDB_txn *, const char *id,
	    struct htq_account *);
/* Find by e-mail or by id. */
int	 htq_account_find(struct htq_db *, MDB_txn *, const char *who,
	    struct htq_account *);
/* HTQ_ENOTFOUND no such account; HTQ_EINVAL a role and organisation
 * that do not fit (as htq_account_add), or a password out of bounds. */
int	 htq_account_set_role(struct htq_db *, const char *who, enum htq_role,
	    const char *org);
/* Disabling an account or resetting its password withdraws every
 * credential it has: sessions end, API tokens are revoked, and its
 * credential generation moves on (re-enabling revives nothing). */
int	 htq_account_set_disabled(struct htq_db *, const char *who, int);
int	 htq_account_set_password(struct htq_db *, const char *who,
	    const char *password);
int	 htq_accounts_list(struct htq_db *, MDB_txn *, json_t **out);
int	 htq_account_count(struct htq_db *, MDB_txn *, size_t *n);
/* The account as the API shows it (no password hash); new reference. */
json_t	*htq_account_json(const struct htq_account *);
/* A new random password (HTQ_NEW_PASSWORD_BYTES, URL-safe base64). */
void	 htq_new_password(char out[HTQ_NEW_PASSWORD_LEN + 1]);
/*
 * Log in with an e-mail address (account ids are refused) and open a
 * session: token and csrf are filled on success.  HTQ_EPERM for any wrong
 * e-mail/password/disabled, after equal work; HTQ_EBUSY while the address
 * is backed off after repeated failures (*retry_after: seconds to wait).
 * Each attempt is counted before the password is checked, atomically, so
 * concurrent guesses get no more tries than sequential ones; the session
 * is opened only if the account still has the checked password and its
 * credential generation when the check ends.
 */
int	 htq_login(struct htq_db *, const char *email, const char *password,
	    struct htq_account *out, char token[HTQ_TOKEN_LEN + 1],
	    char csrf[HTQ_CSRF_LEN + 1], int *retry_after);

struct htq_session {
	struct htq_account	 account;
	char			 csrf[HTQ_CSRF_LEN + 1];
	time_t			 created, seen;
	int			 stale;		/* seen should be moved */
};

/* Session lifetimes in seconds (limits.h, or shorter from the env). */
void	 htq_session_limits(int *max_age, int *idle);
/* HTQ_ENOTFOUND no such account; HTQ_EPERM a disabled one. */
int	 htq_session_create(struct htq_db *, const char *account,
	    char token[HTQ_TOKEN_LEN + 1], char csrf[HTQ_CSRF_LEN + 1]);
/* HTQ_ENOTFOUND for unknown, expired or disabled. */
int	 htq_session_lookup(struct htq_db *, MDB_txn *, const char *token,
	    struct htq_session *);
/* HTQ_ENOTFOUND for no such session (both). */
int	 htq_session_delete(struct htq_db *, const char *token);
/* Move the idle clock of a live session to now (when lookup said stale). */
int	 htq_session_touch(struct htq_db *, const char *token);

/* --- API tokens for machine clients (tokens.c) --- */

/* Create a token for the account (e-mail or id), valid for days (1..
 * HTQ_API_TOKEN_MAX_DAYS).  The token is shown once; only its hash is
 * kept.  HTQ_EINVAL days or name out of bounds; HTQ_ENOTFOUND no such
 * account; HTQ_ECONFLICT a disabled one. */
int	 htq_token_create(struct htq_db *, const char *who, const char *name,
	    int days, char token[HTQ_API_TOKEN_LEN + 1],
	    char id[HTQ_ID_LEN + 1]);
/* HTQ_ENOTFOUND for unknown, revoked, expired, or a disabled account. */
int	 htq_token_lookup(struct htq_db *, MDB_txn *, const char *token,
	    struct htq_account *);
/* HTQ_ENOTFOUND for no such token. */
int	 htq_token_revoke(struct htq_db *, const char *id);
/* {"tokens":[{id, account, name, created, expires}]} (times in ISO 8601
 * UTC); account NULL: all. */
int	 htq_tokens_list(struct htq_db *, MDB_txn *, const char *account,
	    json_t **out);

/* --- the approvals workflow (windows.c, content.c, submissions.c, marks.c,
 * register.c) ---
 *
 * Every function takes the acting account explicitly (struct htq_actor):
 * the rules about roles, ownership, states and four eyes are decided
 * here, from that argument, and the ledger entries name actor->id.  Each
 * state change and its ledger entries commit in one write transaction.
 *
 * Errors: HTQ_EPERM the actor's role may not do this (or four eyes);
 * HTQ_ENOTFOUND no such record, or one the actor may not see; HTQ_EFORMAT
 * the request's shape is wrong (unknown or server-owned field, wrong
 * type); HTQ_EINVAL a rule refuses the content (ineligible standard,
 * level, unknown KSB, ...); HTQ_ECONFLICT the state does not allow it
 * (wrong state, stale version, window not open, second decision).  On
 * every refusal *why names the field (JSON path, or "") and says why.
 * Documents returned in *out are new references owned by the caller.
 */

struct htq_actor {
	const char	*id;	/* account id: what the ledger records */
	enum htq_role	 role;
	const char	*org;	/* organisation id, "" or NULL for none */
};


/*
 * Open a submission window for a route (admin): opens <= closes,
 * first_teaching on or after opens, no overlap with another window of the
 * route that is not closed.  The route must be one the catalogue has (its
 * spelling is taken from there).  Appends window.opened.
 */
int	 htq_window_open(struct htq_db *, const struct htq_actor *,
	    const char *route, const char *opens, const char *closes,
	    const char *first_teaching, json_t **out, struct htq_why *);
/* Close a window now (admin); HTQ_ECONFLICT if already closed.  Appends
 * window.closed. */
int	 htq_window_close(struct htq_db *, const struct htq_actor *,
	    const char *id, json_t **out, struct htq_why *);
/*
 * Administration by an account (admin only, else HTQ_EPERM; why names
 * the field).  The same ledger entries as htqctl's, the admin as actor:
 * account.role_changed (add, role), account.disabled, account.enabled,
 * account.password_reset, organisation.added (ids and codes only).  Add
 * and reset make a new password into password (shown once; zeroed on
 * failure).  An admin cannot disable, reset or change the role of their
 * own account, and the last active administrator stays one (both
 * HTQ_ECONFLICT); HTQ_ENOTFOUND no such account; HTQ_ECONFLICT a change
 * to what is already so or an e-mail in use; HTQ_EINVAL a field.  *out is
 * the account (htq_account_json) or the organisation after the change.
 */
int	 htq_admin_account_add(struct htq_db *, const struct htq_actor *,
	    const char *email, const char *name, enum htq_role,
	    const char *org, char password[HTQ_NEW_PASSWORD_LEN + 1],
	    json_t **out, struct htq_why *);
int	 htq_admin_account_set_disabled(struct htq_db *,
	    const struct htq_actor *, const char *id, int disabled,
	    json_t **out, struct htq_why *);
int	 htq_admin_account_reset(struct htq_db *, const struct htq_actor *,
	    const char *id, char password[HTQ_NEW_PASSWORD_LEN + 1],
	    json_t **out, struct htq_why *);
int	 htq_admin_account_set_role(struct htq_db *, const struct htq_actor *,
	    const char *id, enum htq_role, const char *org, json_t **out,
	    struct htq_why *);
int	 htq_admin_org_add(struct htq_db *, const struct htq_actor *,
	    enum htq_org_kind, const char *name, const char *rn,
	    const char *ukprn, json_t **out, struct htq_why *);
/*
 * What closing a window or making a standard ineligible would affect,
 * read only: {"drafts": n, "submissions": m} for the window's route or
 * the standard (every version), drafts (which could not be submitted)
 * and submissions not yet decided (submitted, in_review,
 * information_requested; an ineligible standard's cannot be approved),
 * plus the window's id, route and state or the standard's ref.
 * HTQ_ENOTFOUND no such window or standard.
 */
int	 htq_window_impact(struct htq_db *, MDB_txn *, const char *id,
	    json_t **out);
int	 htq_standard_impact(struct htq_db *, MDB_txn *, const char *ref,
	    json_t **out);
/* The schedule: {"routes":[{"route","windows":[{id,route,opens,closes,
 * first_teaching,state,closed_on}]}]}, state announced|open|closed, by
 * route then opening date.  route NULL: every route. */
int	 htq_windows_list(struct htq_db *, MDB_txn *, const char *route,
	    json_t **out);
/* HTQ_ENOTFOUND for no such window. */
int	 htq_window_get(struct htq_db *, MDB_txn *, const char *id,
	    json_t **out);

/* Create a draft (awarding body, for its own organisation) from content
 * {"qualification","standard","units","mapping"}; HTQ_ECONFLICT when the
 * organisation keeps htq_max_drafts() drafts already. */
int	 htq_submission_create(struct htq_db *, const struct htq_actor *,
	    const json_t *content, json_t **out, struct htq_why *);
/* Replace a draft's content if its version is still version. */
int	 htq_submission_update(struct htq_db *, const struct htq_actor *,
	    const char *id, long long version, const json_t *content,
	    json_t **out, struct htq_why *);
/* Freeze a draft: checks again, needs every KSB mapped to a unit and an
 * assessment or given a reason it cannot be attained, and an open window
 * for the standard's route; appends submission.submitted with the
 * content's SHA-256.  Every *out of these actions is the submission as
 * htq_submission_get answers it after the change. */
int	 htq_submission_submit(struct htq_db *, const struct htq_actor *,
	    const char *id, json_t **out, struct htq_why *);
/* Withdraw before a decision; appends submission.withdrawn unless it
 * was a draft (a draft's life never reaches the ledger). */
int	 htq_submission_withdraw(struct htq_db *, const struct htq_actor *,
	    const char *id, json_t **out, struct htq_why *);
/* Delete a draft outright (awarding body, own organisation). */
int	 htq_submission_delete(struct htq_db *, const struct htq_actor *,
	    const char *id, struct htq_why *);
/* An employer panel reviewer's recommendation (once per reviewer):
 * {"recommendation","comments","ksb_findings"?}; appends review.recorded
 * and moves a submitted submission to in_review. */
int	 htq_review_record(struct htq_db *, const struct htq_actor *,
	    const char *id, const json_t *review, json_t **out,
	    struct htq_why *);
/*
 * An approver's decision, outcome "approved" or "rejected".  Four eyes:
 * the approver reviewed nothing on it; it has at least
 * htq_min_recommendations() reviews.  Approval appends decision.approved
 * and mark.awarded and stores the mark, all in one transaction.
 */
int	 htq_decide(struct htq_db *, const struct htq_actor *, const char *id,
	    const char *outcome, const char *reasons, json_t **out,
	    struct htq_why *);
/*
 * A reviewer or approver, independent of the submission, asks the
 * awarding body a question (1..HTQ_MAX_TEXT bytes) on a submitted or in
 * review submission: it becomes information_requested, to be answered
 * within htq_info_response_days(); appends information.requested with
 * the question's salted SHA-256, never the text.
 */
int	 htq_information_request(struct htq_db *, const struct htq_actor *,
	    const char *id, const char *question, json_t **out,
	    struct htq_why *);
/*
 * The awarding body answers before the response date; content, when not
 * NULL, amends the submission (every rule of a submit but the window):
 * a new version back to submitted, earlier recommendations kept as
 * earlier_reviews.  Appends information.provided (hashes only).
 */
int	 htq_information_respond(struct htq_db *, const struct htq_actor *,
	    const char *id, const char *answer, const json_t *content,
	    json_t **out, struct htq_why *);
int	 htq_info_response_days(void);
/* Days for the review of a submission ($HTQ_REVIEW_DAYS, 28): the
 * submission's review_due, set when it is submitted (again). */
int	 htq_review_days(void);
int	 htq_min_recommendations(void);
/* Drafts one organisation may keep ($HTQ_MAX_DRAFTS, else HTQ_MAX_DRAFTS). */
int	 htq_max_drafts(void);
/* The submission as the actor may see it, with "actions": what the actor
 * may do next, by the same rules the actions keep, and on a draft it may
 * submit "submit_check": {"accepted", "window"?, "field"?, "message"?};
 * HTQ_ENOTFOUND for none the actor may see (these two). */
int	 htq_submission_get(struct htq_db *, MDB_txn *,
	    const struct htq_actor *, const char *id, json_t **out);
/* What GET /submissions/{id} answers, as a new buffer (free()): as
 * htq_submission_get, but without parsing the stored document unless it
 * is a draft the actor may submit (the actions come from the facts);
 * *version is its version (the ETag). */
int	 htq_submission_answer(struct htq_db *, MDB_txn *,
	    const struct htq_actor *, const char *id, char **out, size_t *len,
	    long long *version);
/* The organisation owning a submission (for the router's scope check). */
int	 htq_submission_org(struct htq_db *, MDB_txn *, const char *id,
	    char org[HTQ_ID_LEN + 1]);

struct htq_sub_filter {
	const char	*status;	/* NULL: any; "awaiting_review": what
					 * the caller may review now (others:
					 * open for review, not reviewed by
					 * them); "awaiting_decision": what the
					 * caller may decide now; "reviewed":
					 * those the caller has reviewed */
	const char	*standard;	/* ref, NULL: any */
	const char	*route;		/* case-insensitive, NULL: any */
	const char	*organisation;	/* NULL: any */
	const char	*q;		/* NULL: any; else a case-insensitive
					 * part of the reference, id or
					 * qualification title */
	const char	*after;		/* page after this id, NULL: first */
	size_t		 limit;		/* 1..HTQ_LIST_PAGE_MAX */
};
/* {"submissions":[summary...],"next":"<id>"?} of those the actor sees.
 * A record that cannot be read fails the list (HTQ_EFORMAT), never left
 * out. */
int	 htq_submissions_list(struct htq_db *, MDB_txn *,
	    const struct htq_actor *, const struct htq_sub_filter *,
	    json_t **out);
/* Rebuild the submissions' facts when their count differs from the
 * submissions' (a database from before them), and give a reference to
 * every submission from before references (in order of creation, in
 * the same per-year sequence as new ones); *n rebuilt.  The programs
 * call it at start. */
int	 htq_submissions_reindex(struct htq_db *, size_t *n);
/* 1 for draft, submitted, in_review, information_requested, approved,
 * rejected, withdrawn (a truth value). */
int	 htq_status_valid(const char *);
/* Coverage of content against its standard: {"knowledge":{covered,
 * total},"skills":..,"behaviours":..,"covered","total","percentage",
 * "uncovered":[codes]}.  Errors as htq_load_standard (domain.h). */
int	 htq_coverage(struct htq_db *, MDB_txn *, const json_t *content,
	    json_t **out);
/* SHA-256 (hex) of the canonical JSON of content: compact UTF-8, object
 * keys sorted, no insignificant space (the hash submission.submitted
 * records). */
int	 htq_content_hash(const json_t *content, char hex[65]);

/* --- supporting documents (documents.c) --- */

/*
 * The type of a file by its content: "pdf", "docx", "xlsx", "odt", "ods"
 * or "csv" (static strings) in *type; HTQ_EINVAL with why (field "type",
 * or "file" when empty) for anything else.  Never looks at a name.
 */
int	 htq_document_type(const void *buf, size_t len, const char **type,
	    struct htq_why *);
/* The media type of a type name ("application/pdf"), NULL for none. */
const char *htq_document_mime(const char *type);
/* <datadir>/documents/ab/cdef... for a hash of 64 lower-case hex digits
 * (HTQ_EINVAL otherwise, HTQ_ETOOBIG when it does not fit). */
int	 htq_document_path(const char *datadir, const char *sha256, char *buf,
	    size_t bufsz);
/*
 * Attach a file to draft id (awarding body, own organisation, draft):
 * name 1..HTQ_MAX_DOCUMENT_NAME bytes of one line without / \ ",
 * the type by content, at most HTQ_MAX_DOCUMENT bytes (HTQ_ETOOBIG), at
 * most HTQ_MAX_DOCUMENTS files and HTQ_MAX_DOCUMENTS_BYTES in all and not
 * attached already (HTQ_ECONFLICT).  The file is stored durably under
 * its hash before the record naming it commits.  HTQ_ENOSPC for a full
 * disk.  *out: the submission after.
 */
int	 htq_document_add(struct htq_db *, const struct htq_actor *,
	    const char *id, const char *name, const void *buf, size_t len,
	    json_t **out, struct htq_why *);
/* Take document sha256 off draft id (who may attach may remove); its
 * file stays for htq_documents_sweep. */
int	 htq_document_remove(struct htq_db *, const struct htq_actor *,
	    const char *id, const char *sha256, json_t **out, struct htq_why *);
/*
 * Document sha256 of submission id for those who may read the evidence
 * (its organisation, reviewers, approvers, auditors; HTQ_EPERM for any
 * other role, HTQ_ENOTFOUND for a submission or document the actor may
 * not see): *meta {sha256,name,type,size} (new reference) and the file's
 * path.
 */
int	 htq_document_get(struct htq_db *, MDB_txn *, const struct htq_actor *,
	    const char *id, const char *sha256, json_t **meta, char *path,
	    size_t pathsz);
/* Remove the files under <datadir>/documents that no submission names
 * (left by a crash between a file and its record, by removals and
 * deleted drafts) and temporary files; *removed counts them.  Only while
 * nothing else writes (the server's start). */
int	 htq_documents_sweep(struct htq_db *, const char *datadir,
	    size_t *removed);

/*
 * Quality mark ids: "HTQ-<year>-<6 digits>-<check>", the check character
 * ISO/IEC 7064 MOD 37,36 over "HTQ<year><digits>" (0-9 = 0..9, A-Z =
 * 10..35), so one wrong or two swapped characters are refused before any
 * lookup.
 */
char	 htq_mod37_36(const char *s);
/* HTQ_EINVAL for a year or serial out of range. */
int	 htq_mark_id_make(int year, unsigned serial,
	    char out[HTQ_MARK_ID_LEN + 1]);
/*
 * Skip n serials of every year's mark counter and of this year's, so that
 * no id issued in n lost ledger entries is issued again (htqctl restore
 * --new-origin: each entry awards at most one mark).
 */
int	 htq_mark_serials_skip(struct htq_db *, MDB_txn *, uint64_t n);
/* 1 if s is a well-formed id with the right check character. */
int	 htq_mark_id_valid(const char *);
/* The mark with its status: HTQ_EINVAL for a malformed id, HTQ_ENOTFOUND
 * for an unknown one. */
int	 htq_mark_get(struct htq_db *, MDB_txn *, const char *id,
	    json_t **out);
/* Revoke a current mark (approver): reason qualification_withdrawn |
 * standard_withdrawn | non_compliance | other; appends mark.revoked. */
int	 htq_mark_revoke(struct htq_db *, const struct htq_actor *,
	    const char *id, const char *reason, const char *note,
	    json_t **out, struct htq_why *);
/*
 * The mark's offline bundle (design.md "Public HTTP contract"): mark,
 * entry, sig, index, proof, checkpoint, and revocation when revoked,
 * proven against the same checkpoint.  HTQ_EINVAL malformed id,
 * HTQ_ENOTFOUND unknown.  *out is the caller's.
 */
int	 htq_mark_bundle(struct htq_db *, MDB_txn *, const char *id,
	    json_t **out);

/* The public register: marks in id order, filtered; NULL fields match
 * anything; route and standard case-insensitive; q searches the
 * qualification's title (case-insensitive) and QAN.  limit entries after
 * the id `after`; "next" is set when there are more. */
struct htq_register_filter {
	const char	*route;
	const char	*standard;
	const char	*awarding_body;
	const char	*level;
	const char	*status;	/* "current" | "revoked" */
	const char	*q;
	const char	*after;
	size_t		 limit;
};
/* A mark record that cannot be read fails the list (HTQ_EFORMAT): a
 * register that left a mark out would say it was never awarded. */
int	 htq_register_list(struct htq_db *, MDB_txn *,
	    const struct htq_register_filter *, json_t **out);

/* --- notifications (outbox.c) ---
 *
 * The workflow's operations leave messages for the accounts concerned
 * in their own transaction (domain.h); with $HTQ_SMTP_URL set each is
 * also queued for e-mail, which htq-mailer delivers.
 */

/* The actor's own messages, newest first: {"messages":[{id,event,
 * subject,title,body,link,created,read}],"unread","total","next"?},
 * limit after message id after (NULL: from the newest).  HTQ_EINVAL a
 * malformed after. */
int	 htq_messages_list(struct htq_db *, MDB_txn *,
	    const struct htq_actor *, const char *after, size_t limit,
	    json_t **out);
/* Mark the actor's message id as read (once: the first time is kept);
 * *out the message.  HTQ_ENOTFOUND none of the actor's. */
int	 htq_message_read(struct htq_db *, const struct htq_actor *,
	    const char *id, json_t **out, struct htq_why *);
/* The time-based messages due today that were not made yet (a window
 * closing within HTQ_NOTIFY_CLOSING_DAYS, a current mark's review date
 * within HTQ_NOTIFY_REVIEW_DAYS), each once; *made how many events. */
int	 htq_notify_tick(struct htq_db *, size_t *made);

/*
 * The e-mail queue, for the one sender (htq-mailer).  At start,
 * htq_outbox_recover puts every e-mail left "sending" by a sender that
 * died back to pending (*n of them): it may have reached the relay, so
 * it is sent again with the same Message-ID (at least once; the
 * Message-ID lets the receiving side drop the copy).  htq_outbox_claim
 * takes the first pending e-mail due at now, marks it "sending" with a
 * new attempt id and commits that before anything is sent; *job is
 * {id, attempt, to, name, subject, body, link, message_id, attempts}
 * (the caller's).  HTQ_ENOTFOUND nothing is due (*wait: seconds to the
 * next one, 0 none); HTQ_EBUSY an e-mail whose account has gone or is
 * disabled was dropped (call again).  htq_outbox_result records the
 * relay's answer to that attempt (htq_outbox_result in outbox.c);
 * HTQ_ECONFLICT when the attempt is not the current one.
 */
int	 htq_outbox_recover(struct htq_db *, size_t *n);
int	 htq_outbox_claim(struct htq_db *, time_t now, json_t **job,
	    time_t *wait);
int	 htq_outbox_result(struct htq_db *, const char *id,
	    const char *attempt, int sent, int permanent, time_t next);
/* E-mails waiting in the queue. */
int	 htq_outbox_count(struct htq_db *, MDB_txn *, size_t *n);

/* --- partners' reports (report.c) --- */

/* Which windows a report covers: NULL members match any; route is
 * case-insensitive. */
struct htq_report_filter {
	const char	*window;	/* a window id */
	const char	*route;
};
/*
 * The partners' report (auditor, admin, the console operator; others
 * HTQ_EPERM) over the windows that match: per window and per route,
 * submissions by state, decisions and rates, days from submission to
 * decision (median, 90th percentile), requests for information, the KSBs
 * most often left uncovered with the reasons given, reasons for rejection
 * and revocation, and the awarding bodies taking part; "sources" says
 * where each figure comes from, "through" the last ledger entry it rests
 * on (docs/reports.md).  HTQ_ENOTFOUND when no window matches.  *out is
 * the caller's.
 */
int	 htq_report(struct htq_db *, MDB_txn *, const struct htq_actor *,
	    const struct htq_report_filter *, json_t **out, struct htq_why *);
/* The report's bytes: JSON (compact, keys sorted, reals rounded) or, when
 * csv is 1, RFC 4180 CSV with the columns scope,id,figure,item,detail,
 * value.  The same report gives the same bytes.  *out is malloc'd. */
int	 htq_report_render(const json_t *report, int csv, char **out,
	    size_t *len);

#endif /* HTQ_H */

