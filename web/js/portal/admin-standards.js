// admin-standards.js - /admin/standards: the catalogue (GET /standards)
// with each standard's eligibility, and a form to change one's eligibility
// with a reason (POST /admin/standards/{ref}/eligibility; the ledger
// records the decision); making one not eligible is confirmed first on a
// page that says how many drafts and submissions it affects.
import { api, apiErrors, banner, content, esc, failure, param, plural, setTitle, showErrors, startPage, summaryList } from "/assets/js/portal/common.js";

function eligibility(s) {
	return s.eligible ? `<strong class="govuk-tag govuk-tag--green">Eligible</strong>`
		: `<strong class="govuk-tag govuk-tag--red">Not eligible</strong>${s.ineligible_reason ? `<br><span class="govuk-body-s">${esc(s.ineligible_reason)}</span>` : ""}`;
}

async function change(ref, body) {
	await api("POST", "/admin/standards/" + encodeURIComponent(ref) + "/eligibility", body);
	location.assign("/admin/standards/?changed=" + encodeURIComponent(ref));
}

// Before a standard is made not eligible: how many drafts and undecided
// submissions it affects (GET /admin/standards/{ref}/impact), then yes or
// cancel.
async function confirmIneligible(s, body) {
	const n = (await api("GET", "/admin/standards/" + encodeURIComponent(s.ref) + "/impact")).data;
	setTitle(`Make ${s.ref} not eligible`);
	content(`<span class="govuk-caption-l">${esc(s.ref)} ${esc(s.title)} (version ${esc(s.version)})</span>
<h1 class="govuk-heading-l">Are you sure you want to make this standard not eligible?</h1>
<h2 class="govuk-heading-m">What this affects</h2>
<ul class="govuk-list govuk-list--bullet" id="impact" data-drafts="${n.drafts}" data-submissions="${n.submissions}">
<li>${esc(plural(n.drafts, "draft"))} against it could not be submitted.</li>
<li>${esc(plural(n.submissions, "submission"))} being decided could not be approved.</li>
<li>Quality marks already awarded stay as they are.</li></ul>
${summaryList([["Reason", esc(body.reason)]])}
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> The decision and its reason are published with the standard and recorded in the public ledger.</strong></div>
<form id="confirm-form" novalidate><div class="govuk-button-group">
<button type="submit" class="govuk-button govuk-button--warning" id="confirm-ineligible" data-module="govuk-button">Yes, make it not eligible</button>
<a class="govuk-link" href="/admin/standards/?ref=${esc(encodeURIComponent(s.ref))}">Cancel</a></div></form>`);
	document.getElementById("confirm-form").addEventListener("submit", async ev => {
		ev.preventDefault();
		try {
			await change(s.ref, body);
		} catch (e) {
			if (e.redirected) return;
			showErrors(apiErrors(e, {}, "confirm-ineligible"));
		}
	});
}

try {
	const me = await startPage({ roles: ["admin"] });
	if (!me.refused) {
		const list = (await api("GET", "/standards", undefined, { fresh: true })).data.standards;
		const changed = param("changed");
		const chosen = param("ref") || "";
		const ch = changed && list.find(s => s.ref === changed);
		content(`${ch ? banner(`${ch.ref} ${ch.title} is now ${ch.eligible ? "eligible" : "not eligible"}.`) : ""}<span class="govuk-caption-l">Administration</span>
<h1 class="govuk-heading-l">Standards' eligibility</h1>
<p class="govuk-body">Only an eligible standard can have qualifications submitted against it. Every change is recorded in the public ledger with its reason.</p>
<h2 class="govuk-heading-m">Change a standard's eligibility</h2>
<form id="eligibility-form" novalidate>
<div class="govuk-form-group" data-name="ref"><label class="govuk-label govuk-label--s" for="ref">Standard</label>
<select class="govuk-select" id="ref" name="ref"><option value="">Choose a standard</option>${list.map(s => `<option value="${esc(s.ref)}"${s.ref === chosen ? " selected" : ""}>${esc(s.ref)} ${esc(s.title)} (${s.eligible ? "eligible" : "not eligible"})</option>`).join("")}</select></div>
<div class="govuk-form-group" data-name="eligible"><fieldset class="govuk-fieldset">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Eligibility</legend>
<div class="govuk-radios" data-module="govuk-radios">
<div class="govuk-radios__item"><input class="govuk-radios__input" id="eligible" name="eligible" type="radio" value="true"><label class="govuk-label govuk-radios__label" for="eligible">Eligible</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="eligible-2" name="eligible" type="radio" value="false"><label class="govuk-label govuk-radios__label" for="eligible-2">Not eligible</label></div>
</div></fieldset></div>
<div class="govuk-form-group" data-name="reason"><label class="govuk-label govuk-label--s" for="reason">Reason</label>
<div id="reason-hint" class="govuk-hint">Required when a standard is made not eligible. Published with the standard and in the ledger; up to 500 characters.</div>
<textarea class="govuk-textarea" id="reason" name="reason" rows="3" aria-describedby="reason-hint"></textarea></div>
<button type="submit" class="govuk-button" id="change" data-module="govuk-button">Change eligibility</button>
</form>
<table class="govuk-table" id="catalogue"><caption class="govuk-table__caption govuk-table__caption--m">The catalogue</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Standard</th><th scope="col" class="govuk-table__header">Route</th><th scope="col" class="govuk-table__header">Level</th><th scope="col" class="govuk-table__header">Eligibility</th></tr></thead>
<tbody class="govuk-table__body">${list.map(s => `<tr class="govuk-table__row" data-ref="${esc(s.ref)}"><th scope="row" class="govuk-table__header">${esc(s.ref)} <span class="govuk-!-font-weight-regular">${esc(s.title)} (version ${esc(s.version)})</span></th>
<td class="govuk-table__cell">${esc(s.route)}</td><td class="govuk-table__cell">${esc(s.level)}</td><td class="govuk-table__cell">${eligibility(s)}</td></tr>`).join("")}</tbody></table>`);
		const form = document.getElementById("eligibility-form");
		let busy = false;
		form.addEventListener("submit", async ev => {
			ev.preventDefault();
			if (busy) return;
			const ref = form.ref.value;
			const el = form.querySelector("input[name=eligible]:checked");
			const reason = form.reason.value.trim();
			const errs = [];
			if (!ref) errs.push({ id: "ref", text: "Select a standard" });
			if (!el) errs.push({ id: "eligible", text: "Select whether the standard is eligible" });
			if (el && el.value === "false" && !reason) errs.push({ id: "reason", text: "Enter the reason the standard is not eligible" });
			if (errs.length) return showErrors(errs);
			const body = { eligible: el.value === "true" };
			if (reason) body.reason = reason;
			busy = true;
			try {
				if (!body.eligible) await confirmIneligible(list.find(s => s.ref === ref), body);
				else await change(ref, body);
			} catch (e) {
				if (e.redirected) return;
				showErrors(apiErrors(e, { eligible: ["eligible", null], reason: ["reason", null] }, e.status === 404 ? "ref" : "reason"));
			} finally {
				busy = false;
			}
		});
	}
} catch (e) {
	failure(e, "The standards");
}
