// register.js - search the public register in place.
//
// The /register page lists every mark as static HTML (published by
// core/publish/publish.c); this module makes its search form ask
// GET /api/v1/register (title or QAN, status) and redraws the table,
// with "Show more" following the API's "next".  Without JavaScript the
// pages (/register, /register/2, ...: 100 marks each) still list every
// mark with a link to its verify page.
const form = document.getElementById("search");
const tbody = document.querySelector("#register tbody");
const results = document.getElementById("results");
let more = null;

function cell(...children) {
	const td = document.createElement("td");
	td.className = "govuk-table__cell";
	td.append(...children);
	return td;
}

function tag(cls, text) {
	const s = document.createElement("strong");
	s.className = "govuk-tag " + cls;
	s.textContent = text;
	return s;
}

function row(it) {
	const tr = document.createElement("tr");
	tr.className = "govuk-table__row";
	const a = document.createElement("a");
	a.className = "govuk-link";
	a.href = "/verify/" + encodeURIComponent(it.mark_id);
	a.textContent = it.mark_id;
	const q = it.qualification || {};
	const status = it.revoked
		? [tag("govuk-tag--red", "Revoked"), ` ${it.revoked.date}: ${String(it.revoked.reason).replace(/_/g, " ")}`]
		: [tag("govuk-tag--green", "Current")];
	tr.append(cell(a), cell(`${q.title} (level ${q.level}${q.qan ? ", QAN " + q.qan : ""})`),
		cell((it.awarding_body || {}).name || ""), cell(`${it.standard.ref} ${it.standard.title}`),
		cell(it.route || ""), cell(it.awarded || ""), cell(...status));
	return tr;
}

async function search(after) {
	const p = new URLSearchParams();
	const q = document.getElementById("q").value.trim();
	const st = document.getElementById("status").value;
	if (q) p.set("q", q);
	if (st) p.set("status", st);
	if (after) p.set("after", after);
	results.textContent = "Searching…";
	const r = await fetch("/api/v1/register?" + p);
	if (!r.ok) {
		results.textContent = `Search failed (HTTP ${r.status})`;
		return;
	}
	const page = await r.json();
	if (!after) tbody.replaceChildren();
	// the static pages' links do not page through search results
	const pages = document.getElementById("register-pages");
	if (pages) pages.remove();
	for (const it of page.items) tbody.append(row(it));
	const n = tbody.children.length;
	results.textContent = `${n} quality mark${n === 1 ? "" : "s"}${page.next ? " shown, more available" : ""}`;
	more.hidden = !page.next;
	more.dataset.after = page.next || "";
}

if (form && tbody) {
	more = document.createElement("button");
	more.type = "button";
	more.className = "govuk-button govuk-button--secondary";
	more.textContent = "Show more";
	more.hidden = true;
	more.addEventListener("click", () => search(more.dataset.after));
	document.getElementById("register").after(more);
	form.addEventListener("submit", ev => {
		ev.preventDefault();
		const u = new URL(location.href);
		u.search = new URLSearchParams(new FormData(form)).toString();
		history.replaceState(null, "", u);
		search();
	});
	const params = new URLSearchParams(location.search);
	if (params.get("q") || params.get("status")) {
		document.getElementById("q").value = params.get("q") || "";
		document.getElementById("status").value = params.get("status") || "";
		search();
	}
}
