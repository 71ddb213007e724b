#!/usr/bin/env node
// standalone-verifier.mjs OUT [--keys FILE [--origin ORIGIN]] - build the
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
// copy built with a key it obtained on its own.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const out = args[0];
if (!out) {
	console.error("usage: standalone-verifier.mjs OUT [--keys FILE [--origin ORIGIN]]");
	process.exit(2);
}
const opt = k => (args.indexOf(k) > 0 ? args[args.indexOf(k) + 1] : undefined);
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
if (opt("--keys")) {
	const keys = fs.readFileSync(opt("--keys"), "utf8").split("\n").map(l => l.trim()).filter(Boolean);
	if (!keys.length) throw new Error("no key in " + opt("--keys"));
	const origin = opt("--origin") || keys[0].split("+")[0];
	const json = JSON.stringify({ origin, keys }).replace(/</g, "\\u003c").replace(/\//g, "\\/");
	html = html.replace(MARK, MARK.replace("null", json));
}
html = html.replace("/*STANDALONE*/", () => main.replace(/<\/script/gi, "<\\/script"));
fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
fs.writeFileSync(out + ".new", html);
fs.renameSync(out + ".new", out);
console.log(`standalone verifier: ${out} (${html.length} bytes${opt("--keys") ? ", policy from " + opt("--keys") : ", policy written at publish time"})`);
