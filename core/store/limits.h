/*
 * limits.h - every limit in the project, with the reason beside it.
 *
 * nginx/htq.conf.in repeats HTQ_MAX_BODY as client_max_body_size; the
 * regress suite checks that the two agree.
 */
#ifndef HTQ_LIMITS_H
#define HTQ_LIMITS_H

/* --- HTTP boundary (fcgi/) --- */

/* Largest request body.  A submission with a full KSB mapping is a few
 * tens of KiB; 1 MiB leaves room without letting anyone fill memory. */
#define HTQ_MAX_BODY		(1024 * 1024)
/* Largest body of a route that takes no document (every route but those
 * marked FCX_LARGE_BODY in fcgi/routes.c: a login, a decision, a
 * revocation, a window): its longest field is HTQ_MAX_TEXT (2,000 bytes
 * of UTF-8), 12 KiB even if every byte arrives as a JSON \uXXXX escape.
 * nginx/htq.conf.in repeats it for those routes, so that neither nginx nor
 * a worker holds 1 MiB for a request that can never need it. */
#define HTQ_MAX_SMALL_BODY	(16 * 1024)
/* Longest request path (after nginx); longer is 414-like, answered 400. */
#define HTQ_MAX_PATH		1024
/* Longest query string. */
#define HTQ_MAX_QUERY		2048
/* Most query parameters we look at in one request. */
#define HTQ_MAX_PARAMS		32
/* Most path segments captured by one route pattern. */
#define HTQ_MAX_CAPTURES	4
/* Longest header value we copy (cookies, tokens, content type). */
#define HTQ_MAX_HEADER		4096
/* Deepest JSON nesting accepted in a request body.  Our schemas need 4. */
#define HTQ_MAX_JSON_DEPTH	16
/* Pre-forked workers when HTQ_WORKERS is unset: one per core, at most
 * HTQ_DEFAULT_WORKERS_MAX, or HTQ_DEFAULT_WORKERS when the core count
 * cannot be read. */
#define HTQ_DEFAULT_WORKERS_MAX	16
#define HTQ_DEFAULT_WORKERS	2
/* Hard cap on workers: each holds an LMDB reader slot. */
#define HTQ_MAX_WORKERS		64
/* Seconds between a worker's checks that the public files are as the
 * database says (a no-op when they are): what a failed publish or a
 * writer killed before its publish left behind is repaired with no
 * commit needed. */
#define HTQ_PUBLISH_CHECK	2
/* Longest public base URL (HTQ_PUBLIC_URL) a badge's QR code carries. */
#define HTQ_MAX_URL		512
/* Deepest nesting the JSON canonicalizer (RFC 8785, credential.c)
 * accepts: our credentials need 5. */
#define HTQ_JCS_MAX_DEPTH	32
/* Largest integer magnitude it accepts: 2^53 - 1, the largest that an
 * ECMAScript number holds exactly (I-JSON). */
#define HTQ_JCS_MAX_INT		9007199254740991LL
/* Bits of a revocation status list: a multiple of this, the Bitstring
 * Status List's minimum (16 KiB), above the log's size. */
#define HTQ_STATUS_LIST_BITS	131072
/* listen(2) backlog of the FastCGI socket. */
#define HTQ_FCGI_BACKLOG	256
/* Seconds the master waits for workers to finish in-flight requests. */
#define HTQ_DRAIN_SECONDS	10

/* --- storage (core/) --- */

/* LMDB map: it starts at HTQ_MAP_INITIAL and grows on its own (doubling,
 * when a write finds it full) up to HTQ_MAP_MAX, beyond which writes are
 * refused (503 database_full) until the maximum is raised.  The map is
 * address space, not disk: the file holds only what is written.  4 GiB
 * holds millions of ledger entries with their stored hashes.  Both may
 * be set in the environment of htq-fcgi and htqctl, in bytes, from
 * HTQ_MAP_MIN to HTQ_MAP_LIMIT: $HTQ_MAP_INITIAL, $HTQ_MAP_MAX.  A map
 * grown larger by an earlier run (its size is in the file) stays so. */
#define HTQ_MAP_INITIAL		((size_t)256 << 20)
#define HTQ_MAP_MAX		((size_t)4 << 30)
#define HTQ_MAP_MIN		((size_t)1 << 20)
#define HTQ_MAP_LIMIT		((size_t)1 << 40)
/* Free bytes under which an EIO from an LMDB write is a full disk (LMDB
 * turns a short write, the disk filling part way through it, into EIO). */
#define HTQ_DISK_FULL_SLACK	(1024 * 1024)
/* LMDB named databases (core and audit together). */
#define HTQ_MAX_DBS		32
/* LMDB reader slots: workers + htqctl + tests. */
#define HTQ_MAX_READERS		256

/* --- standards catalogue --- */

/* Largest standards import file (a full Institute export is ~20 MiB). */
#define HTQ_MAX_IMPORT		(64 * 1024 * 1024)
/* KSBs in one standard (real standards have under 100). */
#define HTQ_MAX_KSBS		400
/* Options in one standard. */
#define HTQ_MAX_OPTIONS		32
/* Longest title, KSB text, reason. */
#define HTQ_MAX_TITLE		300
#define HTQ_MAX_KSB_TEXT	4000
#define HTQ_MAX_REASON		500
/* Longest version string ("1.1"). */
#define HTQ_MAX_VERSION		16
/* Length of a standard reference: ST + 4 digits. */
#define HTQ_REF_LEN		6

/* --- accounts and sessions --- */

/* Pseudonymous ids: a letter, '-', 16 hex digits. */
#define HTQ_ID_LEN		18
/* Passwords: at least 12 characters; at most 1 KiB so that the cost of
 * hashing what an unauthenticated caller sends stays bounded. */
#define HTQ_MIN_PASSWORD	12
#define HTQ_MAX_PASSWORD	1024
/* A password an administrator's add or reset makes (shown once): 120
 * random bits, URL-safe base64 without padding. */
#define HTQ_NEW_PASSWORD_BYTES	15
#define HTQ_NEW_PASSWORD_LEN	20
/* Session token (256 random bits, hex) and CSRF token (128 bits, hex). */
#define HTQ_TOKEN_LEN		64
#define HTQ_CSRF_LEN		32
/* A session ends 12 hours after login, or after 30 idle minutes
 * (HTQ_SESSION_MAX_AGE and HTQ_SESSION_IDLE in the environment, seconds,
 * may shorten either, e.g. for tests). */
#define HTQ_SESSION_MAX_AGE	(12 * 3600)
#define HTQ_SESSION_IDLE	(30 * 60)
/* API tokens: "htq_" + 256 random bits in hex; 90 days unless told, at
 * most a year. */
#define HTQ_API_TOKEN_LEN	(4 + 64)
#define HTQ_API_TOKEN_DAYS	90
#define HTQ_API_TOKEN_MAX_DAYS	366
#define HTQ_MAX_TOKEN_NAME	64
/* Login back-off per e-mail address (known or not): 5 failures free, then
 * each further one doubles the wait from 1 s up to 15 min; a success
 * resets it, and a record idle for a day is forgotten. */
#define HTQ_LOGIN_FREE_FAILS	5
#define HTQ_LOGIN_MAX_WAIT	(15 * 60)
#define HTQ_LOGIN_FORGET	(24 * 3600)

/* --- the public register (core/publish/pages.c, GET /register/search) --- */

/* Longest value of one search parameter (q, awarding_body, route,
 * standard, status): a title is at most HTQ_MAX_TITLE, a search for a
 * part of one needs no more than this. */
#define HTQ_MAX_SEARCH		200
/* Highest page number a search may ask for (HTQ_REGISTER_PAGE marks
 * each, pages.h). */
#define HTQ_REGISTER_MAX_PAGE	100000
/* Choices one filter of the register's form offers at most (distinct
 * awarding bodies, routes, standards among the marks). */
#define HTQ_REGISTER_CHOICES	1000

/* --- the approvals workflow (core/domain/) --- */

/* Units in one submission (an HND has 15 to 30; 200 leaves room). */
#define HTQ_MAX_UNITS		200
/* Longest unit id ("U1", "4CS01"): letters, digits, '.', '-', '_'. */
#define HTQ_MAX_UNIT_ID		32
/* Units named by one mapping line. */
#define HTQ_MAX_MAP_UNITS	50
/* Longest free text (assessment method, review comments, decision
 * reasons, revocation note): a few paragraphs, bounded so that ledger
 * entries that carry reasons stay well under HTQ_MAX_ENTRY. */
#define HTQ_MAX_TEXT		2000
/* Reviewer findings on one review (one per KSB at most). */
#define HTQ_MAX_FINDINGS	HTQ_MAX_KSBS
/* Employer recommendations a decision needs unless
 * $HTQ_MIN_RECOMMENDATIONS says more (1 to HTQ_MAX_MIN_RECOMMENDATIONS). */
#define HTQ_MIN_RECOMMENDATIONS	1
#define HTQ_MAX_MIN_RECOMMENDATIONS	10
/* Drafts one organisation may keep at once, so that no awarding body can
 * fill the database (a draft is up to ~220 KB; the map is HTQ_MAP_MAX);
 * $HTQ_MAX_DRAFTS sets another (1 to HTQ_MAX_MAX_DRAFTS). */
#define HTQ_MAX_DRAFTS		200
#define HTQ_MAX_MAX_DRAFTS	100000
/* Days the awarding body has to answer a request for information
 * ($HTQ_INFO_RESPONSE_DAYS: 0 to HTQ_MAX_INFO_RESPONSE_DAYS; the
 * window's closing date does not apply), and requests a submission may
 * have in all. */
#define HTQ_INFO_RESPONSE_DAYS	28
#define HTQ_MAX_INFO_RESPONSE_DAYS	365
#define HTQ_MAX_INFO_REQUESTS	10
/* Days the employer panel has for its review of a submission, from the
 * day it is submitted (again, after an answer): the reviewer's queue
 * shows the date ($HTQ_REVIEW_DAYS: 1 to HTQ_MAX_REVIEW_DAYS). */
#define HTQ_REVIEW_DAYS		28
#define HTQ_MAX_REVIEW_DAYS	365
/* Reviews on one submission (each reviewer at most once a round). */
#define HTQ_MAX_REVIEWS		50
/* Submissions per page of GET /submissions: default and most. */
#define HTQ_LIST_PAGE		50
#define HTQ_LIST_PAGE_MAX	100
/* Windows per route kept in the schedule answer (all of them; bounded
 * so that one answer stays small). */
#define HTQ_MAX_WINDOWS		1000
/* Notifications (core/domain/outbox.c): a window closing within this
 * many days, and a mark whose review date is within this many, make one
 * message each (the workers' tick). */
#define HTQ_NOTIFY_CLOSING_DAYS	14
#define HTQ_NOTIFY_REVIEW_DAYS	180
/* How often (seconds) a worker looks for them: a day's granularity
 * needs no more, and the look is a short write transaction. */
#define HTQ_NOTIFY_TICK		60
/* Messages per page of GET /messages: default and most. */
#define HTQ_MESSAGES_PAGE	50
#define HTQ_MESSAGES_PAGE_MAX	100
/* htq-mailer: tries of one e-mail before it leaves the queue (the
 * message stays in the portal); the wait after a failed try doubles
 * from HTQ_MAIL_BACKOFF_MIN to at most HTQ_MAIL_BACKOFF_MAX seconds
 * (about 30 hours of tries in all); a relay that does not answer within
 * HTQ_MAIL_TIMEOUT seconds has failed the try. */
#define HTQ_MAIL_MAX_ATTEMPTS	20
#define HTQ_MAIL_BACKOFF_MIN	1
#define HTQ_MAIL_BACKOFF_MAX	3600
#define HTQ_MAIL_TIMEOUT	30
/* Longest line the mailer reads from a relay (RFC 5321: 512). */
#define HTQ_MAIL_LINE		1024

/* A quality mark is reviewed within five years of its award. */
#define HTQ_MARK_REVIEW_YEARS	5
/* A submission's reference "HTQ-SUB-2026-0042": the year it was created
 * and its place in that year (at least 4 digits, at most 6):
 * 8 + 4 + 1 + 6; a year holds HTQ_SUB_REF_MAX_SERIAL. */
#define HTQ_SUB_REF_LEN		19
#define HTQ_SUB_REF_MAX_SERIAL	999999
/* The search text of GET /submissions?q= (a reference, an id or part of
 * a title). */
#define HTQ_SUB_QUERY_MAX	200
/* Mark id "HTQ-2026-000123-K": 3 + 1 + 4 + 1 + 6 + 1 + 1. */
#define HTQ_MARK_ID_LEN		17
/* Dates are ISO 8601 calendar dates "2026-09-01". */
#define HTQ_DATE_LEN		10

/* Supporting documents (core/domain/documents.c): a file is at most
 * 10 MiB (a long PDF specification or a workbook of mappings; nginx
 * repeats it as the upload route's client_max_body_size, and a worker
 * holds one such body in memory at a time), a submission at most
 * HTQ_MAX_DOCUMENTS files and HTQ_MAX_DOCUMENTS_BYTES in all, so that
 * one draft cannot fill the disk.  A file's name is shown and offered
 * back as the download's name, never trusted for its type. */
#define HTQ_MAX_DOCUMENT	(10 * 1024 * 1024)
#define HTQ_MAX_DOCUMENTS	20
#define HTQ_MAX_DOCUMENTS_BYTES	((size_t)50 * 1024 * 1024)
#define HTQ_MAX_DOCUMENT_NAME	200
/* ZIP directory entries looked at to recognise an office document (real
 * ones have tens; a ZIP with more is refused, not walked). */
#define HTQ_MAX_ZIP_ENTRIES	4096

/* --- ledger (audit/) --- */

/* The ledger's own limits (entry size, origin length, export line
 * length) are audit/'s: audit/aud_limits.h. */
/* Most entries in one /ledger/entries page. */
#define HTQ_LEDGER_PAGE		100

/* --- partners' reports (core/domain/report.c) --- */

/* Entries of each ranked list in a report (KSBs left uncovered, the
 * reasons for each, reasons for rejection, revocation notes): the most
 * frequent, so that a report stays a page whatever the wave's size. */
#define HTQ_REPORT_TOP		10

#endif /* HTQ_LIMITS_H */
