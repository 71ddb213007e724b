// admin-accounts.js - /admin/accounts: every account (GET /admin/accounts,
// never a password hash) and organisation (GET /admin/organisations).
import { api, content, esc, failure, label, plural, startPage } from "/assets/js/portal/common.js";


function table(caption, id, heads, rows) {
	return `<table class="govuk-table" id="${id}"><caption class="govuk-table__caption govuk-table__caption--m">${esc(caption)}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${heads.map(h => `<th scope="col" class="govuk-table__header">${esc(h)}</th>`).join("")}</tr></thead>
<tbody class="govuk-table__body">${rows.map(r => `<tr class="govuk-table__row">${r.map((c, i) => i === 0 ? `<th scope="row" class="govuk-table__header">${c}</th>` : `<td class="govuk-table__cell">${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

try {
	const me = await startPage({ roles: ["admin"] });
	if (!me.refused) {
		const [a, o] = await Promise.all([api("GET", "/admin/accounts"), api("GET", "/admin/organisations")]);
		const orgs = o.data.organisations || [];
		const orgName = new Map(orgs.map(x => [x.id, x.name]));
		const accounts = a.data.accounts || [];
		content(`<span class="govuk-caption-l">Administration</span>
<h1 class="govuk-heading-l">Accounts and organisations</h1>
<p class="govuk-body">${plural(accounts.length, "account")} and ${plural(orgs.length, "organisation")}. Accounts are created and disabled with <code>htqctl user</code>.</p>
${table("Accounts", "accounts", ["Name", "Email", "Role", "Organisation", "Status"], accounts.map(x => [
			esc(x.name), esc(x.email), esc(label("role", x.role)), esc(orgName.get(x.org) || x.org || "None"),
			x.disabled ? `<strong class="govuk-tag govuk-tag--grey">Disabled</strong>` : `<strong class="govuk-tag govuk-tag--green">Active</strong>`]))}
${table("Organisations", "organisations", ["Name", "Kind", "Reference", "Identifier"], orgs.map(x => [
			esc(x.name), esc(label("org_kind", x.kind)), esc([x.rn && (/^RN/i.test(x.rn) ? x.rn : "RN " + x.rn), x.ukprn && (/^UKPRN/i.test(x.ukprn) ? x.ukprn : "UKPRN " + x.ukprn)].filter(Boolean).join(", ") || "None"),
			`<span class="govuk-body-s">${esc(x.id)}</span>`]))}`);
	}
} catch (e) {
	failure(e, "The accounts");
}
