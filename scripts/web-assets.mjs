#!/usr/bin/env node
// web-assets.mjs SRC OUT [PAGES...] - assemble the static site nginx serves.
//
//   node scripts/web-assets.mjs web build/www build/pages
//
// PAGES are folders of generated pages (scripts/portal-pages.mjs), added
// to SRC's at the same paths.
//
// Pages (*.html and anything that is not an asset) are copied from SRC to
// OUT at the same path.  Assets get content-hashed names under OUT/assets/,
// so nginx can serve them with "Cache-Control: immutable":
//
//   SRC/**/*.{js,mjs,css,svg,png,...}            -> /assets/<path>.<hash>.<ext>
//   govuk-frontend's built CSS and JS             -> /assets/govuk/...
//   govuk-frontend's fonts and images             -> /assets/fonts/..., /assets/images/...
//   @noble/ed25519 (the verifier's fallback)      -> /assets/vendor/noble-ed25519.js
//
// Sources refer to an asset by its logical name ("/assets/js/ledger.js");
// every such string in HTML, CSS and JS is replaced by the hashed name.
// Files are processed so that an asset's hash covers the hashed names it
// refers to.  OUT/assets-manifest.json maps logical to hashed names for
// anything that renders pages elsewhere.  Everything is written to OUT.new
// and renamed into place; nothing is fetched from the network.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const [src, out, ...extra] = process.argv.slice(2);
if (!src || !out) {
	console.error("usage: web-assets.mjs SRC OUT");
	process.exit(2);
}
const nm = path.join(src, "node_modules");
const govuk = path.join(nm, "govuk-frontend", "dist", "govuk");
const ASSET_EXT = new Set([".js", ".mjs", ".css", ".svg", ".png", ".ico",
	".jpg", ".gif", ".webp", ".woff", ".woff2"]);
const TEXT_EXT = new Set([".js", ".mjs", ".css", ".svg", ".html"]);
const SKIP = new Set(["node_modules", "package.json", "package-lock.json", ".npmrc"]);

function walk(dir, rel = "") {
	const files = [];
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		if (SKIP.has(e.name) && rel === "") continue;
		const r = rel ? rel + "/" + e.name : e.name;
		if (e.isDirectory()) files.push(...walk(path.join(dir, e.name), r));
		else if (e.isFile()) files.push(r);
	}
	return files;
}

// logical name (without /assets/) -> source file
const assets = new Map();
const pages = [];
for (const f of walk(src)) {
	if (ASSET_EXT.has(path.extname(f))) assets.set(f, path.join(src, f));
	else pages.push([f, src]);
}
for (const d of extra)
	for (const f of walk(d))
		pages.push([f, d]);
function vendor(logical, file) {
	if (!fs.existsSync(file)) {
		console.error(`web-assets: ${file} missing (run npm ci in ${src})`);
		process.exit(1);
	}
	assets.set(logical, file);
}
vendor("govuk/govuk-frontend.min.css", path.join(govuk, "govuk-frontend.min.css"));
vendor("govuk/govuk-frontend.min.js", path.join(govuk, "govuk-frontend.min.js"));
for (const sub of ["fonts", "images"])
	for (const f of fs.readdirSync(path.join(govuk, "assets", sub)))
		vendor(`${sub}/${f}`, path.join(govuk, "assets", sub, f));
vendor("vendor/noble-ed25519.js", path.join(nm, "@noble", "ed25519", "index.js"));

const tmp = out + ".new";
fs.rmSync(tmp, { recursive: true, force: true });
fs.mkdirSync(path.join(tmp, "assets"), { recursive: true });

const manifest = {};
const refRe = /\/assets\/([A-Za-z0-9_.\/-]+\.[A-Za-z0-9]+)/g;

// Read a text file, drop source-map comments (the maps are not shipped)
// and replace logical asset names by hashed ones, hashing each referenced
// asset first.
function rewrite(text, from) {
	text = text.replace(/\n?\/[*\/]# sourceMappingURL=[^\n]*/g, "");
	return text.replace(refRe, (m, logical) => {
		if (!assets.has(logical)) return m;	// not ours: leave it
		return "/assets/" + emit(logical, [...from, logical]);
	});
}

function emit(logical, chain = [logical]) {
	if (manifest[logical]) return manifest[logical];
	if (chain.indexOf(logical) !== chain.length - 1)
		throw new Error("asset reference cycle: " + chain.join(" -> "));
	const file = assets.get(logical);
	const ext = path.extname(logical);
	let data = fs.readFileSync(file);
	if (TEXT_EXT.has(ext)) data = Buffer.from(rewrite(data.toString("utf8"), chain));
	const hash = createHash("sha256").update(data).digest("hex").slice(0, 12);
	const hashed = logical.slice(0, -ext.length) + "." + hash + ext;
	fs.mkdirSync(path.dirname(path.join(tmp, "assets", hashed)), { recursive: true });
	fs.writeFileSync(path.join(tmp, "assets", hashed), data);
	manifest[logical] = hashed;
	return hashed;
}

for (const logical of [...assets.keys()].sort()) emit(logical);
for (const [p, base] of pages) {
	const dst = path.join(tmp, p);
	fs.mkdirSync(path.dirname(dst), { recursive: true });
	if (TEXT_EXT.has(path.extname(p))) {
		const text = rewrite(fs.readFileSync(path.join(base, p), "utf8"), []);
		const missing = [...text.matchAll(refRe)].filter(m => !Object.values(manifest).includes(m[1]));
		if (missing.length) {
			console.error(`web-assets: ${p} refers to unknown asset ${missing[0][0]}`);
			process.exit(1);
		}
		fs.writeFileSync(dst, text);
	} else {
		fs.copyFileSync(path.join(base, p), dst);
	}
}
const sorted = Object.fromEntries(Object.entries(manifest).sort());
fs.writeFileSync(path.join(tmp, "assets-manifest.json"), JSON.stringify(sorted, null, 1) + "\n");
fs.rmSync(out, { recursive: true, force: true });
fs.renameSync(tmp, out);
console.log(`web-assets: ${pages.length} pages, ${Object.keys(manifest).length} assets -> ${out}`);
