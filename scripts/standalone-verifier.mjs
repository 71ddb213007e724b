#!/usr/bin/env node
// standalone-verifier.mjs OUT [--keys FILE [--origin ORIGIN] [--witness VKEY]...
//     [--quorum K] [--max-age SECONDS] | --policy FILE] - build the
// standalone verifier: one self-contained HTML file (scripts/verifier.html)
// with web/js/ledger.js, web/js/markcheck.js, scripts/verifier.js and the
// vendored @noble/ed25519 inlined as data: modules, so that it runs from
// disk (file://) with no network and nothing loaded from anywhere.
//
// Without --keys the policy block is left as null: htq's publisher writes
// the instance's policy (origin and keys) into its copy,
// public/htq-verifier.html, at publish time (core/publish/publish.c).
// With --keys FILE (verifier keys, one a line, oldest first, as
// /.well-known/htq-ledger-keys) the policy is written in here: a partner's
// copy built with a key it obtained on its own; --witness (each a
// witness's cosignature verifier key, as `htq-witness keygen` prints it),
// --quorum and --max-age add the witness rule (docs/ledger.md 9.1).  Or
// --policy FILE: a policy file of docs/ledger.md 6.7 (origin, key,
// witness, quorum, max_age lines), the same a partner gives htq-verify.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parsePolicyText, parseVerifierKeys, parseWitnessPolicy } from "../web/js/ledger.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const out = args[0];
if (!out) {
	console.error("usage: standalone-verifier.mjs OUT [--keys FILE [--origin ORIGIN]]");
	process.exit(2);
}
const opt = k => (args.indexOf(k) > 0 ? args[args.indexOf(k) + 1] : undefined);
const opts = k => args.flatMap((a, i) => (i > 0 && a === k ? [args[i + 1]] : []));
const die = msg => { console.error("standalone-verifier.mjs: " + msg); process.exit(2); };

// A decimal of at most 8 digits, no leading zero, or undefined.
function decimal(v, what) {
	if (v === undefined) return undefined;
	if (!/^[1-9][0-9]{0,7}$/.test(v)) die(`${what} ${JSON.stringify(v)} is not a positive decimal`);
	return Number(v);
}

// The policy file of docs/ledger.md 6.7, parsed by ledger.js's
// parsePolicyText (the one parser of it in JavaScript).
function readPolicyFile(file) {
	try {
		return parsePolicyText(fs.readFileSync(file, "utf8"));
	} catch (x) {
		die(`${file}: ${x.message}`);
	}
}
const read = p => fs.readFileSync(path.join(ROOT, p), "utf8");
const dataUrl = text => "data:text/javascript;base64," + Buffer.from(text, "utf8").toString("base64");
const strip = t => t.replace(/\n?\/[*\/]# sourceMappingURL=[^\n]*/g, "");

const noble = dataUrl(strip(read("web/node_modules/@noble/ed25519/index.js")));
const ledger = dataUrl(read("web/js/ledger.js").split("/assets/vendor/noble-ed25519.js").join(noble));
const markcheck = dataUrl(read("web/js/markcheck.js").split("/assets/js/ledger.js").join(ledger));
const main = read("scripts/verifier.js").split("/assets/js/markcheck.js").join(markcheck);
if (/\/assets\//.test(main.replace(/data:[^"]*/g, ""))) throw new Error("an /assets/ reference left in the standalone verifier");

let html = read("scripts/verifier.html");
const MARK = '<script type="application/json" id="htq-policy">null</script>';
if (!html.includes(MARK) || !html.includes("/*STANDALONE*/")) throw new Error("scripts/verifier.html lacks its placeholders");
let given = null;
if (opt("--policy")) {
	if (opt("--keys") || opts("--witness").length || opt("--quorum") || opt("--max-age") || opt("--origin"))
		die("--policy FILE is the whole policy: no --keys, --origin, --witness, --quorum or --max-age with it");
	given = readPolicyFile(opt("--policy"));
} else if (opt("--keys")) {
	const keys = fs.readFileSync(opt("--keys"), "utf8").split("\n").map(l => l.trim()).filter(Boolean);
	if (!keys.length) die("no key in " + opt("--keys"));
	given = { origin: opt("--origin") || keys[0].split("+")[0], keys, witnesses: opts("--witness"),
		quorum: opt("--quorum"), max_age: opt("--max-age") };
} else if (opts("--witness").length || opt("--quorum") || opt("--max-age")) {
	die("--witness, --quorum and --max-age need --keys");
}
if (given) {
	const policy = { origin: given.origin, keys: given.keys };
	try {
		const keys = await parseVerifierKeys(given.keys.join("\n"));
		if (keys.some(k => k.name !== given.origin)) die(`a key not named by the origin ${given.origin}`);
		if (keys.length > 64) die("more than 64 keys");
		if (new Set(keys.map(k => k.text)).size !== keys.length) die("a key listed twice");
		const w = { witnesses: given.witnesses.length ? given.witnesses : undefined,
			quorum: decimal(given.quorum, "quorum"), maxAge: decimal(given.max_age, "max_age") };
		if (await parseWitnessPolicy(w)) Object.assign(policy, { witnesses: w.witnesses, quorum: w.quorum ?? w.witnesses.length, max_age: w.maxAge ?? 86400 });
	} catch (x) {
		die(x.message);
	}
	const json = JSON.stringify(policy).replace(/</g, "\\u003c").replace(/\//g, "\\/");
	html = html.replace(MARK, MARK.replace("null", json));
}
html = html.replace("/*STANDALONE*/", () => main.replace(/<\/script/gi, "<\\/script"));
fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
fs.writeFileSync(out + ".new", html);
fs.renameSync(out + ".new", out);
console.log(`standalone verifier: ${out} (${html.length} bytes${given ? ", policy from " + (opt("--policy") || opt("--keys")) +
	(given.witnesses.length ? ` with ${given.witnesses.length} witnesses` : "") : ", policy written at publish time"})`);
