/*
 * accounts.c - organisations, accounts and passwords (sessions and the
 * login are in sessions.c).
 *
 * Passwords are hashed with Argon2id (crypto_pwhash_str, interactive
 * limits).  Logging in runs the same code whether or not the e-mail
 * exists: an unknown address is checked against a dummy hash, so the
 * answer and its timing are the same.  Session tokens are 256 random bits
 * given to the browser once; only their SHA-256 is stored.  Ids are random
 * and pseudonymous: they are what the ledger records, never a name or an
 * e-mail.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "domain.h"

static const char *const roles[] = {
	[HTQ_ROLE_AWARDING_BODY] = "awarding_body",
	[HTQ_ROLE_REVIEWER] = "reviewer",
	[HTQ_ROLE_APPROVER] = "approver",
	[HTQ_ROLE_AUDITOR] = "auditor",
	[HTQ_ROLE_ADMIN] = "admin",
};

static const char *const kinds[] = {
	[HTQ_ORG_AWARDING_BODY] = "awarding_body",
	[HTQ_ORG_EMPLOYER_PANEL] = "employer_panel",
	[HTQ_ORG_APPROVING_BODY] = "approving_body",
};

const char *
htq_role_name(enum htq_role r)
{
	return r > 0 && r <= HTQ_ROLE_ADMIN ? roles[r] : "none";
}

int
htq_role_parse(const char *s, enum htq_role *out)
{
	int i;

	for (i = 1; i <= HTQ_ROLE_ADMIN; i++)
		if (strcmp(s, roles[i]) == 0) {
			*out = (enum htq_role)i;
			return HTQ_OK;
		}
	return HTQ_EINVAL;
}

int
htq_org_kind_parse(const char *s, enum htq_org_kind *out)
{
	int i;

	for (i = 1; i <= HTQ_ORG_APPROVING_BODY; i++)
		if (strcmp(s, kinds[i]) == 0) {
			*out = (enum htq_org_kind)i;
			return HTQ_OK;
		}
	return HTQ_EINVAL;
}

/* Lower-case, trimmed, one '@' with text on both sides, no spaces or
 * control characters, at most 254 bytes (RFC 5321). */
int
htq_email_normalise(const char *in, char *out, size_t outsz)
{
	size_t n, i, at = 0, ats = 0;

	while (*in == ' ' || *in == '\t')
		in++;
	n = strlen(in);
	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t'))
		n--;
	if (n < 3 || n > 254 || n >= outsz)
		return HTQ_EINVAL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c <= 0x20 || c == 0x7f)
			return HTQ_EINVAL;
		if (c == '@') {
			at = i;
			ats++;
		}
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	if (ats != 1 || at == 0 || at == n - 1 || strchr(out + at, '.') == NULL)
		return HTQ_EINVAL;
	return HTQ_OK;
}

/* "RN" + 4 to 6 digits (Ofqual recognition number). */
static int
rn_valid(const char *s)
{
	size_t n;

	if (s == NULL || strncmp(s, "RN", 2) != 0)
		return 0;
	n = strlen(s + 2);
	return n >= 4 && n <= 6 && strspn(s + 2, "0123456789") == n;
}

/* UK provider reference number: 8 digits starting with 1. */
static int
ukprn_valid(const char *s)
{
	return s != NULL && strlen(s) == 8 && s[0] == '1' &&
	    strspn(s, "0123456789") == 8;
}

/* A ledger entry of type about subject whose data is {key: value}, or
 * {} when key is NULL: ids and codes only, never a name or an e-mail. */
static int
record_plain(struct htq_db *db, MDB_txn *txn, const char *type,
    const char *subject, const char *key, const char *value)
{
	json_t *d = key ? json_pack("{s:s}", key, value) : json_object();
	int rc;

	if (d == NULL)
		return HTQ_ENOMEM;
	rc = htq_record(db, txn, type, subject, d);
	json_decref(d);
	return rc;
}

int
htq_org_add(struct htq_db *db, enum htq_org_kind kind, const char *name,
    const char *rn, const char *ukprn, char id[HTQ_ID_LEN + 1])
{
	MDB_txn *txn;
	json_t *o;
	int rc;

	if (kind < HTQ_ORG_AWARDING_BODY || kind > HTQ_ORG_APPROVING_BODY ||
	    name == NULL || *name == '\0' || strlen(name) > HTQ_MAX_TITLE ||
	    !htq_text_valid(name, 0))
		return HTQ_EINVAL;
	if ((rn && !rn_valid(rn)) || (ukprn && !ukprn_valid(ukprn)))
		return HTQ_EINVAL;
	if (kind == HTQ_ORG_AWARDING_BODY && rn == NULL && ukprn == NULL)
		return HTQ_EINVAL;	/* an awarding body must be identified */
	htq_new_id('o', id);
	o = json_pack("{s:s,s:s,s:s,s:s?,s:s?}", "id", id, "kind", kinds[kind],
	    "name", name, "rn", rn, "ukprn", ukprn);
	if (o == NULL)
		return HTQ_ENOMEM;
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK) {
		json_decref(o);
		return rc;
	}
	rc = htq_put_json(txn, htq_dbi(db, HTQ_T_ORG), id, o, MDB_NOOVERWRITE);
	json_decref(o);
	if (rc == HTQ_OK)
		rc = record_plain(db, txn, "organisation.added", id, "kind",
		    kinds[kind]);
	if (rc != HTQ_OK) {
		mdb_txn_abort(txn);
		return rc;
	}
	return htq_commit(db, txn);
}

/* The credential generation: reset and disable advance it, and every
 * session carries the one it was opened under. */
json_int_t
htq_account_gen(const json_t *a)
{
	return json_integer_value(json_object_get(a, "gen"));
}

/* The string value of v into buf (cut to fit; "" if v is not a string):
 * what every request's account lookup does, so not snprintf. */
static void
copy_str(char *buf, size_t size, const json_t *v)
{
	size_t n = json_is_string(v) ? json_string_length(v) : 0;

	if (n >= size)
		n = size - 1;
	if (n > 0)
		memcpy(buf, json_string_value(v), n);
	buf[n] = '\0';
}

/* Fill a struct htq_account from its stored JSON. */
void
htq_account_from_json(const json_t *a, struct htq_account *out)
{
	memset(out, 0, sizeof(*out));
	copy_str(out->id, sizeof(out->id), json_object_get(a, "id"));
	copy_str(out->email, sizeof(out->email), json_object_get(a, "email"));
	copy_str(out->name, sizeof(out->name), json_object_get(a, "name"));
	copy_str(out->org, sizeof(out->org), json_object_get(a, "org"));
	htq_role_parse(json_string_value(json_object_get(a, "role")),
	    &out->role);
	out->disabled = json_is_true(json_object_get(a, "disabled"));
	out->gen = json_integer_value(json_object_get(a, "gen"));
}

static int
hash_password(const char *pw, char out[crypto_pwhash_STRBYTES])
{
	size_t n = strlen(pw);

	if (n < HTQ_MIN_PASSWORD || n > HTQ_MAX_PASSWORD)
		return HTQ_EINVAL;
	if (crypto_pwhash_str(out, pw, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return HTQ_ENOMEM;
	return HTQ_OK;
}

/* Role and organisation must fit: an awarding body account belongs to
 * an awarding body organisation; other roles may have an organisation. */
static int
check_org(struct htq_db *db, MDB_txn *txn, enum htq_role role,
    const char *org)
{
	json_t *o;
	int rc, ok;

	if (org == NULL || *org == '\0')
		return role == HTQ_ROLE_AWARDING_BODY ? HTQ_EINVAL : HTQ_OK;
	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_ORG), org, &o)) != HTQ_OK)
		return rc;
	ok = role != HTQ_ROLE_AWARDING_BODY || strcmp(json_string_value(
	    json_object_get(o, "kind")), kinds[HTQ_ORG_AWARDING_BODY]) == 0;
	json_decref(o);
	return ok ? HTQ_OK : HTQ_EINVAL;
}

/* Ledger entry for a role change: ids only, no name or e-mail. */
static int
record_role(struct htq_db *db, MDB_txn *txn, const char *id,
    enum htq_role from, enum htq_role to, const char *org)
{
	json_t *d = json_pack("{s:s,s:s,s:s?}", "from", htq_role_name(from),
	    "to", htq_role_name(to), "org", org && *org ? org : NULL);
	int rc;

	if (d == NULL)
		return HTQ_ENOMEM;
	rc = htq_record(db, txn, "account.role_changed", id, d);
	json_decref(d);
	return rc;
}

int
htq_account_add(struct htq_db *db, const char *email, const char *name,
    enum htq_role role, const char *org, const char *password,
    char id[HTQ_ID_LEN + 1])
{
	char norm[256], hash[crypto_pwhash_STRBYTES];
	MDB_val k, v;
	MDB_txn *txn;
	json_t *a;
	int rc;

	if (htq_email_normalise(email, norm, sizeof(norm)) != HTQ_OK ||
	    name == NULL || *name == '\0' || strlen(name) > HTQ_MAX_TITLE ||
	    !htq_text_valid(name, 0) ||
	    role < HTQ_ROLE_AWARDING_BODY || role > HTQ_ROLE_ADMIN)
		return HTQ_EINVAL;
	if ((rc = hash_password(password, hash)) != HTQ_OK)
		return rc;
	htq_new_id('a', id);
	a = json_pack("{s:s,s:s,s:s,s:s,s:s?,s:b,s:s}", "id", id, "email",
	    norm, "name", name, "role", htq_role_name(role), "org",
	    org && *org ? org : NULL, "disabled", 0, "pw", hash);
	sodium_memzero(hash, sizeof(hash));
	if (a == NULL)
		return HTQ_ENOMEM;
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		goto out;
	if ((rc = check_org(db, txn, role, org)) != HTQ_OK)
		goto abort;
	k.mv_size = strlen(norm);
	k.mv_data = norm;
	v.mv_size = strlen(id);
	v.mv_data = id;
	rc = htq_mdb_err(mdb_put(txn, htq_dbi(db, HTQ_T_ACCT_EMAIL), &k, &v,
	    MDB_NOOVERWRITE));
	if (rc != HTQ_OK ||
	    (rc = htq_put_json(txn, htq_dbi(db, HTQ_T_ACCT), id, a,
	    MDB_NOOVERWRITE)) != HTQ_OK ||
	    (rc = record_role(db, txn, id, HTQ_ROLE_NONE, role, org)) !=
	    HTQ_OK)
		goto abort;
	rc = htq_commit(db, txn);
	goto out;
abort:
	mdb_txn_abort(txn);
out:
	json_decref(a);
	return rc;
}

int
htq_account_get(struct htq_db *db, MDB_txn *txn, const char *id,
    struct htq_account *out)
{
	json_t *a;
	int rc;

	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_ACCT), id, &a)) != HTQ_OK)
		return rc;
	htq_account_from_json(a, out);
	json_decref(a);
	return HTQ_OK;
}

/* The account id for an e-mail or an id given as is. */
int
htq_account_find(struct htq_db *db, MDB_txn *txn, const char *who,
    struct htq_account *out)
{
	char norm[256], id[HTQ_ID_LEN + 1];
	MDB_val k, v;

	if (htq_email_normalise(who, norm, sizeof(norm)) == HTQ_OK) {
		k.mv_size = strlen(norm);
		k.mv_data = norm;
		if (mdb_get(txn, htq_dbi(db, HTQ_T_ACCT_EMAIL), &k, &v) != 0 ||
		    v.mv_size > HTQ_ID_LEN)
			return HTQ_ENOTFOUND;
		memcpy(id, v.mv_data, v.mv_size);
		id[v.mv_size] = '\0';
		who = id;
	}
	return htq_account_get(db, txn, who, out);
}

/* Delete every record of table t (sessions, API tokens) that names
 * account as its "account". */
static int
delete_owned(struct htq_db *db, MDB_txn *txn, enum htq_table t,
    const char *account)
{
	MDB_cursor *c;
	MDB_val k, v;
	json_t *s;
	int rc, mine;

	if (account == NULL)
		return HTQ_EFORMAT;
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, t), &c)) != 0)
		return htq_mdb_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		s = json_loadb(v.mv_data, v.mv_size, 0, NULL);
		mine = s != NULL && strcmp(json_string_value(json_object_get(s,
		    "account")) ? json_string_value(json_object_get(s,
		    "account")) : "", account) == 0;
		json_decref(s);
		if (mine && (rc = mdb_cursor_del(c, 0)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? HTQ_OK : htq_mdb_err(rc);
}

/*
 * Withdraw every credential an account has: advance its credential
 * generation (so that a login whose password check is still running
 * cannot open a session afterwards, and no old session comes back if the
 * account is re-enabled), delete its sessions and revoke its API tokens.
 * Used when an account is disabled or its password is reset.
 */
static int
withdraw_credentials(struct htq_db *db, MDB_txn *txn, json_t *a)
{
	const char *id = json_string_value(json_object_get(a, "id"));
	int rc;

	if (id == NULL)
		return HTQ_EFORMAT;
	json_object_set_new(a, "gen", json_integer(htq_account_gen(a) + 1));
	if ((rc = delete_owned(db, txn, HTQ_T_SESS, id)) != HTQ_OK)
		return rc;
	return delete_owned(db, txn, HTQ_T_TOKEN, id);
}

static int
update_account(struct htq_db *db, const char *who,
    int (*fn)(struct htq_db *, MDB_txn *, json_t *, void *), void *arg)
{
	struct htq_account acc;
	MDB_txn *txn;
	json_t *a = NULL;
	int rc;

	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = htq_account_find(db, txn, who, &acc)) != HTQ_OK ||
	    (rc = htq_get_json(txn, htq_dbi(db, HTQ_T_ACCT), acc.id,
	    &a)) != HTQ_OK ||
	    (rc = fn(db, txn, a, arg)) != HTQ_OK ||
	    (rc = htq_put_json(txn, htq_dbi(db, HTQ_T_ACCT), acc.id, a,
	    0)) != HTQ_OK) {
		mdb_txn_abort(txn);
		json_decref(a);
		return rc;
	}
	json_decref(a);
	return htq_commit(db, txn);
}

struct role_arg {
	enum htq_role	 role;
	const char	*org;
};

static int
set_role(struct htq_db *db, MDB_txn *txn, json_t *a, void *arg)
{
	struct role_arg *r = arg;
	enum htq_role from = HTQ_ROLE_NONE;
	const char *org = r->org;
	int rc;

	htq_role_parse(json_string_value(json_object_get(a, "role")), &from);
	if (org == NULL && json_is_string(json_object_get(a, "org")))
		org = json_string_value(json_object_get(a, "org"));
	if ((rc = check_org(db, txn, r->role, org)) != HTQ_OK ||
	    (rc = record_role(db, txn, json_string_value(json_object_get(a,
	    "id")), from, r->role, org)) != HTQ_OK)
		return rc;
	json_object_set_new(a, "role", json_string(htq_role_name(r->role)));
	json_object_set_new(a, "org", org ? json_string(org) : json_null());
	return HTQ_OK;
}

int
htq_account_set_role(struct htq_db *db, const char *who, enum htq_role role,
    const char *org)
{
	struct role_arg r = { role, org };

	if (role < HTQ_ROLE_AWARDING_BODY || role > HTQ_ROLE_ADMIN)
		return HTQ_EINVAL;
	return update_account(db, who, set_role, &r);
}

static int
set_disabled(struct htq_db *db, MDB_txn *txn, json_t *a, void *arg)
{
	int off = *(int *)arg, rc;

	json_object_set_new(a, "disabled", json_boolean(off));
	if ((rc = record_plain(db, txn, off ? "account.disabled" :
	    "account.enabled", json_string_value(json_object_get(a, "id")),
	    NULL, NULL)) != HTQ_OK)
		return rc;
	return off ? withdraw_credentials(db, txn, a) : HTQ_OK;
}

int
htq_account_set_disabled(struct htq_db *db, const char *who, int disabled)
{
	return update_account(db, who, set_disabled, &disabled);
}

static int
set_password(struct htq_db *db, MDB_txn *txn, json_t *a, void *arg)
{
	int rc;

	json_object_set_new(a, "pw", json_string(arg));
	if ((rc = record_plain(db, txn, "account.password_reset",
	    json_string_value(json_object_get(a, "id")), NULL, NULL)) != HTQ_OK)
		return rc;
	return withdraw_credentials(db, txn, a);
}

int
htq_account_set_password(struct htq_db *db, const char *who,
    const char *password)
{
	char hash[crypto_pwhash_STRBYTES];
	int rc;

	if ((rc = hash_password(password, hash)) != HTQ_OK)
		return rc;
	rc = update_account(db, who, set_password, hash);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

/* Public view of an account: never the password hash. */
json_t *
htq_account_json(const struct htq_account *a)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s?,s:b}", "id", a->id, "email",
	    a->email, "name", a->name, "role", htq_role_name(a->role), "org",
	    a->org[0] ? a->org : NULL, "disabled", a->disabled);
}

static int
list_db(MDB_txn *txn, MDB_dbi dbi, const char *field, json_t **out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	json_t *arr = json_array(), *o;
	int op = MDB_FIRST;

	if (arr == NULL || mdb_cursor_open(txn, dbi, &cur) != 0) {
		json_decref(arr);
		return HTQ_EDB;
	}
	while (mdb_cursor_get(cur, &k, &v, op) == 0) {
		op = MDB_NEXT;
		if ((o = json_loadb(v.mv_data, v.mv_size, 0, NULL)) == NULL)
			continue;
		json_object_del(o, "pw");
		json_array_append_new(arr, o);
	}
	mdb_cursor_close(cur);
	*out = json_pack("{s:o}", field, arr);
	return *out ? HTQ_OK : HTQ_ENOMEM;
}

int
htq_org_get(struct htq_db *db, MDB_txn *txn, const char *id, json_t **out)
{
	return htq_get_json(txn, htq_dbi(db, HTQ_T_ORG), id, out);
}

int
htq_orgs_list(struct htq_db *db, MDB_txn *txn, json_t **out)
{
	return list_db(txn, htq_dbi(db, HTQ_T_ORG), "organisations", out);
}

int
htq_accounts_list(struct htq_db *db, MDB_txn *txn, json_t **out)
{
	return list_db(txn, htq_dbi(db, HTQ_T_ACCT), "accounts", out);
}

int
htq_account_count(struct htq_db *db, MDB_txn *txn, size_t *n)
{
	MDB_stat st;
	int rc = htq_mdb_err(mdb_stat(txn, htq_dbi(db, HTQ_T_ACCT), &st));

	*n = rc == HTQ_OK ? st.ms_entries : 0;
	return rc;
}


/* --- administration by an account (the API; htqctl above is the
 * operator's) --- */

static int
admin_only(const struct htq_actor *a, struct htq_why *why)
{
	if (a == NULL || a->id == NULL || a->role != HTQ_ROLE_ADMIN)
		return htq_refuse(why, HTQ_EPERM, "", "only an administrator "
		    "manages accounts and organisations");
	return HTQ_OK;
}

/* How many accounts are administrators and not disabled. */
static int
count_admins(struct htq_db *db, MDB_txn *txn, size_t *n)
{
	struct htq_account acc;
	MDB_cursor *c;
	MDB_val k, v;
	json_t *a;
	int rc;

	*n = 0;
	if ((rc = mdb_cursor_open(txn, htq_dbi(db, HTQ_T_ACCT), &c)) != 0)
		return htq_mdb_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if ((a = json_loadb(v.mv_data, v.mv_size, 0, NULL)) == NULL)
			continue;
		htq_account_from_json(a, &acc);
		json_decref(a);
		*n += acc.role == HTQ_ROLE_ADMIN && !acc.disabled;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? HTQ_OK : htq_mdb_err(rc);
}

void
htq_new_password(char out[HTQ_NEW_PASSWORD_LEN + 1])
{
	unsigned char r[HTQ_NEW_PASSWORD_BYTES];

	randombytes_buf(r, sizeof(r));
	sodium_bin2base64(out, HTQ_NEW_PASSWORD_LEN + 1, r, sizeof(r),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(r, sizeof(r));
}

static int
org_why(int rc, struct htq_why *why)
{
	if (rc == HTQ_EINVAL || rc == HTQ_ENOTFOUND)
		return htq_refuse(why, HTQ_EINVAL, "organisation", "%s",
		    rc == HTQ_ENOTFOUND ? "no such organisation" : "an "
		    "awarding body account belongs to an awarding body "
		    "organisation; choose one");
	return rc;
}

/* The account as the API shows it, read after the change. */
static int
account_view(struct htq_db *db, const char *id, json_t **out)
{
	struct htq_account acc;
	MDB_txn *txn;
	int rc;

	if ((rc = htq_txn_read(db, &txn)) != HTQ_OK)
		return rc;
	rc = htq_account_get(db, txn, id, &acc);
	mdb_txn_abort(txn);
	if (rc == HTQ_OK && (*out = htq_account_json(&acc)) == NULL)
		rc = HTQ_ENOMEM;
	return rc;
}

int
htq_admin_account_add(struct htq_db *db, const struct htq_actor *actor,
    const char *email, const char *name, enum htq_role role,
    const char *org, char password[HTQ_NEW_PASSWORD_LEN + 1], json_t **out,
    struct htq_why *why)
{
	char norm[256], id[HTQ_ID_LEN + 1];
	const char *old;
	int rc;

	*out = NULL;
	password[0] = '\0';
	if ((rc = admin_only(actor, why)) != HTQ_OK)
		return rc;
	if (email == NULL || htq_email_normalise(email, norm, sizeof(norm)) !=
	    HTQ_OK)
		return htq_refuse(why, HTQ_EINVAL, "email", "enter an e-mail "
		    "address like name@example.org");
	if (name == NULL || *name == '\0' || strlen(name) > HTQ_MAX_TITLE ||
	    !htq_text_valid(name, 0))
		return htq_refuse(why, HTQ_EINVAL, "name", "a name is one line "
		    "of 1 to %d characters", HTQ_MAX_TITLE);
	if (role < HTQ_ROLE_AWARDING_BODY || role > HTQ_ROLE_ADMIN)
		return htq_refuse(why, HTQ_EINVAL, "role", "no such role");
	htq_new_password(password);
	old = htq_set_actor(db, actor->id);
	rc = htq_account_add(db, norm, name, role, org, password, id);
	htq_set_actor(db, old);
	if (rc == HTQ_EEXIST)
		rc = htq_refuse(why, HTQ_ECONFLICT, "email", "an account with "
		    "that e-mail address exists already");
	else
		rc = org_why(rc, why);
	if (rc == HTQ_OK)
		rc = account_view(db, id, out);
	if (rc != HTQ_OK)
		sodium_memzero(password, HTQ_NEW_PASSWORD_LEN + 1);
	return rc;
}

enum admin_op { OP_DISABLE, OP_ENABLE, OP_RESET, OP_ROLE };

static int
admin_change(struct htq_db *db, const struct htq_actor *actor,
    const char *id, enum admin_op op, struct role_arg *role, char *hash,
    json_t **out, struct htq_why *why)
{
	static const char *const verbs[] = { "disable", "enable",
	    "reset the password of", "change the role of" };
	struct htq_account acc;
	const char *old;
	MDB_txn *txn;
	json_t *a = NULL;
	size_t admins;
	int rc, off = op == OP_DISABLE;

	*out = NULL;
	if ((rc = admin_only(actor, why)) != HTQ_OK)
		return rc;
	if (id == NULL || strlen(id) != HTQ_ID_LEN || id[0] != 'a')
		return htq_refuse(why, HTQ_ENOTFOUND, "id", "no such account");
	if (strcmp(id, actor->id) == 0 && op != OP_ENABLE)
		return htq_refuse(why, HTQ_ECONFLICT, "id", "you cannot %s "
		    "your own account: ask another administrator", verbs[op]);
	if ((rc = htq_txn_write(db, &txn)) != HTQ_OK)
		return rc;
	if ((rc = htq_get_json(txn, htq_dbi(db, HTQ_T_ACCT), id, &a)) !=
	    HTQ_OK) {
		if (rc == HTQ_ENOTFOUND)
			htq_refuse(why, rc, "id", "no such account");
		goto out;
	}
	htq_account_from_json(a, &acc);
	if ((op == OP_DISABLE && acc.disabled) ||
	    (op == OP_ENABLE && !acc.disabled)) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "id", "the account is %s "
		    "already", acc.disabled ? "disabled" : "enabled");
		goto out;
	}
	if (op == OP_ROLE && role->role == acc.role && (role->org == NULL ||
	    strcmp(role->org, acc.org) == 0)) {
		rc = htq_refuse(why, HTQ_ECONFLICT, "role", "the account is "
		    "%s already", htq_role_name(acc.role));
		goto out;
	}
	/* the last administrator stays one: someone must be able to do
	 * this again */
	if (acc.role == HTQ_ROLE_ADMIN && !acc.disabled && (op == OP_DISABLE ||
	    (op == OP_ROLE && role->role != HTQ_ROLE_ADMIN))) {
		if ((rc = count_admins(db, txn, &admins)) != HTQ_OK)
			goto out;
		if (admins <= 1) {
			rc = htq_refuse(why, HTQ_ECONFLICT, "id", "this is the "
			    "only active administrator: make another account "
			    "an administrator first");
			goto out;
		}
	}
	old = htq_set_actor(db, actor->id);
	switch (op) {
	case OP_DISABLE:
	case OP_ENABLE:
		rc = set_disabled(db, txn, a, &off);
		break;
	case OP_RESET:
		rc = set_password(db, txn, a, hash);
		break;
	case OP_ROLE:
		rc = org_why(set_role(db, txn, a, role), why);
		break;
	}
	htq_set_actor(db, old);
	if (rc != HTQ_OK ||
	    (rc = htq_put_json(txn, htq_dbi(db, HTQ_T_ACCT), id, a, 0)) !=
	    HTQ_OK)
		goto out;
	rc = htq_commit(db, txn);
	txn = NULL;
	if (rc == HTQ_OK)
		rc = account_view(db, id, out);
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	json_decref(a);
	return rc;
}

int
htq_admin_account_set_disabled(struct htq_db *db,
    const struct htq_actor *actor, const char *id, int disabled,
    json_t **out, struct htq_why *why)
{
	return admin_change(db, actor, id, disabled ? OP_DISABLE : OP_ENABLE,
	    NULL, NULL, out, why);
}

int
htq_admin_account_reset(struct htq_db *db, const struct htq_actor *actor,
    const char *id, char password[HTQ_NEW_PASSWORD_LEN + 1], json_t **out,
    struct htq_why *why)
{
	char hash[crypto_pwhash_STRBYTES];
	int rc;

	*out = NULL;
	password[0] = '\0';
	if ((rc = admin_only(actor, why)) != HTQ_OK)
		return rc;
	htq_new_password(password);
	if ((rc = hash_password(password, hash)) == HTQ_OK)
		rc = admin_change(db, actor, id, OP_RESET, NULL, hash, out,
		    why);
	sodium_memzero(hash, sizeof(hash));
	if (rc != HTQ_OK)
		sodium_memzero(password, HTQ_NEW_PASSWORD_LEN + 1);
	return rc;
}

int
htq_admin_account_set_role(struct htq_db *db, const struct htq_actor *actor,
    const char *id, enum htq_role role, const char *org, json_t **out,
    struct htq_why *why)
{
	struct role_arg r = { role, org && *org ? org : NULL };

	*out = NULL;
	if (role < HTQ_ROLE_AWARDING_BODY || role > HTQ_ROLE_ADMIN)
		return htq_refuse(why, HTQ_EINVAL, "role", "no such role");
	return admin_change(db, actor, id, OP_ROLE, &r, NULL, out, why);
}

int
htq_admin_org_add(struct htq_db *db, const struct htq_actor *actor,
    enum htq_org_kind kind, const char *name, const char *rn,
    const char *ukprn, json_t **out, struct htq_why *why)
{
	char id[HTQ_ID_LEN + 1];
	const char *old;
	MDB_txn *txn;
	int rc;

	*out = NULL;
	if ((rc = admin_only(actor, why)) != HTQ_OK)
		return rc;
	if (kind < HTQ_ORG_AWARDING_BODY || kind > HTQ_ORG_APPROVING_BODY)
		return htq_refuse(why, HTQ_EINVAL, "kind", "no such kind of "
		    "organisation");
	if (name == NULL || *name == '\0' || strlen(name) > HTQ_MAX_TITLE ||
	    !htq_text_valid(name, 0))
		return htq_refuse(why, HTQ_EINVAL, "name", "a name is one line "
		    "of 1 to %d characters", HTQ_MAX_TITLE);
	if (rn != NULL && !rn_valid(rn))
		return htq_refuse(why, HTQ_EINVAL, "rn", "an Ofqual recognition "
		    "number is RN followed by 4 to 6 digits, like RN5301");
	if (ukprn != NULL && !ukprn_valid(ukprn))
		return htq_refuse(why, HTQ_EINVAL, "ukprn", "a UKPRN is 8 digits "
		    "starting with 1, like 10004821");
	if (kind == HTQ_ORG_AWARDING_BODY && rn == NULL && ukprn == NULL)
		return htq_refuse(why, HTQ_EINVAL, "rn", "an awarding body needs "
		    "its Ofqual recognition number or its UKPRN");
	old = htq_set_actor(db, actor->id);
	rc = htq_org_add(db, kind, name, rn, ukprn, id);
	htq_set_actor(db, old);
	if (rc != HTQ_OK)
		return rc;
	if ((rc = htq_txn_read(db, &txn)) != HTQ_OK)
		return rc;
	rc = htq_org_get(db, txn, id, out);
	mdb_txn_abort(txn);
	return rc;
}
