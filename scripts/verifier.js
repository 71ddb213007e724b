// verifier.js - the standalone verifier's page script (inlined into
// htq-verifier.html by scripts/standalone-verifier.mjs, with ledger.js and
// markcheck.js as data: modules).  The policy is the JSON data block the
// file carries (with witnesses, the rule of docs/ledger.md 9.1 applies to
// the mirror's latest checkpoint); nothing else is trusted.
import { awardFacts, el, factList, proveMark, readPolicy, render, revocationFacts, witnessWords } from "/assets/js/markcheck.js";

const result = document.getElementById("result");
let policy = null;
try {
	policy = await readPolicy();
	document.getElementById("policy-origin").textContent = policy.origin;
	document.getElementById("policy-fingerprint").textContent = policy.fingerprint;
	document.getElementById("policy-witnesses").textContent = policy.witnesses ? witnessWords(policy) +
		" Without that, a mark is never shown as current: a mirror could serve an old or forked view."
		: "Its policy names no witnesses: a checkpoint is accepted on the log's signature alone.";
} catch (x) {
	result.replaceChildren(el("div", { class: "htq-outcome", "data-verdict": "failed" },
		el("h2", { text: "Could not check: this copy carries no usable trust policy" }),
		el("p", { text: x.message }),
		el("p", { text: "Download the verifier from the service (it writes its policy in), or build one with a key you trust: node scripts/standalone-verifier.mjs OUT.html --policy POLICY.txt (or --keys KEYS.txt)." })));
}

document.getElementById("check").addEventListener("submit", async ev => {
	ev.preventDefault();
	if (!policy) return;
	const f = document.getElementById("file").files[0];
	const want = document.getElementById("mark").value.trim() || undefined;
	const baseText = document.getElementById("base").value.trim().replace(/\/+$/, "");
	if (!f) { result.replaceChildren(el("p", { text: "Choose a bundle file first." })); return; }
	let bundle;
	try { bundle = JSON.parse(await f.text()); } catch (x) {
		result.replaceChildren(el("div", { class: "htq-outcome", "data-verdict": "failed" }, el("h2", { text: "Could not check this quality mark" }), el("p", { text: "The file is not JSON: " + x.message })));
		return;
	}
	const progress = el("p", { role: "status", text: "Checking…" });
	result.replaceChildren(progress);
	const checks = await proveMark(bundle, policy, { markId: want, base: baseText ? baseText : null,
		onProgress: ({ done, total }) => { progress.textContent = `Reading later ledger entries: ${done} of ${total}…`; } });
	const p = checks.proved || {};
	render(result, checks, policy, { heading: "h2", extra: p.mark ? [`This file proves quality mark ${p.mark}.`] : [] });
	result.dataset.mark = p.mark || "";
	if (p.award) {
		const rows = awardFacts(p.award.data);
		if (p.revocation) rows.push(...revocationFacts(p.revocation));
		result.append(el("h2", { text: `What the signed ledger says about ${p.mark}` }), factList(rows, "facts"));
	}
});
