// standards.js - /standards: the catalogue of occupational standards and
// their HTQ eligibility (GET /standards, public), filtered by route and
// eligibility with a GET form; /standards/?ref=ST0116 shows one standard's
// knowledge, skills and behaviours (GET /standards/{ref}).  Signed in or
// not.
import { api, backLink, content, esc, failure, LABELS, param, setTitle, startPage, summaryList } from "/assets/js/portal/common.js";

const KIND = LABELS.ksb_kind;

const eligibility = s => s.eligible
	? `<strong class="govuk-tag govuk-tag--green">Eligible</strong>`
	: `<strong class="govuk-tag govuk-tag--red">Not eligible</strong>${s.ineligible_reason ? `<br><span class="govuk-body-s">${esc(s.ineligible_reason)}</span>` : ""}`;

function select(id, label, options, chosen) {
	return `<div class="govuk-form-group govuk-!-margin-right-4 htq-inline"><label class="govuk-label" for="${id}">${label}</label>
<select class="govuk-select" id="${id}" name="${id}">${options.map(([v, t]) => `<option value="${esc(v)}"${v === chosen ? " selected" : ""}>${esc(t)}</option>`).join("")}</select></div>`;
}

async function list() {
	const route = param("route") || "", elig = param("eligible") || "";
	setTitle("Occupational standards");
	const q = new URLSearchParams();
	if (route) q.set("route", route);
	if (elig === "true" || elig === "false") q.set("eligible", elig);
	// every standard (for the routes to choose from), and the chosen ones
	// when a filter is set: one request without
	const [all, rows] = await Promise.all([api("GET", "/standards"), q.size ? api("GET", "/standards?" + q) : null])
		.then(rs => rs.map(r => r ? r.data.standards || [] : null)).then(([a, r]) => [a, r || a]);
	const routes = [...new Set(all.map(s => s.route))].sort();
	content(`<h1 class="govuk-heading-l">Occupational standards</h1>
<p class="govuk-body-l">Higher technical qualifications (level 4 and 5) are approved against these occupational standards. A standard that is not eligible stays in delivery, but qualifications cannot be approved against it.</p>
<form method="get" action="/standards/" id="filter" novalidate>
${select("route", "Route", [["", "All routes"], ...routes.map(r => [r, r])], route)}
${select("eligible", "Eligibility", [["", "All"], ["true", "Eligible"], ["false", "Not eligible"]], elig)}
<div class="htq-inline htq-inline--button"><button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="apply">Show standards</button></div>
</form>
<table class="govuk-table" id="standards">
<caption class="govuk-table__caption govuk-table__caption--m">${rows.length} standard${rows.length === 1 ? "" : "s"}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">Reference</th><th scope="col" class="govuk-table__header">Title</th>
<th scope="col" class="govuk-table__header">Level</th><th scope="col" class="govuk-table__header">Route</th>
<th scope="col" class="govuk-table__header">Version</th><th scope="col" class="govuk-table__header">HTQ eligibility</th></tr></thead>
<tbody class="govuk-table__body">${rows.map(s => `<tr class="govuk-table__row" data-ref="${esc(s.ref)}">
<td class="govuk-table__cell"><a class="govuk-link" href="/standards/?ref=${esc(encodeURIComponent(s.ref))}">${esc(s.ref)}<span class="govuk-visually-hidden"> ${esc(s.title)}</span></a></td>
<td class="govuk-table__cell">${esc(s.title)}</td><td class="govuk-table__cell">${esc(s.level)}</td>
<td class="govuk-table__cell">${esc(s.route)}</td><td class="govuk-table__cell">${esc(s.version)}</td>
<td class="govuk-table__cell">${eligibility(s)}</td></tr>`).join("")}</tbody></table>`);
}

async function one(ref) {
	backLink("/standards/", "All standards");
	const s = (await api("GET", "/standards/" + encodeURIComponent(ref))).data;
	setTitle(`${s.ref} ${s.title}`);
	const groups = {};
	for (const k of s.ksbs || []) (groups[KIND[k.kind] || k.kind] ||= []).push(k);
	content(`<span class="govuk-caption-l">${esc(s.ref)}, version ${esc(s.version)}</span>
<h1 class="govuk-heading-l">${esc(s.title)}</h1>
${summaryList([["Level", esc(s.level)], ["Route", esc(s.route)], ["HTQ eligibility", eligibility(s)]])}
${Object.entries(groups).map(([kind, ks]) => `<h2 class="govuk-heading-m">${esc(kind)}</h2>
${summaryList(ks.map(k => [k.code, esc(k.text)]))}`).join("")}`);
}

try {
	// a public page: its data does not wait for the session check
	const ref = param("ref");
	await Promise.all([startPage({ optional: true }), ref ? one(ref) : list()]);
	document.getElementById("content").dataset.loaded = "1";
} catch (e) {
	failure(e, "The standard");
}
