// verify.js - the /verify/{id} page's in-browser proof.
//
// The page (core/publish/pages.c) states the facts as this website
// publishes them, with the status "Not yet checked", and carries the
// instance's trust policy (the log's origin and verifier keys, written
// when the page was published) as a JSON data block.  This module proves
// the mark with that policy only: it fetches the mark's bundle
// (/api/v1/marks/{id}), requires the signed award to be this page's mark,
// reads the log's latest checkpoint and tiles under /ledger/ to prove
// that no mark.revoked follows the award, and then shows the outcome in
// words, the status, and the facts from the signed entries (a static fact
// that differs from them is a failure, named).  Any fetch error,
// rollback or parse error is "could not check".  With witnesses in the
// policy, the latest checkpoint must carry a quorum of recent
// cosignatures, and "current" is dated by their time, never by this
// browser's clock.  The largest checkpoint proved here is kept in
// localStorage; the next visit proves the latest consistent with it (a
// smaller one or a fork is "could not check").  It also checks a bundle
// file chosen from disk, saying which mark the file proves.
import { el, factList, awardFacts, loadSeen, proveMark, readPolicy, render, revocationFacts, storeSeen } from "/assets/js/markcheck.js";

const root = document.getElementById("verify");
const markId = root ? root.dataset.mark : null;

// The mark this page is about must be one: its address, its heading and
// the id the script proves (data-mark) must agree, or a page could show
// one mark's heading while proving another.
function idDisagreement() {
	const m = /^\/verify\/([^/]+)(\/(index\.html)?)?$/.exec(location.pathname);
	const fromUrl = m ? decodeURIComponent(m[1]) : null;
	const heading = (document.getElementById("mark-id")?.textContent || "").trim();
	if (fromUrl === markId && heading === markId) return null;
	return `this page's address (${fromUrl ?? "not /verify/<id>"}), its heading (${heading || "none"}) and the mark its check is set to prove (${markId}) are not the same mark`;
}

// The facts of the static page, by data-fact, before anything replaces them.
function staticFacts() {
	const out = new Map();
	for (const row of document.querySelectorAll("#facts [data-fact]")) {
		const dd = row.querySelector("dd");
		if (dd) out.set(row.dataset.fact, { label: row.querySelector("dt").textContent, value: dd.textContent });
	}
	return out;
}

// Compare the page's facts with the proved ones: a check of its own.
function compareFacts(checks, listed) {
	const p = checks.proved;
	if (!p || !p.award) return;
	const want = awardFacts(p.award.data);
	const rev = p.revocation;
	if (rev) want.push(...revocationFacts(rev));
	const current = checks.find(c => c.name === "not revoked" && c.ok === true);
	if (rev || current) want.push({ fact: "status", label: "Listed as", value: rev ? "Revoked" : "Current" });
	const diffs = [];
	for (const w of want) {
		const have = listed.get(w.fact);
		if (have && have.value !== w.value)
			diffs.push(`${w.label}: the page says "${have.value}", the signed ledger says "${w.value}"`);
	}
	for (const [fact, have] of listed)
		if (!want.some(w => w.fact === fact) && fact !== "status" && !(fact === "note" && rev))
			diffs.push(`${have.label}: the page says "${have.value}", which the signed ledger does not say`);
	checks.push(diffs.length
		? { name: "page facts", ok: false, detail: "the facts on this page are not the signed ones — " + diffs.join("; ") }
		: { name: "page facts", ok: true, detail: "every fact on this page is the signed entry's" });
}

// After the proof: the status, the facts from the signed entries, and
// where they come from.
function showProved(checks, verdict) {
	const p = checks.proved || {};
	const status = document.getElementById("mark-status");
	const [cls, word] = verdict === "verified" ? ["govuk-tag govuk-tag--green", "Current — proved"]
		: verdict === "revoked" ? ["govuk-tag govuk-tag--red", "Revoked — proved"]
		: ["govuk-tag govuk-tag--red", "Could not check"];
	if (status) status.replaceChildren("Status: ", el("strong", { class: cls, text: word }));
	const facts = document.getElementById("facts");
	const source = document.getElementById("facts-source");
	if (!facts) return;
	if (p.award) {
		const rows = awardFacts(p.award.data);
		if (p.revocation) rows.push(...revocationFacts(p.revocation));
		facts.replaceWith(factList(rows, "facts"));
		if (source) source.textContent = `From the signed ledger entry ${p.award.seq}` +
			(p.revocation ? ` and the signed revocation, entry ${p.revocation.index}` : "") + " (proved).";
	} else if (source) {
		source.textContent = "As published by this website: could not be checked.";
	}
	document.getElementById("listed-revocation")?.remove();
	const listed = document.getElementById("listed-status");
	if (listed) listed.textContent = verdict === "verified" || verdict === "revoked"
		? "Proved in your browser by the check below, from the signed ledger."
		: "This website's own listing could not be checked: see below why.";
}

async function run(target, bundle, policy, { base, markId: want, onDone }) {
	const progress = el("p", { class: "govuk-body", role: "status", text: "Checking…" });
	target.replaceChildren(progress);
	const checks = await proveMark(bundle, policy, {
		markId: want, base, seen: base === null ? null : loadSeen(policy.origin),
		onProgress: ({ done, total }) => { progress.textContent = `Reading later ledger entries: ${done} of ${total}…`; },
	});
	if (base !== null && checks.proved && checks.proved.checkpoint) storeSeen(policy.origin, checks.proved.checkpoint);
	if (onDone) onDone(checks);
	return checks;
}

function failBox(target, words) {
	target.replaceChildren(el("div", { class: "govuk-error-summary htq-outcome", "data-verdict": "failed" },
		el("h3", { class: "govuk-heading-m", text: "Could not check this quality mark" }),
		el("p", { class: "govuk-body", text: words }),
		el("p", { class: "govuk-body", text: "Do not rely on this quality mark until it can be checked." })));
}

function downloadLink(bundle, id) {
	const blob = new Blob([JSON.stringify(bundle, null, 1) + "\n"], { type: "application/json" });
	return el("a", { class: "govuk-link", href: URL.createObjectURL(blob), download: `${id}.bundle.json`,
		text: `Download the proof bundle (${id}.bundle.json)` });
}

// The mark's Open Badges 3.0 credential, published beside its bundle
// (docs/credentials.md): for a wallet or another verifier.
function credentialLink(id) {
	return el("a", { class: "govuk-link", href: `/marks/${encodeURIComponent(id)}/credential.json`,
		download: `${id}.credential.json`, type: "application/vc+ld+json",
		text: `Download the Open Badges 3.0 credential (${id}.credential.json)` });
}

function embedCode(id) {
	const base = location.origin;
	const code = `<a href="${base}/verify/${id}"><img src="${base}/marks/${id}/badge.svg" ` +
		`alt="HTQ quality mark ${id}: check it at ${base}/verify/${id}" width="480" height="180"></a>`;
	const group = el("div", { class: "govuk-form-group" });
	group.append(el("label", { class: "govuk-label", for: "embed", text: "Badge embed code for your website" }));
	const ta = el("textarea", { class: "govuk-textarea htq-embed", id: "embed", rows: "3", readonly: "" });
	ta.value = code;
	group.append(ta);
	return group;
}

function fileChecker(policy) {
	const wrap = el("div", { class: "govuk-form-group" });
	wrap.append(el("h2", { class: "govuk-heading-m", text: "Check a bundle file" }));
	wrap.append(el("p", { class: "govuk-body", text: "Choose a downloaded proof bundle: it is checked here in your browser with the ledger key this page carries. It says which mark the file proves and shows that mark's signed facts. Offline, a revocation after the bundle was made cannot be looked for, so the result is then \"could not check\" unless the file itself proves a revocation." }));
	wrap.append(el("label", { class: "govuk-label", for: "bundle-file", text: "Bundle file (JSON)" }));
	const input = el("input", { class: "govuk-file-upload", id: "bundle-file", type: "file", accept: ".json,application/json" });
	wrap.append(input);
	const out = el("div", { id: "file-result", "aria-live": "polite" });
	wrap.append(out);
	input.addEventListener("change", async () => {
		const f = input.files && input.files[0];
		if (!f) return;
		if (!policy) { failBox(out, "This page carries no trust policy (the ledger's key), so nothing can be checked."); return; }
		let bundle;
		try {
			bundle = JSON.parse(await f.text());
		} catch (x) {
			failBox(out, "The file is not JSON: " + x.message);
			return;
		}
		await run(out, bundle, policy, {
			base: navigator.onLine ? "" : null,
			onDone: checks => {
				const p = checks.proved || {};
				const extra = [];
				if (p.mark) {
					extra.push(`This file proves quality mark ${p.mark}.`);
					if (p.mark !== markId) extra.push(`This file is for another mark than this page's: it is for ${p.mark}, not ${markId}.`);
				}
				render(out, checks, policy, { extra });
				out.dataset.mark = p.mark || "";
				if (p.award) {
					const rows = awardFacts(p.award.data);
					if (p.revocation) rows.push(...revocationFacts(p.revocation));
					out.append(el("h3", { class: "govuk-heading-s", text: `What the file proves about ${p.mark}` }), factList(rows, "file-facts"));
				}
			},
		});
	});
	return wrap;
}

async function main() {
	if (!root || !markId) return;
	const nojs = document.getElementById("verify-nojs");
	const result = el("div", { id: "verify-result", "aria-live": "polite" });
	const extras = el("div", { id: "verify-extras" });
	if (nojs) nojs.replaceWith(result); else root.append(result);
	root.append(extras);
	const disagreement = idDisagreement();
	if (disagreement) {
		failBox(result, "The page is inconsistent: " + disagreement + ".");
		showProved([], "failed");
		return;
	}
	let policy = null;
	try {
		policy = await readPolicy();
	} catch (x) {
		failBox(result, x.message);
		showProved([], "failed");
		root.after(fileChecker(null));
		return;
	}
	root.after(fileChecker(policy));
	const listed = staticFacts();
	let bundle;
	try {
		let r;
		try { r = await fetch("/api/v1/marks/" + encodeURIComponent(markId), { cache: "no-cache" }); } catch (x) { throw new Error(`the connection failed (${x.message})`); }
		if (!r.ok) throw new Error(`the server answered HTTP ${r.status}`);
		bundle = JSON.parse(await r.text());
	} catch (x) {
		failBox(result, "The proof bundle could not be read: " + x.message);
		showProved([], "failed");
		return;
	}
	extras.append(el("p", { class: "govuk-body" }, downloadLink(bundle, markId)),
		el("p", { class: "govuk-body" }, credentialLink(markId)), embedCode(markId));
	await run(result, bundle, policy, {
		base: "", markId,
		onDone: checks => {
			compareFacts(checks, listed);
			const o = render(result, checks, policy);
			showProved(checks, o.verdict);
		},
	});
}

main();
