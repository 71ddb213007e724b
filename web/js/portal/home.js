// home.js - /home: the landing page for the signed-in account's role.
import { api, content, esc, failure, ROLE_NAMES, startPage } from "/assets/js/portal/common.js";

async function count(status) {
	const { data } = await api("GET", "/submissions?status=" + status);
	return data.submissions.length + (data.next ? "+" : "");
}

try {
	const me = await startPage();
	me.org = await me.orgReady;
	const role = me.account.role;
	const who = `<p class="govuk-body-l">${esc(me.account.name)}${me.org ? ", " + esc(me.org.name) : ""}</p>`;
	let body = "";
	if (role === "awarding_body") {
		const asked = await count("information_requested");
		body = `${asked !== "0" ? `<div class="govuk-inset-text" id="answers-needed"><a class="govuk-link" href="/submissions/">${esc(asked)} submission${asked === "1" ? " needs" : "s need"} your answer to a request for information</a>.</div>` : ""}
<h2 class="govuk-heading-m">Your qualifications</h2>
<p class="govuk-body">Submit qualifications for approval against an occupational standard, follow their review and see their quality marks.</p>
<ul class="govuk-list govuk-list--spaced">
<li><a class="govuk-link" href="/submissions/">View your submissions</a></li>
<li><a class="govuk-link" href="/submissions/new/?start=1">Start a new submission</a></li>
<li><a class="govuk-link" href="/standards/">Browse occupational standards and their eligibility</a></li>
</ul>`;
	} else if (role === "reviewer") {
		const [n, w] = await Promise.all([count("awaiting_review"), count("information_requested")]);
		body = `<h2 class="govuk-heading-m">Submissions to review</h2>
<p class="govuk-body" id="queue-count">${esc(n)} submission${n === "1" ? " is" : "s are"} waiting for your recommendation. ${esc(w)} ${w === "1" ? "is" : "are"} waiting for the awarding body's answer to a question.</p>
<a href="/submissions/" role="button" draggable="false" class="govuk-button" data-module="govuk-button">Review submissions</a>`;
	} else if (role === "approver") {
		const [a, w] = await Promise.all([count("awaiting_decision"), count("information_requested")]);
		body = `<h2 class="govuk-heading-m">Decisions</h2>
<p class="govuk-body" id="queue-count">${esc(a)} submission${a === "1" ? " is" : "s are"} ready for your decision. ${esc(w)} ${w === "1" ? "is" : "are"} waiting for the awarding body's answer to a question.</p>
<p class="govuk-body">A submission can be decided once it has the employer panel's recommendation, by an approver who did not review it.</p>
<a href="/submissions/" role="button" draggable="false" class="govuk-button" data-module="govuk-button">Decide submissions</a>
<p class="govuk-body">To revoke a quality mark, open the approved submission that carries it.</p>`;
	} else {
		body = `<h2 class="govuk-heading-m">${role === "auditor" ? "Audit" : "Administration"}</h2>
<ul class="govuk-list govuk-list--spaced">
<li><a class="govuk-link" href="/submissions/">All submissions, their reviews and decisions</a></li>
<li><a class="govuk-link" href="/ledger">The ledger: its signed checkpoint, its entries, and verifying them in your browser</a></li>
<li><a class="govuk-link" href="/reports/">Partners' report: the lessons of each submission window and route, with charts and files to download</a></li>
</ul>${role === "admin" ? `<h2 class="govuk-heading-m">Manage the service</h2>
<ul class="govuk-list govuk-list--spaced">
<li><a class="govuk-link" href="/admin/windows/">Submission windows</a></li>
<li><a class="govuk-link" href="/admin/standards/">Standards' eligibility</a></li>
<li><a class="govuk-link" href="/admin/accounts/">Accounts and organisations</a></li>
</ul>` : ""}`;
	}
	if (role !== "auditor" && role !== "admin")
		body += `<h2 class="govuk-heading-m">The public ledger</h2>
<p class="govuk-body">Every decision is recorded in a signed, append-only ledger. <a class="govuk-link" href="/ledger">Check the ledger</a>.</p>`;
	content(`<span class="govuk-caption-l">${esc(ROLE_NAMES[role] || role)}</span>
<h1 class="govuk-heading-l">Your account</h1>${who}${body}`);
	document.getElementById("content").dataset.loaded = "1";
} catch (e) {
	failure(e, "Your account");
}
