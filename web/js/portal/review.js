// review.js - /submissions/review/?id=: the standard's KSBs (GET
// /standards/{ref}?version=) beside the submission's mapping, a finding per
// KSB, a recommendation and comments -> POST /submissions/{id}/reviews.
// When the API does not list "review" in the submission's actions the page
// says why at once, and shows no form.
import { actionPage, api, apiErrors, content, LABELS, coverageRows, esc, failure, setTitle, showErrors, summaryList } from "/assets/js/portal/common.js";

const KIND = LABELS.ksb_kind;

try {
	const page = await actionPage({ roles: ["reviewer"], action: "review", refusal: "You cannot review this submission" });
	if (page) {
		const { id, s } = page;
		const std = (await api("GET", `/standards/${encodeURIComponent(s.standard.ref)}?version=${encodeURIComponent(s.standard.version)}`)).data;
		const byKsb = new Map((s.mapping || []).map(m => [m.ksb, m]));
		const units = new Map((s.units || []).map(u => [u.id, u.title]));
		setTitle("Review " + s.qualification.title);
		const groups = {};
		for (const k of std.ksbs || []) (groups[KIND[k.kind] || k.kind] ||= []).push(k);
		const rows = Object.entries(groups).map(([kind, ksbs]) => `
<table class="govuk-table htq-review-table"><caption class="govuk-table__caption govuk-table__caption--m">${esc(kind)}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">KSB in the standard</th><th scope="col" class="govuk-table__header">Mapped to</th><th scope="col" class="govuk-table__header">Your finding</th></tr></thead>
<tbody class="govuk-table__body">${ksbs.map(k => {
			const m = byKsb.get(k.code);
			const mapped = m && m.not_attainable ? `<strong class="govuk-tag govuk-tag--yellow">Cannot be attained</strong><br><span class="govuk-body-s">${esc(m.not_attainable)}</span>`
				: m && (m.units || []).length ? `${esc((m.units || []).map(u => u + (units.get(u) ? " " + units.get(u) : "")).join("; "))}<br><span class="govuk-body-s">${esc(m.assessment || "")}</span>`
				: `<strong class="govuk-tag govuk-tag--grey">Not covered</strong>`;
			return `<tr class="govuk-table__row" data-ksb="${esc(k.code)}"><th scope="row" class="govuk-table__header"><span class="govuk-!-font-weight-bold">${esc(k.code)}</span> <span class="govuk-!-font-weight-regular">${esc(k.text)}</span></th>
<td class="govuk-table__cell">${mapped}</td>
<td class="govuk-table__cell"><div class="govuk-form-group" data-name="finding-${esc(k.code)}"><fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend govuk-visually-hidden">Finding for ${esc(k.code)}</legend>
<div class="govuk-radios govuk-radios--small govuk-radios--inline" data-module="govuk-radios">
<div class="govuk-radios__item"><input class="govuk-radios__input" id="finding-${esc(k.code)}" name="finding-${esc(k.code)}" type="radio" value="agree"><label class="govuk-label govuk-radios__label" for="finding-${esc(k.code)}">Agree</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="finding-${esc(k.code)}-2" name="finding-${esc(k.code)}" type="radio" value="disagree"><label class="govuk-label govuk-radios__label" for="finding-${esc(k.code)}-2">Disagree</label></div>
</div></fieldset></div>
<div class="govuk-form-group" data-name="note-${esc(k.code)}"><label class="govuk-label govuk-!-font-size-16" for="note-${esc(k.code)}">Note on ${esc(k.code)} (optional)</label><input class="govuk-input" id="note-${esc(k.code)}" name="note-${esc(k.code)}" type="text"></div></td></tr>`;
		}).join("")}</tbody></table>`).join("");
		content(`<form id="review-form" novalidate>
<span class="govuk-caption-l">${esc(s.qualification.title)}</span>
<h1 class="govuk-heading-l">Review this submission</h1>
<p class="govuk-body">Compare the qualification's mapping with occupational standard ${esc(std.ref)} ${esc(std.title)} (version ${esc(std.version)}). Record a finding for any KSB where you have one.</p>
<h2 class="govuk-heading-m">Coverage</h2>
${s.coverage ? summaryList(coverageRows(s.coverage, s.mapping)) : ""}
${rows}
<div class="govuk-form-group" data-name="recommendation"><fieldset class="govuk-fieldset">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--m"><h2 class="govuk-fieldset__heading">Your recommendation</h2></legend>
<div class="govuk-radios" data-module="govuk-radios">
<div class="govuk-radios__item"><input class="govuk-radios__input" id="recommendation" name="recommendation" type="radio" value="approve"><label class="govuk-label govuk-radios__label" for="recommendation">Approve</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="recommendation-2" name="recommendation" type="radio" value="reject"><label class="govuk-label govuk-radios__label" for="recommendation-2">Reject</label></div>
</div></fieldset></div>
<div class="govuk-form-group" data-name="comments"><h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--m" for="comments">Comments</label></h2>
<div id="comments-hint" class="govuk-hint">Why you recommend this. The ledger records only a fingerprint of your comments.</div>
<textarea class="govuk-textarea" id="comments" name="comments" rows="5" aria-describedby="comments-hint"></textarea></div>
<button type="submit" id="send" class="govuk-button" data-module="govuk-button">Record recommendation</button>
</form>`);
		const form = document.getElementById("review-form");
		let busy = false;
		form.addEventListener("submit", async ev => {
			ev.preventDefault();
			if (busy) return;
			const body = { comments: form.comments.value };
			const rec = form.querySelector("input[name=recommendation]:checked");
			if (rec) body.recommendation = rec.value;
			const findings = [];
			for (const k of std.ksbs || []) {
				const f = form.querySelector(`input[name="finding-${k.code}"]:checked`);
				const note = form.querySelector(`[name="note-${k.code}"]`).value.trim();
				if (f || note) findings.push({ ksb: k.code, agree: f ? f.value === "agree" : true, ...(note ? { note } : {}) });
			}
			if (findings.length) body.ksb_findings = findings;
			busy = true;
			try {
				await api("POST", "/submissions/" + encodeURIComponent(id) + "/reviews", body);
				location.assign("/submissions/view/?reviewed&id=" + encodeURIComponent(id));
			} catch (e) {
				if (e.redirected) return;
				let errs = apiErrors(e, {
					recommendation: ["recommendation", "Select whether you recommend approval"],
					comments: ["comments", e.field === "comments" && !body.comments.trim() ? "Enter your comments" : null],
				}, "recommendation");
				const fm = e.field && /^ksb_findings\[([0-9]+)\]/.exec(e.field);
				if (fm && findings[+fm[1]]) errs = [{ id: "note-" + findings[+fm[1]].ksb, text: e.message }];
				showErrors(errs);
			} finally {
				busy = false;
			}
		});
	}
} catch (e) {
	failure(e, "The submission");
}
