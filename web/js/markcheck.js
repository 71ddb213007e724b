// markcheck.js - what the verify page (verify.js) and the standalone
// verifier (scripts/verifier.html) share: the trust policy a page carries,
// the proof of one quality mark with ledger.js, and its outcome in words.
//
// There are three outcomes, and none is shown by default:
//   verified   proved genuine and not revoked as of a named checkpoint
//              (its size and the time of its newest entry; with witnesses
//              in the policy, the time a quorum of them cosigned it: never
//              this machine's clock);
//   revoked    proved revoked (date, reason and details from the signed
//              mark.revoked entry, never from the bundle's unsigned "mark");
//   could not check (verdict "failed" or "unchecked"): which step failed
//              or was not made, and why.
// The facts shown as proved come from the signed mark.awarded entry's
// data, never from the bundle's unsigned "mark" object.
import { dayText, parseWitnessPolicy, reasonText, sha256, summarize, toHex, utf8, verifyMarkBundle } from "/assets/js/ledger.js";

export function el(tag, attrs = {}, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (k === "text") e.textContent = v;
		else e.setAttribute(k, v);
	}
	for (const c of children) e.append(c);
	return e;
}

// The newest key's fingerprint: SHA-256 of its verifier key string, the
// first 16 bytes in hex, groups of four (as core/publish prints it).
export async function fingerprint(key) {
	const h = toHex((await sha256(utf8(key))).slice(0, 16));
	return h.match(/.{4}/g).join(" ");
}

// The trust policy written into the document (a JSON data block
// #htq-policy: {"origin", "keys": [oldest ... newest]} and, when the
// instance has witnesses, "witnesses": [cosignature verifier keys],
// "quorum", "max_age"), or an Error saying why there is none or why it
// is malformed.
export async function readPolicy(doc = document) {
	const node = doc.getElementById("htq-policy");
	let p = null;
	try { p = node ? JSON.parse(node.textContent) : null; } catch (x) { p = null; }
	if (!p || typeof p.origin !== "string" || !Array.isArray(p.keys) || !p.keys.length ||
	    !p.keys.every(k => typeof k === "string" && !k.includes("\n")))
		throw new Error("this page carries no trust policy (the ledger's origin and key), so nothing can be checked");
	const witnessPolicy = { witnesses: p.witnesses, quorum: p.quorum, maxAge: p.max_age };
	let w;
	try { w = await parseWitnessPolicy(witnessPolicy); } catch (x) { throw new Error(`this page's trust policy is malformed (${x.message}), so nothing can be checked`); }
	return { origin: p.origin, keys: p.keys, keysText: p.keys.join("\n") + "\n",
		newest: p.keys[p.keys.length - 1], fingerprint: await fingerprint(p.keys[p.keys.length - 1]),
		witnessPolicy: w ? witnessPolicy : null,
		witnesses: w ? { names: w.witnesses.map(k => k.name), quorum: w.quorum, maxAge: w.maxAge } : null };
}

// The policy's witness rule in words, or "" without witnesses.
export function witnessWords(policy) {
	const w = policy.witnesses;
	if (!w) return "";
	return `The log's latest checkpoint must be cosigned by ${w.quorum} of ${w.names.length} witnesses (${w.names.join(", ")}) within ${w.maxAge} seconds.`;
}

const str = v => typeof v === "string" ? v : null;

// The words the pages use for signed values, by the rules of
// core/publish/pages.c (htq_day_text, htq_type_text; dayText is
// ledger.js's), so that the facts shown as proved read as the static
// page's and compare equal to them.
const TYPES = { HNC: "Higher National Certificate (HNC)", HND: "Higher National Diploma (HND)",
	foundation_degree: "Foundation degree", other: "Another type" };
export const typeText = t => typeof t === "string" && Object.hasOwn(TYPES, t) ? TYPES[t] : t;
const get = (o, ...path) => path.reduce((x, k) => x && typeof x === "object" ? x[k] : undefined, o);

// The facts of a signed mark.awarded entry's data, formatted as
// core/publish/pages.c writes the static page: [{fact, label, value}].
export function awardFacts(data) {
	const s = k => str(get(data, "standard", k)) || "";
	const level = get(data, "qualification", "level");
	return [
		["qualification", "Qualification", str(get(data, "qualification", "title"))],
		["qualification_type", "Qualification type", typeText(str(get(data, "qualification", "type")))],
		["level", "Level", String(Number.isSafeInteger(level) ? level : 0)],
		["qan", "Qualification number (QAN)", str(get(data, "qualification", "qan"))],
		["awarding_body", "Awarding body", str(get(data, "awarding_body", "name"))],
		["standard", "Occupational standard", `${s("ref")} ${s("title")} (version ${s("version")})`],
		["route", "Route", str(get(data, "route"))],
		["awarded", "Awarded", dayText(str(get(data, "awarded")))],
		["first_teaching", "First teaching", dayText(str(get(data, "first_teaching")))],
		["review_by", "Review by", dayText(str(get(data, "review_by")))],
	].map(([fact, label, value]) => ({ fact, label, value: value === null ? "—" : value }));
}

export function revocationFacts(r) {
	const rows = [{ fact: "revoked_on", label: "Revoked on", value: dayText(r.date) },
		{ fact: "reason", label: "Reason", value: reasonText(r.reason) || "—" }];
	if (r.note) rows.push({ fact: "note", label: "Details", value: r.note });
	return rows;
}

// Prove `bundle` for the policy.  markId: the mark the caller is about
// (the award must be that mark's; undefined for a file of any mark).
// base: where the log's files are ("" for this host, a mirror's URL), or
// null for no network.
// seen: a checkpoint {size, root} proved here before (loadSeen).
export async function proveMark(bundle, policy, { markId, base = null, onProgress, seen } = {}) {
	// latestRetries: a checkpoint not yet witnessed is read twice more, a
	// second apart (its cosignatures may be on their way)
	const opts = { markId, origin: policy.origin, onProgress, witnessPolicy: policy.witnessPolicy || undefined, seen, latestRetries: 2 };
	if (base !== null) {
		opts.fetchTile = async path => {
			const r = await fetch(base + "/ledger/" + path, { cache: "no-cache" });
			if (r.status === 404) return null;
			if (!r.ok) throw new Error(`reading ${base}/ledger/${path}: HTTP ${r.status}`);
			return new Uint8Array(await r.arrayBuffer());
		};
		opts.fetchLatest = async () => {
			let r;
			try { r = await fetch(base + "/ledger/checkpoint", { cache: "no-cache" }); } catch (x) { throw new Error(`the connection failed (${x.message})`); }
			if (!r.ok) throw new Error(`HTTP ${r.status}`);
			try { return await r.text(); } catch (x) { throw new Error(`the connection failed (${x.message})`); }
		};
	}
	return verifyMarkBundle(bundle, policy.keysText, opts);
}

// The largest checkpoint this browser proved for a log (the latest
// checkpoint of a proof that passed its signature, witness and
// consistency checks), kept in localStorage (per origin of the page) under
// one key per log origin: {"size", "root" (base64), "time" (its cosigned
// time or null)}, at most SEEN_MAX bytes.  Anything else found there is
// removed and ignored; storage that cannot be used is ignored.
const SEEN_KEY = origin => "htq-seen-checkpoint/v1 " + origin;
const SEEN_MAX = 256;

function storage() {
	try { return globalThis.localStorage || null; } catch (x) { return null; }
}

export function loadSeen(origin) {
	const st = storage();
	if (!st) return null;
	let raw = null;
	try { raw = st.getItem(SEEN_KEY(origin)); } catch (x) { return null; }
	if (raw === null) return null;
	let v = null;
	try { v = raw.length <= SEEN_MAX ? JSON.parse(raw) : null; } catch (x) { v = null; }
	if (!v || typeof v !== "object" || !Number.isSafeInteger(v.size) || v.size < 1 ||
	    typeof v.root !== "string" || !/^[A-Za-z0-9+/]{43}=$/.test(v.root) ||
	    !(v.time === null || Number.isSafeInteger(v.time))) {
		try { st.removeItem(SEEN_KEY(origin)); } catch (x) { /* nothing kept */ }
		return null;
	}
	return { size: v.size, root: v.root, time: v.time };
}

// Keep checkpoint {size, root, time} when it is larger than the one kept.
export function storeSeen(origin, cp) {
	const st = storage();
	if (!st || !cp || !Number.isSafeInteger(cp.size) || cp.size < 1) return false;
	const old = loadSeen(origin);
	if (old && old.size >= cp.size) return false;
	const v = JSON.stringify({ size: cp.size, root: cp.root, time: Number.isSafeInteger(cp.time) ? cp.time : null });
	if (v.length > SEEN_MAX) return false;
	try { st.setItem(SEEN_KEY(origin), v); } catch (x) { return false; }
	return true;
}

// The outcome in words: {verdict, title, lines, cls}.
export function outcome(checks, policy) {
	const verdict = summarize(checks);
	const p = checks.proved || {};
	const lines = [];
	const keyLine = `Checked with the ledger key whose fingerprint is ${policy.fingerprint}.` +
		(policy.witnesses ? " " + witnessWords(policy) : "");
	if (p.award) lines.push(`Awarded — proved: mark ${p.mark} is in the signed ledger (entry ${p.award.seq}).`);
	if (verdict === "revoked") {
		const r = p.revocation;
		lines.push(`Revoked on ${dayText(r.date)}${r.reason ? " — reason: " + reasonText(r.reason) : ""}${r.note ? " (" + r.note + ")" : ""} — proved from the signed revocation (ledger entry ${r.index}).`);
		lines.push(keyLine);
		return { verdict, cls: "govuk-notification-banner htq-revoked", title: `Quality mark ${p.mark} is REVOKED`, lines };
	}
	if (verdict === "verified") {
		const nr = checks.find(c => c.name === "not revoked");
		const later = nr.entriesRead !== undefined ? Math.max(0, p.size - p.award.seq - 1) : 0;
		lines.push(p.cosigned
			? `Not revoked as of ${p.cosigned.iso}, the time a quorum of witnesses cosigned checkpoint ${p.size} (whose newest entry is dated ${p.time}) — proved by reading ${later} later entries.`
			: `Not revoked as of checkpoint ${p.size}, whose newest entry is dated ${p.time} — proved by reading ${later} later entries.`);
		lines.push(keyLine);
		return { verdict, cls: "govuk-panel govuk-panel--confirmation", title: "Genuine and current", lines };
	}
	for (const c of checks) {
		if (c.ok === false) lines.push(`${c.name} failed: ${c.detail}`);
		else if (c.ok === null) lines.push(`${c.name}: ${c.detail}`);
	}
	if (!checks.some(c => c.ok !== true)) lines.push("The proof is incomplete: non-revocation was not proved.");
	lines.push("Do not rely on this quality mark until it can be checked.");
	return { verdict, cls: "govuk-error-summary", title: "Could not check this quality mark", lines };
}

const TAG = {
	true: ["govuk-tag govuk-tag--green", "Passed"],
	false: ["govuk-tag govuk-tag--red", "Failed"],
	null: ["govuk-tag govuk-tag--grey", "Not checked"],
};

export function factList(rows, id) {
	const dl = el("dl", Object.assign({ class: "govuk-summary-list" }, id ? { id } : {}));
	for (const r of rows)
		dl.append(el("div", { class: "govuk-summary-list__row", "data-fact": r.fact },
			el("dt", { class: "govuk-summary-list__key", text: r.label }),
			el("dd", { class: "govuk-summary-list__value", text: r.value })));
	return dl;
}

// Show an outcome and each check in target.
export function render(target, checks, policy, { heading = "h3", extra = [] } = {}) {
	target.replaceChildren();
	const o = outcome(checks, policy);
	const box = el("div", { class: o.cls + " htq-outcome", "data-verdict": o.verdict });
	box.append(el(heading, { class: "govuk-heading-m", text: o.title }));
	for (const l of [...extra, ...o.lines]) box.append(el("p", { class: "govuk-body", text: l }));
	target.append(box);
	target.append(el(heading, { class: "govuk-heading-s", text: "Each check" }));
	const list = el("ul", { class: "htq-checks" });
	for (const c of checks) {
		const [cls, word] = c.revocation ? ["govuk-tag govuk-tag--red", "Revoked"] : TAG[c.ok];
		const li = el("li", { class: "govuk-body", "data-check": c.name, "data-ok": String(c.ok) },
			el("strong", { class: cls, text: word }), " ");
		li.append(el("strong", { text: c.name }), ": " + c.detail);
		list.append(li);
	}
	target.append(list);
	return o;
}
