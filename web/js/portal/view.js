// view.js - /submissions/view/?id=: one submission as the API shows it to
// the caller: qualification, standard, units, coverage (K/S/B, the
// uncovered codes, the reasons given for KSBs that cannot be attained),
// mapping, the window and whether a draft would be accepted now
// (submit_check), reviews (and those on earlier content), requests for
// information, decision, quality mark with its verify link, the badge
// embed code (only with embed_mark), the history, and a button for each
// action the API lists in "actions" and no other; a reviewer or approver
// is told why the review or the decision is not offered.  A decided
// submission links its printable decision letter, an approved one with a
// current mark its certificate.
import { documentsTable } from "/assets/js/portal/doclist.js";
import { api, backLink, banner, can, content, coverageRows, date, esc, failure, historyTable, label, param, plural, requestRows, reviewCard, setTitle, startPage, submitCheckHtml, summaryList, tag, whyNot } from "/assets/js/portal/common.js";

const NOTICES = {
	withdrawn: "Submission withdrawn",
	reviewed: "Your recommendation has been recorded",
	decided: "Decision recorded",
	revoked: "Quality mark revoked",
	asked: "Your question has been sent to the awarding body",
	responded: "Your answer has been sent",
};

const button = (href, text, id, cls = "") => `<a href="${esc(href)}" role="button" draggable="false" class="govuk-button ${cls}" data-module="govuk-button" id="${id}">${esc(text)}</a>`;

try {
	const me = await startPage();
	const role = me.account.role;
	const id = param("id") || "";
	backLink("/submissions/", "Back to submissions");
	const s = (await api("GET", "/submissions/" + encodeURIComponent(id))).data;
	// the mark's facts and the awarding body's name, together
	const quiet = p => p.catch(e => { if (e.redirected) throw e; return null; });
	const [mark, org] = await Promise.all([
		s.mark ? quiet(api("GET", "/marks/" + encodeURIComponent(s.mark)).then(r => r.data.mark)) : null,
		s.organisation ? quiet(api("GET", "/organisations/" + encodeURIComponent(s.organisation)).then(r => r.data.organisation)) : null,
	]);
	setTitle(s.qualification.title);
	const notice = Object.keys(NOTICES).find(k => param(k) !== null);
	const q = s.qualification;
	const sid = encodeURIComponent(s.id);
	// Only what the API lists in "actions".
	const actions = [];
	if (can(s, "respond")) actions.push(button(`/submissions/respond/?id=${sid}`, "Respond to the request for information", "action-respond"));
	if (can(s, "edit")) actions.push(button(`/submissions/new/?edit=${sid}`, can(s, "submit") ? "Edit and submit this draft" : "Edit this draft", "action-edit"));
	if (can(s, "review")) actions.push(button(`/submissions/review/?id=${sid}`, "Review this submission", "action-review"));
	if (can(s, "decide")) actions.push(button(`/submissions/decide/?id=${sid}`, "Make a decision", "action-decide"));
	if (can(s, "request_information")) actions.push(button(`/submissions/ask/?id=${sid}`, "Ask the awarding body a question", "action-ask", "govuk-button--secondary"));
	if (can(s, "delete")) actions.push(button(`/submissions/delete/?id=${sid}`, "Delete this draft", "action-delete", "govuk-button--warning"));
	if (can(s, "withdraw")) actions.push(button(`/submissions/withdraw/?id=${sid}`, "Withdraw this submission", "action-withdraw", "govuk-button--warning"));
	// Why the step a role is here for is not offered now.
	const why = [];
	const open = ["submitted", "in_review", "information_requested"].includes(s.status);
	if (role === "reviewer" && open && !can(s, "review")) why.push(["why-no-review", whyNot("review", s, me)]);
	if (role === "approver" && open && !can(s, "decide")) why.push(["why-no-decide", whyNot("decide", s, me)]);
	if (role === "awarding_body" && s.status === "information_requested" && !can(s, "respond")) why.push(["why-no-respond", whyNot("respond", s, me)]);
	const requests = s.information_requests || [];
	const pending = s.status === "information_requested" ? requests[requests.length - 1] : null;
	const mapping = (s.mapping || []).map(m => `<tr class="govuk-table__row" data-ksb="${esc(m.ksb)}"><th scope="row" class="govuk-table__header">${esc(m.ksb)}</th>
<td class="govuk-table__cell">${m.not_attainable ? "None" : esc((m.units || []).join(", "))}</td><td class="govuk-table__cell">${m.not_attainable
		? `<strong>Cannot be attained in an education setting:</strong> ${esc(m.not_attainable)}` : esc(m.assessment || "")}</td></tr>`).join("");
	let markHtml = "";
	if (s.mark) {
		const verify = `${location.origin}/verify/${encodeURIComponent(s.mark)}`;
		const embed = `<a href="${verify}"><img src="${location.origin}/marks/${encodeURIComponent(s.mark)}/badge.svg" alt="HTQ quality mark ${s.mark}: check it is genuine and current"></a>`;
		const revoked = s.mark_status === "revoked" || (mark && mark.revoked);
		markHtml = `<h2 class="govuk-heading-m">Quality mark</h2>${summaryList([
			["Mark", `<a class="govuk-link" href="/verify/${esc(encodeURIComponent(s.mark))}">${esc(s.mark)}</a>`],
			["Status", revoked ? `<strong class="govuk-tag govuk-tag--red" id="mark-status">Revoked</strong>` : `<strong class="govuk-tag govuk-tag--green" id="mark-status">Current</strong>`],
			...(mark && mark.review_by ? [["Review by", date(mark.review_by)]] : []),
			...(mark && revoked && typeof mark.revoked === "object" ? [["Revoked", esc([label("revocation", mark.revoked.reason), mark.revoked.note].filter(Boolean).join(": "))]] : []),
		])}
${can(s, "embed_mark") ? `<div class="govuk-form-group"><label class="govuk-label govuk-label--s" for="embed">Badge embed code</label>
<div class="govuk-hint" id="embed-hint">Put this on your website: it shows the badge and links to the public verify page.</div>
<textarea class="govuk-textarea govuk-!-font-size-16" id="embed" rows="3" readonly aria-describedby="embed-hint">${esc(embed)}</textarea></div>` : ""}
${revoked && role === "awarding_body" ? `<div class="govuk-inset-text" id="no-embed">This quality mark has been revoked, so it must no longer be shown. Remove the badge from your website.</div>` : ""}
${can(s, "revoke_mark") ? button(`/marks/revoke/?id=${encodeURIComponent(s.mark)}&submission=${sid}`, "Revoke this quality mark", "action-revoke", "govuk-button--warning") : ""}`;
	}
	const d = s.decision;
	content(`${notice ? banner(NOTICES[notice]) : ""}
<span class="govuk-caption-l">${esc(org ? org.name : "Submission")}</span>
<h1 class="govuk-heading-l" id="title">${esc(q.title)}</h1>
<p class="govuk-body" id="status">${tag(s.status, s.mark_status)}</p>
${pending ? `<div class="govuk-notification-banner" role="region" aria-labelledby="request-title" data-module="govuk-notification-banner" id="open-request">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="request-title">Important</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${role === "awarding_body" ? "You have been asked for more information" : "The awarding body has been asked for more information"}. The answer is due by ${date(pending.respond_by)}.</p>
<p class="govuk-body htq-pre">${esc(pending.question)}</p></div></div>` : ""}
${why.map(([wid, text]) => `<div class="govuk-inset-text" id="${wid}">${esc(text)}</div>`).join("")}
${actions.length ? `<div class="govuk-button-group" id="actions">${actions.join("")}</div>` : ""}
${s.status === "draft" && s.submit_check ? submitCheckHtml(s.submit_check, f => can(s, "edit") ? `/submissions/new/?edit=${sid}` : null) : ""}
<h2 class="govuk-heading-m">Qualification</h2>
${summaryList([["Title", esc(q.title)], ["Type", esc(label("qualification_type", q.type))], ["Level", esc(q.level)], ["Qualification number", esc(q.qan || "Not regulated")],
		...(org ? [["Awarding body", esc(org.name)]] : []), ["Reference", `<span class="htq-break" id="reference">${esc(s.reference || s.id)}</span>`],
		["Submitted", s.submitted_at ? date(s.submitted_at) : "Not yet"], ["Updated", date(s.updated)], ["Version", esc(s.version)]])}
<h2 class="govuk-heading-m">Occupational standard</h2>
${!s.standard ? `<p class="govuk-body" id="no-standard">Not chosen yet.</p>` : summaryList([["Standard", `${esc(s.standard.ref)} ${esc(s.standard_title || "")}`], ["Version", esc(s.standard.version)], ["Route", esc(s.route || "")],
		...(s.standard.option ? [["Option", esc(s.standard.option)]] : [])])}
<h2 class="govuk-heading-m">Coverage</h2>
<div id="coverage">${s.coverage ? summaryList(coverageRows(s.coverage, s.mapping)) : `<p class="govuk-body">Not computed.</p>`}</div>
<h2 class="govuk-heading-m">Units</h2>
<table class="govuk-table"><caption class="govuk-table__caption govuk-visually-hidden">Units</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Unit</th><th scope="col" class="govuk-table__header">Title</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Guided learning hours</th></tr></thead>
<tbody class="govuk-table__body">${(s.units || []).map(u => `<tr class="govuk-table__row"><td class="govuk-table__cell">${esc(u.id)}</td><td class="govuk-table__cell">${esc(u.title)}</td><td class="govuk-table__cell govuk-table__cell--numeric">${esc(u.glh ?? "")}</td></tr>`).join("")}</tbody></table>
<details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">KSB mapping (${plural((s.mapping || []).length, "KSB")} mapped or explained)</span></summary>
<div class="govuk-details__text"><table class="govuk-table"><caption class="govuk-table__caption govuk-visually-hidden">KSB mapping</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">KSB</th><th scope="col" class="govuk-table__header">Units</th><th scope="col" class="govuk-table__header">Assessment, or why it cannot be attained</th></tr></thead>
<tbody class="govuk-table__body">${mapping}</tbody></table></div></details>
<h2 class="govuk-heading-m">Supporting documents</h2>
${documentsTable(s, role)}
${can(s, "edit") ? `<p class="govuk-body"><a class="govuk-link" id="action-documents" href="/submissions/documents/?id=${sid}">Add or remove supporting documents</a></p>` : ""}
<h2 class="govuk-heading-m">Employer panel recommendations</h2>
${(s.reviews || []).length ? s.reviews.map((r, i) => reviewCard(r, i, me)).join("") : `<p class="govuk-body">No recommendations yet${(s.earlier_reviews || []).length ? " on this version" : ""}.</p>`}
${(s.earlier_reviews || []).length ? `<details class="govuk-details" id="earlier-reviews"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">Recommendations on earlier content (${s.earlier_reviews.length})</span></summary>
<div class="govuk-details__text"><p class="govuk-body">The content was amended in answer to a request for information after these were made.</p>${s.earlier_reviews.map((r, i) => reviewCard(r, i, me)).join("")}</div></details>` : ""}
${requests.length ? `<h2 class="govuk-heading-m">Requests for information</h2><div id="requests">${requests.map((r, i) => `<div class="govuk-summary-card"><div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">Request ${i + 1}${r.answered ? "" : " (not answered yet)"}</h3></div>
<div class="govuk-summary-card__content">${summaryList(requestRows(r, me))}</div></div>`).join("")}</div>` : ""}
<h2 class="govuk-heading-m">Decision</h2>
${d ? summaryList([["Outcome", esc(label("outcome", d.outcome))], ["Reasons", esc(d.reasons)], ["Decided", date(d.decided)]]) +
		`<ul class="govuk-list" id="letters"><li><a class="govuk-link" href="/submissions/letter/?id=${esc(sid)}">Decision letter (printable)</a></li>${s.status === "approved" && s.mark_status !== "revoked" && !(mark && mark.revoked)
			? `<li><a class="govuk-link" href="/submissions/certificate/?id=${esc(sid)}">Quality mark certificate (printable)</a></li>` : ""}</ul>` : `<p class="govuk-body">No decision yet.</p>`}
${markHtml}
<h2 class="govuk-heading-m">History</h2>
${historyTable(s, me)}`);
	document.getElementById("content").dataset.loaded = "1";
} catch (e) {
	failure(e, "The submission");
}
