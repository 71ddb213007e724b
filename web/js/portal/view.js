// view.js - /submissions/view/?id=: one submission as the API shows it to
// the caller: qualification, standard, units, coverage (K/S/B and the
// uncovered codes), mapping, reviews, decision, quality mark with its
// verify link and badge embed code, and the actions the caller's role has.
import { api, backLink, banner, content, coverageRows, date, esc, failure, param, reviewCard, setTitle, startPage, summaryList, tag } from "/assets/js/portal/common.js";

const NOTICES = {
	withdrawn: "Submission withdrawn",
	reviewed: "Your recommendation has been recorded",
	decided: "Decision recorded",
	revoked: "Quality mark revoked",
};

try {
	const me = await startPage();
	const role = me.account.role;
	const id = param("id") || "";
	backLink("/submissions/", "Back to submissions");
	const s = (await api("GET", "/submissions/" + encodeURIComponent(id))).data;
	let mark = null;
	if (s.mark) {
		try { mark = (await api("GET", "/marks/" + encodeURIComponent(s.mark))).data.mark; } catch (e) { if (e.redirected) throw e; }
	}
	setTitle(s.qualification.title);
	const open = s.status === "draft" || s.status === "submitted" || s.status === "in_review";
	const notice = Object.keys(NOTICES).find(k => param(k) !== null);
	const q = s.qualification;
	const actions = [];
	if (role === "reviewer" && (s.status === "submitted" || s.status === "in_review") && !(s.reviews || []).some(r => r.reviewer === me.account.id))
		actions.push(`<a href="/submissions/review/?id=${esc(s.id)}" role="button" draggable="false" class="govuk-button" data-module="govuk-button">Review this submission</a>`);
	if (role === "approver" && (s.status === "submitted" || s.status === "in_review"))
		actions.push(`<a href="/submissions/decide/?id=${esc(s.id)}" role="button" draggable="false" class="govuk-button" data-module="govuk-button">Make a decision</a>`);
	if (role === "awarding_body" && s.status === "draft")
		actions.push(`<a href="/submissions/new/?edit=${esc(s.id)}" role="button" draggable="false" class="govuk-button" data-module="govuk-button">Edit and submit this draft</a>`);
	if (role === "awarding_body" && open)
		actions.push(`<a href="/submissions/withdraw/?id=${esc(s.id)}" role="button" draggable="false" class="govuk-button govuk-button--warning" data-module="govuk-button">Withdraw this submission</a>`);
	const mapping = (s.mapping || []).map(m => `<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${esc(m.ksb)}</th>
<td class="govuk-table__cell">${esc((m.units || []).join(", "))}</td><td class="govuk-table__cell">${esc(m.assessment || "")}</td></tr>`).join("");
	let markHtml = "";
	if (s.mark) {
		const verify = `${location.origin}/verify/${encodeURIComponent(s.mark)}`;
		const embed = `<a href="${verify}"><img src="${location.origin}/marks/${encodeURIComponent(s.mark)}/badge.svg" alt="HTQ quality mark ${s.mark}: check it is genuine and current"></a>`;
		const revoked = mark && mark.revoked;
		markHtml = `<h2 class="govuk-heading-m">Quality mark</h2>${summaryList([
			["Mark", `<a class="govuk-link" href="/verify/${esc(encodeURIComponent(s.mark))}">${esc(s.mark)}</a>`],
			["Status", revoked ? `<strong class="govuk-tag govuk-tag--red">Revoked</strong>` : `<strong class="govuk-tag govuk-tag--green">Current</strong>`],
			...(mark && mark.review_by ? [["Review by", date(mark.review_by)]] : []),
			...(revoked && typeof mark.revoked === "object" ? [["Revoked", esc([mark.revoked.reason, mark.revoked.note].filter(Boolean).join(": "))]] : []),
		])}
<div class="govuk-form-group"><label class="govuk-label govuk-label--s" for="embed">Badge embed code</label>
<div class="govuk-hint" id="embed-hint">Put this on your website: it shows the badge and links to the public verify page.</div>
<textarea class="govuk-textarea govuk-!-font-size-16" id="embed" rows="3" readonly aria-describedby="embed-hint">${esc(embed)}</textarea></div>
${role === "approver" && !revoked ? `<a href="/marks/revoke/?id=${esc(encodeURIComponent(s.mark))}&amp;submission=${esc(s.id)}" role="button" draggable="false" class="govuk-button govuk-button--warning" data-module="govuk-button">Revoke this quality mark</a>` : ""}`;
	}
	const d = s.decision;
	content(`${notice ? banner(NOTICES[notice]) : ""}
<span class="govuk-caption-l">${esc(s.id)}</span>
<h1 class="govuk-heading-l" id="title">${esc(q.title)}</h1>
<p class="govuk-body">${tag(s.status)}</p>
${actions.length ? `<div class="govuk-button-group">${actions.join("")}</div>` : ""}
<h2 class="govuk-heading-m">Qualification</h2>
${summaryList([["Title", esc(q.title)], ["Type", esc(q.type || "")], ["Level", esc(q.level)], ["Qualification number", esc(q.qan || "Not regulated")],
		["Submitted", s.submitted_at ? date(s.submitted_at) : "Not yet"], ["Updated", date(s.updated)]])}
<h2 class="govuk-heading-m">Occupational standard</h2>
${summaryList([["Standard", `${esc(s.standard.ref)} ${esc(s.standard_title || "")}`], ["Version", esc(s.standard.version)], ["Route", esc(s.route || "")],
		...(s.standard.option ? [["Option", esc(s.standard.option)]] : [])])}
<h2 class="govuk-heading-m">Coverage</h2>
<div id="coverage">${s.coverage ? summaryList(coverageRows(s.coverage)) : `<p class="govuk-body">Not computed.</p>`}</div>
<h2 class="govuk-heading-m">Units</h2>
<table class="govuk-table"><caption class="govuk-table__caption govuk-visually-hidden">Units</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Unit</th><th scope="col" class="govuk-table__header">Title</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Guided learning hours</th></tr></thead>
<tbody class="govuk-table__body">${(s.units || []).map(u => `<tr class="govuk-table__row"><td class="govuk-table__cell">${esc(u.id)}</td><td class="govuk-table__cell">${esc(u.title)}</td><td class="govuk-table__cell govuk-table__cell--numeric">${esc(u.glh ?? "")}</td></tr>`).join("")}</tbody></table>
<details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">KSB mapping (${(s.mapping || []).length} KSBs mapped)</span></summary>
<div class="govuk-details__text"><table class="govuk-table"><caption class="govuk-table__caption govuk-visually-hidden">KSB mapping</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">KSB</th><th scope="col" class="govuk-table__header">Units</th><th scope="col" class="govuk-table__header">Assessment</th></tr></thead>
<tbody class="govuk-table__body">${mapping}</tbody></table></div></details>
<h2 class="govuk-heading-m">Employer panel recommendations</h2>
${(s.reviews || []).length ? s.reviews.map(reviewCard).join("") : `<p class="govuk-body">No recommendations yet.</p>`}
<h2 class="govuk-heading-m">Decision</h2>
${d ? summaryList([["Outcome", d.outcome === "approved" ? "Approved" : "Rejected"], ["Reasons", esc(d.reasons)], ["Decided", date(d.decided)]]) : `<p class="govuk-body">No decision yet.</p>`}
${markHtml}`);
	document.getElementById("content").dataset.loaded = "1";
} catch (e) {
	failure(e, "The submission");
}
