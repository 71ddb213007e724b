// verify.js - the /verify/{id} page's in-browser proof.
//
// The page's facts are static HTML (published by core/publish/publish.c); this
// module proves them without trusting the server: it fetches the mark's
// bundle (/api/v1/marks/{id}) and the published verifier keys
// (/.well-known/htq-ledger-keys), and runs ledger.js's verifyMarkBundle,
// reading the ledger's static tiles under /ledger/ to prove that no
// mark.revoked follows the award up to the checkpoint.  It also verifies
// a bundle file chosen from disk, with no network at all, and offers the
// bundle as a download and the badge's embed code.
import { verifyMarkBundle, summarize } from "/assets/js/ledger.js";

const root = document.getElementById("verify");
const markId = root ? root.dataset.mark : null;
let keysText = null;

function el(tag, attrs = {}, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (k === "text") e.textContent = v;
		else e.setAttribute(k, v);
	}
	for (const c of children) e.append(c);
	return e;
}

async function fetchTile(path) {
	const r = await fetch("/ledger/" + path, { cache: "no-cache" });
	if (r.status === 404) return null;
	if (!r.ok) throw new Error(`reading /ledger/${path}: HTTP ${r.status}`);
	return new Uint8Array(await r.arrayBuffer());
}

// The log's latest checkpoint (null when it cannot be read: the bundle's
// own checkpoint is then the one non-revocation is proved to).
async function latestCheckpoint() {
	try {
		const r = await fetch("/ledger/checkpoint", { cache: "no-cache" });
		return r.ok ? await r.text() : null;
	} catch (x) {
		return null;
	}
}

async function loadKeys() {
	if (keysText !== null) return keysText;
	for (const url of ["/.well-known/htq-ledger-keys", "/api/v1/ledger/key"]) {
		try {
			const r = await fetch(url, { cache: "no-cache" });
			if (r.ok) return (keysText = await r.text());
		} catch (x) { /* try the next one */ }
	}
	throw new Error("the ledger's verifier key could not be read");
}

const TAG = {
	true: ["govuk-tag govuk-tag--green", "Passed"],
	false: ["govuk-tag govuk-tag--red", "Failed"],
	null: ["govuk-tag govuk-tag--grey", "Not checked"],
};

function tagFor(ok, revocation) {
	// a proved revocation is a finding, not a broken check: say so
	const [cls, word] = revocation ? ["govuk-tag govuk-tag--red", "Revoked"] : TAG[ok];
	return el("strong", { class: cls, text: word });
}

// Plain words for what was proved, from the checks.
function outcome(checks, bundle) {
	const verdict = summarize(checks);
	const cp = checks.find(c => c.name === "checkpoint signature" && c.ok);
	const nr = checks.find(c => c.name === "not revoked");
	const when = new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";
	const lines = [];
	if (verdict === "failed") {
		const bad = checks.filter(c => c.ok === false && !c.revocation);
		return { cls: "govuk-error-summary", title: "Verification failed",
			lines: bad.map(c => `${c.name} failed: ${c.detail}`) };
	}
	lines.push("Awarded — proved (the signed ledger holds the award, in a checkpoint signed with the published key).");
	if (verdict === "revoked") {
		const r = nr.revocation;
		const reason = (bundle.mark && bundle.mark.revoked && bundle.mark.revoked.reason) || r.reason || "";
		const date = (bundle.mark && bundle.mark.revoked && bundle.mark.revoked.date) || r.date;
		const note = (bundle.mark && bundle.mark.revoked && bundle.mark.revoked.note) || (r.entry && r.entry.data && r.entry.data.note) || "";
		lines.push(`Revoked on ${date}${reason ? " — reason: " + reason.replace(/_/g, " ") : ""}${note ? " (" + note + ")" : ""} — proved (ledger entry ${r.index}).`);
		return { cls: "govuk-notification-banner", title: "This quality mark is REVOKED", lines };
	}
	if (nr && nr.ok && cp) {
		const size = nr.size || cp.size;
		lines.push(`Not revoked as of checkpoint ${size}, ${when} — proved by reading ${Math.max(0, size - bundle.index - 1)} later entries.`);
		return { cls: "govuk-panel govuk-panel--confirmation", title: "Genuine and current", lines };
	}
	lines.push("Not revoked — not checked: the ledger's tiles were not read (offline). Check again online to prove it.");
	return { cls: "govuk-inset-text", title: "Award proved; revocation not checked", lines };
}

function render(target, checks, bundle) {
	target.replaceChildren();
	const o = outcome(checks, bundle);
	const box = el("div", { class: o.cls + " htq-outcome", "data-verdict": summarize(checks) });
	box.append(el("h3", { class: "govuk-heading-m", text: o.title }));
	for (const l of o.lines) box.append(el("p", { class: "govuk-body", text: l }));
	target.append(box);
	target.append(el("h3", { class: "govuk-heading-s", text: "Each check" }));
	const list = el("ul", { class: "htq-checks" });
	for (const c of checks) {
		const li = el("li", { class: "govuk-body", "data-check": c.name, "data-ok": String(c.ok) }, tagFor(c.ok, c.revocation), " ");
		li.append(el("strong", { text: c.name }), ": " + c.detail);
		list.append(li);
	}
	target.append(list);
}

async function run(target, bundle, { online }) {
	const progress = el("p", { class: "govuk-body", role: "status", text: "Checking…" });
	target.replaceChildren(progress);
	let keys;
	try {
		keys = await loadKeys();
	} catch (x) {
		progress.textContent = "Verification failed: " + x.message;
		return;
	}
	const checks = await verifyMarkBundle(bundle, keys, {
		fetchTile: online ? fetchTile : undefined,
		latest: online ? await latestCheckpoint() : null,
		onProgress: ({ done, total }) => {
			progress.textContent = `Reading later ledger entries: ${done} of ${total}…`;
		},
	});
	render(target, checks, bundle);
	return checks;
}

function downloadLink(bundle, id) {
	const blob = new Blob([JSON.stringify(bundle, null, 1) + "\n"], { type: "application/json" });
	return el("a", { class: "govuk-link", href: URL.createObjectURL(blob), download: `${id}.bundle.json`,
		text: `Download the proof bundle (${id}.bundle.json)` });
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

function fileChecker() {
	const wrap = el("div", { class: "govuk-form-group" });
	wrap.append(el("h2", { class: "govuk-heading-m", text: "Check a bundle file" }));
	wrap.append(el("p", { class: "govuk-body", text: "Choose a downloaded proof bundle: it is checked here in your browser, with no network needed (revocation after the award needs the ledger's tiles, so offline it is reported as not checked)." }));
	wrap.append(el("label", { class: "govuk-label", for: "bundle-file", text: "Bundle file (JSON)" }));
	const input = el("input", { class: "govuk-file-upload", id: "bundle-file", type: "file", accept: ".json,application/json" });
	wrap.append(input);
	const out = el("div", { id: "file-result", "aria-live": "polite" });
	wrap.append(out);
	input.addEventListener("change", async () => {
		const f = input.files && input.files[0];
		if (!f) return;
		let bundle;
		try {
			bundle = JSON.parse(await f.text());
		} catch (x) {
			out.replaceChildren(el("p", { class: "govuk-error-message", text: "Verification failed: the file is not JSON: " + x.message }));
			return;
		}
		await run(out, bundle, { online: navigator.onLine });
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
	root.after(fileChecker());
	let bundle;
	try {
		const r = await fetch("/api/v1/marks/" + encodeURIComponent(markId), { cache: "no-cache" });
		if (!r.ok) throw new Error(`the server answered HTTP ${r.status}`);
		bundle = await r.json();
	} catch (x) {
		result.replaceChildren(el("p", { class: "govuk-body", text: "Verification failed: the proof bundle could not be read: " + x.message }));
		return;
	}
	extras.append(el("p", { class: "govuk-body" }, downloadLink(bundle, markId)), embedCode(markId));
	await run(result, bundle, { online: true });
}

main();
