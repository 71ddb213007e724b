// hostile.mjs - the verify page against a malicious host (issue 23), run by
// run.mjs.  A small static server (node:http) serves copies of the stack's
// published public/ tree and built assets, as nginx would, with one thing
// tampered per test: a relabelled bundle, fake facts, an id never issued,
// a latest checkpoint that is missing, broken or cut off, a rollback, a
// forged key and log, an older bundle after a key rotation, the page's
// script missing; and the page's file checker with relabelled and revoked
// bundles offline.  Each test asserts the outcome in words; none may show
// success for a false claim.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { ROOT, SyntheticLedger } from "../web/helpers.mjs";
import { assert, axe } from "./lib.mjs";

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json",
	".svg": "image/svg+xml", ".woff2": "font/woff2", ".ico": "image/x-icon", ".png": "image/png" };

// The file a path names in the published tree (public/ and www/), as the
// nginx configuration maps it; null for none.
function fileFor(data, p) {
	const pub = path.join(data, "public"), www = path.join(data, "www");
	let m;
	if ((m = /^\/verify\/([A-Z0-9-]+)\/?$/.exec(p))) return path.join(pub, "verify", m[1], "index.html");
	if ((m = /^\/api\/v1\/marks\/([A-Z0-9-]+)$/.exec(p))) return path.join(pub, "marks", m[1], "bundle.json");
	if (p.startsWith("/ledger/") || p.startsWith("/marks/") || p === "/.well-known/htq-ledger-keys" || p === "/htq-verifier.html")
		return path.join(pub, p);
	if (p.startsWith("/assets/")) return path.join(www, p);
	return null;
}

// Serve the stack's published files with overrides: tamper(path) returns
// undefined (serve the file), "drop" (close the connection with no
// answer), or {status, body, type}.
export async function hostileHost(data, tamper = () => undefined) {
	const server = http.createServer((req, res) => {
		const p = decodeURIComponent(new URL(req.url, "http://x").pathname);
		const t = tamper(p);
		if (t === "drop") { req.socket.destroy(); return; }
		const head = { "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'", "Cache-Control": "no-store", "Access-Control-Allow-Origin": "*" };
		if (t) {
			res.writeHead(t.status || 200, { ...head, "Content-Type": t.type || TYPES[path.extname(p)] || "application/octet-stream" });
			res.end(t.body);
			return;
		}
		const f = fileFor(data, p);
		if (!f || p.includes("..") || !fs.existsSync(f) || !fs.statSync(f).isFile()) {
			res.writeHead(404, { ...head, "Content-Type": "text/plain" });
			res.end("not found");
			return;
		}
		res.writeHead(200, { ...head, "Content-Type": TYPES[path.extname(f)] || (p.startsWith("/verify/") ? TYPES[".html"] : p.startsWith("/api/") ? TYPES[".json"] : "application/octet-stream") });
		res.end(fs.readFileSync(f));
	});
	await new Promise(r => server.listen(0, "127.0.0.1", r));
	return { base: `http://127.0.0.1:${server.address().port}`, close: () => new Promise(r => { server.closeAllConnections(); server.close(r); }) };
}

const read = (data, rel) => fs.readFileSync(path.join(data, "public", rel));

function ctl(ctx, args) {
	const r = spawnSync(path.join(ROOT, process.env.BIN || "bin", "htqctl"), ["--data", ctx.stack.data, ...args], { encoding: "utf8" });
	assert(r.status === 0, `htqctl ${args.join(" ")}: ${r.stderr}`);
	return r.stdout;
}

// Open url on the host and wait for the outcome: {verdict, outcome, status, facts}.
async function outcomeAt(ctx, base, url, shot, { waitFor = "#verify-result .htq-outcome", check = true } = {}) {
	const page = await ctx.browser.newPage();
	await page.goto(base + url, { waitUntil: "load" });
	if (waitFor) await page.waitForSelector(waitFor, { timeout: 30000 });
	const r = {
		page,
		verdict: waitFor ? await page.getAttribute("#verify-result .htq-outcome", "data-verdict") : null,
		outcome: waitFor ? await page.textContent("#verify-result .htq-outcome") : "",
		status: await page.textContent("#mark-status"),
		main: await page.textContent("main"),
	};
	await page.screenshot({ path: path.join(ctx.out, shot + ".png"), fullPage: true });
	if (check) {
		assert(r.verdict !== "verified" && !/Genuine and current/.test(r.main) && !/Current — proved/.test(r.status),
		    `${shot}: a false claim shown as genuine: ${r.status} / ${r.outcome}`);
	}
	return r;
}

export function hostileTests(test) {
	const S = {};	// what the tests share: marks, saved files

	test("verify page, hostile host: setup (marks, files saved before a key rotation)", async ctx => {
		const cur = (await ctx.stack.json("/api/v1/register?status=current")).items;
		const rev = (await ctx.stack.json("/api/v1/register?status=revoked")).items;
		assert(cur.length >= 1 && rev.length >= 1, "the demo has a current and a revoked mark");
		S.A = cur[0].mark_id;
		S.B = rev[0].mark_id;
		S.bundleA = JSON.parse(read(ctx.stack.data, `marks/${S.A}/bundle.json`));
		S.bundleB = JSON.parse(read(ctx.stack.data, `marks/${S.B}/bundle.json`));
		S.pageA = read(ctx.stack.data, `verify/${S.A}/index.html`).toString();
		S.pageB = read(ctx.stack.data, `verify/${S.B}/index.html`).toString();
		S.manifest = JSON.parse(fs.readFileSync(path.join(ctx.stack.data, "www", "assets-manifest.json"), "utf8"));
	});

	test("verify page, hostile host: the genuine tree verifies (the server is sound), accessible", async ctx => {
		const h = await hostileHost(ctx.stack.data);
		try {
			const r = await outcomeAt(ctx, h.base, `/verify/${S.A}`, "hostile-genuine", { check: false });
			assert(r.verdict === "verified" && /Genuine and current/.test(r.outcome) && /Current — proved/.test(r.status), `${r.verdict}: ${r.outcome}`);
			await axe(r.page, "hostile genuine");
			await r.page.close();
		} finally { await h.close(); }
	});

	test("verify page, hostile host: a revoked mark's page answered with another mark's genuine bundle", async ctx => {
		const relabelled = { ...S.bundleA, mark: { ...S.bundleB.mark } };
		delete relabelled.mark.id;
		const h = await hostileHost(ctx.stack.data, p => p === `/api/v1/marks/${S.B}` ? { body: JSON.stringify(relabelled) } : undefined);
		try {
			const r = await outcomeAt(ctx, h.base, `/verify/${S.B}`, "hostile-relabelled");
			assert(r.verdict === "failed" && /Could not check/.test(r.outcome), r.outcome);
			assert(r.outcome.includes(`the proof is for mark ${S.A}, not for ${S.B}`), r.outcome);
			assert(/Could not check/.test(r.status), r.status);
			await axe(r.page, "hostile relabelled");
			await r.page.close();
		} finally { await h.close(); }
	});

	test("verify page, hostile host: fake facts on a genuine mark's page", async ctx => {
		const title = S.bundleA.mark.qualification.title;
		const fake = S.pageA.replace(`<dd class="govuk-summary-list__value">${title}</dd>`, `<dd class="govuk-summary-list__value">Doctorate in Everything</dd>`);
		assert(fake !== S.pageA, "the title row was found");
		const h = await hostileHost(ctx.stack.data, p => p === `/verify/${S.A}` ? { body: fake, type: "text/html" } : undefined);
		try {
			const r = await outcomeAt(ctx, h.base, `/verify/${S.A}`, "hostile-fake-facts");
			assert(r.verdict === "failed", r.outcome);
			assert(r.outcome.includes(`page facts failed: the facts on this page are not the signed ones — Qualification: the page says "Doctorate in Everything", the signed ledger says "${title}"`), r.outcome);
			assert(!(await r.page.textContent("#facts")).includes("Doctorate"), "the facts shown are the signed ones");
			await r.page.close();
		} finally { await h.close(); }
	});

	test("verify page, hostile host: an id never issued, with a genuine bundle", async ctx => {
		const ghost = "HTQ-2026-999999-Z";
		const page = S.pageA.split(S.A).join(ghost);
		const h = await hostileHost(ctx.stack.data, p => p === `/verify/${ghost}` ? { body: page, type: "text/html" }
			: p === `/api/v1/marks/${ghost}` ? { body: JSON.stringify({ ...S.bundleA, mark: { ...S.bundleA.mark, id: ghost } }) } : undefined);
		try {
			const r = await outcomeAt(ctx, h.base, `/verify/${ghost}`, "hostile-unissued");
			assert(r.verdict === "failed" && r.outcome.includes(`the proof is for mark ${S.A}, not for ${ghost}`), r.outcome);
			await r.page.close();
		} finally { await h.close(); }
	});

	test("verify page, hostile host: a page whose heading names one mark while its script proves another", async ctx => {
		const page = S.pageB.replace(`data-mark="${S.B}"`, `data-mark="${S.A}"`);
		assert(page !== S.pageB, "data-mark found");
		const h = await hostileHost(ctx.stack.data, p => p === `/verify/${S.B}` ? { body: page, type: "text/html" } : undefined);
		try {
			const r = await outcomeAt(ctx, h.base, `/verify/${S.B}`, "hostile-heading-vs-script");
			assert(r.verdict === "failed" && r.outcome.includes("The page is inconsistent") && r.outcome.includes(`(${S.A}) are not the same mark`), r.outcome);
			await r.page.close();
		} finally { await h.close(); }
	});

	for (const [what, answer, words] of [
		["404", { status: 404, body: "not found" }, /latest checkpoint signature failed: the log's latest checkpoint could not be read: HTTP 404/],
		["500", { status: 500, body: "oops" }, /latest checkpoint signature failed: the log's latest checkpoint could not be read: HTTP 500/],
		["dropped connection", "drop", /latest checkpoint signature failed: the log's latest checkpoint could not be read: the connection failed/],
	]) {
		test(`verify page, hostile host: the latest checkpoint fails to read (${what}): could not check`, async ctx => {
			const h = await hostileHost(ctx.stack.data, p => p === "/ledger/checkpoint" ? answer : undefined);
			try {
				const r = await outcomeAt(ctx, h.base, `/verify/${S.A}`, "hostile-checkpoint-" + what.split(" ")[0]);
				assert(r.verdict === "failed" && words.test(r.outcome), r.outcome);
				assert(!/not revoked as of/i.test(r.outcome), r.outcome);
				await r.page.close();
			} finally { await h.close(); }
		});
	}

	test("verify page, hostile host: a forged key and log (same origin) are refused", async ctx => {
		const lg = new SyntheticLedger("htq.localhost/ledger");
		const i = lg.append("mark.awarded", S.A, { qualification: { title: "Forged" } });
		const tiles = lg.tiles();
		const h = await hostileHost(ctx.stack.data, p => {
			if (p === `/api/v1/marks/${S.A}`) return { body: JSON.stringify(lg.bundle(i)) };
			if (p === "/.well-known/htq-ledger-keys") return { body: lg.vkey + "\n", type: "text/plain" };
			if (p === "/ledger/checkpoint") return { body: lg.checkpoint(), type: "text/plain" };
			if (p.startsWith("/ledger/")) { const t = tiles.get(p.slice(8)); return t ? { body: Buffer.from(t) } : { status: 404, body: "" }; }
			return undefined;
		});
		try {
			const r = await outcomeAt(ctx, h.base, `/verify/${S.A}`, "hostile-forged-log");
			assert(r.verdict === "failed" && /checkpoint signature failed: .*not signed by a trusted key/.test(r.outcome), r.outcome);
			await r.page.close();
		} finally { await h.close(); }
	});

	test("verify page, hostile host: the page's script is missing: not yet checked, never current", async ctx => {
		const h = await hostileHost(ctx.stack.data, p => p.startsWith("/assets/js/verify.") ? { status: 404, body: "" } : undefined);
		try {
			const r = await outcomeAt(ctx, h.base, `/verify/${S.A}`, "hostile-no-script", { waitFor: null });
			assert(/Not yet checked/.test(r.status) && !/Current/.test(r.status), r.status);
			assert(/Not yet checked/.test(await r.page.textContent("#verify")), "the verify area says not yet checked");
			await axe(r.page, "hostile no script");
			await r.page.close();
		} finally { await h.close(); }
	});

	test("verify page, hostile host: file checker offline names the mark a relabelled file proves; a revoked file says revoked", async ctx => {
		const h = await hostileHost(ctx.stack.data);
		const relabelled = { ...S.bundleA, mark: { ...S.bundleB.mark } };
		delete relabelled.mark.id;
		const f1 = path.join(ctx.out, "relabelled.bundle.json"), f2 = path.join(ctx.out, "revoked.bundle.json");
		fs.writeFileSync(f1, JSON.stringify(relabelled));
		const revoked = { ...S.bundleB, mark: { ...S.bundleB.mark, status: "current", revoked: { date: "2000-01-01", reason: "forged" } } };
		fs.writeFileSync(f2, JSON.stringify(revoked));
		const page = await ctx.browser.newPage();
		try {
			await page.goto(h.base + `/verify/${S.B}`, { waitUntil: "networkidle" });
			await page.waitForSelector("#verify-result .htq-outcome", { timeout: 30000 });
			await ctx.browser.setOffline(true);
			await page.setInputFiles("#bundle-file", f1);
			await page.waitForSelector("#file-result .htq-outcome", { timeout: 30000 });
			let text = await page.textContent("#file-result");
			let verdict = await page.getAttribute("#file-result .htq-outcome", "data-verdict");
			assert(verdict !== "verified" && verdict !== "revoked", `relabelled offline: ${verdict}`);
			assert(text.includes(`This file proves quality mark ${S.A}.`) && text.includes(`This file is for another mark than this page's: it is for ${S.A}, not ${S.B}.`), text);
			assert(text.includes(S.bundleA.mark.qualification.title) && !/Genuine and current/.test(text), text);
			await page.setInputFiles("#bundle-file", f2);
			await page.waitForFunction(() => document.querySelector("#file-result .htq-outcome")?.dataset.verdict === "revoked", null, { timeout: 30000 });
			text = await page.textContent("#file-result");
			const rev = JSON.parse(S.bundleB.revocation.entry).data;
			assert(text.includes(`is REVOKED`) && text.includes(`Revoked on ${rev.revoked}`) && !text.includes("2000-01-01") && !text.includes("forged"), text);
			await page.screenshot({ path: path.join(ctx.out, "hostile-file-offline.png"), fullPage: true });
		} finally {
			await ctx.browser.setOffline(false);
			await page.close();
			await h.close();
		}
	});

	test("verify page, standalone verifier: the published copy carries the policy; from disk it checks bundles offline and reads a mirror's tiles", async ctx => {
		const res = await fetch(ctx.stack.base + "/htq-verifier.html");
		assert(res.status === 200, `GET /htq-verifier.html: ${res.status}`);
		const html = await res.text();
		const keys = fs.readFileSync(path.join(ctx.stack.data, "public", ".well-known", "htq-ledger-keys"), "utf8").trim().split("\n");
		assert(html.includes(JSON.stringify({ origin: keys[0].split("+")[0], keys }).replace(/\//g, "\\/")), "the instance's policy is written into the published copy");
		assert(!/<script[^>]+src=|<link[^>]+href=/i.test(html), "self-contained: nothing loaded from anywhere");
		const file = path.join(ctx.out, "htq-verifier.html");
		fs.writeFileSync(file, html);
		const fA = path.join(ctx.out, "A.bundle.json"), fB = path.join(ctx.out, "B.bundle.json");
		fs.writeFileSync(fA, JSON.stringify(S.bundleA));
		fs.writeFileSync(fB, JSON.stringify(S.bundleB));
		const fpr = (S.pageA.match(/id="key-fingerprint">([^<]*)</) || [])[1];
		const page = await ctx.browser.newPage();
		const h = await hostileHost(ctx.stack.data);
		const check = async (bundle, { mark = "", base = "" } = {}) => {
			await page.fill("#mark", mark);
			await page.fill("#base", base);
			await page.setInputFiles("#file", bundle);
			await page.evaluate(() => { document.getElementById("result").replaceChildren(); });
			await page.click("#check button");
			await page.waitForSelector("#result .htq-outcome", { timeout: 30000 });
			return { verdict: await page.getAttribute("#result .htq-outcome", "data-verdict"), text: await page.textContent("#result") };
		};
		try {
			await ctx.browser.setOffline(true);
			await page.goto("file://" + file, { waitUntil: "load" });
			await page.waitForFunction(() => document.getElementById("policy-fingerprint").textContent.includes(" "));
			assert((await page.textContent("#policy-fingerprint")) === fpr, "the fingerprint is the one the verify page prints");
			await axe(page, "standalone verifier");
			let r = await check(fA);
			assert(r.verdict === "unchecked" && /Could not check/.test(r.text) && r.text.includes(`This file proves quality mark ${S.A}.`) && /not checked/.test(r.text), `offline A: ${r.verdict}: ${r.text}`);
			r = await check(fB);
			assert(r.verdict === "revoked" && r.text.includes(`Quality mark ${S.B} is REVOKED`), `offline B: ${r.verdict}: ${r.text}`);
			r = await check(fA, { mark: S.B });
			assert(r.verdict === "failed" && r.text.includes(`the proof is for mark ${S.A}, not for ${S.B}`), `A as B: ${r.text}`);
			await page.screenshot({ path: path.join(ctx.out, "standalone-offline.png"), fullPage: true });
			await ctx.browser.setOffline(false);
			r = await check(fA, { mark: S.A, base: h.base });
			assert(r.verdict === "verified" && /Genuine and current/.test(r.text), `A with a mirror: ${r.verdict}: ${r.text}`);
			await page.screenshot({ path: path.join(ctx.out, "standalone-mirror.png"), fullPage: true });
		} finally {
			await ctx.browser.setOffline(false);
			await page.close();
			await h.close();
		}
	});

	test("verify page, hostile host: rollback to an older checkpoint of the newest key, and an older bundle after a key rotation", async ctx => {
		// rotate the key; the checkpoint right after it is the first of the new key
		ctl(ctx, ["key", "rotate"]);
		const afterRotation = read(ctx.stack.data, "ledger/checkpoint").toString();
		ctl(ctx, ["standards", "eligibility", "ST0116", "--yes"]);
		ctl(ctx, ["ledger", "publish", "--rebuild"]);	// every bundle proven against the newest checkpoint
		const fresh = JSON.parse(read(ctx.stack.data, `marks/${S.A}/bundle.json`));
		const size = c => Number(c.split("\n")[1]);
		assert(size(fresh.checkpoint) > size(afterRotation), `fresh bundle ${size(fresh.checkpoint)} > ${size(afterRotation)}`);
		// a rollback: the bundle's checkpoint is newer than the "latest"
		let h = await hostileHost(ctx.stack.data, p => p === "/ledger/checkpoint" ? { body: afterRotation, type: "text/plain" }
			: p === `/api/v1/marks/${S.A}` ? { body: JSON.stringify(fresh) } : undefined);
		try {
			const r = await outcomeAt(ctx, h.base, `/verify/${S.A}`, "hostile-rollback");
			assert(r.verdict === "failed" && /rollback: the log's latest checkpoint has \d+ entries, fewer than/.test(r.outcome), r.outcome);
			await r.page.close();
		} finally { await h.close(); }
		// the bundle saved before the rotation, signed by the retired key,
		// against the rotated tree: proved again in the latest checkpoint
		h = await hostileHost(ctx.stack.data, p => p === `/api/v1/marks/${S.A}` ? { body: JSON.stringify(S.bundleA) } : undefined);
		try {
			const r = await outcomeAt(ctx, h.base, `/verify/${S.A}`, "hostile-rotated-old-bundle", { check: false });
			assert(r.verdict === "verified", `old bundle after rotation: ${r.verdict}: ${r.outcome}`);
			const cs = await r.page.textContent("#verify-result .htq-checks");
			assert(/a retired key/.test(cs), cs);
			await r.page.close();
		} finally { await h.close(); }
		// and the same after rotation with the latest checkpoint cut off: could not check
		h = await hostileHost(ctx.stack.data, p => p === `/api/v1/marks/${S.A}` ? { body: JSON.stringify(S.bundleA) } : p === "/ledger/checkpoint" ? "drop" : undefined);
		try {
			const r = await outcomeAt(ctx, h.base, `/verify/${S.A}`, "hostile-rotated-no-latest");
			assert(r.verdict === "failed" && /could not be read/.test(r.outcome), r.outcome);
			await r.page.close();
		} finally { await h.close(); }
	});
}
