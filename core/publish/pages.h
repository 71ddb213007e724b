/*
 * pages.h - the markup of the site's files, shared by core/publish/.
 */
#ifndef HTQ_PAGES_H
#define HTQ_PAGES_H

#include "htq.h"

/*
 * The trust policy a verify page carries (publish.c): json is
 * {"origin": "<log origin>", "keys": ["<verifier key>", ... oldest first]}
 * (owned by the publisher; NULL before the first key exists), fingerprint
 * the newest key's (SHA-256 of its verifier key string, first 16 bytes in
 * hex, groups of four; "" without a key).
 */
struct htq_policy {
	json_t	*json;
	char	 fingerprint[48];
};

/*
 * What every page is made with, from <datadir>/www (scripts/run.sh copies
 * build/www there): the hashed asset names (assets-manifest.json) and the
 * one page shell every page of the site shares (_shell/public.html, made
 * by scripts/portal-pages.mjs from the portal's template: header, service
 * navigation, phase banner, skip link, footer), cut at its markers.  A
 * site without them (no web build) gets a plain shell of pages.c's own.
 */
struct htq_site {
	json_t	*assets;	/* NULL: none */
	char	*shell;		/* the file, NUL at each marker; NULL: none */
	const char *part[4];	/* before the title, before more of <head>,
				   before <main>'s content, after it */
};
void	 htq_site_load(struct htq_site *, const char *datadir);
void	 htq_site_free(struct htq_site *);

/* Static files of one mark (badge.c, pages.c). */
int	 htq_badge_svg(const json_t *mark, const char *verify_url,
	    const char *fingerprint, char **out, size_t *len);
/* The badge's height for this mark (its title and awarding body wrap). */
int	 htq_badge_height(const json_t *mark);
int	 htq_verify_html(const json_t *mark, const struct htq_site *,
	    const struct htq_policy *policy, char **out, size_t *len);
/* Marks a page of the register lists. */
#define HTQ_REGISTER_PAGE	100
/*
 * Page "page" (1-based) of the register.  all is every mark, in id order
 * (the filters offer its awarding bodies, routes and standards); shown
 * the marks that match, in id order; f NULL for the static pages
 * (/register, /register/<n>), else the search the workers answer
 * (/register/search?...: the form filled in as asked, the pages linked
 * with the same search).  HTQ_EINVAL for a page past the last.
 */
int	 htq_register_html(const json_t *all, const json_t *shown,
	    const struct htq_register_filter *f, size_t page,
	    const struct htq_site *, char **out, size_t *len);
/* A page saying what is wrong with a request (the workers' refusals of a
 * page route): heading and message, a link back to the register. */
int	 htq_problem_html(const char *heading, const char *message,
	    const struct htq_site *, char **out, size_t *len);

/* Shared by badge.c and pages.c (pages.c). */
void	 htq_put_esc(FILE *, const char *);
int	 htq_markup_finish(FILE *, char **out, size_t *len);
long long htq_mark_level(const json_t *m);
int	 htq_mark_revoked(const json_t *m);
const char *htq_reason_text(const char *reason);
/* A qualification type's words ("foundation_degree": "Foundation
 * degree"; signed days: htq_day_text in store.h).  NULL gives NULL. */
const char *htq_type_text(const char *type);

#endif /* HTQ_PAGES_H */
