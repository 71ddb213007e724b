// mapping-editor.js - the KSB mapping fields, shared by the new-submission
// journey's mapping step (new.js) and the answer to a request for
// information (respond.js): for each KSB of the standard, the units that
// teach it and how it is assessed, or instead a reason why it cannot be
// attained in an education setting (not_attainable); the coverage so far,
// live, in words; and the fields read back into the API's mapping entries.
// The server computes the coverage again and keeps every rule: these are
// the same rules said early, beside the fields.
import { esc, LABELS, plural } from "/assets/js/portal/common.js";

export const KIND = LABELS.ksb_kind;

// The fields for every KSB of std (GET /standards/{ref}), grouped by kind
// under h2 headings (h3 when nested is set), filled from mapping.
export function mappingFields(std, units, mapping, { nested = false } = {}) {
	const byKsb = new Map((mapping || []).map(m => [m.ksb, m]));
	const groups = {};
	for (const k of std.ksbs || []) (groups[KIND[k.kind] || k.kind] ||= []).push(k);
	const h = nested ? "h3" : "h2", hc = nested ? "govuk-heading-s" : "govuk-heading-m";
	return Object.entries(groups).map(([kind, ksbs]) => `<${h} class="${hc}">${esc(kind)}</${h}>` + ksbs.map(k => {
		const m = byKsb.get(k.code) || { units: [] };
		const c = esc(k.code);
		return `<div class="govuk-form-group htq-ksb" data-ksb="${c}" data-kind="${esc(kind)}" data-name="ksb-${c}"><fieldset class="govuk-fieldset" aria-describedby="ksb-${c}-hint">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${c}</legend><div id="ksb-${c}-hint" class="govuk-hint">${esc(k.text)}</div>
<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">${units.map((u, i) => `<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="ksb-${c}${i ? "-" + (i + 1) : ""}" name="ksb-${c}" type="checkbox" value="${esc(u.id)}"${(m.units || []).includes(u.id) ? " checked" : ""}><label class="govuk-label govuk-checkboxes__label" for="ksb-${c}${i ? "-" + (i + 1) : ""}">${esc(u.id)} ${esc(u.title)}</label></div>`).join("")}</div></fieldset>
<div class="govuk-form-group" data-name="assess-${c}"><label class="govuk-label" for="assess-${c}">How ${c} is assessed</label><input class="govuk-input" id="assess-${c}" name="assess-${c}" type="text" value="${esc(m.assessment || "")}"></div>
<div class="govuk-form-group" data-name="reason-${c}"><label class="govuk-label" for="reason-${c}">Or, if ${c} cannot be attained in an education setting, why not</label>
<div id="reason-${c}-hint" class="govuk-hint">Leave the units and the assessment empty if you give a reason.</div>
<input class="govuk-input" id="reason-${c}" name="reason-${c}" type="text" aria-describedby="reason-${c}-hint" value="${esc(m.not_attainable || "")}"></div></div>`;
	}).join("")).join("");
}

// The journey's mapping step as a KSB x unit grid: one table per kind
// (KSBs down, the draft's units across, then how each is assessed, or why
// it cannot be attained), with the same field names and ids as
// mappingFields (readMapping reads either; ksb-K1, ksb-K1-2 ... are the
// units' boxes).  On a narrow screen each row stacks as a card.
export function mappingGrid(std, units, mapping) {
	const byKsb = new Map((mapping || []).map(m => [m.ksb, m]));
	const groups = {};
	for (const k of std.ksbs || []) (groups[KIND[k.kind] || k.kind] ||= []).push(k);
	return Object.entries(groups).map(([kind, ksbs]) => `<div class="htq-grid-wrap"><table class="govuk-table htq-grid" data-kind="${esc(kind)}">
<caption class="govuk-table__caption govuk-table__caption--m">${esc(kind)}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">KSB</th>${units.map(u => `<th scope="col" class="govuk-table__header htq-grid__unit"><abbr title="${esc(u.title)}">${esc(u.id)}</abbr></th>`).join("")}
<th scope="col" class="govuk-table__header">How it is assessed</th><th scope="col" class="govuk-table__header">Or why it cannot be attained</th></tr></thead>
<tbody class="govuk-table__body">${ksbs.map(k => {
		const m = byKsb.get(k.code) || { units: [] };
		const c = esc(k.code);
		return `<tr class="govuk-table__row htq-ksb" data-ksb="${c}" data-kind="${esc(kind)}"><th scope="row" class="govuk-table__header htq-grid__ksb"><span id="ksb-${c}-name">${c}</span> <span class="govuk-body-s htq-grid__text" id="ksb-${c}-hint">${esc(k.text)}</span></th>
${units.map((u, i) => {
			const id = `ksb-${c}${i ? "-" + (i + 1) : ""}`;
			return `<td class="govuk-table__cell htq-grid__cell"><div class="govuk-form-group"${i ? "" : ` data-name="ksb-${c}"`}><div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes"><div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="${id}" name="ksb-${c}" type="checkbox" value="${esc(u.id)}"${(m.units || []).includes(u.id) ? " checked" : ""}><label class="govuk-label govuk-checkboxes__label" for="${id}"><span class="govuk-visually-hidden">${c} is taught in ${esc(u.id)}</span></label></div></div></div></td>`;
		}).join("")}
<td class="govuk-table__cell"><div class="govuk-form-group" data-name="assess-${c}"><label class="govuk-label govuk-visually-hidden" for="assess-${c}">How ${c} is assessed</label><input class="govuk-input" id="assess-${c}" name="assess-${c}" type="text" value="${esc(m.assessment || "")}"></div></td>
<td class="govuk-table__cell"><div class="govuk-form-group" data-name="reason-${c}"><label class="govuk-label govuk-visually-hidden" for="reason-${c}">Why ${c} cannot be attained in an education setting (instead of units and an assessment)</label><input class="govuk-input" id="reason-${c}" name="reason-${c}" type="text" value="${esc(m.not_attainable || "")}"></div></td></tr>`;
	}).join("")}</tbody></table></div>`).join("");
}

// The grid's whole-unit controls, one small form per unit (outside the
// grid's form): "Select every KSB" for the unit, and the same assessment
// for every KSB ticked for it that has none yet.
export function unitControls(units) {
	return units.map((u, i) => `<form class="htq-bulk" data-unit="${i}" novalidate><fieldset class="govuk-fieldset">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${esc(u.id)} ${esc(u.title)}</legend>
<button type="button" class="govuk-button govuk-button--secondary htq-bulk__all" id="all-${i + 1}" data-module="govuk-button">Select every KSB for ${esc(u.id)}</button>
<div class="govuk-form-group"><label class="govuk-label" for="same-${i + 1}">Same assessment for every KSB in ${esc(u.id)}</label>
<div class="govuk-hint" id="same-${i + 1}-hint">Given to each KSB ticked for ${esc(u.id)} that has no assessment yet</div>
<input class="govuk-input" id="same-${i + 1}" type="text" aria-describedby="same-${i + 1}-hint"></div>
<button type="submit" class="govuk-button govuk-button--secondary" id="apply-${i + 1}" data-module="govuk-button">Apply to ${esc(u.id)}</button></fieldset></form>`).join("");
}

// Wire unitControls to the grid in form; said (in words) in status.
export function wireUnitControls(root, form, status) {
	const boxes = i => [...form.querySelectorAll(".htq-ksb")].map(r => r.querySelectorAll("input[type=checkbox]")[i]).filter(Boolean);
	const changed = () => form.dispatchEvent(new Event("change", { bubbles: true }));
	root.querySelectorAll(".htq-bulk").forEach(f => {
		const i = Number(f.dataset.unit), unit = f.querySelector("legend").textContent.split(" ")[0];
		f.querySelector(".htq-bulk__all").addEventListener("click", () => {
			let n = 0;
			for (const b of boxes(i)) {
				const row = b.closest(".htq-ksb");
				if (b.checked || row.querySelector(`[name="reason-${row.dataset.ksb}"]`).value.trim()) continue;
				b.checked = true;
				n++;
			}
			status.textContent = `${unit}: ${n === 1 ? "1 more KSB" : n + " more KSBs"} selected`;
			changed();
		});
		f.addEventListener("submit", ev => {
			ev.preventDefault();
			const text = f.querySelector("input[type=text]").value.trim();
			if (!text) { status.textContent = `Enter the assessment for ${unit} first`; return; }
			let n = 0;
			for (const b of boxes(i)) {
				if (!b.checked) continue;
				const a = form.querySelector(`[name="assess-${b.closest(".htq-ksb").dataset.ksb}"]`);
				if (a.value.trim()) continue;
				a.value = text;
				n++;
			}
			status.textContent = `${unit}: assessment given to ${n === 1 ? "1 KSB" : n + " KSBs"}`;
			changed();
		});
	});
}

// Keep el (an aria-live region) saying the coverage so far in form;
// with detail, the lists of KSBs still to do go there (el stays short,
// as the grid's summary that stays in view).
export function liveCoverage(form, el, detail = null) {
	const draw = () => {
		const kinds = {}, uncovered = [], reasoned = [], neither = [];
		form.querySelectorAll(".htq-ksb").forEach(g => {
			const kc = kinds[g.dataset.kind] ||= [0, 0];
			const k = g.dataset.ksb;
			kc[1]++;
			const ticked = !!g.querySelector("input[type=checkbox]:checked");
			const assessed = g.querySelector(`[name="assess-${k}"]`).value.trim() !== "";
			const reason = g.querySelector(`[name="reason-${k}"]`).value.trim() !== "";
			if (ticked && assessed) { kc[0]++; return; }
			uncovered.push(k);
			if (reason && !ticked) reasoned.push(k); else neither.push(k);
		});
		const all = Object.values(kinds).reduce((a, [c, t]) => [a[0] + c, a[1] + t], [0, 0]);
		const head = `<strong>Coverage so far: ${all[1] ? Math.floor(100 * all[0] / all[1]) : 0}%</strong> – ` +
			Object.entries(kinds).map(([k, [c, t]]) => `${esc(k)} ${c} of ${t}`).join(", ");
		const lists = `${uncovered.length ? "Not covered: " + esc(uncovered.join(", ")) : "Every KSB is covered"}` +
			(reasoned.length ? `<br>Cannot be attained, with a reason: ${esc(reasoned.join(", "))}` : "") +
			(neither.length ? `<br>Neither mapped nor explained: ${esc(neither.join(", "))}. Every KSB needs units and an assessment, or a reason, before you can submit.` : "");
		if (detail) {
			el.innerHTML = head + (neither.length ? `<br>${plural(neither.length, "KSB")} neither mapped nor explained` : "<br>Every KSB is mapped or explained");
			detail.innerHTML = lists;
		} else el.innerHTML = head + "<br>" + lists;
	};
	form.addEventListener("change", draw);
	form.addEventListener("input", draw);
	draw();
}

// The mapping entries the fields say: {mapping, errs} (errs for
// showErrors).  A KSB with neither units nor a reason is left out: a draft
// may be incomplete; a submit is refused while any is left.
export function readMapping(form, std) {
	const mapping = [], errs = [];
	for (const k of std.ksbs || []) {
		const units = [...form.querySelectorAll(`[name="ksb-${k.code}"]:checked`)].map(c => c.value);
		const assessment = form.querySelector(`[name="assess-${k.code}"]`).value.trim();
		const reason = form.querySelector(`[name="reason-${k.code}"]`).value.trim();
		if (reason && (units.length || assessment)) {
			errs.push({ id: "reason-" + k.code, text: `Give either units and an assessment for ${k.code}, or a reason it cannot be attained, not both` });
			continue;
		}
		if (reason) {
			mapping.push({ ksb: k.code, units: [], not_attainable: reason });
			continue;
		}
		if (!units.length && !assessment) continue;
		if (!units.length) {
			errs.push({ id: form.querySelector(`[name="ksb-${k.code}"]`) ? `ksb-${k.code}` : "assess-" + k.code, text: `Select the units that teach ${k.code}, or clear how it is assessed` });
			continue;
		}
		if (!assessment) errs.push({ id: "assess-" + k.code, text: `Enter how ${k.code} is assessed` });
		mapping.push({ ksb: k.code, units, assessment });
	}
	return { mapping, errs };
}

// The field an API refusal about mapping[i] (of mapping, as sent) is
// about, or null.
export function mappingFieldId(field, mapping) {
	const m = /^mapping\[([0-9]+)\](?:\.([a-z_]+))?/.exec(field || "");
	if (!m || !mapping[+m[1]]) return null;
	const k = mapping[+m[1]].ksb;
	if (m[2] === "not_attainable") return "reason-" + k;
	if (m[2] === "units" && document.getElementById("ksb-" + k)) return "ksb-" + k;
	return "assess-" + k;
}
