// admin-accounts.js - /admin/accounts: every account (GET /admin/accounts,
// never a password hash) and organisation (GET /admin/organisations), and
// the administrator's changes, each a page of its own by its query:
//   ?add=account       add an account (POST /admin/accounts); its password
//                      is shown once, on the page, never in an address
//   ?add=organisation  add an organisation (POST /admin/organisations)
//   ?role=ID           change an account's role (POST .../role)
//   ?disable=ID, ?enable=ID, ?reset=ID   confirm, then POST .../disable,
//                      .../enable, .../reset-password (a new password, once)
// Core refuses a change to one's own account and removing the last
// administrator; the pages offer neither and show core's words if asked.
import { api, apiErrors, backLink, banner, content, esc, failure, label, param, plural, ROLE_NAMES, setTitle, showErrors, startPage } from "/assets/js/portal/common.js";

const BASE = "/admin/accounts/";
const ROLES = ["awarding_body", "reviewer", "approver", "auditor", "admin"];
const KINDS = ["awarding_body", "employer_panel", "approving_body"];
const ROLE_HINT = {
	awarding_body: "Submits qualifications for its organisation, which must be an awarding body.",
	reviewer: "Reviews submissions for an employer panel.",
	approver: "Decides submissions and revokes quality marks.",
	auditor: "Reads everything and checks the ledger.",
	admin: "Runs windows, standards' eligibility and accounts.",
};

function table(caption, id, heads, rows) {
	return `<table class="govuk-table" id="${id}"><caption class="govuk-table__caption govuk-table__caption--m">${esc(caption)}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${heads.map(h => `<th scope="col" class="govuk-table__header">${h}</th>`).join("")}</tr></thead>
<tbody class="govuk-table__body">${rows.map(r => `<tr class="govuk-table__row"${r.id ? ` data-account="${esc(r.id)}"` : ""}>${r.cells.map((c, i) => i === 0 ? `<th scope="row" class="govuk-table__header">${c}</th>` : `<td class="govuk-table__cell">${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

const statusTag = a => a.disabled ? `<strong class="govuk-tag govuk-tag--grey">Disabled</strong>` : `<strong class="govuk-tag govuk-tag--green">Active</strong>`;
const hidden = t => `<span class="govuk-visually-hidden"> ${esc(t)}</span>`;

async function load() {
	const [a, o] = await Promise.all([api("GET", "/admin/accounts", undefined, { fresh: true }), api("GET", "/admin/organisations", undefined, { fresh: true })]);
	const orgs = o.data.organisations || [];
	return { accounts: a.data.accounts || [], orgs, orgName: new Map(orgs.map(x => [x.id, x.name])) };
}

const DONE = {
	disabled: n => `${n}'s account is disabled. They have been signed out.`,
	enabled: n => `${n}'s account is enabled. They can sign in with their password.`,
	role: n => `${n}'s role is changed. It applies from their next page.`,
	organisation: n => `${n} is added.`,
};

async function list(me) {
	const { accounts, orgs, orgName } = await load();
	const done = param("done"), who = param("who");
	const whoName = done === "organisation" ? orgName.get(who) : (accounts.find(x => x.id === who) || {}).name;
	const actions = x => x.id === me.account.id ? `<span class="govuk-body-s">Your account</span>` : `<ul class="govuk-list govuk-!-margin-bottom-0">
<li><a class="govuk-link" href="?role=${esc(encodeURIComponent(x.id))}">Change role${hidden("of " + x.name)}</a></li>
<li><a class="govuk-link" href="?reset=${esc(encodeURIComponent(x.id))}">Reset password${hidden("of " + x.name)}</a></li>
<li><a class="govuk-link" href="?${x.disabled ? "enable" : "disable"}=${esc(encodeURIComponent(x.id))}">${x.disabled ? "Enable" : "Disable"}${hidden("the account of " + x.name)}</a></li></ul>`;
	content(`${done && whoName && DONE[done] ? banner(DONE[done](whoName)) : ""}<span class="govuk-caption-l">Administration</span>
<h1 class="govuk-heading-l">Accounts and organisations</h1>
<p class="govuk-body">${plural(accounts.length, "account")} and ${plural(orgs.length, "organisation")}. Every change is recorded in the public ledger by the account's reference only, never a name or an email address.</p>
<div class="govuk-button-group"><a href="?add=account" role="button" draggable="false" class="govuk-button" data-module="govuk-button" id="add-account">Add an account</a>
<a href="?add=organisation" role="button" draggable="false" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="add-organisation">Add an organisation</a></div>
${table("Accounts", "accounts", ["Name", "Email", "Role", "Organisation", "Status", `Actions`], accounts.map(x => ({
		id: x.id, cells: [esc(x.name), esc(x.email), esc(label("role", x.role)), esc(orgName.get(x.org) || (x.org ? "Unknown organisation" : "None")), statusTag(x), actions(x)],
	})))}
${table("Organisations", "organisations", ["Name", "Kind", "Reference"], orgs.map(x => ({
		cells: [esc(x.name), esc(label("org_kind", x.kind)), esc([x.rn && (/^RN/i.test(x.rn) ? x.rn : "RN " + x.rn), x.ukprn && (/^UKPRN/i.test(x.ukprn) ? x.ukprn : "UKPRN " + x.ukprn)].filter(Boolean).join(", ") || "None")],
	})))}`);
}

function radios(name, legend, values, labelOf, checked, hintOf) {
	return `<div class="govuk-form-group" data-name="${name}"><fieldset class="govuk-fieldset">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${esc(legend)}</legend>
<div class="govuk-radios" data-module="govuk-radios">${values.map((v, i) => {
		const id = i === 0 ? name : `${name}-${i + 1}`;
		const hint = hintOf && hintOf[v];
		return `<div class="govuk-radios__item"><input class="govuk-radios__input" id="${id}" name="${name}" type="radio" value="${esc(v)}"${v === checked ? " checked" : ""}${hint ? ` aria-describedby="${id}-hint"` : ""}>
<label class="govuk-label govuk-radios__label" for="${id}">${esc(labelOf(v))}</label>${hint ? `<div id="${id}-hint" class="govuk-hint govuk-radios__hint">${esc(hint)}</div>` : ""}</div>`;
	}).join("")}</div></fieldset></div>`;
}

function input(name, text, { hint = "", type = "text", width = "", autocomplete = "off", spellcheck = true } = {}) {
	return `<div class="govuk-form-group" data-name="${name}"><label class="govuk-label govuk-label--s" for="${name}">${esc(text)}</label>
${hint ? `<div id="${name}-hint" class="govuk-hint">${esc(hint)}</div>` : ""}<input class="govuk-input${width ? " govuk-input--width-" + width : ""}" id="${name}" name="${name}" type="${type}" autocomplete="${autocomplete}"${spellcheck ? "" : ` spellcheck="false"`}${hint ? ` aria-describedby="${name}-hint"` : ""}></div>`;
}

function orgSelect(orgs, chosen, hint) {
	return `<div class="govuk-form-group" data-name="org"><label class="govuk-label govuk-label--s" for="org">Organisation</label>
<div id="org-hint" class="govuk-hint">${esc(hint)}</div>
<select class="govuk-select" id="org" name="org" aria-describedby="org-hint"><option value="">None</option>${orgs.map(o => `<option value="${esc(o.id)}"${o.id === chosen ? " selected" : ""}>${esc(o.name)} (${esc(label("org_kind", o.kind))})</option>`).join("")}</select></div>`;
}

// The password of a new or reset account, shown this once.
function passwordShown(heading, a, pw) {
	setTitle(heading);
	content(`<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">${esc(heading)}</h1>
<div class="govuk-panel__body">for ${esc(a.name)}</div></div>
<h2 class="govuk-heading-m">Their password</h2>
<p class="govuk-body">Give this password to ${esc(a.name)} (${esc(a.email)}) in a safe way, not by the same email they sign in with.</p>
<div class="govuk-inset-text"><code class="htq-password" id="new-password">${esc(pw)}</code></div>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> Copy it now: it is not stored and will not be shown again. If it is lost, reset the password.</strong></div>
<p class="govuk-body"><a class="govuk-link" href="${BASE}" id="back-to-accounts">Back to the accounts</a></p>`);
}

function onSubmit(form, fn) {
	let busy = false;
	form.addEventListener("submit", async ev => {
		ev.preventDefault();
		if (busy) return;
		busy = true;
		try { await fn(); } finally { busy = false; }
	});
}

async function addAccount() {
	const { orgs } = await load();
	setTitle("Add an account");
	backLink(BASE);
	content(`<span class="govuk-caption-l">Administration</span><h1 class="govuk-heading-l">Add an account</h1>
<form id="account-form" novalidate>
${input("name", "Full name", { autocomplete: "off" })}
${input("email", "Email address", { hint: "They sign in with it.", type: "email", spellcheck: false })}
${radios("role", "Role", ROLES, r => ROLE_NAMES[r], null, ROLE_HINT)}
${orgSelect(orgs, "", "Required for an awarding body account: its awarding body.")}
<p class="govuk-body">A password is made for the account and shown once on the next page.</p>
<button type="submit" class="govuk-button" id="create-account" data-module="govuk-button">Add the account</button>
</form>`);
	const form = document.getElementById("account-form");
	onSubmit(form, async () => {
		const role = form.querySelector("input[name=role]:checked");
		const body = { name: form.name.value.trim(), email: form.email.value.trim(), role: role ? role.value : "" };
		if (form.org.value) body.org = form.org.value;
		const errs = [];
		if (!body.name) errs.push({ id: "name", text: "Enter the person's full name" });
		if (!body.email) errs.push({ id: "email", text: "Enter an email address" });
		else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email)) errs.push({ id: "email", text: "Enter an email address in the correct format, like name@example.org" });
		if (!role) errs.push({ id: "role", text: "Select a role" });
		else if (role.value === "awarding_body" && !body.org) errs.push({ id: "org", text: "Select the awarding body this account belongs to" });
		if (errs.length) return showErrors(errs);
		try {
			const r = (await api("POST", "/admin/accounts", body)).data;
			passwordShown("Account added", r.account, r.password);
		} catch (e) {
			if (e.redirected) return;
			showErrors(apiErrors(e, { email: ["email", null], name: ["name", null], organisation: ["org", null], org: ["org", null], role: ["role", null] }, "email"));
		}
	});
}

async function addOrganisation() {
	setTitle("Add an organisation");
	backLink(BASE);
	content(`<span class="govuk-caption-l">Administration</span><h1 class="govuk-heading-l">Add an organisation</h1>
<form id="organisation-form" novalidate>
${input("name", "Name")}
${radios("kind", "Kind", KINDS, k => label("org_kind", k), null)}
${input("rn", "Ofqual recognition number", { hint: "RN followed by 4 to 6 digits, for example RN5301. An awarding body needs this or its UKPRN.", width: "10", spellcheck: false })}
${input("ukprn", "UK provider reference number (UKPRN)", { hint: "8 digits starting with 1, for example 10004821", width: "10", spellcheck: false })}
<button type="submit" class="govuk-button" id="create-organisation" data-module="govuk-button">Add the organisation</button>
</form>`);
	const form = document.getElementById("organisation-form");
	onSubmit(form, async () => {
		const kind = form.querySelector("input[name=kind]:checked");
		const body = { name: form.name.value.trim(), kind: kind ? kind.value : "" };
		const rn = form.rn.value.trim().toUpperCase().replace(/\s+/g, ""), ukprn = form.ukprn.value.trim().replace(/\s+/g, "");
		if (rn) body.rn = rn;
		if (ukprn) body.ukprn = ukprn;
		const errs = [];
		if (!body.name) errs.push({ id: "name", text: "Enter the organisation's name" });
		if (!kind) errs.push({ id: "kind", text: "Select the kind of organisation" });
		if (rn && !/^RN[0-9]{4,6}$/.test(rn)) errs.push({ id: "rn", text: "Enter a recognition number like RN5301" });
		if (ukprn && !/^1[0-9]{7}$/.test(ukprn)) errs.push({ id: "ukprn", text: "Enter a UKPRN of 8 digits starting with 1" });
		if (kind && kind.value === "awarding_body" && !rn && !ukprn) errs.push({ id: "rn", text: "Enter the awarding body's recognition number or its UKPRN" });
		if (errs.length) return showErrors(errs);
		try {
			const o = (await api("POST", "/admin/organisations", body)).data.organisation;
			location.assign(`${BASE}?done=organisation&who=${encodeURIComponent(o.id)}`);
		} catch (e) {
			if (e.redirected) return;
			showErrors(apiErrors(e, { name: ["name", null], kind: ["kind", null], rn: ["rn", null], ukprn: ["ukprn", null] }, "name"));
		}
	});
}

// The account named by the page's query, or a not-found page.
async function target(id) {
	const data = await load();
	const a = data.accounts.find(x => x.id === id);
	backLink(BASE);
	if (!a) {
		setTitle("Account not found");
		content(`<h1 class="govuk-heading-l">Account not found</h1><p class="govuk-body"><a class="govuk-link" href="${BASE}">Back to the accounts</a></p>`);
	}
	return a ? { a, ...data } : null;
}

const CHANGES = {
	disable: {
		title: a => `Disable ${a.name}'s account`,
		h1: a => `Are you sure you want to disable ${a.name}'s account?`,
		warn: "They are signed out at once and cannot sign in, and their API tokens stop working. You can enable the account again later; they will need to sign in again.",
		button: "Yes, disable the account", warning: true, path: "disable",
	},
	enable: {
		title: a => `Enable ${a.name}'s account`,
		h1: a => `Enable ${a.name}'s account?`,
		warn: "They can sign in again with their password. Sessions and API tokens they had before stay ended.",
		button: "Enable the account", warning: false, path: "enable",
	},
	reset: {
		title: a => `Reset ${a.name}'s password`,
		h1: a => `Are you sure you want to reset ${a.name}'s password?`,
		warn: "Their current password stops working, they are signed out at once and their API tokens stop working. A new password is shown on the next page, once.",
		button: "Yes, reset the password", warning: true, path: "reset-password",
	},
};

async function confirmChange(kind, id, me) {
	const t = await target(id);
	if (!t) return;
	const { a, orgName } = t;
	const c = CHANGES[kind];
	setTitle(c.title(a));
	const own = a.id === me.account.id;
	content(`<span class="govuk-caption-l">${esc(a.name)}, ${esc(label("role", a.role))}${a.org ? ", " + esc(orgName.get(a.org) || "") : ""}</span>
<h1 class="govuk-heading-l">${esc(c.h1(a))}</h1>
<p class="govuk-body">${esc(a.email)} ${statusTag(a)}</p>
${own ? `<div class="govuk-inset-text">This is your own account. Another administrator must change it.</div>` : ""}
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> ${esc(c.warn)}</strong></div>
<form id="confirm-form" novalidate><div class="govuk-button-group">
<button type="submit" class="govuk-button${c.warning ? " govuk-button--warning" : ""}" id="confirm" data-module="govuk-button">${esc(c.button)}</button>
<a class="govuk-link" href="${BASE}">Cancel</a></div></form>`);
	onSubmit(document.getElementById("confirm-form"), async () => {
		try {
			const r = (await api("POST", `/admin/accounts/${encodeURIComponent(id)}/${c.path}`)).data;
			if (kind === "reset") passwordShown("Password reset", r.account, r.password);
			else location.assign(`${BASE}?done=${kind === "disable" ? "disabled" : "enabled"}&who=${encodeURIComponent(id)}`);
		} catch (e) {
			if (e.redirected) return;
			showErrors(apiErrors(e, {}, "confirm"));
		}
	});
}

async function changeRole(id, me) {
	const t = await target(id);
	if (!t) return;
	const { a, orgs } = t;
	setTitle(`Change ${a.name}'s role`);
	content(`<span class="govuk-caption-l">${esc(a.name)}, ${esc(a.email)}</span><h1 class="govuk-heading-l">Change ${esc(a.name)}'s role</h1>
${a.id === me.account.id ? `<div class="govuk-inset-text">This is your own account. Another administrator must change its role.</div>` : ""}
<p class="govuk-body">The new role applies at once, from their next page; the change is recorded in the ledger.</p>
<form id="role-form" novalidate>
${radios("role", "Role", ROLES, r => ROLE_NAMES[r], a.role, ROLE_HINT)}
${orgSelect(orgs, a.org || "", "An awarding body account belongs to an awarding body. None keeps the account's organisation.")}
<div class="govuk-button-group"><button type="submit" class="govuk-button" id="change-role" data-module="govuk-button">Change the role</button>
<a class="govuk-link" href="${BASE}">Cancel</a></div>
</form>`);
	const form = document.getElementById("role-form");
	onSubmit(form, async () => {
		const role = form.querySelector("input[name=role]:checked");
		if (!role) return showErrors([{ id: "role", text: "Select a role" }]);
		const body = { role: role.value };
		if (form.org.value) body.org = form.org.value;
		try {
			await api("POST", `/admin/accounts/${encodeURIComponent(id)}/role`, body);
			location.assign(`${BASE}?done=role&who=${encodeURIComponent(id)}`);
		} catch (e) {
			if (e.redirected) return;
			showErrors(apiErrors(e, { org: ["org", null], organisation: ["org", null] }, "role"));
		}
	});
}

try {
	const me = await startPage({ roles: ["admin"] });
	if (!me.refused) {
		const add = param("add");
		const kind = ["disable", "enable", "reset"].find(k => param(k));
		if (add === "account") await addAccount();
		else if (add === "organisation") await addOrganisation();
		else if (param("role")) await changeRole(param("role"), me);
		else if (kind) await confirmChange(kind, param(kind), me);
		else await list(me);
	}
} catch (e) {
	failure(e, "The accounts");
}
