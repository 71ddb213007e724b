// decide.js - /submissions/decide/?id=: coverage, every employer panel
// recommendation, outcome and reasons; then "Check your decision" (what
// will be published, with Change links) and only on its confirmation
// POST /submissions/{id}/decision.  An incomplete form goes straight to
// the API, whose refusal names the field (the rules are the API's; the
// page only asks for confirmation of a decision that is complete).
// When the API does not list "decide" in the submission's actions (no
// recommendation yet, waiting for an answer, the four-eyes rule, decided
// already) the page says why at once and shows no form; a refusal that
// races the page (403, 409) is explained in the error summary.
import { actionPage, api, ApiError, apiErrors, content, coverageRows, date, esc, failure, label, reviewCard, setTitle, showErrors, summaryList, words } from "/assets/js/portal/common.js";

try {
	const page = await actionPage({ roles: ["approver"], action: "decide", refusal: "You cannot decide this submission" });
	if (page) {
		const { id, s } = page;
		const title = "Decide " + s.qualification.title;
		const values = { outcome: "", reasons: "" };
		let busy = false;

		const formHtml = () => `<form id="decision-form" novalidate>
<span class="govuk-caption-l">${esc(s.qualification.title)}</span>
<h1 class="govuk-heading-l">Decide this submission</h1>
${summaryList([["Qualification", `${esc(s.qualification.title)} (level ${esc(s.qualification.level)})`], ["Reference", esc(s.reference || s.id)], ["Standard", `${esc(s.standard.ref)} ${esc(s.standard_title || "")}, version ${esc(s.standard.version)}`],
			["Details", `<a class="govuk-link" href="/submissions/view/?id=${esc(encodeURIComponent(id))}">Units and KSB mapping</a>`]])}
<h2 class="govuk-heading-m">Coverage</h2>
${s.coverage ? summaryList(coverageRows(s.coverage, s.mapping)) : ""}
<h2 class="govuk-heading-m">Employer panel recommendations</h2>
${(s.reviews || []).length ? s.reviews.map((r, i) => reviewCard(r, i, page.me)).join("") : `<p class="govuk-body">No recommendations on this version.</p>`}
${(s.information_requests || []).some(r => !r.answered) ? `<div class="govuk-inset-text">The awarding body did not answer the request for information by ${date(s.information_requests.slice(-1)[0].respond_by)}: you are deciding on what was submitted.</div>` : ""}
<div class="govuk-form-group" data-name="outcome"><fieldset class="govuk-fieldset">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--m"><h2 class="govuk-fieldset__heading">Your decision</h2></legend>
<div class="govuk-radios" data-module="govuk-radios">
<div class="govuk-radios__item"><input class="govuk-radios__input" id="outcome" name="outcome" type="radio" value="approved"${values.outcome === "approved" ? " checked" : ""}><label class="govuk-label govuk-radios__label" for="outcome">Approve and award the quality mark</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="outcome-2" name="outcome" type="radio" value="rejected"${values.outcome === "rejected" ? " checked" : ""}><label class="govuk-label govuk-radios__label" for="outcome-2">Reject</label></div>
</div></fieldset></div>
<div class="govuk-form-group" data-name="reasons"><h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--m" for="reasons">Reasons</label></h2>
<div id="reasons-hint" class="govuk-hint">These are published with the decision.</div>
<textarea class="govuk-textarea" id="reasons" name="reasons" rows="5" aria-describedby="reasons-hint">${esc(values.reasons)}</textarea></div>
<button type="submit" id="send" class="govuk-button" data-module="govuk-button">Continue</button>
</form>`;

		const checkHtml = () => {
			const approve = values.outcome === "approved";
			return `<form id="check-form" novalidate>
<span class="govuk-caption-l">${esc(s.qualification.title)}</span>
<h1 class="govuk-heading-l">Check your decision before it is published</h1>
${summaryList([
				["Qualification", `${esc(s.qualification.title)} (level ${esc(s.qualification.level)})<br><span class="govuk-body-s">${esc(s.reference || s.id)}</span>`],
				["Decision", `${esc(approve ? "Approve and award the quality mark" : label("outcome", values.outcome))} <a class="govuk-link htq-change" href="#outcome" data-change="outcome">Change<span class="govuk-visually-hidden"> the decision</span></a>`],
				["Reasons", `<span class="htq-pre">${esc(values.reasons)}</span> <a class="govuk-link htq-change" href="#reasons" data-change="reasons">Change<span class="govuk-visually-hidden"> the reasons</span></a>`],
			])}
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span>
<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>${approve
				? "Approving awards a quality mark at once. The decision, its reasons and the mark are recorded in the public ledger and the mark is published on the public register. A decision cannot be changed; a mark can only be revoked."
				: "The decision and its reasons are recorded in the public ledger at once. A decision cannot be changed."}</strong></div>
<div class="govuk-button-group"><button type="submit" id="confirm" class="govuk-button${approve ? "" : " govuk-button--warning"}" data-module="govuk-button">${approve ? "Confirm and approve" : "Confirm and reject"}</button>
<a class="govuk-link" href="/submissions/view/?id=${esc(encodeURIComponent(id))}">Cancel</a></div></form>`;
		};

		async function send() {
			if (busy) return;
			busy = true;
			const body = { reasons: values.reasons };
			if (values.outcome) body.outcome = values.outcome;
			try {
				await api("POST", "/submissions/" + encodeURIComponent(id) + "/decision", body);
				location.assign("/submissions/view/?decided&id=" + encodeURIComponent(id));
			} catch (e) {
				if (e.redirected) return;
				showForm();
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
		}

		function showForm(focus) {
			setTitle(title);
			content(formHtml());
			const form = document.getElementById("decision-form");
			form.addEventListener("submit", ev => {
				ev.preventDefault();
				const o = form.querySelector("input[name=outcome]:checked");
				values.outcome = o ? o.value : "";
				values.reasons = form.reasons.value;
				// complete: confirm first; else the API says what is missing
				if (values.outcome && values.reasons.trim()) showCheck();
				else send();
			});
			if (focus) {
				const el = document.getElementById(focus === "outcome" && values.outcome === "rejected" ? "outcome-2" : focus);
				el.scrollIntoView();
				el.focus();
			}
		}

		function showCheck() {
			setTitle("Check your decision before it is published");
			content(checkHtml());
			window.scrollTo(0, 0);
			document.querySelector("#check-form h1").tabIndex = -1;
			document.querySelector("#check-form h1").focus();
			document.querySelectorAll("[data-change]").forEach(a => a.addEventListener("click", ev => {
				ev.preventDefault();
				showForm(a.dataset.change);
			}));
			document.getElementById("check-form").addEventListener("submit", ev => {
				ev.preventDefault();
				send();
			});
		}

		showForm();
	}
} catch (e) {
	failure(e, "The submission");
}
