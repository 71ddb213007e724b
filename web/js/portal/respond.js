// respond.js - /submissions/respond/?id=: the awarding body answers the
// open request for information -> POST /submissions/{id}/information-
// response {answer} or, when it chooses to amend the KSB mapping, {answer,
// content} with the whole content (its qualification, standard and units
// as they are, the mapping as amended here with the journey's own fields,
// mapping-editor.js).  Amended content is a new version that goes back to
// review.  Offered only when the API lists "respond"; else the page says
// why at once.
import { actionPage, api, ApiError, apiErrors, can, content, date, esc, failure, requestRows, setTitle, showErrors, summaryList, words } from "/assets/js/portal/common.js";
import { liveCoverage, mappingFieldId, mappingFields, readMapping } from "/assets/js/portal/mapping-editor.js";

try {
	const page = await actionPage({ roles: ["awarding_body"], action: "respond", refusal: "You cannot respond to a request for this submission" });
	if (page) {
		const { me, id, s } = page;
		const req = s.information_requests[s.information_requests.length - 1];
		const std = (await api("GET", `/standards/${encodeURIComponent(s.standard.ref)}?version=${encodeURIComponent(s.standard.version)}`)).data;
		setTitle("Respond to the request for information");
		content(`<form id="respond-form" novalidate>
<span class="govuk-caption-l">${esc(s.qualification.title)}</span>
<h1 class="govuk-heading-l">Respond to the request for information</h1>
<p class="govuk-body">Answer by <strong>${date(req.respond_by)}</strong>. After that date the request can no longer be answered, and an approver may decide on what you submitted.</p>
<h2 class="govuk-heading-m">The question</h2>
${summaryList(requestRows(req, me))}
<div class="govuk-form-group" data-name="answer"><h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--m" for="answer">Your answer</label></h2>
<div id="answer-hint" class="govuk-hint">The person who asked sees it. The public ledger records only a fingerprint of it.</div>
<textarea class="govuk-textarea" id="answer" name="answer" rows="6" aria-describedby="answer-hint"></textarea></div>
<div class="govuk-form-group" data-name="amend"><fieldset class="govuk-fieldset" aria-describedby="amend-hint">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--m"><h2 class="govuk-fieldset__heading">Do you want to amend the KSB mapping?</h2></legend>
<div id="amend-hint" class="govuk-hint">An amended mapping is a new version of the submission: it goes back to the employer panel to be reviewed again, and the recommendations made so far are kept as earlier ones. Without an amendment the submission goes back to where it was.</div>
<div class="govuk-radios" data-module="govuk-radios">
<div class="govuk-radios__item"><input class="govuk-radios__input" id="amend" name="amend" type="radio" value="no" checked><label class="govuk-label govuk-radios__label" for="amend">No, send my answer only</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="amend-2" name="amend" type="radio" value="yes" aria-controls="conditional-amend"><label class="govuk-label govuk-radios__label" for="amend-2">Yes, amend the KSB mapping with my answer</label></div>
<div class="govuk-radios__conditional govuk-radios__conditional--hidden" id="conditional-amend">
<p class="govuk-body">For each KSB of ${esc(std.ref)} ${esc(std.title)}, tick the units that teach it and say how it is assessed, or say why it cannot be attained in an education setting. Every KSB needs one or the other. The units and the qualification's details stay as they are.</p>
<div class="govuk-inset-text" id="live-coverage" aria-live="polite"></div>
${mappingFields(std, s.units || [], s.mapping || [], { nested: true })}
</div></div></fieldset></div>
<div class="govuk-button-group"><button type="submit" id="send" class="govuk-button" data-module="govuk-button">Send answer</button>
<a class="govuk-link" href="/submissions/view/?id=${esc(encodeURIComponent(id))}">Cancel</a></div>
</form>`);
		const form = document.getElementById("respond-form");
		const reveal = document.getElementById("conditional-amend");
		const sync = () => reveal.classList.toggle("govuk-radios__conditional--hidden", !document.getElementById("amend-2").checked);
		form.querySelectorAll("input[name=amend]").forEach(r => r.addEventListener("change", sync));
		sync();
		liveCoverage(form, document.getElementById("live-coverage"));
		let busy = false;
		form.addEventListener("submit", async ev => {
			ev.preventDefault();
			if (busy) return;
			const answer = form.answer.value;
			const amend = document.getElementById("amend-2").checked;
			const errs = [];
			if (!answer.trim()) errs.push({ id: "answer", text: "Enter your answer" });
			const body = { answer };
			let mapping = [];
			if (amend) {
				const r = readMapping(form, std);
				mapping = r.mapping;
				errs.push(...r.errs);
				const done = new Set(mapping.map(m => m.ksb));
				const todo = (std.ksbs || []).filter(k => !done.has(k.code)).map(k => k.code);
				if (!r.errs.length && todo.length)
					errs.push({ id: "assess-" + todo[0], text: `Give units and an assessment, or a reason it cannot be attained, for every KSB: ${todo.join(", ")} ${todo.length === 1 ? "has" : "have"} neither` });
				const q = { ...s.qualification }, sd = { ...s.standard };
				if (q.qan == null) delete q.qan;
				if (sd.option == null) delete sd.option;
				body.content = { qualification: q, standard: sd, units: s.units || [], mapping };
			}
			if (errs.length) return showErrors(errs);
			busy = true;
			try {
				await api("POST", "/submissions/" + encodeURIComponent(id) + "/information-response", body);
				location.assign("/submissions/view/?responded&id=" + encodeURIComponent(id));
			} catch (e) {
				if (e.redirected) return;
				const field = e instanceof ApiError ? e.field : null;
				const fid = field && field.startsWith("content.") ? mappingFieldId(field.slice(8), mapping) : mappingFieldId(field, mapping);
				if (fid) showErrors([{ id: fid, text: words(e.message, { drop: true }) }]);
				else showErrors(apiErrors(e, { answer: ["answer", null] }, amend ? "amend-2" : "answer"));
			} finally {
				busy = false;
			}
		});
	}
} catch (e) {
	failure(e, "The submission");
}
