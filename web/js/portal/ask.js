// ask.js - /submissions/ask/?id=: a reviewer or approver asks the awarding
// body a question -> POST /submissions/{id}/information-requests; the
// submission waits for the answer (information_requested) until the date
// the service sets.  Offered only when the API lists "request_information";
// else the page says why at once.
import { actionPage, api, apiErrors, can, content, coverageRows, esc, failure, plural, setTitle, showErrors, summaryList } from "/assets/js/portal/common.js";

try {
	const page = await actionPage({ roles: ["reviewer", "approver"], action: "request_information", refusal: "You cannot ask about this submission now" });
	if (page) {
		const { id, s } = page;
		setTitle("Ask the awarding body a question");
		content(`<form id="ask-form" novalidate>
<span class="govuk-caption-l">${esc(s.qualification.title)}</span>
<h1 class="govuk-heading-l">Ask the awarding body a question</h1>
<p class="govuk-body">Ask for what you need to review or decide this submission, for example how a KSB is assessed. The awarding body can answer, and can amend its KSB mapping in its answer: an amended submission goes back to review from the start.</p>
<p class="govuk-body">While the question is open the submission cannot be reviewed or decided. If the awarding body does not answer by the date the service sets, an approver may decide on what was submitted.</p>
${summaryList([["Qualification", `${esc(s.qualification.title)} (level ${esc(s.qualification.level)})`], ["Standard", `${esc(s.standard.ref)} ${esc(s.standard_title || "")}`],
			["Coverage", s.coverage ? `${esc(s.coverage.percentage)}% (${esc(s.coverage.covered)} of ${esc(plural(s.coverage.total, "KSB"))})` : ""]])}
<details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">Coverage in detail</span></summary>
<div class="govuk-details__text">${s.coverage ? summaryList(coverageRows(s.coverage, s.mapping)) : ""}</div></details>
<div class="govuk-form-group" data-name="question"><h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--m" for="question">Your question</label></h2>
<div id="question-hint" class="govuk-hint">The awarding body sees it. The public ledger records only a fingerprint of it.</div>
<textarea class="govuk-textarea" id="question" name="question" rows="6" aria-describedby="question-hint"></textarea></div>
<div class="govuk-button-group"><button type="submit" id="send" class="govuk-button" data-module="govuk-button">Send question</button>
<a class="govuk-link" href="/submissions/view/?id=${esc(encodeURIComponent(id))}">Cancel</a></div>
</form>`);
		const form = document.getElementById("ask-form");
		let busy = false;
		form.addEventListener("submit", async ev => {
			ev.preventDefault();
			if (busy) return;
			const question = form.question.value;
			if (!question.trim()) return showErrors([{ id: "question", text: "Enter your question" }]);
			busy = true;
			try {
				await api("POST", "/submissions/" + encodeURIComponent(id) + "/information-requests", { question });
				location.assign("/submissions/view/?asked&id=" + encodeURIComponent(id));
			} catch (e) {
				if (!e.redirected) showErrors(apiErrors(e, { question: ["question", null] }, "question"));
			} finally {
				busy = false;
			}
		});
	}
} catch (e) {
	failure(e, "The submission");
}
