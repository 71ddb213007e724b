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

/* Static files of one mark (badge.c, pages.c). */
int	 htq_badge_svg(const json_t *mark, const char *verify_url,
	    const char *fingerprint, char **out, size_t *len);
int	 htq_verify_html(const json_t *mark, const json_t *assets,
	    const struct htq_policy *policy, char **out, size_t *len);
/* Marks a page of the static register lists. */
#define HTQ_REGISTER_PAGE	100
/* Page "page" (1-based) of the static register: items is every mark, in
 * id order; the page shows its HTQ_REGISTER_PAGE and links the others. */
int	 htq_register_html(const json_t *items, size_t page,
	    const json_t *assets, char **out, size_t *len);

/* Shared by badge.c and pages.c (pages.c). */
void	 htq_put_esc(FILE *, const char *);
int	 htq_markup_finish(FILE *, char **out, size_t *len);
long long htq_mark_level(const json_t *m);
int	 htq_mark_revoked(const json_t *m);
const char *htq_reason_text(const char *reason);

#endif /* HTQ_PAGES_H */
