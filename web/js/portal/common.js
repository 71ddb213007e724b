// common.js - what every portal page shares: the JSON API client (session
// cookie plus the CSRF token kept in sessionStorage), the signed-in header,
// expired sessions (back to /sign-in?next=<this page>), GOV.UK error
// summaries with inline field errors, form text kept across a sign-in
// (saveForms, restoreForms), and small rendering helpers.
// The API is the only source of truth: pages show what it answers and
// send what the user chose; every rule is the API's.

const CSRF_KEY = "htq.csrf";
export const SERVICE = "HTQ approvals – GOV.UK";

export const ROLE_NAMES = {
	awarding_body: "Awarding body",
	reviewer: "Employer panel reviewer",
	approver: "Approver",
	auditor: "Auditor",
	admin: "Administrator",
};

// status -> [label, tag modifier]
export const STATUS = {
	draft: ["Draft", "govuk-tag--grey"],
	submitted: ["Submitted", "govuk-tag--blue"],
	in_review: ["In review", "govuk-tag--light-blue"],
	information_requested: ["Information requested", "govuk-tag--yellow"],
	approved: ["Approved", "govuk-tag--green"],
	rejected: ["Rejected", "govuk-tag--red"],
	withdrawn: ["Withdrawn", "govuk-tag--orange"],
};

// Words for every code the API answers with, one table for every page:
// label(kind, code).  A code the table does not know yet is still shown
// in words (its underscores as spaces), never raw.
export const LABELS = {
	role: ROLE_NAMES,
	status: Object.fromEntries(Object.entries(STATUS).map(([k, [v]]) => [k, v])),
	qualification_type: { HNC: "Higher National Certificate (HNC)", HND: "Higher National Diploma (HND)", foundation_degree: "Foundation degree", other: "Another type" },
	org_kind: { awarding_body: "Awarding body", employer: "Employer", regulator: "Regulator", ifate: "Institute", approving_body: "Approving body", employer_panel: "Employer panel" },
	revocation: {
		qualification_withdrawn: "The qualification has been withdrawn",
		standard_withdrawn: "The occupational standard has been withdrawn",
		non_compliance: "The awarding body did not comply with the conditions",
		other: "Another reason",
	},
	recommendation: { approve: "Recommends approval", reject: "Recommends rejection" },
	outcome: { approved: "Approved", rejected: "Rejected" },
	window_state: { open: "Open", announced: "Announced", closed: "Closed" },
	ksb_kind: { knowledge: "Knowledge", skill: "Skills", skills: "Skills", behaviour: "Behaviours", behaviours: "Behaviours" },
	ledger_type: {
		"standard.imported": "Standard imported",
		"standard.eligibility": "Standard's eligibility changed",
		"window.opened": "Submission window opened or announced",
		"window.closed": "Submission window closed",
		"submission.submitted": "Submission submitted",
		"submission.withdrawn": "Submission withdrawn",
		"review.recorded": "Employer review recorded",
		"information.requested": "Information requested",
		"information.provided": "Information provided",
		"decision.approved": "Approved",
		"decision.rejected": "Rejected",
		"mark.awarded": "Quality mark awarded",
		"mark.revoked": "Quality mark revoked",
		"account.role_changed": "Account's role changed",
		"key.rotated": "Signing key rotated",
		"key.rotated_previous_log": "Signing key rotated (previous log)",
		"ledger.restarted": "Ledger restarted",
	},
};

export function label(kind, code) {
	const t = LABELS[kind];
	if (code == null || code === "") return "";
	if (t && Object.prototype.hasOwnProperty.call(t, code)) return t[code];
	return sentence(String(code).replace(/[._]+/g, " "));
}

// "1 KSB", "2 KSBs"; many: the plural when it is not the word plus "s".
export function plural(n, one, many = one + "s") {
	return `${n} ${Number(n) === 1 ? one : many}`;
}

// An API message in the portal's words: its dates (YYYY-MM-DD, or a
// moment) as "6 December 2026", the codes it quotes in words, and the
// field path it starts with ("qualification.first_teaching: ") as the
// field's name ("First teaching: "), or dropped (drop: the page shows the
// message beside the field already).
export function words(message, { drop = false } = {}) {
	return sentence(String(message || "")
		.replace(/^[a-z_]+(?:\.[a-z_]+|\[[0-9]+\])*: /, p => drop ? "" : p.replace(/\[[0-9]+\]/g, "").split(".").pop())
		.replace(/\b([0-9]{4}-[0-9]{2}-[0-9]{2})(T[0-9:.]+Z)?\b/g, (m, d) => plainDate(d))
		.replace(/\b[a-z]+(?:_[a-z]+)+\b/g, c => label(LABEL_OF[c] || "", c).toLowerCase()));
}
const LABEL_OF = Object.fromEntries(["status", "org_kind", "revocation", "qualification_type", "role"].flatMap(k => Object.keys(LABELS[k]).map(c => [c, k])).reverse());

export function esc(s) {
	return String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export function tag(status, markStatus) {
	if (status === "approved" && markStatus === "revoked")
		return `<strong class="govuk-tag govuk-tag--red">Approved – mark revoked</strong>`;
	const [label, cls] = STATUS[status] || [status, "govuk-tag--grey"];
	return `<strong class="govuk-tag ${cls}">${esc(label)}</strong>`;
}

// The actions the API lists for the signed-in account on a submission
// (its "actions"): a page offers these and nothing else.
export function can(s, action) {
	return Array.isArray(s && s.actions) && s.actions.includes(action);
}

// Why an action the API did not list is not available, in words, from the
// submission as the API showed it (the API's own rules decide; this only
// explains them).  me: startPage()'s answer.
export function whyNot(action, s, me) {
	const st = STATUS[s.status] ? STATUS[s.status][0].toLowerCase() : s.status;
	const mine = me && me.account ? me.account.id : "";
	const reviewed = (s.reviews || []).some(r => r.reviewer === mine);
	const reviewedEarlier = (s.earlier_reviews || []).some(r => r.reviewer === mine);
	const authored = (s.authors || []).includes(mine) || (me && me.account && me.account.org && me.account.org === s.organisation);
	const open = (s.information_requests || []).slice(-1)[0];
	if (action === "review") {
		if (s.status === "information_requested") return `This submission is waiting for the awarding body's answer to a request for information${open ? `, due by ${date(open.respond_by)}` : ""}. It can be reviewed again once they answer.`;
		if (s.status !== "submitted" && s.status !== "in_review") return `This submission is ${st}: reviews are recorded only while a submission is submitted or in review.`;
		if (authored) return "You belong to the organisation that made this submission, or worked on it, so someone independent of it must review it.";
		if (reviewed) return "You have already recorded a review of this submission. Each reviewer records one review of each version.";
		return "You cannot record a review of this submission now.";
	}
	if (action === "decide") {
		if (s.status === "approved" || s.status === "rejected") return `This submission was ${st} already. A decision is final.`;
		if (s.status === "information_requested") return `This submission is waiting for the awarding body's answer to a request for information${open ? `, due by ${date(open.respond_by)}` : ""}. It can be decided after they answer, or once that date has passed.`;
		if (s.status !== "submitted" && s.status !== "in_review") return `This submission is ${st}: there is nothing to decide.`;
		if (authored) return "You belong to the organisation that made this submission, or worked on it, so someone independent of it must decide it.";
		if (reviewed || reviewedEarlier) return "You reviewed this submission, so another approver must decide it (the four-eyes rule).";
		if (!(s.reviews || []).length) return "This submission cannot be decided yet: a decision needs the employer panel's recommendation, and none has been recorded for this version.";
		return "This submission cannot be decided yet: it needs more employer panel recommendations.";
	}
	if (action === "request_information") {
		if (s.status === "information_requested") return "The awarding body has not yet answered the question already asked. You can ask another once they have.";
		if (s.status !== "submitted" && s.status !== "in_review") return `This submission is ${st}: questions can be asked only while it is submitted or in review.`;
		if (authored) return "You belong to the organisation that made this submission, or worked on it, so you cannot ask about it.";
		return "You cannot ask the awarding body about this submission now.";
	}
	if (action === "respond") {
		if (s.status !== "information_requested") return `This submission is ${st}: there is no request for information to answer.`;
		if (open && open.respond_by) return `The answer was due by ${date(open.respond_by)}. The request can no longer be answered, and an approver may now decide on what was submitted.`;
		return "You cannot answer this request now.";
	}
	if (action === "delete") return s.status === "draft" ? "You cannot delete this draft." : `This submission is ${st}: only a draft can be deleted. Anything submitted stays on record.`;
	if (action === "withdraw") return `This submission is ${st}: only a submission that has not been decided can be withdrawn.`;
	if (action === "edit" || action === "submit") return `This submission is ${st}: only a draft can be edited or submitted.`;
	if (action === "revoke_mark") return s.mark ? "This quality mark has been revoked already." : "This submission has no quality mark.";
	return "This is not available to you now.";
}

// "Not available" in place of a form: what the page would do, and why not.
export function notAvailable(s, heading, reason) {
	return `<span class="govuk-caption-l">${esc(s.qualification.title)}</span>
<h1 class="govuk-heading-l">${esc(heading)}</h1>
<div class="govuk-inset-text" id="not-available">${esc(reason)}</div>
<p class="govuk-body"><a class="govuk-link" href="/submissions/view/?id=${esc(encodeURIComponent(s.id))}">Go to the submission</a></p>`;
}

// A date in GOV.UK style, "6 December 2026" (text; date() is it as HTML).
// A day ("2026-12-06") is that day; a moment is its day in UK time.
export function plainDate(iso) {
	if (!iso) return "";
	const day = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(String(iso));
	const d = new Date(iso);
	if (isNaN(d)) return String(iso);
	return d.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: day ? "UTC" : "Europe/London" });
}

export function date(iso) {
	return esc(plainDate(iso));
}

// A moment in GOV.UK style, UK time: "7 December 2026 at 4:07pm".
export function dateTime(iso) {
	if (!iso) return "";
	const d = new Date(iso);
	if (isNaN(d)) return esc(iso);
	const p = Object.fromEntries(new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric",
		hour: "numeric", minute: "2-digit", hour12: true, timeZone: "Europe/London" }).formatToParts(d).map(x => [x.type, x.value]));
	const h = Number(p.hour), m = p.minute, pm = /p/i.test(p.dayPeriod || "");
	const time = m === "00" && h === 12 ? (pm ? "midday" : "midnight") : `${h}:${m}${pm ? "pm" : "am"}`;
	return esc(`${p.day} ${p.month} ${p.year} at ${time}`);
}

export function param(name) {
	return new URLSearchParams(location.search).get(name);
}

export class ApiError extends Error {
	constructor(status, code, message, headers) {
		super(message);
		this.status = status;
		this.code = code;
		this.headers = headers;
		this.field = fieldOf(message);
	}
}

// The API's messages name the field they are about: "comments: must be
// 1 to 2000 bytes long", 'field "reasons" must be ...'.
export function fieldOf(message) {
	const m = /^field "([^"]+)"/.exec(message || "") || /^([a-z_]+(?:\.[a-z_]+|\[[0-9]+\])*)\s*:/.exec(message || "");
	return m ? m[1] : null;
}

// Only a same-origin relative path may be returned to after sign-in.
export function safeNext(next) {
	if (typeof next !== "string" || !next.startsWith("/") || next.startsWith("//") ||
	    next.includes("\\") || /[\u0000-\u001f\u007f]/.test(next))
		return null;
	let u;
	try { u = new URL(next, location.origin); } catch (e) { return null; }
	if (u.origin !== location.origin || u.pathname.replace(/\/$/, "") === "/sign-in" || u.pathname.startsWith("/api/")) return null;
	return u.pathname + u.search + u.hash;
}

export function toSignIn() {
	sessionStorage.removeItem(CSRF_KEY);
	saveForms();
	location.assign("/sign-in/?next=" + encodeURIComponent(location.pathname + location.search));
}

// --- form text kept across an expired session ---
// A form sent after the session expired gets a 401 and the user goes to
// sign in (toSignIn).  What they had entered in this page's forms is kept
// in sessionStorage under the page's path (never a password, a hidden or
// a read-only field), and put back when the page's form is drawn again
// after they sign in and return, if they signed in to the same account
// (else it is deleted unread); then the copy is deleted.  Signing out
// deletes every copy.
const FORM_KEY = "htq.form:", WHO_KEY = "htq.who";
const formKey = () => FORM_KEY + location.pathname + location.search;

function keptField(el) {
	return el.id && !el.readOnly && !el.disabled &&
	    !["password", "hidden", "submit", "button", "reset", "file", "image"].includes(el.type) &&
	    !/password/i.test(el.getAttribute("autocomplete") || "");
}

function saveForms() {
	const fields = [];
	for (const el of document.querySelectorAll("form input, form textarea, form select")) {
		if (!keptField(el)) continue;
		fields.push(el.type === "radio" || el.type === "checkbox" ? [el.id, el.checked] : [el.id, el.value]);
	}
	if (fields.some(([, v]) => v !== "" && v !== false))
		sessionStorage.setItem(formKey(), JSON.stringify({ who: sessionStorage.getItem(WHO_KEY), fields }));
}

function dropSavedForms() {
	sessionStorage.removeItem(WHO_KEY);
	for (let i = sessionStorage.length - 1; i >= 0; i--) {
		const k = sessionStorage.key(i);
		if (k && k.startsWith(FORM_KEY)) sessionStorage.removeItem(k);
	}
}

// Put the kept values back as the page draws its fields (pages fill <main>
// after reading the API), telling the page's own listeners (input and
// change events), for as long as a minute.  who: the account now signed
// in.
function restoreForms(who) {
	const key = formKey();
	let saved = null;
	try { saved = JSON.parse(sessionStorage.getItem(key) || "null"); } catch (e) { /* unreadable: dropped below */ }
	if (!saved || saved.who !== who || !Array.isArray(saved.fields)) {
		sessionStorage.removeItem(key);
		return;
	}
	const pending = new Map(saved.fields);
	const apply = () => {
		for (const [id, v] of pending) {
			const el = document.getElementById(id);
			if (!el || !el.form || !keptField(el)) continue;
			pending.delete(id);
			if (el.type === "radio" || el.type === "checkbox") el.checked = v === true;
			else el.value = v;
			el.dispatchEvent(new Event("input", { bubbles: true }));
			el.dispatchEvent(new Event("change", { bubbles: true }));
		}
		if (!pending.size) stop();
	};
	const obs = new MutationObserver(apply);
	const timer = setTimeout(() => stop(), 60000);
	function stop() {
		obs.disconnect();
		clearTimeout(timer);
		sessionStorage.removeItem(key);
	}
	obs.observe(document.documentElement, { childList: true, subtree: true });
	apply();
}

export function setCsrf(token) {
	if (token) sessionStorage.setItem(CSRF_KEY, token);
	else sessionStorage.removeItem(CSRF_KEY);
}

// api("GET", "/submissions") -> {data, status, headers}; throws ApiError.
// A 401 means the session expired: back to sign-in, and here again after.
// fresh: revalidate what the browser may have cached (public lists carry
// a max-age; an administrator's page must show its own change at once).
export async function api(method, path, body, { redirect401 = true, headers = {}, fresh = false } = {}) {
	const h = { Accept: "application/json", ...headers };
	if (body !== undefined) h["Content-Type"] = "application/json";
	const csrf = sessionStorage.getItem(CSRF_KEY);
	if (method !== "GET" && csrf) h["X-CSRF-Token"] = csrf;
	const r = await fetch("/api/v1" + path, {
		method, headers: h, credentials: "same-origin", ...(fresh ? { cache: "no-cache" } : {}),
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	let data = null;
	if (r.status !== 204) {
		try { data = await r.json(); } catch (e) { data = null; }
	}
	if (!r.ok) {
		const e = (data && data.error) || {};
		const err = new ApiError(r.status, e.code || "http_" + r.status,
			e.message || `The service answered ${r.status}`, r.headers);
		if (r.status === 401 && redirect401) {
			toSignIn();
			err.redirected = true;
		}
		throw err;
	}
	return { data, status: r.status, headers: r.headers };
}

// A link drawn as a button acts on Space too, as govuk-frontend's Button
// does (its JavaScript is not loaded on these pages).
export function buttonLinks() {
	document.addEventListener("keydown", ev => {
		if (ev.key === " " && ev.target instanceof Element && ev.target.matches('a[role="button"]')) {
			ev.preventDefault();
			ev.target.click();
		}
	});
}

// A page for one action on one submission (?id=): start the page for
// roles, link back to the submission and read it; when the API does not
// list action among its actions, say why at once under the heading
// refusal.  Returns { me, id, s } to build the page from, or null when
// the page is done (refused, or the action not available).
export async function actionPage({ roles, action, refusal }) {
	const me = await startPage({ roles });
	if (me.refused) return null;
	const id = param("id") || "";
	backLink("/submissions/view/?id=" + encodeURIComponent(id));
	const s = (await api("GET", "/submissions/" + encodeURIComponent(id))).data;
	if (!can(s, action)) {
		setTitle(refusal);
		content(notAvailable(s, refusal, whyNot(action, s, me)));
		return null;
	}
	return { me, id, s };
}

// Who is signed in, with their organisation's name; fills the header.
// roles: the roles this page is for (others are told so).
// optional: the page works signed out too (null when nobody is signed in).
export async function startPage({ roles, optional = false } = {}) {
	document.body.classList.add("js-enabled", "govuk-frontend-supported");
	buttonLinks();
	const signOut = document.getElementById("sign-out");
	if (signOut) signOut.addEventListener("click", async ev => {
		ev.preventDefault();
		try { await api("DELETE", "/session", undefined, { redirect401: false }); } catch (e) { /* gone already */ }
		setCsrf(null);
		dropSavedForms();
		location.assign("/sign-in/?signed_out=1");
	});
	let data;
	try {
		data = (await api("GET", "/session", undefined, { redirect401: !optional })).data;
	} catch (e) {
		if (!optional || !(e instanceof ApiError) || e.status !== 401) throw e;
		const el = document.getElementById("account");
		if (el) el.innerHTML = `You are not signed in. <a class="govuk-link" href="/sign-in/?next=${esc(encodeURIComponent(location.pathname))}">Sign in</a>`;
		if (signOut) signOut.closest("li").remove();
		return null;
	}
	if (data.csrf) setCsrf(data.csrf);
	const account = data.account;
	sessionStorage.setItem(WHO_KEY, account.id);
	restoreForms(account.id);
	const el = document.getElementById("account");
	const show = org => {
		if (el) el.innerHTML = `Signed in as <strong>${esc(account.name)}</strong>` +
			(org ? `, ${esc(org.name)}` : "") + ` <span class="htq-role">(${esc(ROLE_NAMES[account.role] || account.role)})</span>`;
	};
	show(null);
	// The organisation's name arrives alongside the page's own data.
	const orgReady = account.org
		? api("GET", "/organisations/" + encodeURIComponent(account.org)).then(r => r.data.organisation, e => { if (e.redirected) throw e; return null; })
		: Promise.resolve(null);
	orgReady.then(org => { if (org) show(org); }, () => {});
	const me = { account, org: null, orgReady };
	if (roles && !roles.includes(account.role)) {
		content(`<h1 class="govuk-heading-l">You cannot use this page</h1>
<p class="govuk-body">This page is for ${roles.map(r => esc(ROLE_NAMES[r] || r).toLowerCase()).join(" or ")} accounts. You are signed in as ${esc((ROLE_NAMES[account.role] || account.role).toLowerCase())}.</p>
<p class="govuk-body"><a class="govuk-link" href="/home/">Go to your home page</a></p>`);
		setTitle("You cannot use this page");
		me.refused = true;
	}
	return me;
}

export function setTitle(t, error = false) {
	document.title = (error ? "Error: " : "") + t + " – " + SERVICE;
}

export function content(html) {
	const c = document.getElementById("content");
	c.innerHTML = html;
	labelTables(c);
	return c;
}

// Each body cell of root's tables carries its column's heading
// (data-label): on a narrow screen portal.css stacks a table's rows as
// cards, each cell under its heading.  A page that redraws a table's
// body calls this again.
export function labelTables(root) {
	const tables = root.matches && root.matches("table") ? [root] : root.querySelectorAll("table.govuk-table");
	for (const t of tables) {
		// a heading only screen readers hear (an "Action" column) labels nothing
		const heads = [...t.querySelectorAll("thead th")].map(th => {
			const shown = th.cloneNode(true);
			shown.querySelectorAll(".govuk-visually-hidden").forEach(x => x.remove());
			return shown.textContent.trim();
		});
		t.classList.add("htq-stack");
		// the table's roles said outright: some browsers drop a table's
		// semantics once its CSS display is no longer a table's
		t.setAttribute("role", "table");
		t.querySelectorAll("thead, tbody").forEach(g => g.setAttribute("role", "rowgroup"));
		t.querySelectorAll("tr").forEach(tr => tr.setAttribute("role", "row"));
		t.querySelectorAll("thead th").forEach(th => th.setAttribute("role", "columnheader"));
		for (const tr of t.querySelectorAll("tbody tr"))
			[...tr.children].forEach((cell, i) => {
				cell.setAttribute("role", cell.tagName === "TH" ? "rowheader" : "cell");
				if (heads[i] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", heads[i]);
			});
	}
}

export function backLink(href, text = "Back") {
	document.getElementById("back").innerHTML = `<a href="${esc(href)}" class="govuk-back-link">${esc(text)}</a>`;
}

// A page-level failure (not a field's): what went wrong, in words.
export function failure(err, what) {
	if (err && err.redirected) return;
	const msg = err instanceof ApiError
		? (err.status === 404 ? `${what} was not found, or you cannot see it.` : words(err.message))
		: "The service could not be reached. Try again later.";
	content(`<h1 class="govuk-heading-l">Sorry, there is a problem</h1><p class="govuk-body">${esc(msg)}</p>
<p class="govuk-body"><a class="govuk-link" href="/home/">Go to your home page</a></p>`);
	setTitle("Sorry, there is a problem");
}

// --- errors: GOV.UK error summary plus inline errors ---

export function clearErrors(root = document) {
	document.querySelectorAll(".govuk-error-summary").forEach(e => e.remove());
	root.querySelectorAll(".govuk-error-message").forEach(e => e.remove());
	root.querySelectorAll(".govuk-form-group--error").forEach(e => e.classList.remove("govuk-form-group--error"));
	root.querySelectorAll(".govuk-input--error, .govuk-textarea--error, .govuk-select--error").forEach(e =>
		e.classList.remove("govuk-input--error", "govuk-textarea--error", "govuk-select--error"));
	root.querySelectorAll("[data-described]").forEach(e => {
		e.setAttribute("aria-describedby", e.dataset.described);
		if (!e.dataset.described) e.removeAttribute("aria-describedby");
	});
	document.title = document.title.replace(/^Error: /, "");
}

// errors: [{id, text}] - id is the element the message is about (the
// first radio of a group); a null id is a summary-only message.
export function showErrors(errors) {
	clearErrors();
	const items = errors.map(e => e.id
		? `<li><a href="#${esc(e.id)}">${esc(e.text)}</a></li>`
		: `<li>${esc(e.text)}</li>`).join("");
	const summary = document.createElement("div");
	summary.className = "govuk-error-summary";
	summary.setAttribute("data-module", "govuk-error-summary");
	summary.tabIndex = -1;
	summary.innerHTML = `<div role="alert"><h2 class="govuk-error-summary__title">There is a problem</h2>
<div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">${items}</ul></div></div>`;
	const c = document.getElementById("content");
	c.insertBefore(summary, c.firstChild);
	summary.querySelectorAll("a").forEach(a => a.addEventListener("click", ev => {
		const target = document.getElementById(a.getAttribute("href").slice(1));
		if (!target) return;
		ev.preventDefault();
		const group = target.closest(".govuk-form-group");
		const legend = group && group.querySelector("legend, label");
		(legend || target).scrollIntoView();
		target.focus({ preventScroll: true });
	}));
	for (const e of errors) {
		if (!e.id) continue;
		const field = document.getElementById(e.id);
		if (!field) continue;
		// A date input's parts each sit in a form group of their own: the
		// error belongs to the outer one, above all three parts.
		const dateInput = field.closest(".govuk-date-input");
		const group = (dateInput || field).closest(".govuk-form-group");
		if (!group || group.querySelector(".govuk-error-message")) continue;
		group.classList.add("govuk-form-group--error");
		const msgId = (group.dataset.name || e.id) + "-error";
		const p = document.createElement("p");
		p.id = msgId;
		p.className = "govuk-error-message";
		p.innerHTML = `<span class="govuk-visually-hidden">Error:</span> ${esc(e.text)}`;
		const before = group.querySelector(".govuk-date-input, .govuk-radios, .govuk-checkboxes, input, textarea, select");
		before.parentNode.insertBefore(p, before);
		const described = group.querySelector("fieldset") || field;
		if (described.dataset.described === undefined) described.dataset.described = described.getAttribute("aria-describedby") || "";
		described.setAttribute("aria-describedby", (described.dataset.described + " " + msgId).trim());
		if (dateInput) dateInput.querySelectorAll("input.govuk-input").forEach(i => i.classList.add("govuk-input--error"));
		else if (field.matches("input.govuk-input")) field.classList.add("govuk-input--error");
		if (field.matches("textarea")) field.classList.add("govuk-textarea--error");
		if (field.matches("select")) field.classList.add("govuk-select--error");
	}
	if (!document.title.startsWith("Error: ")) document.title = "Error: " + document.title;
	summary.focus();
}

// An API refusal as errors: the field it names mapped to an element id
// (fields: {apiField: [elementId, "GOV.UK message"]}), else the form's
// first field with the API's own message.
export function apiErrors(err, fields, fallbackId) {
	if (!(err instanceof ApiError)) return [{ id: fallbackId, text: "The service could not be reached. Try again." }];
	const key = err.field && Object.keys(fields).find(k => err.field === k || err.field.startsWith(k + "[") || err.field.startsWith(k + "."));
	if (key) {
		const [id, text] = fields[key];
		return [{ id, text: text || words(err.message) }];
	}
	return [{ id: fallbackId, text: words(err.message) }];
}

export function sentence(s) {
	s = String(s || "");
	return s.charAt(0).toUpperCase() + s.slice(1);
}

// Summary list rows: [[key, valueHtml], ...]
export function summaryList(rows, extra = "") {
	return `<dl class="govuk-summary-list ${extra}">` + rows.map(([k, v]) => `
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${esc(k)}</dt><dd class="govuk-summary-list__value">${v}</dd></div>`).join("") + "</dl>";
}

// The server's coverage as summary rows; with the mapping, each KSB that
// cannot be attained in an education setting is shown with its reason.
export function coverageRows(cov, mapping = []) {
	const part = p => p ? `${p.covered} of ${p.total}` : "";
	const uncovered = (cov.uncovered || []), na = cov.not_attainable || [], unexplained = cov.unexplained || [];
	const reasons = new Map((mapping || []).filter(m => m.not_attainable).map(m => [m.ksb, m.not_attainable]));
	return [
		["Knowledge", esc(part(cov.knowledge))],
		["Skills", esc(part(cov.skills))],
		["Behaviours", esc(part(cov.behaviours))],
		["Overall", `<strong>${esc(cov.percentage)}%</strong> (${esc(cov.covered)} of ${esc(plural(cov.total, "KSB"))})`],
		["Not covered", uncovered.length ? esc(uncovered.join(", ")) : "None"],
		["Cannot be attained in an education setting", na.length ? `<ul class="govuk-list htq-reasons" id="not-attainable">${na.map(k =>
			`<li><strong>${esc(k)}</strong>${reasons.has(k) ? ": " + esc(reasons.get(k)) : ""}</li>`).join("")}</ul>` : "None"],
		["Neither mapped nor explained", unexplained.length ? `<span id="unexplained">${esc(unexplained.join(", "))}</span>` : "None"],
	];
}

// One recommendation as a summary card.  The API names the reviewer by
// account id only: the card says their role, and "you" for the reader.
export function reviewCard(r, i, me) {
	const mine = me && me.account ? me.account.id : "";
	const findings = (r.ksb_findings || []);
	const disagree = findings.filter(f => !f.agree);
	return `<div class="govuk-summary-card"><div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">Recommendation ${i + 1}</h3></div>
<div class="govuk-summary-card__content">${summaryList([
		["Recommendation", esc(label("recommendation", r.recommendation))],
		["Comments", esc(r.comments)],
		["KSB findings", findings.length ? `${plural(findings.length, "finding")} recorded` + (disagree.length ? `; disagrees with ${esc(disagree.map(f => f.ksb).join(", "))}` : "") +
			"<ul class=\"govuk-list\">" + findings.filter(f => f.note).map(f => `<li>${esc(f.ksb)}: ${esc(f.note)}</li>`).join("") + "</ul>" : "None"],
		["Reviewer", `${esc(ROLE_NAMES.reviewer)}${r.reviewer && r.reviewer === mine ? " (you)" : ""}`],
		["Recorded", date(r.recorded)],
	])}</div></div>`;
}

export function banner(text, success = true) {
	return `<div class="govuk-notification-banner${success ? " govuk-notification-banner--success" : ""}" role="${success ? "alert" : "region"}" aria-labelledby="govuk-notification-banner-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="govuk-notification-banner-title">${success ? "Success" : "Important"}</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${esc(text)}</p></div></div>`;
}

// --- a submission's history and its requests for information ---

const EVENTS = {
	"submission.created": () => "Draft created",
	"submission.edited": () => "Draft edited",
	"submission.document_added": () => "Supporting document added",
	"submission.document_removed": () => "Supporting document removed",
	"submission.submitted": () => "Submitted",
	"submission.withdrawn": () => "Withdrawn",
	"review.recorded": d => "Employer review recorded" + (d && d.recommendation ? (d.recommendation === "approve" ? ": recommends approval" : ": recommends rejection") : ""),
	"information.requested": d => "Information requested" + (d && d.respond_by ? `, answer due by ${date(d.respond_by)}` : ""),
	"information.provided": d => "Information provided" + (d && d.amended ? " with amended content" : ""),
	"decision.approved": () => "Approved",
	"decision.rejected": () => "Rejected",
	"mark.awarded": () => "Quality mark awarded",
	"mark.revoked": () => "Quality mark revoked",
};

// The history as a table, oldest first: when, what, who (their role), and
// the version the step made.
export function historyTable(s, me) {
	const mine = me && me.account ? me.account.id : "";
	const rows = (s.history || []).map(h => {
		const what = EVENTS[h.event] ? EVENTS[h.event](h.data) : esc(h.event);	// HTML: constants and date()
		const who = esc(ROLE_NAMES[h.role] || h.role || "") + (h.by && h.by === mine ? " (you)" : "");
		return `<tr class="govuk-table__row" data-event="${esc(h.event)}"><td class="govuk-table__cell">${dateTime(h.at)}</td>
<td class="govuk-table__cell">${what}</td><td class="govuk-table__cell">${who}</td>
<td class="govuk-table__cell govuk-table__cell--numeric">${esc(h.version)}</td></tr>`;
	}).join("");
	if (!rows) return `<p class="govuk-body">No history recorded.</p>`;
	return `<table class="govuk-table" id="history"><caption class="govuk-table__caption govuk-visually-hidden">History of this submission, oldest first</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">When</th><th scope="col" class="govuk-table__header">What happened</th>
<th scope="col" class="govuk-table__header">Who</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Version</th></tr></thead>
<tbody class="govuk-table__body">${rows}</tbody></table>`;
}

// One request for information: the question, who asked and when, the
// date to answer by, and the answer when there is one.
export function requestRows(r, me) {
	const mine = me && me.account ? me.account.id : "";
	const rows = [
		["Question", `<span class="htq-pre">${esc(r.question)}</span>`],
		["Asked by", esc(ROLE_NAMES[r.asked_role] || r.asked_role || "") + (r.asked_by === mine ? " (you)" : "")],
		["Asked", dateTime(r.asked)],
		["Answer by", `${date(r.respond_by)} (the last day to answer)`],
	];
	if (r.answered)
		rows.push(["Answer", `<span class="htq-pre">${esc(r.answer)}</span>`], ["Answered", dateTime(r.answered)],
			["Content amended", r.amended ? "Yes: a new version went back to review" : "No"]);
	return rows;
}

// The window that applies to a draft and whether a submit would be
// accepted now (submit_check).  fieldHref: a link for the field the
// refusal names, or null.
export function submitCheckHtml(sc, fieldHref = () => null) {
	if (!sc) return "";
	const w = sc.window;
	const win = w
		? (w.state === "open"
			? `The ${esc(w.route)} submission window is open. It closes on <strong>${date(w.closes)}</strong>.`
			: `The ${esc(w.route)} submission window is not open yet. It opens on <strong>${date(w.opens)}</strong> and closes on ${date(w.closes)}.`)
		: "No submission window has been announced for this standard's route.";
	const href = sc.accepted ? null : fieldHref(sc.field);
	return `<div class="govuk-summary-card" id="submit-check"><div class="govuk-summary-card__title-wrapper"><h2 class="govuk-summary-card__title">Submission window</h2></div>
<div class="govuk-summary-card__content">${summaryList([
		["Window", win],
		...(w && w.first_teaching ? [["First teaching", date(w.first_teaching)]] : []),
		["Can it be submitted now?", sc.accepted
			? `<strong class="govuk-tag govuk-tag--green">Yes</strong> The service would accept it now.`
			: `<strong class="govuk-tag govuk-tag--red">No</strong> <span id="submit-check-message">${esc(words(sc.message || "The service would not accept it now.", { drop: true }))}</span>` +
				(href ? ` <a class="govuk-link" href="${esc(href)}" id="submit-check-fix">Change ${esc(FIELD_WORDS[String(sc.field).replace(/[.[].*$/, "")] || "this")}</a>` : "")],
	])}</div></div>`;
}

const FIELD_WORDS = { mapping: "the KSB mapping", qualification: "the qualification details", standard: "the standard", units: "the units", window: "the standard" };
