// ledger.js (portal) - /ledger: the ledger's latest signed checkpoint, its
// entries filtered by type and subject (read a page of 100 at a time from
// GET /ledger/entries), an entry's inclusion proof checked here against
// the checkpoint's root, and every entry since N checked against the
// published tiles and verifier keys (ledger.js verifyLedgerRange).  For
// anyone: signed in or not.
import { content, dateTime, esc, failure, label, labelTables, plural, startPage } from "/assets/js/portal/common.js";
import { b64decode, isoTime, leafHash, parseCheckpoint, parseEntry, parseNote, parsePolicyText, parseVerifierKeys, parseWitnessPolicy, summarize, verifyCheckpoint, verifyInclusion, verifyLedgerRange, witnessRule } from "/assets/js/ledger.js";

async function text(url) {
	const r = await fetch(url, { cache: "no-cache", credentials: "same-origin" });
	if (!r.ok) throw new Error(`reading ${url}: HTTP ${r.status}`);
	return r.text();
}
async function json(url) {
	const r = await fetch(url, { cache: "no-cache", credentials: "same-origin", headers: { Accept: "application/json" } });
	const d = await r.json().catch(() => null);
	if (!r.ok) throw new Error((d && d.error && d.error.message) || `reading ${url}: HTTP ${r.status}`);
	return d;
}
async function fetchTile(path) {
	const r = await fetch("/ledger/" + path, { cache: "no-cache" });
	if (r.status === 404) return null;
	if (!r.ok) throw new Error(`reading /ledger/${path}: HTTP ${r.status}`);
	return new Uint8Array(await r.arrayBuffer());
}
async function keysText() {
	for (const url of ["/.well-known/htq-ledger-keys", "/api/v1/ledger/key"]) {
		try { return await text(url); } catch (x) { /* the next one */ }
	}
	throw new Error("the ledger's verifier keys could not be read");
}

// The witness rule of the instance's published policy on the latest
// checkpoint (docs/ledger.md 6.7): null when the policy names no
// witnesses, else {ok, time, count, reasons, n, quorum, maxAge}.  Throws
// when the policy cannot be read.
async function witnessed(note) {
	const r = await fetch("/.well-known/htq-policy", { cache: "no-cache" });
	if (r.status === 404) return null;
	if (!r.ok) throw new Error(`reading /.well-known/htq-policy: HTTP ${r.status}`);
	const p = parsePolicyText(await r.text());
	if (!p.witnesses.length) return null;
	const num = v => (v === undefined ? undefined : Number(v));
	const wp = await parseWitnessPolicy({ witnesses: p.witnesses, quorum: num(p.quorum), maxAge: num(p.max_age) });
	const w = await witnessRule(note, wp, Math.floor(Date.now() / 1000));
	return { ...w, n: wp.witnesses.length, quorum: wp.quorum, maxAge: wp.maxAge };
}
function witnessWords(w) {
	return w.ok
		? `cosigned by ${w.count} of the ${w.n} witnesses (quorum ${w.quorum}); a quorum vouches for it as of ${isoTime(w.time)}`
		: `not cosigned by ${w.quorum} of the ${w.n} witnesses within ${w.maxAge} seconds: ${w.reasons.join("; ")}`;
}

const PAGE = 100;
const state = { note: "", cp: null, entries: [], next: 0, sigs: new Map() };

async function loadPage() {
	const d = await json(`/api/v1/ledger/entries?start=${state.next}&end=${Math.min(state.next + PAGE, state.cp.size)}`);
	for (const e of d.entries) {
		let p = null;
		try { p = parseEntry(e.entry); } catch (x) { p = { type: "(unreadable)", subject: "", time: "" }; }
		state.entries.push({ seq: e.seq, entry: e.entry, sig: e.sig, p });
		state.sigs.set(e.seq, e.sig);
	}
	state.next = d.entries.length ? d.entries[d.entries.length - 1].seq + 1 : state.cp.size;
}

function rows() {
	const type = document.getElementById("filter-type").value;
	const subject = document.getElementById("filter-subject").value.trim().toLowerCase();
	const shown = state.entries.filter(e => (!type || e.p.type === type) && (!subject || String(e.p.subject || "").toLowerCase().includes(subject)));
	document.getElementById("entries-body").innerHTML = shown.map(e => `<tr class="govuk-table__row" data-seq="${e.seq}">
<td class="govuk-table__cell govuk-table__cell--numeric">${e.seq}</td><td class="govuk-table__cell">${e.p.time ? dateTime(e.p.time) : ""}</td>
<td class="govuk-table__cell">${esc(label("ledger_type", e.p.type))}</td><td class="govuk-table__cell">${esc(e.p.subject || "")}</td>
<td class="govuk-table__cell"><button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-prove="${e.seq}">Check inclusion<span class="govuk-visually-hidden"> of entry ${e.seq}</span></button>
<p class="govuk-body-s govuk-!-margin-bottom-0" id="proof-${e.seq}" aria-live="polite"></p></td></tr>`).join("");
	document.getElementById("entries-count").textContent = `Showing ${shown.length} of the ${plural(state.entries.length, "entry", "entries")} read (the ledger has ${state.cp.size}).`;
	// the wrapper: govuk-button's display would override [hidden]
	document.getElementById("more-wrap").hidden = state.next >= state.cp.size;
	const types = [...new Set(state.entries.map(e => e.p.type))].sort();
	const sel = document.getElementById("filter-type");
	if (sel.options.length - 1 !== types.length)
		sel.innerHTML = `<option value="">All types</option>` + types.map(t => `<option value="${esc(t)}"${t === type ? " selected" : ""}>${esc(label("ledger_type", t))}</option>`).join("");
	labelTables(document.getElementById("entries"));
}

async function prove(seq) {
	const out = document.getElementById("proof-" + seq);
	const e = state.entries.find(x => x.seq === seq);
	out.textContent = "Checking…";
	try {
		const d = await json(`/api/v1/ledger/proof/inclusion?index=${seq}&size=${state.cp.size}`);
		const ok = await verifyInclusion(await leafHash(e.entry), seq, state.cp.size, d.hashes.map(b64decode), state.cp.root);
		out.innerHTML = ok
			? `<strong class="govuk-tag govuk-tag--green">Included</strong> The proof (${plural(d.hashes.length, "hash", "hashes")}) leads to the checkpoint's root.`
			: `<strong class="govuk-tag govuk-tag--red">Not proved</strong> the proof does not lead to the checkpoint's root.`;
	} catch (x) {
		out.innerHTML = `<strong class="govuk-tag govuk-tag--red">Not proved</strong> ${esc(x.message)}`;
	}
}

async function verifyAll(from) {
	const bar = document.getElementById("verify-progress");
	const pct = document.getElementById("verify-percent");
	const result = document.getElementById("verify-result");
	const button = document.getElementById("verify-all");
	result.innerHTML = "";
	document.getElementById("verify-status").hidden = false;
	bar.value = 0;
	pct.textContent = "0% – reading the verifier keys";
	button.disabled = true;
	button.setAttribute("aria-disabled", "true");
	try {
		const keys = await keysText();
		const fetchSig = async i => {
			if (!state.sigs.has(i)) {
				const d = await json(`/api/v1/ledger/entries?start=${i}&end=${Math.min(i + PAGE, state.cp.size)}`);
				for (const e of d.entries) state.sigs.set(e.seq, e.sig);
			}
			return state.sigs.get(i);
		};
		const checks = await verifyLedgerRange(state.note, keys, {
			fetchTile, fetchSig, from, onProgress: ({ done, total }) => {
				const p = total ? Math.floor(done * 100 / total) : 100;
				bar.value = p;
				pct.textContent = `${p}% – ${done} of ${total} tiles read`;
			},
		});
		// the checkpoint the range is checked against must be witnessed
		// when the instance's policy names witnesses: a frozen or forked
		// view matches its own signed checkpoint too
		let w;
		try { w = await witnessed(state.note); } catch (x) { w = { ok: false, reasons: [x.message], n: 0, quorum: 0, maxAge: 0, error: true }; }
		if (w) checks.push({ name: "witness cosignatures", ok: w.ok, detail: w.error ? `could not check: ${w.reasons[0]}` : `checkpoint ${state.cp.size}: ${witnessWords(w)}` });
		const ok = summarize(checks) === "verified" && (!w || w.ok);
		bar.value = 100;
		pct.textContent = ok ? "100% – finished" : "Stopped – a check failed";
		result.innerHTML = ok
			? `<div class="govuk-panel govuk-panel--confirmation" id="verify-panel"><h2 class="govuk-panel__title">Verified</h2>
<div class="govuk-panel__body">Entries ${from} to ${state.cp.size - 1} match the signed checkpoint</div></div>`
			: `<div class="govuk-error-summary" id="verify-panel" tabindex="-1"><div role="alert"><h2 class="govuk-error-summary__title">Not verified</h2>
<div class="govuk-error-summary__body"><p class="govuk-body">A check failed: the ledger, its tiles, its keys or its witnesses' cosignatures are not what they should be. Each check is below.</p></div></div></div>`;
		result.innerHTML += `<ul class="govuk-list">${checks.map(c => `<li><strong class="govuk-tag ${c.ok ? "govuk-tag--green" : c.ok === false ? "govuk-tag--red" : "govuk-tag--grey"}">${c.ok ? "Passed" : c.ok === false ? "Failed" : "Not checked"}</strong> ${esc(c.name)}: ${esc(c.detail || c.message || "")}</li>`).join("")}</ul>`;
		document.getElementById("verify-panel").focus?.();
	} catch (x) {
		pct.textContent = "Stopped";
		result.innerHTML = `<p class="govuk-body"><strong class="govuk-tag govuk-tag--red">Failed</strong> ${esc(x.message)}</p>`;
	} finally {
		button.disabled = false;
		button.removeAttribute("aria-disabled");
	}
}

try {
	await startPage({ optional: true });
	state.note = await text("/api/v1/ledger/checkpoint");
	const { text: body, sigs } = parseNote(state.note);
	state.cp = parseCheckpoint(body);
	let signed = "not checked";
	try {
		const keys = await parseVerifierKeys(await keysText());
		const k = keys[keys.length - 1];
		await verifyCheckpoint(state.note, k, {});
		signed = `<strong class="govuk-tag govuk-tag--green">Signature verified</strong> with the published key ${esc(k.name)}+${esc(k.keyId)}`;
	} catch (x) {
		signed = `<strong class="govuk-tag govuk-tag--red">Signature not verified</strong> ${esc(x.message)}`;
	}
	let wrow;
	try {
		const w = await witnessed(state.note);
		wrow = !w ? "This instance's policy names no witnesses"
			: `<strong class="govuk-tag ${w.ok ? "govuk-tag--green\">Witnessed" : "govuk-tag--red\">Not witnessed"}</strong> ${esc(witnessWords(w))}`;
	} catch (x) {
		wrow = `<strong class="govuk-tag govuk-tag--grey">Not checked</strong> ${esc(x.message)}`;
	}
	content(`<span class="govuk-caption-l">Audit</span>
<h1 class="govuk-heading-l">The ledger</h1>
<p class="govuk-body">Every decision the service makes is an entry in this append-only, signed ledger. The checks on this page run in your browser: they trust only the published verifier keys and witness policy (<a class="govuk-link" href="/.well-known/htq-policy">the policy</a>), not this server's word for anything else. To trust nothing this website publishes, check it with your own copy of the policy (<code>htq-verify</code>, the standalone verifier).</p>
<h2 class="govuk-heading-m">Latest checkpoint</h2>
<dl class="govuk-summary-list" id="checkpoint">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Origin</dt><dd class="govuk-summary-list__value">${esc(state.cp.origin)}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Size</dt><dd class="govuk-summary-list__value" id="cp-size">${plural(state.cp.size, "entry", "entries")}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Root hash</dt><dd class="govuk-summary-list__value"><code class="htq-break">${esc(state.cp.rootB64)}</code></dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Key id</dt><dd class="govuk-summary-list__value">${sigs.map(s => `${esc(s.name)}+${esc(s.keyId)}`).join("<br>")}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Signature</dt><dd class="govuk-summary-list__value">${signed}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Witnesses</dt><dd class="govuk-summary-list__value" id="cp-witnesses">${wrow}</dd></div>
</dl>
<h2 class="govuk-heading-m">Verify everything since an entry</h2>
<form id="verify-form" novalidate>
<div class="govuk-form-group"><label class="govuk-label" for="from">First entry to check</label>
<div id="from-hint" class="govuk-hint">0 checks the whole ledger: every entry's sequence, chain and signature, and that the published tiles hash to the signed root.</div>
<input class="govuk-input govuk-input--width-10" id="from" name="from" type="text" inputmode="numeric" value="0" aria-describedby="from-hint"></div>
<button type="submit" class="govuk-button" id="verify-all" data-module="govuk-button">Verify everything since this entry</button>
</form>
<div id="verify-status" hidden><label class="govuk-label" for="verify-progress">Progress</label>
<progress class="htq-progress" id="verify-progress" max="100" value="0"></progress>
<p class="govuk-body" id="verify-percent" role="status"></p></div>
<div id="verify-result"></div>
<h2 class="govuk-heading-m">Entries</h2>
<div class="govuk-grid-row"><div class="govuk-grid-column-one-half"><div class="govuk-form-group"><label class="govuk-label" for="filter-type">Type</label>
<select class="govuk-select" id="filter-type"><option value="">All types</option></select></div></div>
<div class="govuk-grid-column-one-half"><div class="govuk-form-group"><label class="govuk-label" for="filter-subject">Subject contains</label>
<div id="filter-subject-hint" class="govuk-hint">For example, ST0116 or a mark id</div>
<input class="govuk-input" id="filter-subject" type="text" aria-describedby="filter-subject-hint"></div></div></div>
<p class="govuk-body" id="entries-count" aria-live="polite"></p>
<table class="govuk-table" id="entries"><caption class="govuk-table__caption govuk-visually-hidden">Ledger entries</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header govuk-table__header--numeric">Entry</th><th scope="col" class="govuk-table__header">Time</th><th scope="col" class="govuk-table__header">Type</th><th scope="col" class="govuk-table__header">Subject</th><th scope="col" class="govuk-table__header">Inclusion in the checkpoint</th></tr></thead>
<tbody class="govuk-table__body" id="entries-body"></tbody></table>
<div id="more-wrap"><button type="button" class="govuk-button govuk-button--secondary" id="more" data-module="govuk-button">Read the next ${PAGE} entries</button></div>`);
	await loadPage();
	rows();
	document.getElementById("filter-type").addEventListener("change", rows);
	document.getElementById("filter-subject").addEventListener("input", rows);
	document.getElementById("more").addEventListener("click", async () => { await loadPage(); rows(); });
	document.getElementById("entries-body").addEventListener("click", ev => {
		const b = ev.target.closest("[data-prove]");
		if (b) prove(Number(b.dataset.prove));
	});
	document.getElementById("verify-form").addEventListener("submit", ev => {
		ev.preventDefault();
		const v = document.getElementById("from").value.trim();
		const group = document.getElementById("from").closest(".govuk-form-group");
		group.classList.remove("govuk-form-group--error");
		group.querySelector(".govuk-error-message")?.remove();
		if (!/^[0-9]+$/.test(v) || Number(v) >= Math.max(state.cp.size, 1)) {
			group.classList.add("govuk-form-group--error");
			const p = document.createElement("p");
			p.className = "govuk-error-message";
			p.id = "from-error";
			p.innerHTML = `<span class="govuk-visually-hidden">Error:</span> Enter an entry number from 0 to ${Math.max(state.cp.size - 1, 0)}`;
			group.insertBefore(p, document.getElementById("from"));
			document.getElementById("from").focus();
			return;
		}
		verifyAll(Number(v));
	});
} catch (e) {
	if (e && e.redirected) { /* signing in */ }
	else failure(e, "The ledger");
}
