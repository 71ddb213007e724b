// certificate.js - /submissions/certificate/?id=: for an approved
// submission whose quality mark is current, a printable certificate (print
// CSS in portal.css): the badge, the qualification and its awarding body
// by name, the standard, the mark's id, award and review-by dates, the
// public verify address, and the guidance on using the quality mark.  The
// facts are the public mark's (GET /marks/{id}), as the verify page shows
// them.  Without a current mark the page says why and shows no certificate.
import { api, backLink, content, date, esc, failure, label, param, setTitle, startPage } from "/assets/js/portal/common.js";

try {
	await startPage();
	const id = param("id") || "";
	backLink("/submissions/view/?id=" + encodeURIComponent(id), "Back to the submission");
	const s = (await api("GET", "/submissions/" + encodeURIComponent(id))).data;
	const m = s.mark ? (await api("GET", "/marks/" + encodeURIComponent(s.mark))).data.mark : null;
	if (!m || m.status !== "current") {
		const why = !m ? "This submission has not been approved, so it has no quality mark."
			: "This qualification's quality mark has been revoked, so there is no certificate: the mark must no longer be shown.";
		setTitle("No certificate");
		content(`<h1 class="govuk-heading-l">No certificate</h1>
<div class="govuk-inset-text" id="not-available">${esc(why)}</div>
<p class="govuk-body"><a class="govuk-link" href="/submissions/view/?id=${esc(encodeURIComponent(s.id))}">Go to the submission</a></p>`);
	} else {
		const verify = `${location.origin}/verify/${encodeURIComponent(m.id)}`;
		const q = m.qualification;
		setTitle(`Quality mark certificate: ${m.id}`);
		content(`<div class="htq-no-print govuk-button-group"><button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="print">Print this certificate</button>
<a class="govuk-link" href="/submissions/letter/?id=${esc(encodeURIComponent(s.id))}">Decision letter</a></div>
<article class="htq-certificate" id="certificate" aria-labelledby="certificate-title">
<p class="govuk-body htq-certificate__service">HTQ approvals · The approving body</p>
<h1 class="govuk-heading-l" id="certificate-title">Higher technical qualification quality mark</h1>
<p class="govuk-body">This certifies that</p>
<p class="govuk-heading-m" id="certificate-qualification">${esc(q.title)}</p>
<p class="govuk-body">${esc(label("qualification_type", q.type))}, level ${esc(q.level)}${q.qan ? `, qualification number ${esc(q.qan)}` : ""}, awarded by <strong id="certificate-body">${esc(m.awarding_body.name)}</strong>,</p>
<p class="govuk-body">is approved as a higher technical qualification against the occupational standard ${esc(m.standard.ref)} ${esc(m.standard.title)} (version ${esc(m.standard.version)}${m.standard.option ? `, ${esc(m.standard.option)}` : ""}).</p>
<img class="htq-certificate__badge" src="/marks/${esc(encodeURIComponent(m.id))}/badge.svg" alt="HTQ quality mark ${esc(m.id)}" width="240">
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Quality mark</dt><dd class="govuk-summary-list__value" id="certificate-mark">${esc(m.id)}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Awarded</dt><dd class="govuk-summary-list__value">${date(m.awarded)}</dd></div>
${m.first_teaching ? `<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">First teaching</dt><dd class="govuk-summary-list__value">${date(m.first_teaching)}</dd></div>` : ""}
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Review by</dt><dd class="govuk-summary-list__value" id="certificate-review">${date(m.review_by)}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Check it is genuine</dt><dd class="govuk-summary-list__value"><span class="htq-break" id="certificate-verify">${esc(verify)}</span></dd></div>
</dl>
<h2 class="govuk-heading-m">Using the quality mark</h2>
<ul class="govuk-list govuk-list--bullet" id="guidance">
<li>Show the quality mark only with this qualification, ${esc(q.title)}, and only while it is current.</li>
<li>Use the badge as the service publishes it: do not redraw, recolour or crop it. Copy the embed code from the submission's page: it shows the badge and links to the public verify page.</li>
<li>Wherever you show the mark, let people check it: link it to <span class="htq-break">${esc(verify)}</span> or quote its number, ${esc(m.id)}.</li>
<li>The mark is reviewed by ${date(m.review_by)}. If it is revoked, or the qualification is withdrawn, remove the badge from your website and materials at once.</li>
<li>The award is recorded in the service's public, signed ledger; the verify page checks it there, in the reader's browser.</li>
</ul>
</article>`);
		document.getElementById("print").addEventListener("click", () => window.print());
	}
	document.getElementById("content").dataset.loaded = "1";
} catch (e) {
	failure(e, "The certificate");
}
