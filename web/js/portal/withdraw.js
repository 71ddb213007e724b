// withdraw.js - /submissions/withdraw/?id=: confirm, then POST withdraw
// (only when the API lists "withdraw"; else the page says why at once).
import { actionPage, api, apiErrors, content, esc, failure, setTitle, showErrors } from "/assets/js/portal/common.js";

try {
	const page = await actionPage({ roles: ["awarding_body"], action: "withdraw", refusal: "You cannot withdraw this submission" });
	if (page) {
		const { id, s } = page;
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
