// revoke.js - /marks/revoke/?id=<mark>&submission=<id>: a reason (and a
// note, required for "other") -> POST /marks/{id}/revoke.  Reached from
// the submission's page only when the API lists "revoke_mark"; a mark
// revoked already is said at once, with no form.
import { api, apiErrors, backLink, can, content, esc, failure, LABELS, param, setTitle, showErrors, startPage, summaryList, whyNot } from "/assets/js/portal/common.js";

const REASONS = Object.entries(LABELS.revocation);

try {
	const me = await startPage({ roles: ["approver"] });
	if (!me.refused) page: {
		const id = param("id") || "";
		const sub = param("submission");
		backLink(sub ? "/submissions/view/?id=" + encodeURIComponent(sub) : "/submissions/");
		const m = (await api("GET", "/marks/" + encodeURIComponent(id))).data.mark;
		const s = sub ? (await api("GET", "/submissions/" + encodeURIComponent(sub))).data : null;
		if ((s && !can(s, "revoke_mark")) || m.status === "revoked") {
			setTitle("You cannot revoke this quality mark");
			content(`<span class="govuk-caption-l">${esc(m.id)}</span>
<h1 class="govuk-heading-l">You cannot revoke this quality mark</h1>
<div class="govuk-inset-text" id="not-available">${esc(m.status === "revoked" ? "This quality mark has been revoked already." : whyNot("revoke_mark", s, me))}</div>
<p class="govuk-body"><a class="govuk-link" href="/verify/${esc(encodeURIComponent(m.id))}">Check the quality mark</a></p>`);
			break page;
		}
		setTitle("Revoke quality mark " + m.id);
		content(`<form id="revoke-form" novalidate>
<span class="govuk-caption-l">${esc(m.id)}</span>
<h1 class="govuk-heading-l">Revoke this quality mark</h1>
${summaryList([["Qualification", esc(m.qualification.title)], ["Awarding body", esc(m.awarding_body ? m.awarding_body.name : "")],
			["Standard", `${esc(m.standard.ref)} ${esc(m.standard.title || "")}`], ["Status", m.status === "revoked" ? "Revoked" : "Current"]])}
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span>
<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>Revoking is final and public: the verify page and the badge will show the mark as revoked.</strong></div>
<div class="govuk-form-group" data-name="reason"><fieldset class="govuk-fieldset">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--m"><h2 class="govuk-fieldset__heading">Why is the mark being revoked?</h2></legend>
<div class="govuk-radios" data-module="govuk-radios">
${REASONS.map(([v, t], i) => `<div class="govuk-radios__item"><input class="govuk-radios__input" id="reason${i ? "-" + (i + 1) : ""}" name="reason" type="radio" value="${v}"><label class="govuk-label govuk-radios__label" for="reason${i ? "-" + (i + 1) : ""}">${esc(t)}</label></div>`).join("")}
</div></fieldset></div>
<div class="govuk-form-group" data-name="note"><label class="govuk-label govuk-label--s" for="note">Details</label>
<div id="note-hint" class="govuk-hint">Needed when the reason is another reason. Published with the revocation.</div>
<textarea class="govuk-textarea" id="note" name="note" rows="4" aria-describedby="note-hint"></textarea></div>
<button type="submit" id="send" class="govuk-button govuk-button--warning" data-module="govuk-button">Revoke quality mark</button>
</form>`);
		const form = document.getElementById("revoke-form");
		form.addEventListener("submit", async ev => {
			ev.preventDefault();
			const body = {};
			const r = form.querySelector("input[name=reason]:checked");
			if (r) body.reason = r.value;
			if (form.note.value.trim()) body.note = form.note.value.trim();
			try {
				await api("POST", "/marks/" + encodeURIComponent(id) + "/revoke", body);
				location.assign(sub ? "/submissions/view/?revoked&id=" + encodeURIComponent(sub) : "/submissions/");
			} catch (e) {
				if (e.redirected) return;
				showErrors(apiErrors(e, {
					reason: ["reason", body.reason ? null : "Select why the mark is being revoked"],
					note: ["note", "Enter details of why the mark is being revoked"],
				}, "reason"));
			}
		});
	}
} catch (e) {
	failure(e, "The quality mark");
}
