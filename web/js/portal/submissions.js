// submissions.js - /submissions: the awarding body's dashboard of its own
// submissions, the reviewer's queue (status=awaiting_review), everyone
// else's list of what they may see.  Coverage is the server's, read per
// row after the table is shown.
import { api, content, esc, failure, date, param, setTitle, startPage, tag } from "/assets/js/portal/common.js";

try {
	const me = await startPage();
	const role = me.account.role;
	const queue = role === "reviewer";
	const q = new URLSearchParams();
	if (queue) q.set("status", "awaiting_review");
	const after = param("after");
	if (after) q.set("after", after);
	const [{ data }, org] = await Promise.all([api("GET", "/submissions" + (q.toString() ? "?" + q : "")), me.orgReady]);
	me.org = org;
	const title = role === "awarding_body" ? "Your submissions" : queue ? "Submissions to review" : "Submissions";
	setTitle(title);
	const rows = data.submissions.map(s => {
		const action = queue ? `<a class="govuk-link" href="/submissions/review/?id=${esc(s.id)}">Review<span class="govuk-visually-hidden"> ${esc(s.qualification.title)}</span></a>`
			: role === "approver" && (s.status === "submitted" || s.status === "in_review")
			? `<a class="govuk-link" href="/submissions/decide/?id=${esc(s.id)}">Decide<span class="govuk-visually-hidden"> ${esc(s.qualification.title)}</span></a>` : "";
		return `<tr class="govuk-table__row" data-id="${esc(s.id)}">
<td class="govuk-table__cell"><a class="govuk-link" href="/submissions/view/?id=${esc(s.id)}">${esc(s.qualification.title)}</a><br><span class="govuk-body-s">${esc(s.qualification.type || "")} level ${esc(s.qualification.level)}</span></td>
<td class="govuk-table__cell">${esc(s.standard.ref)} v${esc(s.standard.version)}<br><span class="govuk-body-s">${esc(s.route)}</span></td>
<td class="govuk-table__cell">${tag(s.status)}</td>
<td class="govuk-table__cell govuk-table__cell--numeric" data-coverage>–</td>
<td class="govuk-table__cell">${date(s.updated)}</td>
${queue || role === "approver" ? `<td class="govuk-table__cell">${action}</td>` : ""}
</tr>`;
	}).join("");
	const intro = role === "awarding_body" ? `<p class="govuk-body">Submissions from ${esc(me.org ? me.org.name : "your organisation")}, in every state.</p>`
		: queue ? `<p class="govuk-body">Submitted qualifications that you have not reviewed yet.</p>` : "";
	content(`<h1 class="govuk-heading-l">${esc(title)}</h1>${intro}
${role === "awarding_body" ? `<a href="/submissions/new/?start=1" role="button" draggable="false" class="govuk-button" data-module="govuk-button" id="start">Start a new submission</a>` : ""}
${data.submissions.length ? `<table class="govuk-table" id="submissions-table">
<caption class="govuk-table__caption govuk-table__caption--m">${data.submissions.length} submission${data.submissions.length === 1 ? "" : "s"}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">Qualification</th>
<th scope="col" class="govuk-table__header">Standard</th>
<th scope="col" class="govuk-table__header">Status</th>
<th scope="col" class="govuk-table__header govuk-table__header--numeric">Coverage</th>
<th scope="col" class="govuk-table__header">Updated</th>
${queue || role === "approver" ? `<th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">Action</span></th>` : ""}
</tr></thead>
<tbody class="govuk-table__body">${rows}</tbody></table>` : `<p class="govuk-body" id="none">${queue ? "There is nothing waiting for your review." : "There are no submissions yet."}</p>`}
${data.next ? `<nav class="govuk-pagination govuk-pagination--block" aria-label="Pagination"><div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" href="/submissions/?after=${encodeURIComponent(data.next)}" rel="next"><span class="govuk-pagination__link-title">Next page</span></a></div></nav>` : ""}`);
	// Coverage, computed by the server, a few at a time.
	const ids = data.submissions.map(s => s.id);
	const worker = async () => {
		for (let id; (id = ids.shift());) {
			try {
				const s = (await api("GET", "/submissions/" + encodeURIComponent(id))).data;
				const cell = document.querySelector(`tr[data-id="${id}"] [data-coverage]`);
				if (cell && s.coverage) cell.textContent = s.coverage.percentage + "%";
			} catch (e) { if (e.redirected) return; }
		}
	};
	await Promise.all([worker(), worker(), worker(), worker()]);
	document.getElementById("content").dataset.coverage = "done";
} catch (e) {
	failure(e, "Submissions");
}
