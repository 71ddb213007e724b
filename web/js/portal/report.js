// report.js - /reports: the partners' report (GET /api/v1/reports), for
// auditors and administrators.  For each submission window, and for each
// route over all its windows: the figures in a summary, then each chart
// (bars drawn here as SVG, every bar labelled with its words and its
// number, so nothing depends on colour) followed by its table; the CSV and
// JSON files to download, and where each figure comes from.  Every figure
// is the API's; the page only draws it.
import { api, content, date, dateTime, esc, failure, label, param, plural, setTitle, startPage } from "/assets/js/portal/common.js";

const STATES = ["submitted", "in_review", "information_requested", "approved", "rejected", "withdrawn"];
// short words for a bar's label (the table gives the full reason)
const REVOKED = {
	qualification_withdrawn: "Qualification withdrawn",
	standard_withdrawn: "Standard withdrawn",
	non_compliance: "Did not comply",
	other: "Another reason",
};
const SOURCE_NAMES = {
	submissions: "Submissions",
	by_state: "Submissions by state",
	decisions: "Decisions and rates",
	time_to_decision_days: "Days from submission to decision",
	information_requests: "Requests for information",
	uncovered_ksbs: "KSBs left uncovered",
	"uncovered_ksbs.reasons": "Reasons given for KSBs left uncovered",
	rejection_reasons: "Reasons for rejection",
	revocations: "Revocations",
	awarding_bodies: "Awarding bodies taking part",
	windows: "Submission windows",
};

let seq = 0;

function pct(x) {
	return x == null ? "Nothing decided yet" : `${x}%`;
}

function days(x) {
	return x == null ? "Nothing decided yet" : plural(x, "day");
}

// A horizontal bar chart: rows [[label, value, shown]]; each bar's words
// and number are printed above it, so the bars need no colour to be read.
function chart(title, rows) {
	const id = "chart-" + ++seq;
	const max = Math.max(1, ...rows.map(r => Number(r[1]) || 0));
	const h = 44;
	const bars = rows.map(([l, v, shown], i) => {
		const w = ((Number(v) || 0) / max) * 99;	// the longest bar keeps its edge in view
		return `<text x="0" y="${i * h + 16}" class="htq-chart__label">${esc(l)}: ${esc(shown ?? v)}</text>
<rect x="0" y="${i * h + 22}" width="${w.toFixed(2)}%" height="14" class="htq-chart__bar"></rect>`;
	}).join("");
	return `<figure class="htq-chart" data-chart="${esc(title)}">
<figcaption class="govuk-heading-s" id="${id}-caption">${esc(title)}</figcaption>
<svg role="img" aria-labelledby="${id}-title" width="100%" height="${Math.max(1, rows.length) * h}" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-title">${esc(title)}: ${rows.map(([l, v, shown]) => `${esc(l)} ${esc(shown ?? v)}`).join("; ")}</title>
${bars}</svg></figure>`;
}

function table(caption, heads, rows, { numeric = [] } = {}) {
	const num = i => numeric.includes(i) ? " govuk-table__header--numeric" : "";
	const cnum = i => numeric.includes(i) ? " govuk-table__cell--numeric" : "";
	return `<table class="govuk-table">
<caption class="govuk-table__caption govuk-table__caption--s">${esc(caption)}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${heads.map((x, i) => `<th scope="col" class="govuk-table__header${num(i)}">${esc(x)}</th>`).join("")}</tr></thead>
<tbody class="govuk-table__body">${rows.length ? rows.map(r => `<tr class="govuk-table__row">${r.map((c, i) => i === 0
		? `<th scope="row" class="govuk-table__header">${c}</th>`
		: `<td class="govuk-table__cell${cnum(i)}">${c}</td>`).join("")}</tr>`).join("")
		: `<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="${heads.length}">None</td></tr>`}</tbody></table>`;
}

function summary(f) {
	const d = f.decisions, t = f.time_to_decision_days, q = f.information_requests;
	const rows = [
		["Submissions", esc(f.submissions)],
		["Decided", esc(d.decided)],
		["Approval rate", esc(pct(d.approval_rate))],
		["Rejection rate", esc(pct(d.rejection_rate))],
		["Median time to a decision", esc(days(t.median))],
		["90th percentile of the time to a decision", esc(days(t.p90))],
		["Requests for information", `${esc(q.total)} (${esc(q.per_submission ?? 0)} per submission; ${esc(plural(q.submissions_asked, "submission"))} asked)`],
		["Quality marks revoked", esc(f.revocations.total)],
	];
	return `<dl class="govuk-summary-list">${rows.map(([k, v]) => `<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${esc(k)}</dt><dd class="govuk-summary-list__value">${v}</dd></div>`).join("")}</dl>`;
}

function figures(f, where) {
	const st = STATES.map(s => [label("status", s), f.by_state[s]]);
	const t = f.time_to_decision_days;
	const k = f.uncovered_ksbs;
	const rv = f.revocations;
	return `${summary(f)}
<h3 class="govuk-heading-m">Outcomes</h3>
${chart(`Submissions by state, ${where}`, st)}
${table(`Submissions by state, ${where}: the figures`, ["State", "Submissions"], st.map(([l, v]) => [esc(l), esc(v)]), { numeric: [1] })}
<h3 class="govuk-heading-m">Time to a decision</h3>
${t.decided ? chart(`Days from submission to decision, ${where}`, [["Median", t.median, plural(t.median, "day")], ["90th percentile", t.p90, plural(t.p90, "day")]]) : ""}
${table(`Days from submission to decision, ${where}: the figures`, ["Measure", "Days"], [["Decisions", esc(t.decided)], ["Median", esc(t.median ?? "–")], ["90th percentile", esc(t.p90 ?? "–")]], { numeric: [1] })}
<h3 class="govuk-heading-m">Knowledge, skills and behaviours most often left uncovered</h3>
${k.length ? chart(`KSBs most often left uncovered, ${where}`, k.map(x => [`${x.standard} ${x.ksb}`, x.submissions, plural(x.submissions, "submission")])) : ""}
${table(`KSBs most often left uncovered, ${where}: the figures and the reasons given`, ["KSB", "What it is", "Submissions", "Reasons given"],
		k.map(x => [esc(`${x.standard} ${x.ksb}`), esc(x.text), esc(x.submissions),
			x.reasons.length ? `<ul class="govuk-list">${x.reasons.map(r => `<li>${esc(r.reason)} (${esc(plural(r.submissions, "submission"))})</li>`).join("")}</ul>` : "None given"]), { numeric: [2] })}
<h3 class="govuk-heading-m">Reasons for rejection and revocation</h3>
${table(`Reasons for rejection, ${where}`, ["Reasons the approver gave", "Submissions"], f.rejection_reasons.map(r => [`<span class="htq-pre">${esc(r.reasons)}</span>`, esc(r.submissions)]), { numeric: [1] })}
${rv.total ? chart(`Quality marks revoked by reason, ${where}`, Object.keys(REVOKED).map(r => [REVOKED[r], rv.by_reason[r]])) : ""}
${table(`Quality marks revoked by reason, ${where}: the figures`, ["Reason", "Marks"], Object.keys(REVOKED).map(r => [esc(label("revocation", r)), esc(rv.by_reason[r])]), { numeric: [1] })}
${rv.notes.length ? table(`Notes given with revocations, ${where}`, ["Note", "Marks"], rv.notes.map(n => [`<span class="htq-pre">${esc(n.note)}</span>`, esc(n.marks)]), { numeric: [1] }) : ""}
<h3 class="govuk-heading-m">Awarding bodies taking part</h3>
${table(`Awarding bodies taking part, ${where}`, ["Awarding body", "Submissions", "Approved"], f.awarding_bodies.map(b => [esc(b.name), esc(b.submissions), esc(b.approved)]), { numeric: [1, 2] })}`;
}

function windowName(w) {
	return `${w.route}, ${date(w.opens)} to ${date(w.closes)}`;
}

function download(window) {
	const q = window ? "&window=" + encodeURIComponent(window) : "";
	return `<ul class="govuk-list" id="downloads">
<li><a class="govuk-link" id="download-csv" href="/api/v1/reports?format=csv${esc(q)}" download>Download the report as CSV</a> (a spreadsheet: one figure a row)</li>
<li><a class="govuk-link" id="download-json" href="/api/v1/reports?format=json${esc(q)}" download="htq-report${window ? "-" + esc(window) : ""}.json">Download the report as JSON</a></li>
</ul>`;
}

async function main() {
	const me = await startPage({ roles: ["auditor", "admin"] });
	if (me.refused) return;
	const rep = (await api("GET", "/reports")).data;
	const chosen = param("window") || "";
	const wins = rep.windows.filter(w => !chosen || w.window.id === chosen);
	if (chosen && !wins.length) {
		setTitle("Submission window not found");
		content(`<h1 class="govuk-heading-l">Submission window not found</h1>
<p class="govuk-body">The report has no submission window with that id. <a class="govuk-link" href="/reports/">See every window and route</a>.</p>`);
		return;
	}
	const sections = wins.map(w => `<section class="htq-report-section" data-window="${esc(w.window.id)}" aria-labelledby="w-${esc(w.window.id)}">
<h2 class="govuk-heading-l" id="w-${esc(w.window.id)}">${esc(w.window.route)} window: ${date(w.window.opens)} to ${date(w.window.closes)}</h2>
${w.window.closed_on ? `<p class="govuk-body">Closed early on ${date(w.window.closed_on)}.</p>` : ""}
${figures(w.figures, `${w.window.route} window opening ${date(w.window.opens)}`)}</section>`).join("");
	const routes = chosen ? "" : rep.routes.map(r => `<section class="htq-report-section" data-route="${esc(r.route)}" aria-labelledby="r-${esc(r.route.replace(/[^A-Za-z0-9]/g, "-"))}">
<h2 class="govuk-heading-l" id="r-${esc(r.route.replace(/[^A-Za-z0-9]/g, "-"))}">${esc(r.route)} route: all its windows</h2>
${figures(r.figures, `${r.route} route`)}</section>`).join("");
	const sources = Object.entries(rep.sources).map(([k, v]) => [esc(SOURCE_NAMES[k] || label("", k)), esc(v.replace(/^ledger: /, "The public ledger: ").replace(/^submissions partners may read: /, "The submissions partners may read: "))]);
	setTitle("Partners' report");
	content(`<span class="govuk-caption-l">Auditing</span>
<h1 class="govuk-heading-l">Partners' report</h1>
<p class="govuk-body">What each submission window and each route taught: outcomes, times to a decision, requests for information, the knowledge, skills and behaviours most often left uncovered and why, and the reasons for rejection and revocation.</p>
<p class="govuk-body" id="through">These figures are the ledger's up to entry ${esc(rep.through.seq)}, recorded on ${dateTime(rep.through.time)}. The same data always gives the same report.</p>
<form method="get" action="/reports/" class="govuk-!-margin-bottom-6" id="window-form">
<div class="govuk-form-group"><label class="govuk-label govuk-label--s" for="window">Submission window</label>
<select class="govuk-select" id="window" name="window"><option value="">Every window and route</option>${rep.windows.map(w => `<option value="${esc(w.window.id)}"${w.window.id === chosen ? " selected" : ""}>${windowName(w.window)}</option>`).join("")}</select></div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="show-window">Show this window</button>
</form>
<h2 class="govuk-heading-m">Download</h2>
${download(chosen)}
${sections}${routes}
<h2 class="govuk-heading-m">Where the figures come from</h2>
${table("Sources of the figures", ["Figure", "Source"], sources)}`);
	document.getElementById("content").dataset.loaded = "1";
}

main().catch(e => failure(e, "The report"));
