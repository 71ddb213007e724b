// decide.js - /submissions/decide/?id=: coverage, every employer panel
// recommendation, outcome and reasons -> POST /submissions/{id}/decision.
// When the API does not list "decide" in the submission's actions (no
// recommendation yet, waiting for an answer, the four-eyes rule, decided
// already) the page says why at once and shows no form; a refusal that
// races the page (403, 409) is explained in the error summary.
import { actionPage, api, ApiError, apiErrors, content, coverageRows, date, esc, failure, reviewCard, setTitle, showErrors, summaryList, words } from "/assets/js/portal/common.js";

try {
	const page = await actionPage({ roles: ["approver"], action: "decide", refusal: "You cannot decide this submission" });
	if (page) {
		const { id, s } = page;
		setTitle("Decide " + s.qualification.title);
		content(`<form id="decision-form" novalidate>
<span class="govuk-caption-l">${esc(s.qualification.title)}</span>
<h1 class="govuk-heading-l">Decide this submission</h1>
${summaryList([["Qualification", `${esc(s.qualification.title)} (level ${esc(s.qualification.level)})`], ["Standard", `${esc(s.standard.ref)} ${esc(s.standard_title || "")}, version ${esc(s.standard.version)}`],
			["Details", `<a class="govuk-link" href="/submissions/view/?id=${esc(encodeURIComponent(id))}">Units and KSB mapping</a>`]])}
<h2 class="govuk-heading-m">Coverage</h2>
${s.coverage ? summaryList(coverageRows(s.coverage, s.mapping)) : ""}
<h2 class="govuk-heading-m">Employer panel recommendations</h2>
${(s.reviews || []).length ? s.reviews.map((r, i) => reviewCard(r, i, page.me)).join("") : `<p class="govuk-body">No recommendations on this version.</p>`}
${(s.information_requests || []).some(r => !r.answered) ? `<div class="govuk-inset-text">The awarding body did not answer the request for information by ${date(s.information_requests.slice(-1)[0].respond_by)}: you are deciding on what was submitted.</div>` : ""}
<div class="govuk-form-group" data-name="outcome"><fieldset class="govuk-fieldset">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--m"><h2 class="govuk-fieldset__heading">Your decision</h2></legend>
<div class="govuk-radios" data-module="govuk-radios">
<div class="govuk-radios__item"><input class="govuk-radios__input" id="outcome" name="outcome" type="radio" value="approved"><label class="govuk-label govuk-radios__label" for="outcome">Approve and award the quality mark</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="outcome-2" name="outcome" type="radio" value="rejected"><label class="govuk-label govuk-radios__label" for="outcome-2">Reject</label></div>
</div></fieldset></div>
<div class="govuk-form-group" data-name="reasons"><h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--m" for="reasons">Reasons</label></h2>
<div id="reasons-hint" class="govuk-hint">These are published with the decision.</div>
<textarea class="govuk-textarea" id="reasons" name="reasons" rows="5" aria-describedby="reasons-hint"></textarea></div>
<button type="submit" id="send" class="govuk-button" data-module="govuk-button">Record decision</button>
</form>`);
		const form = document.getElementById("decision-form");
		let busy = false;
		form.addEventListener("submit", async ev => {
			ev.preventDefault();
			if (busy) return;
			const body = { reasons: form.reasons.value };
			const o = form.querySelector("input[name=outcome]:checked");
			if (o) body.outcome = o.value;
			busy = true;
			try {
				await api("POST", "/submissions/" + encodeURIComponent(id) + "/decision", body);
				location.assign("/submissions/view/?decided&id=" + encodeURIComponent(id));
			} catch (e) {
				if (e.redirected) return;
				if (e instanceof ApiError && e.status === 403 && /four eyes/i.test(e.message))
					showErrors([{ id: "outcome", text: "You cannot decide this submission because you reviewed it. " +
						"The four-eyes rule means the approver must be someone who did not review it: another approver must make this decision" }]);
				else if (e instanceof ApiError && e.status === 409)
					showErrors([{ id: "outcome", text: "This submission cannot be decided now. " + words(e.message) }]);
				else
					showErrors(apiErrors(e, {
						outcome: ["outcome", "Select whether to approve or reject the submission"],
						reasons: ["reasons", e.field === "reasons" && !body.reasons.trim() ? "Enter the reasons for your decision" : null],
					}, "outcome"));
			} finally {
				busy = false;
			}
		});
	}
} catch (e) {
	failure(e, "The submission");
}
