// admin-windows.js - /admin/windows: the submission windows per route (GET
// /windows), a form to open or announce one (POST /admin/windows) and
// closing one early after a confirmation that says how many drafts and
// submissions it affects (GET /admin/windows/{id}/impact, then POST
// /admin/windows/{id}/close).
import { api, apiErrors, banner, content, date, esc, failure, param, plural, setTitle, showErrors, startPage } from "/assets/js/portal/common.js";
import { dateInput, readDate, stateTag } from "/assets/js/portal/admin.js";

const FIELDS = {
	route: ["route", null],
	opens: ["opens-day", null],
	closes: ["closes-day", null],
	first_teaching: ["first_teaching-day", null],
};

function schedule(s) {
	if (!s.routes.length) return `<p class="govuk-body">No windows have been opened or announced yet.</p>`;
	return s.routes.map(r => `<table class="govuk-table" data-route="${esc(r.route)}"><caption class="govuk-table__caption govuk-table__caption--m">${esc(r.route)}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Opens</th><th scope="col" class="govuk-table__header">Closes</th><th scope="col" class="govuk-table__header">First teaching</th><th scope="col" class="govuk-table__header">Status</th><th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">Action</span></th></tr></thead>
<tbody class="govuk-table__body">${r.windows.map(w => `<tr class="govuk-table__row" data-window="${esc(w.id)}">
<td class="govuk-table__cell">${date(w.opens)}</td><td class="govuk-table__cell">${date(w.closes)}${w.closed_on ? `<br><span class="govuk-body-s">Closed early on ${date(w.closed_on)}</span>` : ""}</td>
<td class="govuk-table__cell">${date(w.first_teaching)}</td><td class="govuk-table__cell">${stateTag(w.state)}</td>
<td class="govuk-table__cell">${w.state === "closed" ? "" : `<a class="govuk-link" href="?close=${esc(encodeURIComponent(w.id))}">Close<span class="govuk-visually-hidden"> the ${esc(r.route)} window opening ${date(w.opens)}</span></a>`}</td></tr>`).join("")}</tbody></table>`).join("");
}

async function routes() {
	const { data } = await api("GET", "/standards", undefined, { fresh: true });
	return [...new Set(data.standards.map(s => s.route))].sort();
}

// What closing it would affect, in words (GET /admin/windows/{id}/impact).
function impactList(n) {
	const d = n.drafts, s = n.submissions;
	return `<ul class="govuk-list govuk-list--bullet" id="impact" data-drafts="${d}" data-submissions="${s}">
<li>${esc(plural(d, "draft"))} for this route could not be submitted until another window opens.</li>
<li>${esc(plural(s, "submission"))} for this route ${s === 1 ? "is" : "are"} still being decided; ${s === 1 ? "it is" : "they are"} not affected.</li></ul>`;
}

async function confirmClose(id) {
	const [s, impact] = await Promise.all([
		api("GET", "/windows", undefined, { fresh: true }).then(r => r.data),
		api("GET", "/admin/windows/" + encodeURIComponent(id) + "/impact").then(r => r.data, e => { if (e.status === 404) return null; throw e; }),
	]);
	let w = null, route = "";
	for (const r of s.routes) for (const x of r.windows) if (x.id === id) { w = x; route = r.route; }
	if (!w) {
		content(`<h1 class="govuk-heading-l">Window not found</h1><p class="govuk-body"><a class="govuk-link" href="/admin/windows/">Back to the windows</a></p>`);
		return;
	}
	setTitle("Close the window");
	content(`<span class="govuk-caption-l">${esc(route)}</span><h1 class="govuk-heading-l">Are you sure you want to close this window?</h1>
<p class="govuk-body">It opened on ${date(w.opens)} and would close on ${date(w.closes)}. ${stateTag(w.state)}</p>
${impact ? `<h2 class="govuk-heading-m">What this affects</h2>${impactList(impact)}` : ""}
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> Closing it stops new submissions for this route today. This cannot be undone.</strong></div>
<form id="close-form" novalidate><div class="govuk-button-group">
<button type="submit" class="govuk-button govuk-button--warning" id="confirm-close" data-module="govuk-button">Yes, close this window</button>
<a class="govuk-link" href="/admin/windows/">Cancel</a></div></form>`);
	document.getElementById("close-form").addEventListener("submit", async ev => {
		ev.preventDefault();
		try {
			await api("POST", "/admin/windows/" + encodeURIComponent(id) + "/close");
			location.assign("/admin/windows/?closed=1");
		} catch (e) {
			if (e.redirected) return;
			showErrors(apiErrors(e, {}, "confirm-close"));
		}
	});
}

async function main() {
	const s = (await api("GET", "/windows", undefined, { fresh: true })).data;
	const rs = await routes();
	const done = param("closed") ? "The window is closed." : param("opened") ? "The window is in the schedule." : "";
	content(`${done ? banner(done) : ""}<span class="govuk-caption-l">Administration</span>
<h1 class="govuk-heading-l">Submission windows</h1>
<p class="govuk-body">Awarding bodies can submit for a route only while one of its windows is open. Today is ${date(s.today)}.</p>
<h2 class="govuk-heading-l">Schedule</h2>
<div id="schedule">${schedule(s)}</div>
<h2 class="govuk-heading-l">Open or announce a window</h2>
<form id="window-form" novalidate>
<div class="govuk-form-group" data-name="route"><label class="govuk-label govuk-label--s" for="route">Route</label>
<select class="govuk-select" id="route" name="route"><option value="">Choose a route</option>${rs.map(r => `<option value="${esc(r)}">${esc(r)}</option>`).join("")}</select></div>
${dateInput("opens", "Opens", "The first day submissions are accepted. A date in the future announces the window. For example, 27 3 2027")}
${dateInput("closes", "Closes", "The last day submissions are accepted. For example, 30 4 2027")}
${dateInput("first_teaching", "First teaching", "When approved qualifications are first taught. For example, 1 9 2027")}
<button type="submit" class="govuk-button" id="open-window" data-module="govuk-button">Add the window</button>
</form>`);
	const form = document.getElementById("window-form");
	let busy = false;
	form.addEventListener("submit", async ev => {
		ev.preventDefault();
		if (busy) return;
		const body = { route: form.route.value };
		const errs = [];
		if (!body.route) errs.push({ id: "route", text: "Select a route" });
		for (const [name, label] of [["opens", "the date the window opens"], ["closes", "the date the window closes"], ["first_teaching", "the date of first teaching"]]) {
			const d = readDate(form, name);
			if (d === "") errs.push({ id: name + "-day", text: `Enter ${label}` });
			else if (d === null) errs.push({ id: name + "-day", text: `${label.charAt(0).toUpperCase() + label.slice(1)} must be a real date` });
			else body[name] = d;
		}
		if (errs.length) return showErrors(errs);
		busy = true;
		try {
			await api("POST", "/admin/windows", body);
			location.assign("/admin/windows/?opened=1");
		} catch (e) {
			if (e.redirected) return;
			const m = /\b(opens|closes|first_teaching)\b/.exec(e.message || "");
			showErrors(apiErrors(e, FIELDS, m ? m[1] + "-day" : "route"));
		} finally {
			busy = false;
		}
	});
}

try {
	const me = await startPage({ roles: ["admin"] });
	if (!me.refused) {
		const close = param("close");
		if (close) await confirmClose(close);
		else await main();
	}
} catch (e) {
	failure(e, "The schedule");
}
