// new.js - /submissions/new?step=...&id=...: the new-submission journey as
// GOV.UK question pages (qualification -> standard -> units -> KSB mapping
// -> check your answers -> submitted), a task list for a draft
// (?step=tasks), the mapping imported from a CSV file (?step=import), and
// editing a draft (?edit=<id>, to its task list).
// Every page saves as it goes: the first Continue creates the draft (POST
// /submissions, before any standard is chosen), each later one PUTs it with
// the version last read, and "Save and come back later" saves and returns
// to the task list.  The answers are also kept in sessionStorage for the
// tab; a tab opened afresh (?id=) reads the draft from the API.  Check your
// answers shows the server's coverage; submit is POST .../submit.  A stale
// edit (409) is explained and the answers are kept.
import { api, ApiError, apiErrors, backLink, banner, can, clearErrors, content, coverageRows, date, esc, failure, label, notAvailable, param, plural, words, setTitle, showErrors, startPage, submitCheckHtml, summaryList, whyNot } from "/assets/js/portal/common.js";
import { liveCoverage, mappingFieldId, mappingGrid, readMapping, unitControls, wireUnitControls } from "/assets/js/portal/mapping-editor.js";
import { COLUMNS, errorText, LIMITS, readMappingCsv, template } from "/assets/js/portal/csv.js";

const KEY = "htq.new";
const STEPS = ["qualification", "standard", "units", "mapping", "check"];
const TYPES = [["HNC", "Higher National Certificate (HNC)"], ["HND", "Higher National Diploma (HND)"], ["foundation_degree", "Foundation degree"], ["other", "Another type"]];
const load = () => JSON.parse(sessionStorage.getItem(KEY) || "null") || { content: { qualification: {}, standard: {}, units: [], mapping: [] } };
const save = st => sessionStorage.setItem(KEY, JSON.stringify(st));
let ID = null;	// the draft's id once it is saved
const FROM_TASKS = param("from") === "tasks";	// a step opened from the task list returns to it
const go = (step, extra = "") => location.assign(`/submissions/new/?step=${step}${ID ? "&id=" + encodeURIComponent(ID) : ""}${extra}`);
const hrefOf = step => `/submissions/new/?step=${step}${ID ? "&id=" + encodeURIComponent(ID) : ""}`;
const here = step => esc(hrefOf(step));	// in HTML

// The draft as the API has it, as the journey's state.
function fromServer(s) {
	const c = { qualification: { ...s.qualification }, standard: s.standard ? { ...s.standard } : {}, units: s.units || [], mapping: s.mapping || [] };
	if (c.standard.option === null) delete c.standard.option;
	if (c.qualification.qan === null) delete c.qualification.qan;
	return { id: s.id, version: s.version, content: c };
}

// The body to send: a draft may have no standard yet.
function body(st) {
	const { standard, ...rest } = st.content;
	return standard && standard.ref ? { ...rest, standard } : rest;
}

function radios(name, options, checked, legend, hint = "") {
	return `<div class="govuk-form-group" data-name="${name}"><fieldset class="govuk-fieldset"${hint ? ` aria-describedby="${name}-hint"` : ""}>
<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">${legend}</legend>${hint ? `<div id="${name}-hint" class="govuk-hint">${hint}</div>` : ""}
<div class="govuk-radios" data-module="govuk-radios">${options.map(([v, t, h], i) => {
		const id = name + (i ? "-" + (i + 1) : "");
		return `<div class="govuk-radios__item"><input class="govuk-radios__input" id="${id}" name="${name}" type="radio" value="${esc(v)}"${String(checked) === String(v) ? " checked" : ""}${h ? ` aria-describedby="${id}-item-hint"` : ""}>
<label class="govuk-label govuk-radios__label" for="${id}">${t}</label>${h ? `<div id="${id}-item-hint" class="govuk-hint govuk-radios__hint">${h}</div>` : ""}</div>`;
	}).join("")}</div></fieldset></div>`;
}

// A step's form: Continue, and "Save and come back later" (to the task list).
function form(id, inner, button = "Continue") {
	return `<form id="${id}" novalidate>${inner}<div class="govuk-button-group"><button type="submit" id="continue" class="govuk-button" data-module="govuk-button">${button}</button>
<button type="submit" id="save-later" name="later" class="govuk-button govuk-button--secondary" data-module="govuk-button">Save and come back later</button></div></form>`;
}

// fn(form, later): later when "Save and come back later" sent it.
function onSubmit(id, fn) {
	let busy = false;
	document.getElementById(id).addEventListener("submit", async ev => {
		ev.preventDefault();
		if (busy) return;
		busy = true;
		try { await fn(ev.target, !!(ev.submitter && ev.submitter.name === "later")); } finally { busy = false; }
	});
}

// The level of the chosen standard (the qualification's must equal it),
// or null before one is chosen.
async function standardLevel(st) {
	const sd = st.content.standard;
	if (!sd.ref) return null;
	if (st.stdLevel && st.stdLevel.ref === sd.ref + "|" + sd.version) return st.stdLevel.level;
	const std = (await api("GET", `/standards/${encodeURIComponent(sd.ref)}?version=${encodeURIComponent(sd.version)}`)).data;
	st.stdLevel = { ref: sd.ref + "|" + sd.version, level: std.level };
	save(st);
	return std.level;
}

async function qualification(st) {
	const q = st.content.qualification;
	const sd = st.content.standard;
	const lv = await standardLevel(st);
	setTitle("Qualification details");
	// Once a standard is chosen the level is the standard's: the one choice.
	const levelField = lv
		? radios("level", [[lv, "Level " + lv]], lv, "Level", `${esc(sd.ref)} is a level ${esc(lv)} standard, so the qualification must be level ${esc(lv)} too. To change the level, choose a standard at another level.`)
		: radios("level", [[4, "Level 4"], [5, "Level 5"]], q.level, "Level", "It must be the level of the occupational standard you choose next.");
	content(form("step-form", `<span class="govuk-caption-l">New submission</span>
<h1 class="govuk-heading-l">Qualification details</h1>
<div class="govuk-form-group" data-name="title"><label class="govuk-label govuk-label--s" for="title">Title</label>
<div id="title-hint" class="govuk-hint">As it appears on the certificate, for example Higher National Certificate in Network Engineering</div>
<input class="govuk-input" id="title" name="title" type="text" aria-describedby="title-hint" value="${esc(q.title || "")}"></div>
${radios("type", TYPES, q.type, "Type of qualification")}
${levelField}
<div class="govuk-form-group" data-name="qan"><label class="govuk-label govuk-label--s" for="qan">Ofqual qualification number (optional)</label>
<div id="qan-hint" class="govuk-hint">For a regulated qualification, for example 610/0001/2</div>
<input class="govuk-input govuk-input--width-10" id="qan" name="qan" type="text" spellcheck="false" aria-describedby="qan-hint" value="${esc(q.qan || "")}"></div>`));
	onSubmit("step-form", async (f, later) => {
		const errs = [];
		const title = f.title.value.trim(), type = f.querySelector("[name=type]:checked"), level = f.querySelector("[name=level]:checked"), qan = f.qan.value.trim();
		if (!title) errs.push({ id: "title", text: "Enter the qualification's title" });
		if (!type) errs.push({ id: "type", text: "Select the type of qualification" });
		if (!level) errs.push({ id: "level", text: "Select the qualification's level" });
		if (qan && !/^[0-9]{3}\/[0-9]{4}\/[0-9X]$/.test(qan)) errs.push({ id: "qan", text: "Enter the qualification number in the format 610/0001/2" });
		if (errs.length) return showErrors(errs);
		st.content.qualification = { title, type: type.value, level: Number(level.value), ...(qan ? { qan } : {}) };
		save(st);
		await saveDraft(st, later ? "tasks" : st.returnTo === "check" ? "check" : "standard");
	});
}

async function standard(st) {
	setTitle("Choose the occupational standard");
	const [list, sched] = await Promise.all([api("GET", "/standards"), api("GET", "/windows")]);
	const stds = list.data.standards || list.data;
	const windows = new Map((sched.data.routes || []).map(r => [r.route, r.windows]));
	const windowText = route => {
		const ws = windows.get(route) || [];
		const open = ws.find(w => w.state === "open");
		if (open) return `Submission window open until ${date(open.closes)}`;
		const next = ws.find(w => w.state === "announced");
		return next ? `No window open now; the next opens ${date(next.opens)}` : "No submission window open";
	};
	const eligible = stds.filter(s => s.eligible), ineligible = stds.filter(s => !s.eligible);
	const cur = st.content.standard.ref ? st.content.standard.ref + "|" + st.content.standard.version : "";
	const routes = [...new Set(eligible.map(s => s.route))];
	content(form("step-form", `<span class="govuk-caption-l">New submission</span>
<h1 class="govuk-heading-l">Choose the occupational standard</h1>
<p class="govuk-body">Choose the standard this qualification is mapped against. Submissions are accepted only while the route's submission window is open.</p>
<p class="govuk-body" id="level-rule">The qualification's level must be the standard's level${st.content.qualification.level ? ` (you said level ${esc(st.content.qualification.level)})` : ""}: choosing a standard sets it.</p>
${radios("standard", eligible.map(s => [s.ref + "|" + s.version, `${esc(s.ref)} ${esc(s.title)} (level ${esc(s.level)}, version ${esc(s.version)})`, `${esc(s.route)} route: ${windowText(s.route)}`]), cur, "Eligible standards")}
<h2 class="govuk-heading-m">Submission windows</h2>
${summaryList(routes.map(r => [r, windowText(r)]))}
${ineligible.length ? `<details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">Standards you cannot choose (${ineligible.length})</span></summary>
<div class="govuk-details__text">${summaryList(ineligible.map(s => [`${s.ref} ${s.title}`, esc(s.ineligible_reason || "Not eligible for HTQ approval")]))}</div></details>` : ""}`));
	onSubmit("step-form", async (f, later) => {
		const c = f.querySelector("[name=standard]:checked");
		if (!c) return showErrors([{ id: "standard", text: "Select the occupational standard" }]);
		const [ref, version] = c.value.split("|");
		if (ref !== st.content.standard.ref || version !== st.content.standard.version) st.content.mapping = [];
		st.content.standard = { ref, version };
		const chosen = stds.find(x => x.ref === ref && x.version === version);
		st.stdLevel = { ref: ref + "|" + version, level: chosen.level };
		if (st.content.qualification.level !== chosen.level) {
			if (st.content.qualification.level) st.levelNote = `${ref} is a level ${chosen.level} standard, so the qualification must be level ${chosen.level} too: its level is now ${chosen.level}.`;
			st.content.qualification = { ...st.content.qualification, level: chosen.level };
		}
		save(st);
		await saveDraft(st, later ? "tasks" : st.returnTo === "check" && st.content.mapping.length ? "check" : "units");
	});
}

function unitRow(u, i) {
	return `<fieldset class="govuk-fieldset htq-unit" data-row="${i}"><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Unit ${i + 1}</legend>
<div class="govuk-form-group" data-name="unit-id-${i}"><label class="govuk-label" for="unit-id-${i}">Unit code</label><input class="govuk-input govuk-input--width-5" id="unit-id-${i}" name="unit-id-${i}" type="text" spellcheck="false" value="${esc(u.id || "")}"></div>
<div class="govuk-form-group" data-name="unit-title-${i}"><label class="govuk-label" for="unit-title-${i}">Title</label><input class="govuk-input" id="unit-title-${i}" name="unit-title-${i}" type="text" value="${esc(u.title || "")}"></div>
<div class="govuk-form-group" data-name="unit-glh-${i}"><label class="govuk-label" for="unit-glh-${i}">Guided learning hours (optional)</label><input class="govuk-input govuk-input--width-4" id="unit-glh-${i}" name="unit-glh-${i}" type="text" inputmode="numeric" value="${esc(u.glh ?? "")}"></div></fieldset>`;
}

async function units(st) {
	setTitle("Units of the qualification");
	const rows = st.content.units.length ? st.content.units.slice() : [{}, {}, {}];
	content(form("step-form", `${levelNotice(st)}<span class="govuk-caption-l">New submission</span>
<h1 class="govuk-heading-l">Units of the qualification</h1>
<p class="govuk-body">Add each unit. Leave a unit empty to leave it out.</p>
<div id="unit-rows">${rows.map(unitRow).join("")}</div>
<button type="button" id="add-unit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Add another unit</button><br>`));
	document.getElementById("add-unit").addEventListener("click", () => {
		const n = document.querySelectorAll(".htq-unit").length;
		document.getElementById("unit-rows").insertAdjacentHTML("beforeend", unitRow({}, n));
		document.getElementById("unit-id-" + n).focus();
	});
	onSubmit("step-form", async (f, later) => {
		const out = [], errs = [], seen = new Set();
		document.querySelectorAll(".htq-unit").forEach((_, i) => {
			const id = f["unit-id-" + i].value.trim(), title = f["unit-title-" + i].value.trim(), glh = f["unit-glh-" + i].value.trim();
			if (!id && !title && !glh) return;
			if (!/^[A-Za-z0-9._-]{1,32}$/.test(id)) errs.push({ id: "unit-id-" + i, text: `Enter a code for unit ${i + 1} using letters, numbers, dots, dashes or underscores` });
			else if (seen.has(id)) errs.push({ id: "unit-id-" + i, text: `Unit code ${id} is used twice` });
			if (!title) errs.push({ id: "unit-title-" + i, text: `Enter a title for unit ${i + 1}` });
			if (glh && !/^[0-9]{1,5}$/.test(glh)) errs.push({ id: "unit-glh-" + i, text: `Guided learning hours for unit ${i + 1} must be a whole number` });
			seen.add(id);
			out.push({ id, title, ...(glh ? { glh: Number(glh) } : {}) });
		});
		if (!out.length && !errs.length) errs.push({ id: "unit-id-0", text: "Add at least one unit" });
		if (errs.length) return showErrors(errs);
		st.content.units = out;
		const ids = new Set(out.map(u => u.id));
		st.content.mapping = st.content.mapping.map(m => ({ ...m, units: m.units.filter(u => ids.has(u)) })).filter(m => m.units.length || m.not_attainable);
		save(st);
		await saveDraft(st, later ? "tasks" : st.content.standard.ref ? "mapping" : "standard");
	});
}

// A standard's KSBs (public): asked for once, and as early as the page
// knows which (beside the session check when this tab has the draft).
const standardOf = (() => {
	const asked = new Map();
	return s => {
		const path = `/standards/${encodeURIComponent(s.ref)}?version=${encodeURIComponent(s.version)}`;
		if (!asked.has(path)) asked.set(path, api("GET", path));
		return asked.get(path);
	};
})();

async function mapping(st) {
	setTitle("Map the standard's KSBs to units");
	const s = st.content.standard;
	if (!s.ref || !st.content.units.length) return go("tasks");
	const std = (await standardOf(s)).data;
	const units = st.content.units;
	const imported = param("imported");
	content(`${imported !== null ? banner(`The mapping was imported from your file: ${plural(Number(imported) || 0, "KSB")} mapped or explained. Check it below, then save and continue.`) : ""}
<span class="govuk-caption-l">${esc(st.content.qualification.title || "New submission")}</span>
<h1 class="govuk-heading-l">Map the standard's KSBs to units</h1>
<p class="govuk-body">For each knowledge, skill and behaviour of ${esc(std.ref)} ${esc(std.title)}, tick the units that teach it and say how it is assessed. If a KSB cannot be attained in an education setting (for example, it needs a real workplace), leave its units and assessment empty and say why instead.</p>
<p class="govuk-body">You can save a draft with KSBs still to do. You can also <a class="govuk-link" id="import-link" href="${here("import")}">import the mapping from a CSV file</a>.</p>
<h2 class="govuk-heading-m">Whole units</h2>
<div class="htq-bulk-list">${unitControls(units)}</div>
<p class="govuk-body govuk-visually-hidden" id="bulk-status" role="status"></p>
<div class="htq-sticky" id="coverage-panel"><p class="govuk-body htq-sticky__text" id="live-coverage" aria-live="polite"></p>
<button type="submit" form="step-form" id="continue-top" class="govuk-button htq-sticky__button" data-module="govuk-button">Save and continue</button></div>
<details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">KSBs still to do</span></summary><div class="govuk-details__text" id="coverage-detail"></div></details>
${form("step-form", mappingGrid(std, units, st.content.mapping), "Save and continue")}`);
	const f = document.getElementById("step-form");
	liveCoverage(f, document.getElementById("live-coverage"), document.getElementById("coverage-detail"));
	wireUnitControls(document.getElementById("content"), f, document.getElementById("bulk-status"));
	// Sent here for a KSB still to do (#assess-K3): that KSB's fields.
	const target = location.hash && document.getElementById(location.hash.slice(1));
	if (target) { target.closest(".htq-ksb").scrollIntoView({ block: "center" }); target.focus({ preventScroll: true }); }
	onSubmit("step-form", async (f, later) => {
		const { mapping: out, errs } = readMapping(f, std);
		if (errs.length) return showErrors(errs);
		st.content.mapping = out;
		save(st);
		await saveDraft(st, later ? "tasks" : "check", out);
	});
}

// The mapping from a CSV file: its format, a template made from the
// standard's KSBs and the draft's units, the file read in the browser; any
// error is shown by row and column and nothing is saved.
async function importCsv(st) {
	setTitle("Import the KSB mapping from a CSV file");
	const s = st.content.standard;
	if (!s.ref || !st.content.units.length) return go("tasks");
	backLink(hrefOf("mapping"));
	const std = (await api("GET", `/standards/${encodeURIComponent(s.ref)}?version=${encodeURIComponent(s.version)}`)).data;
	const units = st.content.units;
	content(`<span class="govuk-caption-l">${esc(st.content.qualification.title || "New submission")}</span>
<h1 class="govuk-heading-l">Import the KSB mapping from a CSV file</h1>
<p class="govuk-body">Fill in the mapping in a spreadsheet, save it as CSV (comma separated values, UTF-8), and upload it here. It replaces the whole mapping of this draft. If any row is wrong, nothing is saved and each problem is listed by row and column.</p>
<p class="govuk-body"><a class="govuk-link" id="template" href="#" download="${esc(std.ref)}-mapping.csv">Download the template for ${esc(std.ref)} (CSV, ${plural((std.ksbs || []).length, "row")} and a heading row)</a></p>
<h2 class="govuk-heading-m">The file's format</h2>
<p class="govuk-body">The first row names the columns, in any order:</p>
${summaryList([
		["ksb", `The KSB's code, for example K1: one of ${esc(std.ref)}'s. Each KSB on one row at most.`],
		["statement", "The KSB's words, as in the template. Optional; not read."],
		["units", `The codes of the units that teach it, separated by semicolons, for example ${esc(units.slice(0, 2).map(u => u.id).join(";"))}. This draft's units: ${esc(units.map(u => u.id).join(", "))}.`],
		["assessment", "How it is assessed. Needed when it has units."],
		["reason", "Optional: why it cannot be attained in an education setting, instead of units and an assessment."],
	])}
<p class="govuk-body">A KSB whose row has no units, assessment or reason, or that has no row, is left to do. Put a value that holds a comma, a double quote or a line break in double quotes, and write each double quote inside it twice. At most ${esc(LIMITS.rows - 1)} rows, ${esc(LIMITS.bytes / 1024)} KB, and ${esc(LIMITS.text)} bytes in a value. Spreadsheet programs write all of this for you when you save as CSV.</p>
<form id="import-form" novalidate><div class="govuk-form-group" data-name="csv-file"><label class="govuk-label govuk-label--m" for="csv-file">Upload the mapping</label>
<input class="govuk-file-upload" id="csv-file" name="csv-file" type="file" accept=".csv,text/csv"></div>
<div class="govuk-button-group"><button type="submit" id="import" class="govuk-button" data-module="govuk-button">Import the mapping</button>
<a class="govuk-link" href="${here("mapping")}">Map the KSBs here instead</a></div></form>`);
	document.getElementById("template").addEventListener("click", ev => {
		const a = ev.currentTarget;
		if (a.dataset.ready) return;	// the second click follows the link made below
		ev.preventDefault();
		a.href = URL.createObjectURL(new Blob([template(std, st.content.mapping)], { type: "text/csv" }));
		a.dataset.ready = "1";
		a.click();
	});
	onSubmit("import-form", async f => {
		const file = f["csv-file"].files[0];
		if (!file) return showErrors([{ id: "csv-file", text: "Select a CSV file" }]);
		if (file.size > LIMITS.bytes) return showErrors([{ id: "csv-file", text: `The selected file must be smaller than ${LIMITS.bytes / 1024} KB` }]);
		const { mapping: out, errors, head } = readMappingCsv(await file.text(), std, units);
		if (errors.length) {
			const shown = errors.slice(0, 20).map(e => ({ id: "csv-file", text: errorText(e, head || COLUMNS) }));
			if (errors.length > 20) shown.push({ id: "csv-file", text: `and ${errors.length - 20} more problems` });
			document.getElementById("csv-file").value = "";
			showErrors(shown);
			// beside the field: how many, the list being in the summary
			const inline = document.getElementById("csv-file-error");
			if (inline && errors.length > 1) inline.innerHTML = `<span class="govuk-visually-hidden">Error:</span> The file has ${esc(errors.length)} problems, listed at the top of the page. Nothing was saved.`;
			return;
		}
		st.content.mapping = out;
		save(st);
		await saveDraft(st, "mapping", null, "&imported=" + out.length);	// a refusal: beside the file field
	});
}

// The task list of a draft: each part, its status, a link to it.
async function tasks(st) {
	setTitle("Your submission");
	backLink("/submissions/");
	if (!ID) return go("qualification");
	const s = (await api("GET", "/submissions/" + encodeURIComponent(ID))).data;
	if (!can(s, "edit")) return location.replace("/submissions/view/?id=" + encodeURIComponent(ID));
	Object.assign(st, fromServer(s));
	delete st.stale;
	st.returnTo = null;
	save(st);
	const c = st.content;
	const hasStd = !!(c.standard && c.standard.ref), hasUnits = c.units.length > 0;
	const todo = s.coverage ? (s.coverage.unexplained || []).length : null;
	const mapState = !hasStd || !hasUnits ? "cannot" : !c.mapping.length ? "todo" : todo ? "doing" : "done";
	const done = [true, hasStd, hasUnits, mapState === "done"];
	const ready = done.every(Boolean);
	const docs = (s.documents || []).length;
	const items = [
		["qualification", "Qualification details", "done", `${esc(c.qualification.title)}`],
		["standard", "Occupational standard", hasStd ? "done" : "todo", hasStd ? `${esc(c.standard.ref)} ${esc(s.standard_title || "")}` : ""],
		["units", "Units", hasUnits ? "done" : "todo", hasUnits ? plural(c.units.length, "unit") : ""],
		["mapping", "KSB mapping", mapState, mapState === "cannot" ? "Choose the standard and add the units first" : mapState === "doing" ? `${plural(todo, "KSB")} still to do` : mapState === "done" ? `${esc(s.coverage.percentage)}% covered` : ""],
		["documents", "Supporting documents (optional)", docs ? "done" : "optional", docs ? plural(docs, "document") : "A specification, an assessment strategy or a mapping workbook"],
		["check", "Declaration: check your answers and submit", ready ? "todo" : "cannot", ready ? "" : "Complete the parts above first"],
	];
	const STATUS = {
		done: ["Completed", ""], todo: ["Not started", `<strong class="govuk-tag govuk-tag--blue">Not started</strong>`],
		doing: ["In progress", `<strong class="govuk-tag govuk-tag--light-blue">In progress</strong>`], cannot: ["Cannot start yet", ""],
		optional: ["Optional", ""],
	};
	// the documents have their own page (documents.js), back to the draft's
	const href = step => step === "documents" ? `/submissions/documents/?id=${esc(encodeURIComponent(ID))}&amp;from=tasks`
		: `${here(step)}${step !== "check" ? "&amp;from=tasks" : ""}`;
	const n = done.filter(Boolean).length;
	content(`<span class="govuk-caption-l">Draft</span>
<h1 class="govuk-heading-l">${esc(c.qualification.title)}</h1>
<p class="govuk-body" id="tasks-done">You have completed ${n} of 4 parts. ${ready ? "You can now check your answers and submit." : "Your answers are saved as you go: you can leave and come back to this page from your submissions."}</p>
<ul class="govuk-task-list" id="task-list">${items.map(([step, name, state, hint]) => {
		const link = state !== "cannot";
		const [text, tagHtml] = STATUS[state];
		return `<li class="govuk-task-list__item${link ? " govuk-task-list__item--with-link" : ""}" data-task="${step}" data-status="${state}">
<div class="govuk-task-list__name-and-hint">${link ? `<a class="govuk-link govuk-task-list__link" id="task-${step}" href="${href(step)}" aria-describedby="task-${step}-status${hint ? ` task-${step}-hint` : ""}">${esc(name)}</a>` : `<div>${esc(name)}</div>`}
${hint ? `<div class="govuk-task-list__hint" id="task-${step}-hint">${hint}</div>` : ""}</div>
<div class="govuk-task-list__status${state === "cannot" ? " govuk-task-list__status--cannot-start-yet" : ""}" id="task-${step}-status">${tagHtml || esc(text)}</div></li>`;
	}).join("")}</ul>
<p class="govuk-body"><a class="govuk-link" href="/submissions/view/?id=${esc(encodeURIComponent(ID))}">View the draft</a> or <a class="govuk-link" href="/submissions/">go back to your submissions</a>.</p>`);
}

// POST a new draft or PUT the edited one with the version last read, then
// go to the step next (the task list instead when the step was opened
// from it).
async function saveDraft(st, next, sentMapping = null, extra = "") {
	try {
		const r = st.id
			? await api("PUT", "/submissions/" + encodeURIComponent(st.id), { ...body(st), version: st.version })
			: await api("POST", "/submissions", body(st));
		st.id = ID = r.data.id;
		st.version = r.data.version;
		delete st.stale;
		save(st);
		go(FROM_TASKS && !extra ? "tasks" : next, extra);
	} catch (e) {
		if (e.redirected) return;
		if (e instanceof ApiError && e.status === 409 && st.id) {
			let now = null;
			try { now = (await api("GET", "/submissions/" + encodeURIComponent(st.id))).data; } catch (x) { /* shown below */ }
			st.stale = { had: st.version, now: now && now.version, status: now && now.status };
			if (now && now.status === "draft") st.version = now.version;	// saving again replaces theirs, knowingly
			save(st);
			go("check", "&stale=1");
			return;
		}
		const fid = sentMapping && e instanceof ApiError ? mappingFieldId(e.field, sentMapping) : null;
		if (fid) return showErrors([{ id: fid, text: words(e.message, { drop: true }) }]);
		const levelErr = e instanceof ApiError && e.field === "qualification.level";
		showErrors(apiErrors(e, levelErr ? { qualification: [document.getElementById("level") ? "level" : null, null] } : {},
			document.querySelector("#step-form input, #import-form input") ? document.querySelector("#step-form input, #import-form input").id : null));
	}
}

const CHANGE = { qualification: "qualification", standard: "standard", units: "units", mapping: "mapping" };

// Said once, on the page after the standard step: the level followed the
// standard's.
function levelNotice(st) {
	if (!st.levelNote) return "";
	const text = st.levelNote;
	delete st.levelNote;
	save(st);
	return `<div class="govuk-inset-text" id="level-note">${esc(text)}</div>`;
}

async function check(st) {
	setTitle("Check your answers before submitting");
	if (!st.id) return go("qualification");
	if (!st.content.standard.ref) return go("tasks");
	const q = st.content.qualification;
	let server = null;
	try { server = (await api("GET", "/submissions/" + encodeURIComponent(st.id))).data; } catch (e) { if (e.redirected) return; }
	const row = (k, v, step) => `<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${esc(k)}</dt><dd class="govuk-summary-list__value">${v}</dd>
<dd class="govuk-summary-list__actions"><a class="govuk-link" id="change-${step}-${esc(k.toLowerCase().replace(/[^a-z]+/g, "-"))}" href="${here(step)}&amp;change=1">Change<span class="govuk-visually-hidden"> ${esc(k.toLowerCase())}</span></a></dd></div>`;
	const stale = st.stale;
	const mappedCount = st.content.mapping.filter(m => !m.not_attainable).length, reasonCount = st.content.mapping.length - mappedCount;
	// A refusal names a field: the step that changes it (the mapping step
	// opened at the first KSB still to do).
	const fieldHref = field => {
		const f = String(field || "").replace(/[.[].*$/, "");
		const first = server && server.coverage && (server.coverage.unexplained || [])[0];
		const to = step => hrefOf(step) + "&change=1";
		if (f === "mapping") return to("mapping") + (first ? "#assess-" + first : "");
		if (f === "qualification") return to("qualification");
		if (f === "standard" || f === "window") return to("standard");
		if (f === "units") return to("units");
		return null;
	};
	const note = levelNotice(st);
	content(`${note}${stale ? `<div class="govuk-notification-banner" role="region" aria-labelledby="stale-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="stale-title">Important</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading" id="stale">Your changes were not saved: someone else changed this draft after you opened it.</p>
<p class="govuk-body">You had version ${esc(stale.had)}; the draft is now ${stale.status && stale.status !== "draft" ? esc(label("status", stale.status).toLowerCase()) : "version " + esc(stale.now)}. Your answers are still below. <a class="govuk-notification-banner__link" href="/submissions/view/?id=${esc(encodeURIComponent(st.id))}">Look at the current draft</a>, then save your answers again to replace it, or change them first.</p></div></div>` : ""}
<span class="govuk-caption-l">${st.edit ? "Edit draft" : "New submission"}</span>
<h1 class="govuk-heading-l">Check your answers before submitting</h1>
<h2 class="govuk-heading-m">Qualification</h2>
<dl class="govuk-summary-list">${row("Title", esc(q.title), "qualification")}${row("Type", esc((TYPES.find(t => t[0] === q.type) || [, q.type])[1]), "qualification")}${row("Level", esc(q.level) + (st.content.standard.ref ? ` (the level of standard ${esc(st.content.standard.ref)})` : ""), "qualification")}${row("Qualification number", esc(q.qan || "Not regulated"), "qualification")}</dl>
<h2 class="govuk-heading-m">Standard and units</h2>
<dl class="govuk-summary-list">${row("Standard", `${esc(st.content.standard.ref)} version ${esc(st.content.standard.version)}${server && server.standard_title ? " " + esc(server.standard_title) : ""}`, "standard")}
${row("Units", `<ul class="govuk-list">${st.content.units.map(u => `<li>${esc(u.id)} ${esc(u.title)}${u.glh !== undefined ? ` (${esc(u.glh)} hours)` : ""}</li>`).join("")}</ul>`, "units")}
${row("KSB mapping", `${plural(mappedCount, "KSB")} mapped to units${reasonCount ? `, ${reasonCount} with a reason why ${reasonCount === 1 ? "it" : "they"} cannot be attained` : ""}`, "mapping")}</dl>
<h2 class="govuk-heading-m">Coverage (computed by the service)</h2>
${server && server.coverage ? summaryList(coverageRows(server.coverage, st.content.mapping)) : `<p class="govuk-body">Not available.</p>`}
${stale ? `<form id="resave-form" novalidate><button type="submit" id="resave" class="govuk-button govuk-button--secondary" data-module="govuk-button">Save my answers again</button></form>` : ""}
${!stale && server && server.submit_check ? submitCheckHtml(server.submit_check, fieldHref) : ""}
${stale || can(server, "submit") ? `<h2 class="govuk-heading-m">Now submit the qualification</h2>
<p class="govuk-body">By submitting you confirm the details are correct. The content is then frozen, and its fingerprint recorded in the public ledger.</p>
<form id="submit-form" novalidate><div class="govuk-button-group"><button type="submit" id="submit" class="govuk-button" data-module="govuk-button">Submit for approval</button>
<a class="govuk-link" href="${here("tasks")}">Keep it as a draft</a></div></form>` : `<h2 class="govuk-heading-m">You cannot submit this yet</h2>
<p class="govuk-body" id="cannot-submit">Your answers are saved as a draft. ${server && server.submit_check && server.submit_check.message ? "Put right what is said above, then come back to submit." : "The service would not accept it now."}</p>
<p class="govuk-body"><a class="govuk-link" href="${here("tasks")}" id="keep-draft">Go to the draft's task list</a></p>`}`);
	if (!document.getElementById("submit-form")) return;
	if (stale) onSubmit("resave-form", () => saveDraft(st, "check"));
	onSubmit("submit-form", async () => {
		if (st.stale) return showErrors([{ id: "resave", text: "Save your answers again before submitting: someone else changed this draft" }]);
		try {
			await api("POST", "/submissions/" + encodeURIComponent(st.id) + "/submit");
			sessionStorage.removeItem(KEY);
			go("done");
		} catch (e) {
			if (e.redirected) return;
			const errs = apiErrors(e, {
				qualification: ["change-qualification-title", null], standard: ["change-standard-standard", null],
				units: ["change-units-units", null], mapping: ["change-mapping-ksb-mapping", null],
			}, "submit");
			showErrors(errs);
		}
	});
}

async function done() {
	const id = param("id") || "";
	setTitle("Submission complete");
	const s = (await api("GET", "/submissions/" + encodeURIComponent(id))).data;
	content(`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">Submission complete</h1>
<div class="govuk-panel__body">Your reference<br><strong>${esc(s.id)}</strong></div></div>
<p class="govuk-body">${esc(s.qualification.title)} has been submitted against ${esc(s.standard.ref)} ${esc(s.standard_title || "")}.</p>
<h2 class="govuk-heading-m">What happens next</h2>
<p class="govuk-body">An employer panel will review the mapping and recommend. The approving body then decides. You can follow its status on your dashboard.</p>
<p class="govuk-body"><a class="govuk-link" href="/submissions/view/?id=${esc(encodeURIComponent(s.id))}">View the submission</a></p>
<p class="govuk-body"><a class="govuk-link" href="/submissions/">Back to your submissions</a></p>`);
}

try {
	const early = load();
	if ((param("step") || "qualification") === "mapping" && early.id === param("id") && early.content.standard.ref)
		standardOf(early.content.standard).catch(() => {});	// awaited (and its error shown) by mapping()
	const me = await startPage({ roles: ["awarding_body"] });
	if (!me.refused) {
		const edit = param("edit");
		if (edit) {
			const s = (await api("GET", "/submissions/" + encodeURIComponent(edit))).data;
			if (!can(s, "edit")) {
				setTitle("You cannot edit this submission");
				backLink("/submissions/view/?id=" + encodeURIComponent(s.id));
				content(notAvailable(s, "You cannot edit this submission", whyNot("edit", s, me)));
			} else {
				save({ ...fromServer(s), edit: true });
				ID = s.id;
				go("tasks");
			}
		} else {
			if (param("start") !== null) {	// a fresh journey; Back returns to its pages, not here
				sessionStorage.removeItem(KEY);
				location.replace("/submissions/new/?step=qualification");
				throw Object.assign(new Error("restarting"), { redirected: true });
			}
			const step = param("step") || "qualification";
			let st = load();
			ID = param("id") || st.id || null;
			// A tab opened afresh, or another draft: the API's copy.
			if (ID && st.id !== ID && step !== "done") {
				st = fromServer((await api("GET", "/submissions/" + encodeURIComponent(ID))).data);
				save(st);
			}
			if (param("change")) { st.returnTo = step === "mapping" ? null : "check"; save(st); }
			if (FROM_TASKS) backLink(hrefOf("tasks"));
			else if (step !== "done" && STEPS.indexOf(step) > 0) backLink(hrefOf(STEPS[STEPS.indexOf(step) - 1]));
			else backLink(ID && step !== "done" ? hrefOf("tasks") : "/submissions/");
			clearErrors();
			document.getElementById("content").dataset.step = step;
			await ({ qualification, standard, units, mapping, import: importCsv, tasks, check, done })[step]?.(st);
			document.getElementById("content").dataset.ready = step;
		}
	}
} catch (e) {
	failure(e, "The submission");
}
