// home.js - /home: what needs the signed-in account's attention, by role,
// each from the API's lists read in parallel (never one after another):
//   awarding body  requests for information to answer (with the date the
//                  answer is due), recent status changes, decisions (with
//                  the decision letter and certificate), revoked marks,
//                  submission windows open now (closing date) or announced
//   reviewer       the queue (what the API says they may review now, the
//                  review's due date first, and the date each was
//                  submitted), submissions waiting for
//                  an answer (due date), their past reviews
//   approver       ready to decide, waiting for an answer (due date)
//   administrator  current quality marks whose review-by date falls in
//                  the next six months (the public register, every page)
// Organisations are shown by name, read once each after the lists; the
// count of unread messages links to them (messages.js).
import { api, content, date, esc, failure, label, plainDate, plural, ROLE_NAMES, startPage, tag } from "/assets/js/portal/common.js";

// The unread messages (messages.js lists them).
async function unreadLine() {
	const { data } = await api("GET", "/messages?limit=1", undefined, { fresh: true });
	const n = data.unread;
	return `<p class="govuk-body" id="message-count"><a class="govuk-link" href="/messages/">${n === 0 ? "No unread messages" : `${n} unread message${n === 1 ? "" : "s"}`}</a></p>`;
}

const LIST_MAX = 100;	// the API's largest page
const RECENT = 5;	// recent changes shown

const list = (q = "") => api("GET", "/submissions?limit=" + LIST_MAX + (q ? "&" + q : "")).then(r => r.data);
const count = d => d.submissions.length + (d.next ? "+" : "");
const view = s => `/submissions/view/?id=${encodeURIComponent(s.id)}`;
const newest = (a, b) => String(b.updated).localeCompare(String(a.updated));

// Days from today (UTC) to a YYYY-MM-DD date; negative when past.
function daysTo(day) {
	const t = new Date();
	const today = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
	return Math.round((Date.parse(day) - today) / 86400000);
}

// One submission as a line of a dashboard list: its title linked (to
// href), its reference, its organisation (filled in by name later), its
// status, and what the line is about (detail, HTML).
function item(s, { href = view(s), detail = "", org = false, status = true } = {}) {
	return `<li class="htq-attention" data-id="${esc(s.id)}"><a class="govuk-link" href="${esc(href)}">${esc(s.qualification.title)}</a>
<span class="govuk-body-s htq-ref">${esc(s.reference || "")}${org && s.organisation ? ` · <span data-org="${esc(s.organisation)}">an awarding body</span>` : ""}</span>
${status ? tag(s.status, s.mark_status) : ""}${detail ? `<br><span class="govuk-body-s">${detail}</span>` : ""}</li>`;
}

const section = (id, heading, items, none) => `<section aria-labelledby="${id}-h" id="${id}">
<h2 class="govuk-heading-m" id="${id}-h">${esc(heading)}</h2>
${items.length ? `<ul class="govuk-list govuk-list--spaced">${items.join("")}</ul>` : `<p class="govuk-body" data-none>${esc(none)}</p>`}</section>`;

// ", waiting 3 days" since a moment (nothing on its own day).
function waited(at) {
	const n = -daysTo(String(at).slice(0, 10));
	return n > 0 ? `, waiting ${plural(n, "day")}` : "";
}

function due(day, what = "Answer") {
	const n = daysTo(day);
	return `${what} due by <strong>${date(day)}</strong>${n < 0 ? " (passed)" : n === 0 ? " (today)" : ` (${plural(n, "day")} left)`}`;
}

async function awardingBody() {
	const [all, asked, windows] = await Promise.all([list(), list("status=information_requested"),
		api("GET", "/windows").then(r => r.data)]);
	const subs = all.submissions;
	const answer = asked.submissions.map(s => item(s, { href: `/submissions/respond/?id=${encodeURIComponent(s.id)}`, detail: s.respond_by ? due(s.respond_by) : "" }));
	const recent = [...subs].sort(newest).slice(0, RECENT).map(s => item(s, { detail: `Last changed on ${date(s.updated)}` }));
	const decided = subs.filter(s => s.status === "approved" || s.status === "rejected").sort((a, b) => String(b.decided || b.updated).localeCompare(String(a.decided || a.updated)));
	const decisions = decided.slice(0, RECENT).map(s => item(s, {
		detail: `${esc(label("outcome", s.status))} on ${date(s.decided || s.updated)}: <a class="govuk-link" href="/submissions/letter/?id=${esc(encodeURIComponent(s.id))}">decision letter</a>${s.status === "approved" && s.mark_status !== "revoked" ? ` and <a class="govuk-link" href="/submissions/certificate/?id=${esc(encodeURIComponent(s.id))}">certificate</a>` : ""}`,
	}));
	const revoked = subs.filter(s => s.mark_status === "revoked").map(s => item(s, { detail: `Quality mark ${esc(s.mark)} revoked: remove its badge from your website` }));
	const open = [], soon = [];
	for (const r of windows.routes || [])
		for (const w of r.windows || []) {
			if (w.state === "open") open.push([w.closes, `<li data-window="${esc(w.id)}"><strong>${esc(w.route)}</strong>: open now, closes on <strong>${date(w.closes)}</strong> (${plural(Math.max(daysTo(w.closes), 0), "day")} left)</li>`]);
			else if (w.state === "announced") soon.push([w.opens, `<li data-window="${esc(w.id)}"><strong>${esc(w.route)}</strong>: opens on ${date(w.opens)}, closes on ${date(w.closes)}</li>`]);
		}
	const win = [...open.sort(), ...soon.sort()].map(x => x[1]);
	const more = all.next ? `<p class="govuk-body-s">Your organisation has more than ${LIST_MAX} submissions: <a class="govuk-link" href="/submissions/">see them all</a>.</p>` : "";
	return `${answer.length ? `<div class="govuk-notification-banner" role="region" aria-labelledby="answers-h" data-module="govuk-notification-banner" id="answers-needed">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="answers-h">Important</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${esc(answer.length === 1 ? "1 submission needs" : `${count(asked)} submissions need`)} your answer to a request for information</p>
<ul class="govuk-list govuk-list--spaced">${answer.join("")}</ul></div></div>` : ""}
<div class="govuk-button-group"><a href="/submissions/new/?start=1" role="button" draggable="false" class="govuk-button" data-module="govuk-button" id="start">Start a new submission</a>
<a class="govuk-link" href="/submissions/">View all your submissions</a></div>
${section("recent", "Recent changes", recent, "You have no submissions yet.")}${more}
${section("decisions", "Decisions", decisions, "No decision has been made on your submissions yet.")}
${revoked.length ? section("revocations", "Revoked quality marks", revoked, "") : ""}
<section aria-labelledby="windows-h" id="windows"><h2 class="govuk-heading-m" id="windows-h">Submission windows</h2>
${win.length ? `<ul class="govuk-list govuk-list--spaced">${win.join("")}</ul>` : `<p class="govuk-body" data-none>No submission window is open or announced. You can prepare a draft now and submit it when a window opens for its route.</p>`}
<p class="govuk-body"><a class="govuk-link" href="/standards/">Browse occupational standards and their eligibility</a></p></section>`;
}

async function reviewer() {
	const [queue, waiting, past] = await Promise.all([list("status=awaiting_review"), list("status=information_requested"), list("status=reviewed")]);
	// the queue by due date (the core's review_due), the oldest first
	const q = [...queue.submissions].sort((a, b) => String(a.review_due || a.submitted_at).localeCompare(String(b.review_due || b.submitted_at)));
	const n = count(queue);
	return `<p class="govuk-body" id="queue-count">${esc(n)} submission${n === "1" ? " is" : "s are"} waiting for your recommendation.</p>
${section("queue", "Waiting for your review", q.map(s => item(s, { href: `/submissions/review/?id=${encodeURIComponent(s.id)}`, org: true,
		detail: [s.review_due ? due(s.review_due, "Review") : "", s.submitted_at ? `Submitted on ${date(s.submitted_at)}${waited(s.submitted_at)}` : ""].filter(Boolean).join("<br>") })),
		"There is nothing waiting for your review.")}
${section("waiting", "Waiting for the awarding body's answer", waiting.submissions.map(s => item(s, { org: true, detail: s.respond_by ? due(s.respond_by) : "" })), "No submission is waiting for an answer.")}
${section("past", "Your past reviews", [...past.submissions].sort(newest).slice(0, 10).map(s => item(s, { org: true, detail: `Updated on ${date(s.updated)}` })), "You have not reviewed a submission yet.")}
<a href="/submissions/" role="button" draggable="false" class="govuk-button" data-module="govuk-button">Review submissions</a>`;
}

async function approver() {
	const [ready, waiting] = await Promise.all([list("status=awaiting_decision"), list("status=information_requested")]);
	const n = count(ready);
	return `<p class="govuk-body" id="queue-count">${esc(n)} submission${n === "1" ? " is" : "s are"} ready for your decision.</p>
${section("ready", "Ready for your decision", ready.submissions.map(s => item(s, { href: `/submissions/decide/?id=${encodeURIComponent(s.id)}`, org: true,
		detail: s.submitted_at ? `Submitted on ${date(s.submitted_at)}` : "" })), "There is nothing you can decide now.")}
<p class="govuk-body">A submission can be decided once it has the employer panel's recommendation, by an approver who did not review it.</p>
${section("waiting", "Waiting for the awarding body's answer", waiting.submissions.map(s => item(s, { org: true, detail: s.respond_by ? due(s.respond_by) : "" })), "No submission is waiting for an answer.")}
<a href="/submissions/" role="button" draggable="false" class="govuk-button" data-module="govuk-button">Decide submissions</a>
<p class="govuk-body">To revoke a quality mark, open the approved submission that carries it.</p>`;
}

// Current marks whose review-by date is in the next six months, from
// every page of the public register (pages in sequence: each names the next).
async function reviewsDue() {
	const t = new Date();
	const today = t.toISOString().slice(0, 10);
	const until = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 6, t.getUTCDate())).toISOString().slice(0, 10);
	const due = [];
	for (let after = "", pages = 0; pages < 1000; pages++) {
		const r = (await api("GET", "/register?status=current&limit=" + LIST_MAX + (after ? "&after=" + encodeURIComponent(after) : ""))).data;
		for (const m of r.items || [])
			if (m.review_by && m.review_by <= until) due.push(m);
		if (!r.next) break;
		after = r.next;
	}
	due.sort((a, b) => a.review_by.localeCompare(b.review_by));
	return { until, items: due.map(m => `<li data-mark="${esc(m.mark_id)}"><a class="govuk-link" href="/verify/${esc(encodeURIComponent(m.mark_id))}">${esc(m.qualification.title)}</a>
<span class="govuk-body-s htq-ref">${esc(m.mark_id)} · ${esc(m.awarding_body && m.awarding_body.name)}</span><br><span class="govuk-body-s">Review by <strong>${date(m.review_by)}</strong>${m.review_by < today ? " (overdue)" : ""}</span></li>`) };
}

try {
	const me = await startPage();
	const messages = unreadLine();
	me.org = await me.orgReady;
	const role = me.account.role;
	const who = `<p class="govuk-body-l">${esc(me.account.name)}${me.org ? ", " + esc(me.org.name) : ""}</p>`;
	let body = "";
	if (role === "awarding_body") body = await awardingBody();
	else if (role === "reviewer") body = await reviewer();
	else if (role === "approver") body = await approver();
	else {
		const due = role === "admin" ? await reviewsDue() : null;
		body = `${due ? section("reviews-due", "Quality marks due for review", due.items, `No current quality mark is due for review before ${plainDate(due.until)}.`)
			.replace("</h2>", `</h2><p class="govuk-body">Current quality marks whose review-by date falls before ${date(due.until)}.</p>`) : ""}
<h2 class="govuk-heading-m">${role === "auditor" ? "Audit" : "Administration"}</h2>
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
<h1 class="govuk-heading-l">Your account</h1>${who}${await messages}${body}`);
	document.getElementById("content").dataset.shown = "1";
	// the awarding bodies by name, each read once
	const orgs = [...new Set([...document.querySelectorAll("[data-org]")].map(e => e.dataset.org))];
	await Promise.all(orgs.map(async o => {
		try {
			const org = (await api("GET", "/organisations/" + encodeURIComponent(o))).data.organisation;
			document.querySelectorAll(`[data-org="${CSS.escape(o)}"]`).forEach(el => { el.textContent = org.name; });
		} catch (e) { if (e.redirected) throw e; }
	}));
	document.getElementById("content").dataset.loaded = "1";	// and settled
} catch (e) {
	failure(e, "Your account");
}
