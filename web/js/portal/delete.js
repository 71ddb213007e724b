// delete.js - /submissions/delete/?id=: confirm, then DELETE the draft
// (offered only when the API lists "delete" in the draft's actions; else
// the page says why at once).  Nothing of a draft reaches the ledger.
import { actionPage, api, apiErrors, content, esc, failure, setTitle, showErrors } from "/assets/js/portal/common.js";

try {
	const page = await actionPage({ roles: ["awarding_body"], action: "delete", refusal: "You cannot delete this submission" });
	if (page) {
		const { id, s } = page;
		setTitle("Are you sure you want to delete this draft?");
		content(`<form id="delete-form" novalidate>
<span class="govuk-caption-l">${esc(s.qualification.title)}</span>
<h1 class="govuk-heading-l">Are you sure you want to delete this draft?</h1>
<p class="govuk-body">The draft and everything in it (its units and KSB mapping) will be deleted. It has not been submitted, so nothing about it is in the public ledger.</p>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span>
<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>You cannot undo this.</strong></div>
<div class="govuk-button-group"><button type="submit" id="confirm" class="govuk-button govuk-button--warning" data-module="govuk-button">Yes, delete this draft</button>
<a class="govuk-link" href="/submissions/view/?id=${esc(encodeURIComponent(id))}">No, keep it</a></div></form>`);
		let busy = false;
		document.getElementById("delete-form").addEventListener("submit", async ev => {
			ev.preventDefault();
			if (busy) return;
			busy = true;
			try {
				await api("DELETE", "/submissions/" + encodeURIComponent(id));
				sessionStorage.removeItem("htq.new");	// an open edit of it is gone too
				location.assign("/submissions/?deleted=" + encodeURIComponent(s.qualification.title));
			} catch (e) {
				if (!e.redirected) showErrors(apiErrors(e, {}, "confirm"));
			} finally {
				busy = false;
			}
		});
	}
} catch (e) {
	failure(e, "The submission");
}
