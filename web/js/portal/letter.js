// letter.js - /submissions/letter/?id=: the decision on a submission as a
// printable letter to the awarding body (print CSS in portal.css): the
// date of the decision, the organisation by name, the submission's
// reference and qualification, the outcome and its reasons as recorded,
// the employer panel's recommendations counted, and for an approval the
// quality mark (its id, review-by date, the public verify address) with a
// link to the certificate.  Anyone who may read the submission may read
// its letter; before a decision the page says there is none yet.
import { api, backLink, content, date, esc, failure, label, param, plural, setTitle, startPage } from "/assets/js/portal/common.js";

try {
	await startPage();
	const id = param("id") || "";
	backLink("/submissions/view/?id=" + encodeURIComponent(id), "Back to the submission");
	const s = (await api("GET", "/submissions/" + encodeURIComponent(id))).data;
	const d = s.decision;
	if (!d) {
		setTitle("No decision yet");
		content(`<h1 class="govuk-heading-l">No decision yet</h1>
<div class="govuk-inset-text" id="not-available">There is no decision letter for this submission: it has not been decided.</div>
<p class="govuk-body"><a class="govuk-link" href="/submissions/view/?id=${esc(encodeURIComponent(s.id))}">Go to the submission</a></p>`);
		document.getElementById("content").dataset.loaded = "1";
	} else {
		const quiet = p => p.catch(e => { if (e.redirected) throw e; return null; });
		const [org, mark] = await Promise.all([
			quiet(api("GET", "/organisations/" + encodeURIComponent(s.organisation)).then(r => r.data.organisation)),
			s.mark ? quiet(api("GET", "/marks/" + encodeURIComponent(s.mark)).then(r => r.data.mark)) : null,
		]);
		const approved = d.outcome === "approved";
		const q = s.qualification;
		const ref = s.reference || s.id;
		const recs = s.reviews || [];
		const forIt = recs.filter(r => r.recommendation === "approve").length;
		const verify = s.mark ? `${location.origin}/verify/${encodeURIComponent(s.mark)}` : "";
		const revoked = s.mark_status === "revoked" || (mark && mark.status === "revoked");
		setTitle(`Decision letter: ${ref}`);
		content(`<div class="htq-no-print govuk-button-group"><button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="print">Print this letter</button></div>
<article class="htq-letter" id="letter" aria-labelledby="letter-title">
<p class="govuk-body htq-letter__from"><strong>HTQ approvals</strong><br>The approving body</p>
<p class="govuk-body" id="letter-date">${date(d.decided)}</p>
<p class="govuk-body" id="letter-to">${esc(org ? org.name : "The awarding body")}</p>
<h1 class="govuk-heading-l" id="letter-title">Decision on your submission ${esc(ref)}</h1>
<dl class="govuk-summary-list htq-letter__facts">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Qualification</dt><dd class="govuk-summary-list__value">${esc(q.title)}<br>${esc(label("qualification_type", q.type))}, level ${esc(q.level)}${q.qan ? `, qualification number ${esc(q.qan)}` : ""}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Occupational standard</dt><dd class="govuk-summary-list__value">${esc(s.standard.ref)} ${esc(s.standard_title || "")}, version ${esc(s.standard.version)}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Our reference</dt><dd class="govuk-summary-list__value">${esc(ref)}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Decision</dt><dd class="govuk-summary-list__value" id="letter-outcome"><strong>${esc(label("outcome", d.outcome))}</strong></dd></div>
</dl>
<p class="govuk-body">${approved
			? `We have approved ${esc(q.title)} as a higher technical qualification against the occupational standard ${esc(s.standard.ref)}.`
			: `We have not approved ${esc(q.title)} as a higher technical qualification against the occupational standard ${esc(s.standard.ref)}.`}
The employer panel made ${plural(recs.length, "recommendation")} on the version we decided, ${esc(forIt)} of them to approve${d.against_recommendations ? "; this decision departs from the majority of them, for the reasons below" : ""}.</p>
<h2 class="govuk-heading-m">Reasons for the decision</h2>
<p class="govuk-body htq-pre" id="letter-reasons">${esc(d.reasons)}</p>
${approved && s.mark ? `<h2 class="govuk-heading-m">Your quality mark</h2>
<p class="govuk-body">The qualification carries the quality mark <strong id="letter-mark">${esc(s.mark)}</strong>${mark && mark.review_by ? `, to be reviewed by ${date(mark.review_by)}` : ""}. Anyone can check that it is genuine and current at <span class="htq-break">${esc(verify)}</span>.</p>
${revoked ? `<div class="govuk-inset-text">This quality mark has since been revoked. It must no longer be shown.</div>`
				: `<p class="govuk-body htq-no-print"><a class="govuk-link" href="/submissions/certificate/?id=${esc(encodeURIComponent(s.id))}" id="certificate-link">View and print the quality mark certificate</a>, with the guidance on using the quality mark.</p>`}`
			: `<h2 class="govuk-heading-m">What happens next</h2>
<p class="govuk-body">You can submit a revised qualification in a later submission window. The reasons above say what would need to change.</p>`}
<p class="govuk-body">This decision is recorded in the service's public, signed ledger, where anyone can check it.</p>
<p class="govuk-body">The approving body<br>HTQ approvals</p>
</article>`);
		document.getElementById("print").addEventListener("click", () => window.print());
		document.getElementById("content").dataset.loaded = "1";
	}
} catch (e) {
	failure(e, "The decision letter");
}
