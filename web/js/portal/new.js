// new.js - /submissions/new?step=...: the new-submission journey as GOV.UK
// question pages (qualification -> standard -> units -> KSB mapping ->
// check your answers -> submitted), and editing a draft (?edit=<id>).
// Answers are kept in sessionStorage until the mapping is saved as a draft
// (POST /submissions, or PUT with the version last read); check your
// answers shows the server's coverage; submit is POST .../submit.  A stale
// edit (409) is explained and the answers are kept.
import { api, ApiError, apiErrors, backLink, can, clearErrors, content, coverageRows, date, esc, failure, label, notAvailable, param, plural, words, setTitle, showErrors, startPage, submitCheckHtml, summaryList, whyNot } from "/assets/js/portal/common.js";
import { liveCoverage, mappingFieldId, mappingFields, readMapping } from "/assets/js/portal/mapping-editor.js";

const KEY = "htq.new";
const STEPS = ["qualification", "standard", "units", "mapping", "check"];
const TYPES = [["HNC", "Higher National Certificate (HNC)"], ["HND", "Higher National Diploma (HND)"], ["foundation_degree", "Foundation degree"], ["other", "Another type"]];
const load = () => JSON.parse(sessionStorage.getItem(KEY) || "null") || { content: { qualification: {}, standard: {}, units: [], mapping: [] } };
const save = st => sessionStorage.setItem(KEY, JSON.stringify(st));
const go = (step, extra = "") => location.assign(`/submissions/new/?step=${step}${extra}`);

function radios(name, options, checked, legend, hint = "") {
	return `<div class="govuk-form-group" data-name="${name}"><fieldset class="govuk-fieldset"${hint ? ` aria-describedby="${name}-hint"` : ""}>
<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">${legend}</legend>${hint ? `<div id="${name}-hint" class="govuk-hint">${hint}</div>` : ""}
<div class="govuk-radios" data-module="govuk-radios">${options.map(([v, t, h], i) => {
		const id = name + (i ? "-" + (i + 1) : "");
		return `<div class="govuk-radios__item"><input class="govuk-radios__input" id="${id}" name="${name}" type="radio" value="${esc(v)}"${String(checked) === String(v) ? " checked" : ""}${h ? ` aria-describedby="${id}-item-hint"` : ""}>
<label class="govuk-label govuk-radios__label" for="${id}">${t}</label>${h ? `<div id="${id}-item-hint" class="govuk-hint govuk-radios__hint">${h}</div>` : ""}</div>`;
	}).join("")}</div></fieldset></div>`;
}

function form(id, inner, button = "Continue") {
	return `<form id="${id}" novalidate>${inner}<button type="submit" id="continue" class="govuk-button" data-module="govuk-button">${button}</button></form>`;
}

function onSubmit(id, fn) {
	let busy = false;
	document.getElementById(id).addEventListener("submit", async ev => {
		ev.preventDefault();
		if (busy) return;
		busy = true;
		try { await fn(ev.target); } finally { busy = false; }
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
	onSubmit("step-form", async f => {
		const errs = [];
		const title = f.title.value.trim(), type = f.querySelector("[name=type]:checked"), level = f.querySelector("[name=level]:checked"), qan = f.qan.value.trim();
		if (!title) errs.push({ id: "title", text: "Enter the qualification's title" });
		if (!type) errs.push({ id: "type", text: "Select the type of qualification" });
		if (!level) errs.push({ id: "level", text: "Select the qualification's level" });
		if (qan && !/^[0-9]{3}\/[0-9]{4}\/[0-9X]$/.test(qan)) errs.push({ id: "qan", text: "Enter the qualification number in the format 610/0001/2" });
		if (errs.length) return showErrors(errs);
		st.content.qualification = { title, type: type.value, level: Number(level.value), ...(qan ? { qan } : {}) };
		save(st);
		if (st.returnTo === "check" && st.id) await saveDraft(st);
		else go("standard");
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
	onSubmit("step-form", async f => {
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
		if (st.returnTo === "check" && st.id && st.content.mapping.length) await saveDraft(st);
		else go("units");
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
	onSubmit("step-form", f => {
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
		go("mapping");
	});
}

async function mapping(st) {
	setTitle("Map the standard's KSBs to units");
	const s = st.content.standard;
	if (!s.ref) return go("standard");
	const std = (await api("GET", `/standards/${encodeURIComponent(s.ref)}?version=${encodeURIComponent(s.version)}`)).data;
	content(form("step-form", `<span class="govuk-caption-l">New submission</span>
<h1 class="govuk-heading-l">Map the standard's KSBs to units</h1>
<p class="govuk-body">For each knowledge, skill and behaviour of ${esc(std.ref)} ${esc(std.title)}, tick the units that teach it and say how it is assessed.</p>
<p class="govuk-body">If a KSB cannot be attained in an education setting (for example, it needs a real workplace), leave its units and assessment empty and say why instead. Reviewers and approvers see your reasons.</p>
<p class="govuk-body">You can save a draft with KSBs still to do; every KSB needs units and an assessment, or a reason, before you can submit. The service computes the coverage again when you save.</p>
<div class="govuk-inset-text" id="live-coverage" aria-live="polite"></div>
${mappingFields(std, st.content.units, st.content.mapping)}`, "Save and continue"));
	liveCoverage(document.getElementById("step-form"), document.getElementById("live-coverage"));
	// Sent here for a KSB still to do (#assess-K3): that KSB's fields.
	const target = location.hash && document.getElementById(location.hash.slice(1));
	if (target) { target.closest(".htq-ksb").scrollIntoView(); target.focus({ preventScroll: true }); }
	onSubmit("step-form", async f => {
		const { mapping: out, errs } = readMapping(f, std);
		if (errs.length) return showErrors(errs);
		st.content.mapping = out;
		save(st);
		await saveDraft(st, out);
	});
}

// POST a new draft or PUT the edited one with the version last read.
async function saveDraft(st, sentMapping = null) {
	try {
		const r = st.id
			? await api("PUT", "/submissions/" + encodeURIComponent(st.id), { ...st.content, version: st.version })
			: await api("POST", "/submissions", st.content);
		st.id = r.data.id;
		st.version = r.data.version;
		delete st.stale;
		save(st);
		go("check");
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
			document.querySelector("#step-form input") ? document.querySelector("#step-form input").id : null));
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
	const q = st.content.qualification;
	let server = null;
	try { server = (await api("GET", "/submissions/" + encodeURIComponent(st.id))).data; } catch (e) { if (e.redirected) return; }
	const row = (k, v, step) => `<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${esc(k)}</dt><dd class="govuk-summary-list__value">${v}</dd>
<dd class="govuk-summary-list__actions"><a class="govuk-link" id="change-${step}-${esc(k.toLowerCase().replace(/[^a-z]+/g, "-"))}" href="/submissions/new/?step=${step}&amp;change=1">Change<span class="govuk-visually-hidden"> ${esc(k.toLowerCase())}</span></a></dd></div>`;
	const stale = st.stale;
	const mappedCount = st.content.mapping.filter(m => !m.not_attainable).length, reasonCount = st.content.mapping.length - mappedCount;
	// A refusal names a field: the step that changes it (the mapping step
	// opened at the first KSB still to do).
	const fieldHref = field => {
		const f = String(field || "").replace(/[.[].*$/, "");
		const first = server && server.coverage && (server.coverage.unexplained || [])[0];
		if (f === "mapping") return "/submissions/new/?step=mapping&change=1" + (first ? "#assess-" + first : "");
		if (f === "qualification") return "/submissions/new/?step=qualification&change=1";
		if (f === "standard" || f === "window") return "/submissions/new/?step=standard&change=1";
		if (f === "units") return "/submissions/new/?step=units&change=1";
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
<a class="govuk-link" href="/submissions/view/?id=${esc(encodeURIComponent(st.id))}">Keep it as a draft</a></div></form>` : `<h2 class="govuk-heading-m">You cannot submit this yet</h2>
<p class="govuk-body" id="cannot-submit">Your answers are saved as a draft. ${server && server.submit_check && server.submit_check.message ? "Put right what is said above, then come back to submit." : "The service would not accept it now."}</p>
<p class="govuk-body"><a class="govuk-link" href="/submissions/view/?id=${esc(encodeURIComponent(st.id))}" id="keep-draft">Go to the draft</a></p>`}`);
	if (!document.getElementById("submit-form")) return;
	if (stale) onSubmit("resave-form", () => saveDraft(st));
	onSubmit("submit-form", async () => {
		if (st.stale) return showErrors([{ id: "resave", text: "Save your answers again before submitting: someone else changed this draft" }]);
		try {
			await api("POST", "/submissions/" + encodeURIComponent(st.id) + "/submit");
			sessionStorage.removeItem(KEY);
			go("done", "&id=" + encodeURIComponent(st.id));
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
				const c = { qualification: s.qualification, standard: s.standard, units: s.units || [], mapping: s.mapping || [] };
				if (c.standard && c.standard.option === null) delete c.standard.option;
				if (c.qualification && c.qualification.qan === null) delete c.qualification.qan;
				save({ id: s.id, version: s.version, edit: true, content: c, returnTo: "check" });
				go("check");
			}
		} else {
			if (param("start") !== null) {	// a fresh journey; Back returns to its pages, not here
				sessionStorage.removeItem(KEY);
				location.replace("/submissions/new/?step=qualification");
				throw Object.assign(new Error("restarting"), { redirected: true });
			}
			const step = param("step") || "qualification";
			const st = load();
			if (param("change")) { st.returnTo = step === "mapping" ? null : "check"; save(st); }
			if (step !== "done" && STEPS.indexOf(step) > 0) backLink(`/submissions/new/?step=${STEPS[STEPS.indexOf(step) - 1]}`);
			else backLink("/submissions/");
			clearErrors();
			document.getElementById("content").dataset.step = step;
			await ({ qualification, standard, units, mapping, check, done })[step]?.(st);
			document.getElementById("content").dataset.ready = step;
		}
	}
} catch (e) {
	failure(e, "The submission");
}
