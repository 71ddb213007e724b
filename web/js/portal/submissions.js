// submissions.js - /submissions: the awarding body's dashboard of its own
// submissions; the reviewer's queue (status=awaiting_review: what they may
// review now) and the approver's (status=awaiting_decision: what they may
// decide now), each with the other lists a click away (?list=all,
// ?list=information_requested); everyone else's list of what they may
// see.  An approved submission whose mark was revoked says so.  Coverage
// is the server's, read per row after the table is shown.  Each row shows
// the submission's short reference (HTQ-SUB-2026-0042); a search box
// (?q=, the API's q) finds one by reference or by words of its title.
import { api, banner, content, esc, failure, date, label, param, setTitle, startPage, tag } from "/assets/js/portal/common.js";

// The lists a reviewer or an approver can choose: [key, status filter, title, link text, none]
const LISTS = {
	reviewer: [["queue", "awaiting_review", "Submissions to review", "To review", "There is nothing waiting for your review."]],
	approver: [["queue", "awaiting_decision", "Submissions to decide", "To decide", "There is nothing you can decide now."]],
};
const OTHER = [
	["information_requested", "information_requested", "Submissions waiting for an answer", "Waiting for an answer", "No submission is waiting for an answer."],
	["all", null, "Submissions", "All submissions", "There are no submissions yet."],
];

try {
	const me = await startPage();
	const role = me.account.role;
	// Which list: a reviewer's or an approver's queue by default.
	const lists = LISTS[role] ? [...LISTS[role], ...OTHER] : null;
	const chosen = lists ? (lists.find(l => l[0] === param("list")) || lists[0]) : null;
	const queue = chosen && chosen[0] === "queue" ? role : null;
	const q = new URLSearchParams();
	if (chosen && chosen[1]) q.set("status", chosen[1]);
	const after = param("after");
	if (after) q.set("after", after);
	const search = (param("q") || "").trim().slice(0, 200);
	if (search) q.set("q", search);
	const [{ data }, org] = await Promise.all([api("GET", "/submissions" + (q.toString() ? "?" + q : "")), me.orgReady]);
	me.org = org;
	const title = role === "awarding_body" ? "Your submissions" : chosen ? chosen[2] : "Submissions";
	setTitle(title);
	// The queues are the API's "what you may do now": their rows link the step.
	const rows = data.submissions.map(s => {
		const action = queue === "reviewer" ? `<a class="govuk-link" href="/submissions/review/?id=${esc(s.id)}">Review<span class="govuk-visually-hidden"> ${esc(s.qualification.title)}</span></a>`
			: queue === "approver" ? `<a class="govuk-link" href="/submissions/decide/?id=${esc(s.id)}">Decide<span class="govuk-visually-hidden"> ${esc(s.qualification.title)}</span></a>`
			: role === "awarding_body" && s.status === "information_requested" ? `<a class="govuk-link" href="/submissions/view/?id=${esc(s.id)}">Answer needed<span class="govuk-visually-hidden"> for ${esc(s.qualification.title)}</span></a>` : "";
		return `<tr class="govuk-table__row" data-id="${esc(s.id)}" data-status="${esc(s.status)}"${s.mark_status ? ` data-mark="${esc(s.mark_status)}"` : ""}>
<td class="govuk-table__cell"><a class="govuk-link" href="/submissions/view/?id=${esc(s.id)}">${esc(s.qualification.title)}</a><br><span class="govuk-body-s htq-ref" data-ref>${esc(s.reference || "")}</span><br><span class="govuk-body-s">${esc(label("qualification_type", s.qualification.type))}, level ${esc(s.qualification.level)}</span>${role !== "awarding_body" && s.organisation ? `<br><span class="govuk-body-s" data-org="${esc(s.organisation)}"></span>` : ""}</td>
<td class="govuk-table__cell">${s.standard && s.standard.ref ? `${esc(s.standard.ref)} v${esc(s.standard.version)}<br><span class="govuk-body-s">${esc(s.route)}</span>` : "Not chosen yet"}</td>
<td class="govuk-table__cell">${tag(s.status, s.mark_status)}</td>
<td class="govuk-table__cell govuk-table__cell--numeric" data-coverage>–</td>
<td class="govuk-table__cell">${date(s.updated)}</td>
<td class="govuk-table__cell">${action}</td>
</tr>`;
	}).join("");
	const intro = role === "awarding_body" ? `<p class="govuk-body">Submissions from ${esc(me.org ? me.org.name : "your organisation")}, in every state.</p>`
		: queue === "reviewer" ? `<p class="govuk-body">Submitted qualifications that you can review now: not from your organisation, not worked on by you, and not reviewed by you yet.</p>`
		: queue === "approver" ? `<p class="govuk-body">Submissions that you can decide now: they have the employer panel's recommendation, are not waiting for an answer, and you did not review them.</p>` : "";
	const nav = lists ? `<nav aria-label="Lists of submissions"><ul class="govuk-list htq-lists" id="lists">${lists.map(l => l === chosen
		? `<li><strong aria-current="page">${esc(l[3])}</strong></li>`
		: `<li><a class="govuk-link" href="/submissions/?list=${esc(l[0])}">${esc(l[3])}</a></li>`).join("")}</ul></nav>` : "";
	const deleted = param("deleted");
	const searchForm = `<form method="get" action="/submissions/" role="search" class="htq-search" id="search-form">
${chosen ? `<input type="hidden" name="list" value="${esc(chosen[0])}">` : ""}<div class="govuk-form-group"><label class="govuk-label" for="q">Search by reference or title</label>
<div class="govuk-hint" id="q-hint">For example, HTQ-SUB-2026-0042</div>
<input class="govuk-input govuk-!-width-two-thirds" id="q" name="q" type="search" maxlength="200" spellcheck="false" aria-describedby="q-hint" value="${esc(search)}">
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="search">Search</button></div></form>
${search ? `<p class="govuk-body" id="search-result">${data.submissions.length ? "Submissions matching" : "No submission matches"} “${esc(search)}”. <a class="govuk-link" href="/submissions/${chosen ? "?list=" + esc(encodeURIComponent(chosen[0])) : ""}">Clear the search</a></p>` : ""}`;
	content(`${deleted !== null ? banner(`Draft deleted: ${deleted}`) : ""}<h1 class="govuk-heading-l">${esc(title)}</h1>${nav}${intro}
${role === "awarding_body" ? `<a href="/submissions/new/?start=1" role="button" draggable="false" class="govuk-button" data-module="govuk-button" id="start">Start a new submission</a>` : ""}
${searchForm}
${data.submissions.length ? `<table class="govuk-table" id="submissions-table">
<caption class="govuk-table__caption govuk-table__caption--m">${data.submissions.length} submission${data.submissions.length === 1 ? "" : "s"}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">Qualification</th>
<th scope="col" class="govuk-table__header">Standard</th>
<th scope="col" class="govuk-table__header">Status</th>
<th scope="col" class="govuk-table__header govuk-table__header--numeric">Coverage</th>
<th scope="col" class="govuk-table__header">Updated</th>
<th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">Action</span></th>
</tr></thead>
<tbody class="govuk-table__body">${rows}</tbody></table>` : search ? "" : `<p class="govuk-body" id="none">${chosen ? esc(chosen[4]) : "There are no submissions yet."}</p>`}
${data.next ? `<nav class="govuk-pagination govuk-pagination--block" aria-label="Pagination"><div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" href="/submissions/?${chosen ? "list=" + encodeURIComponent(chosen[0]) + "&amp;" : ""}${search ? "q=" + encodeURIComponent(search) + "&amp;" : ""}after=${encodeURIComponent(data.next)}" rel="next"><span class="govuk-pagination__link-title">Next page</span></a></div></nav>` : ""}`);
	// The awarding bodies by name (each read once), beside the coverage.
	const orgs = [...new Set(data.submissions.map(s => s.organisation).filter(Boolean))];
	const names = role === "awarding_body" ? Promise.resolve() : Promise.all(orgs.map(async o => {
		try {
			const org = (await api("GET", "/organisations/" + encodeURIComponent(o))).data.organisation;
			document.querySelectorAll(`[data-org="${CSS.escape(o)}"]`).forEach(el => { el.textContent = org.name; });
		} catch (e) { if (e.redirected) throw e; }
	}));
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
	await Promise.all([worker(), worker(), worker(), worker(), names]);
	document.getElementById("content").dataset.coverage = "done";
} catch (e) {
	failure(e, "Submissions");
}
