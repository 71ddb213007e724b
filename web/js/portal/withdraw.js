// withdraw.js - /submissions/withdraw/?id=: confirm, then POST withdraw
// (only when the API lists "withdraw"; else the page says why at once).
import { api, apiErrors, backLink, can, content, esc, failure, notAvailable, param, setTitle, showErrors, startPage, whyNot } from "/assets/js/portal/common.js";

try {
	const me = await startPage({ roles: ["awarding_body"] });
	if (!me.refused) page: {
		const id = param("id") || "";
		backLink("/submissions/view/?id=" + encodeURIComponent(id));
		const s = (await api("GET", "/submissions/" + encodeURIComponent(id))).data;
		if (!can(s, "withdraw")) {
			setTitle("You cannot withdraw this submission");
			content(notAvailable(s, "You cannot withdraw this submission", whyNot("withdraw", s, me)));
			break page;
		}
		setTitle("Are you sure you want to withdraw this submission?");
		content(`<form id="withdraw-form" novalidate>
<span class="govuk-caption-l">${esc(s.qualification.title)}</span>
<h1 class="govuk-heading-l">Are you sure you want to withdraw this submission?</h1>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span>
<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>A withdrawn submission cannot be submitted again. The withdrawal is recorded in the public ledger.</strong></div>
<div class="govuk-button-group"><button type="submit" id="confirm" class="govuk-button govuk-button--warning" data-module="govuk-button">Yes, withdraw it</button>
<a class="govuk-link" href="/submissions/view/?id=${esc(encodeURIComponent(id))}">No, keep it</a></div></form>`);
		document.getElementById("withdraw-form").addEventListener("submit", async ev => {
			ev.preventDefault();
			try {
				await api("POST", "/submissions/" + encodeURIComponent(id) + "/withdraw");
				location.assign("/submissions/view/?withdrawn&id=" + encodeURIComponent(id));
			} catch (e) {
				if (!e.redirected) showErrors(apiErrors(e, {}, "confirm"));
			}
		});
	}
} catch (e) {
	failure(e, "The submission");
}
