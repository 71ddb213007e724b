// hostile.mjs - the verify page against a malicious host (issue 23), run by
// run.mjs.  A small static server (node:http) serves copies of the stack's
// published public/ tree and built assets, as nginx would, with one thing
// tampered per test: a relabelled bundle, fake facts, an id never issued,
// a latest checkpoint that is missing, broken or cut off, a rollback, a
// forged key and log, an older bundle after a key rotation, the page's
// script missing; and the page's file checker with relabelled and revoked
// bundles offline.  Each test asserts the outcome in words; none may show
// success for a false claim.  Witnesses (issue 24, docs/ledger.md 9.1):
// two test witnesses made here (their keys in node, never the stack's),
// whose keys the served pages' policy lists, cosign copies of the
// published checkpoint: genuine with a quorum, a freeze (an old checkpoint
// cosigned long ago, served after a revocation), a split view (a fork
// signed with the log's own key file), a witness missing, and the
// checkpoint the browser keeps across visits (rollback and fork).
//
//   node tests/e2e/hostile.mjs [-k SUBSTRING]   (alone; run.mjs runs it too)
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildTiles, fetchEntries, inclusionProof, leaf, mth, now, ROOT, signWithKeyFile, SyntheticLedger, TestWitness } from "../web/helpers.mjs";
import { assert, axe, dayWords, suite } from "./lib.mjs";

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

// A page with its embedded policy (#htq-policy) changed by edit(policy).
function withPolicy(page, edit) {
	const re = /(<script type="application\/json" id="htq-policy">)([^<]*)(<\/script>)/;
	const m = re.exec(page);
	assert(m, "the page carries a policy block");
	const p = edit(JSON.parse(m[2]));
	return page.replace(re, (_, a, _b, c) => a + JSON.stringify(p).replace(/</g, "\\u003c").replace(/\//g, "\\/") + c);
}
// The policy without its witness rule (for cases about keys alone).
const noWitnesses = p => { const q = { ...p }; delete q.witnesses; delete q.quorum; delete q.max_age; return q; };
const iso = t => new Date(t * 1000).toISOString().replace(/\.000Z$/, "Z");
const cpSize = note => Number(note.split("\n")[1]);

// A login as the demo approver: headers for the API.
async function approver(ctx) {
	const r = await fetch(ctx.stack.api + "/session", { method: "POST", headers: { "Content-Type": "application/json" },
		body: JSON.stringify({ email: "approver@htq.test", password: ctx.stack.password }) });
	assert(r.status === 200, `login: ${r.status}`);
	const cookie = /htq_session=([^;]+)/.exec(r.headers.get("set-cookie") || "");
	assert(cookie, "a session cookie");
	return { "Cookie": "htq_session=" + cookie[1], "X-CSRF-Token": (await r.json()).csrf, "Content-Type": "application/json" };
}

export function hostileTests(test, { setupInRun = false } = {}) {
	const S = {};	// what the tests share: marks, saved files

	const setup = async ctx => {
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
	};
	if (!setupInRun) test("verify page, hostile host: setup (marks, files saved before a key rotation)", setup);

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
			assert(text.includes(`is REVOKED`) && text.includes(`Revoked on ${dayWords(rev.revoked)}`) && !text.includes("2000-01-01") && !text.includes("forged"), text);
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
		const pol = JSON.parse((/<script type="application\/json" id="htq-policy">([^<]*)<\/script>/.exec(html) || [])[1] || "null");
		const want = ctl(ctx, ["ledger", "policy"]).split("\n").filter(l => /^witness /.test(l)).map(l => l.slice(8));
		assert(pol && pol.origin === keys[0].split("+")[0] && JSON.stringify(pol.keys) === JSON.stringify(keys) &&
			JSON.stringify(pol.witnesses || []) === JSON.stringify(want) && (!want.length || pol.quorum > 0), `the instance's policy is written into the published copy: ${JSON.stringify(pol)}`);
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
		// against the rotated tree: proved again in the latest checkpoint.
		// The page's policy drops its witness rule: the stack's witnesses
		// refuse the new key until their operators add it (docs/ledger.md
		// 8.3), and witnesses have cases of their own below.
		const rotatedPage = withPolicy(read(ctx.stack.data, `verify/${S.A}/index.html`).toString(), noWitnesses);
		h = await hostileHost(ctx.stack.data, p => p === `/api/v1/marks/${S.A}` ? { body: JSON.stringify(S.bundleA) }
			: p === `/verify/${S.A}` ? { body: rotatedPage, type: "text/html" } : undefined);
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

	// ---- witnesses (issue 24) ----
	const W = {};	// the witnesses, the policy edit, the saved "mid" view
	const witnessed = p => ({ ...p, witnesses: [W.w1.vkey, W.w2.vkey], quorum: 2, max_age: 600 });

	const wsetup = async ctx => {
		W.w1 = await TestWitness.make("regulator-test.witness.localhost");
		W.w2 = await TestWitness.make("students-test.witness.localhost");
		W.key = fs.readFileSync(path.join(ctx.stack.data, "keys", "ledger.key"), "utf8");
		W.cp = read(ctx.stack.data, "ledger/checkpoint").toString();
		W.bundle = JSON.parse(read(ctx.stack.data, `marks/${S.A}/bundle.json`));
		W.page = read(ctx.stack.data, `verify/${S.A}/index.html`).toString();
		assert(/Current/.test(W.page) && cpSize(W.bundle.checkpoint) <= cpSize(W.cp), "mark A is current, its bundle within the checkpoint");
		const entries = (await fetchEntries(ctx.stack)).map(e => e.entry);
		assert(entries.length >= cpSize(W.cp), "entries read");
		W.entries = entries.slice(0, cpSize(W.cp));
		W.tiles = buildTiles(W.entries);	// the tiles of that checkpoint's tree
	};
	test("verify page, witnesses: setup (two test witnesses, the view before a revocation)", wsetup);

	// A host serving the view: checkpoint, A's page (policy edited) and
	// bundle, and the tiles (undefined: the published ones).
	const view = (ctx, { checkpoint, page, bundle = W.bundle, tiles }) => p => {
		if (p === "/ledger/checkpoint") return { body: checkpoint, type: "text/plain" };
		if (p === `/verify/${S.A}`) return { body: page, type: "text/html" };
		if (p === `/api/v1/marks/${S.A}`) return { body: JSON.stringify(bundle) };
		if (tiles && p.startsWith("/ledger/tile/")) { const t = tiles.get(p.slice(8)); return t ? { body: Buffer.from(t) } : { status: 404, body: "" }; }
		return undefined;
	};

	test("verify page, witnesses: a quorum of fresh cosignatures: genuine and current as of the cosigned time", async ctx => {
		if (!W.w1) await wsetup(ctx);
		const t1 = now() - 20, t2 = now() - 95;
		const cp = await W.w2.cosign(await W.w1.cosign(W.cp, t1), t2);
		const h = await hostileHost(ctx.stack.data, view(ctx, { checkpoint: cp, page: withPolicy(W.page, witnessed) }));
		try {
			const r = await outcomeAt(ctx, h.base, `/verify/${S.A}`, "witness-genuine", { check: false });
			assert(r.verdict === "verified" && /Genuine and current/.test(r.outcome) && /Current — proved/.test(r.status), `${r.verdict}: ${r.outcome}`);
			assert(r.outcome.includes(`Not revoked as of ${iso(t2)}, the time a quorum of witnesses cosigned checkpoint ${cpSize(W.cp)}`), r.outcome);
			assert(r.outcome.includes(`cosigned by 2 of 2 witnesses (${W.w1.name}, ${W.w2.name})`) || r.outcome.includes(`2 of 2 witnesses (${W.w1.name}, ${W.w2.name})`), r.outcome);
			const cs = await r.page.textContent("#verify-result .htq-checks");
			assert(cs.includes(`witness cosignatures: checkpoint ${cpSize(W.cp)} is cosigned by 2 of the 2 witnesses (quorum 2); a quorum vouches for it as of ${iso(t2)}`), cs);
			await axe(r.page, "witness genuine");
			await r.page.close();
		} finally { await h.close(); }
	});

	test("verify page, witnesses: one witness missing: could not check, naming it", async ctx => {
		if (!W.w1) await wsetup(ctx);
		const cp = await W.w1.cosign(W.cp, now() - 5);
		const h = await hostileHost(ctx.stack.data, view(ctx, { checkpoint: cp, page: withPolicy(W.page, witnessed) }));
		try {
			const r = await outcomeAt(ctx, h.base, `/verify/${S.A}`, "witness-missing");
			assert(r.verdict === "failed" && /Could not check/.test(r.outcome) && /Could not check/.test(r.status), r.outcome);
			assert(r.outcome.includes(`witness cosignatures failed: the log's latest checkpoint (${cpSize(W.cp)} entries) is not cosigned by 2 of the 2 witnesses of the trust policy within the last 600 seconds: no valid cosignature from witness ${W.w2.name}`), r.outcome);
			assert(!r.outcome.includes(`witness ${W.w1.name}`), "the witness that cosigned is not named");
			await r.page.close();
		} finally { await h.close(); }
	});

	test("verify page, witnesses: a split view (a fork signed with the log's key, the genuine cosignatures copied): could not check", async ctx => {
		if (!W.w1) await wsetup(ctx);
		const t = now() - 5;
		const genuine = await W.w2.cosign(await W.w1.cosign(W.cp, t), t);
		const lines = genuine.slice(genuine.lastIndexOf("\n\n") + 2).split("\n").filter(l => l.includes("witness.localhost"));
		assert(lines.length === 2, "two cosignature lines");
		// the same size, the root of another tree: the log's key signs anything
		const [origin, size] = W.cp.split("\n");
		const forkRoot = Buffer.from(leaf("a fork in which nothing was revoked")).toString("base64");
		const fork = await signWithKeyFile(W.key, `${origin}\n${size}\n${forkRoot}\n`) + lines.join("\n") + "\n";
		// with a genuine bundle of an older checkpoint (the log signed one at every commit)
		const leaves = W.entries.map(e => leaf(e)), n = Number(size) - 1;
		assert(W.bundle.index < n, "the award is older than the last entry");
		const older = { ...W.bundle, proof: inclusionProof(leaves, W.bundle.index, n),
			checkpoint: await signWithKeyFile(W.key, `${origin}\n${n}\n${mth(leaves.slice(0, n)).toString("base64")}\n`) };
		let h = await hostileHost(ctx.stack.data, view(ctx, { checkpoint: fork, page: withPolicy(W.page, witnessed), bundle: older }));
		try {
			const r = await outcomeAt(ctx, h.base, `/verify/${S.A}`, "witness-split-view");
			assert(r.verdict === "failed" && /Could not check/.test(r.outcome), r.outcome);
			assert(r.outcome.includes(`no valid cosignature from witness ${W.w1.name}; no valid cosignature from witness ${W.w2.name}`), r.outcome);
			const cs = await r.page.textContent("#verify-result .htq-checks");
			assert(/Passed latest checkpoint signature: the log's latest checkpoint, of \d+ entries, is signed by the newest key/.test(cs), `the fork is signed by the log's key: ${cs}`);
			await r.page.close();
		} finally { await h.close(); }
	});

	test("verify page, witnesses: the standalone verifier built with --policy (witnesses, quorum, max_age) enforces the rule on a mirror", async ctx => {
		if (!W.w1) await wsetup(ctx);
		const keys = fs.readFileSync(path.join(ctx.stack.data, "public", ".well-known", "htq-ledger-keys"), "utf8").trim().split("\n");
		const pol = path.join(ctx.out, "witness-policy.txt"), file = path.join(ctx.out, "htq-verifier-witnesses.html");
		fs.writeFileSync(pol, `# a partner's policy\norigin ${keys[0].split("+")[0]}\n` + keys.map(k => `key ${k}\n`).join("") +
			`witness ${W.w1.vkey}\nwitness ${W.w2.vkey}\nquorum 2\nmax_age 600\n`);
		const b = spawnSync(process.execPath, [path.join(ROOT, "scripts", "standalone-verifier.mjs"), file, "--policy", pol], { encoding: "utf8" });
		assert(b.status === 0, `build: ${b.stderr}`);
		const fA = path.join(ctx.out, "witness-A.bundle.json");
		fs.writeFileSync(fA, JSON.stringify(W.bundle));
		const t1 = now() - 10, t2 = now() - 50;
		const both = await W.w2.cosign(await W.w1.cosign(W.cp, t1), t2), one = await W.w1.cosign(W.cp, t1);
		const page = await ctx.browser.newPage();
		let current = both;
		const h = await hostileHost(ctx.stack.data, p => view(ctx, { checkpoint: current, page: W.page, tiles: W.tiles })(p));
		const check = async () => {
			await page.fill("#mark", S.A);
			await page.fill("#base", h.base);
			await page.setInputFiles("#file", fA);
			await page.evaluate(() => { document.getElementById("result").replaceChildren(); });
			await page.click("#check button");
			await page.waitForSelector("#result .htq-outcome", { timeout: 30000 });
			return { verdict: await page.getAttribute("#result .htq-outcome", "data-verdict"), text: await page.textContent("#result") };
		};
		try {
			await page.goto("file://" + file, { waitUntil: "load" });
			await page.waitForFunction(() => document.getElementById("policy-witnesses").textContent !== "");
			const words = await page.textContent("#policy-witnesses");
			assert(words.includes(`cosigned by 2 of 2 witnesses (${W.w1.name}, ${W.w2.name}) within 600 seconds`), words);
			let r = await check();
			assert(r.verdict === "verified" && r.text.includes(`Not revoked as of ${iso(t2)}`), `both witnesses: ${r.verdict}: ${r.text}`);
			current = one;
			r = await check();
			assert(r.verdict === "failed" && r.text.includes(`no valid cosignature from witness ${W.w2.name}`) && !/Genuine and current/.test(r.text), `one witness: ${r.verdict}: ${r.text}`);
			await page.screenshot({ path: path.join(ctx.out, "standalone-witness-missing.png"), fullPage: true });
		} finally {
			await page.close();
			await h.close();
		}
	});

	test("verify page, witnesses: a freeze (an old checkpoint cosigned long ago, served after a revocation): could not check, naming the last cosign time", async ctx => {
		if (!W.w1) await wsetup(ctx);
		const long = now() - 3600;
		const frozen = await W.w2.cosign(await W.w1.cosign(W.cp, long), long - 60);
		// the revocation, through the API as an approver
		const r0 = await fetch(ctx.stack.api + `/marks/${S.A}/revoke`, { method: "POST", headers: await approver(ctx),
			body: JSON.stringify({ reason: "non_compliance", note: "freeze test" }) });
		assert(r0.status === 200, `revoke ${S.A}: ${r0.status} ${await r0.text()}`);
		for (let i = 0; i < 100 && !JSON.parse(read(ctx.stack.data, `marks/${S.A}/bundle.json`)).revocation; i++) await new Promise(r => setTimeout(r, 100));
		assert(JSON.parse(read(ctx.stack.data, `marks/${S.A}/bundle.json`)).revocation, "the revocation is published");
		W.latest = read(ctx.stack.data, "ledger/checkpoint").toString();
		assert(cpSize(W.latest) > cpSize(W.cp), "the log grew");
		// without witnesses in the policy the freeze works: the attack is real
		let h = await hostileHost(ctx.stack.data, view(ctx, { checkpoint: frozen, page: withPolicy(W.page, noWitnesses), tiles: W.tiles }));
		try {
			const r = await outcomeAt(ctx, h.base, `/verify/${S.A}`, "witness-freeze-no-policy", { check: false });
			assert(r.verdict === "verified", `the frozen view passes a policy without witnesses: ${r.verdict}: ${r.outcome}`);
			await r.page.close();
		} finally { await h.close(); }
		h = await hostileHost(ctx.stack.data, view(ctx, { checkpoint: frozen, page: withPolicy(W.page, witnessed), tiles: W.tiles }));
		try {
			const r = await outcomeAt(ctx, h.base, `/verify/${S.A}`, "witness-freeze");
			assert(r.verdict === "failed" && /Could not check/.test(r.outcome), r.outcome);
			assert(r.outcome.includes(`witness ${W.w1.name} has not cosigned since ${iso(long)}; witness ${W.w2.name} has not cosigned since ${iso(long - 60)}`), r.outcome);
			assert(!/not revoked as of/i.test(r.outcome), r.outcome);
			await r.page.close();
		} finally { await h.close(); }
	});

	test("verify page, witnesses: the browser keeps the largest checkpoint: a later rollback or fork is refused across visits", async ctx => {
		if (!W.w1) await wsetup(ctx);
		assert(W.latest, "runs after the freeze test (the revocation)");
		const fresh = async note => W.w2.cosign(await W.w1.cosign(note, now() - 5), now() - 6);
		const latestPage = withPolicy(read(ctx.stack.data, `verify/${S.A}/index.html`).toString(), witnessed);
		const latestBundle = JSON.parse(read(ctx.stack.data, `marks/${S.A}/bundle.json`));
		const mid = { checkpoint: await fresh(W.cp), page: withPolicy(W.page, witnessed), tiles: W.tiles };
		const latest = { checkpoint: await fresh(W.latest), page: latestPage, bundle: latestBundle };
		const [origin, size] = W.latest.split("\n");
		const fork = { ...mid, tiles: undefined, checkpoint: await fresh(await signWithKeyFile(W.key, `${origin}\n${size}\n${Buffer.from(leaf("fork")).toString("base64")}\n`)) };
		let current = mid;
		const h = await hostileHost(ctx.stack.data, p => view(ctx, current)(p));
		// a context of its own where the browser has contexts (a persistent
		// one has not: the host's fresh port is then a fresh origin)
		const own = typeof ctx.browser.newContext === "function";
		const context = own ? await ctx.browser.newContext() : ctx.browser;
		const visit = async (v, shot) => {
			current = v;
			const page = await context.newPage();
			await page.goto(h.base + `/verify/${S.A}`, { waitUntil: "load" });
			await page.waitForSelector("#verify-result .htq-outcome", { timeout: 30000 });
			const r = { verdict: await page.getAttribute("#verify-result .htq-outcome", "data-verdict"),
				outcome: await page.textContent("#verify-result .htq-outcome"), checks: await page.textContent("#verify-result .htq-checks") || "",
				kept: await page.evaluate(() => Object.entries(localStorage)) };
			await page.screenshot({ path: path.join(ctx.out, shot + ".png"), fullPage: true });
			await page.close();
			return r;
		};
		const key = `htq-seen-checkpoint/v1 ${origin}`;
		const kept = r => { const e = r.kept.find(([k]) => k === key); return e ? JSON.parse(e[1]) : null; };
		try {
			let r = await visit(mid, "seen-1-mid");
			assert(r.verdict === "verified", `first visit, the older view: ${r.outcome}`);
			assert(kept(r) && kept(r).size === cpSize(W.cp) && kept(r).root === W.cp.split("\n")[2], `kept: ${JSON.stringify(r.kept)}`);
			r = await visit(latest, "seen-2-latest");
			assert(r.verdict === "revoked", `second visit, the latest (A revoked since): ${r.verdict}: ${r.outcome}`);
			assert(r.checks.includes(`checkpoint seen before: the latest checkpoint of ${cpSize(W.latest)} entries extends the one of ${cpSize(W.cp)} entries this browser saw before`), r.checks);
			assert(kept(r).size === cpSize(W.latest), `kept: ${JSON.stringify(r.kept)}`);
			r = await visit(mid, "seen-3-rollback");
			assert(r.verdict === "failed" && r.outcome.includes(`checkpoint seen before failed: this browser saw a larger checkpoint before: ${cpSize(W.latest)} entries`) && r.outcome.includes(`the log's latest has only ${cpSize(W.cp)}: a rollback`), `rollback: ${r.outcome}`);
			r = await visit(fork, "seen-4-fork");
			assert(r.verdict === "failed" && r.outcome.includes(`checkpoint seen before failed: this browser saw a different checkpoint before: ${cpSize(W.latest)} entries with root ${W.latest.split("\n")[2]}`) && r.outcome.includes("two versions of the log"), `fork: ${r.outcome}`);
			// a smaller checkpoint seen before whose root the latest tree does not have
			const page = await context.newPage();
			await page.goto(h.base + "/ledger/checkpoint");
			const bogus = Buffer.alloc(32, 9).toString("base64");
			await page.evaluate(([k, v]) => localStorage.setItem(k, v), [key, JSON.stringify({ size: cpSize(W.cp), root: bogus, time: null })]);
			r = await visit(latest, "seen-5-fork-before");
			assert(r.verdict === "revoked" || r.verdict === "failed", r.verdict);
			assert(r.checks.includes(`checkpoint seen before: this browser saw a different checkpoint before: ${cpSize(W.cp)} entries with root ${bogus}, but the log's latest checkpoint's tiles give root ${W.cp.split("\n")[2]} at that size`), `fork before: ${r.checks}`);
			// damaged storage is discarded, no crash
			for (const junk of ["{", "null", JSON.stringify({ size: 1e300, root: "x" }), "x".repeat(5000)]) {
				await page.evaluate(([k, v]) => localStorage.setItem(k, v), [key, junk]);
				r = await visit(latest, "seen-6-junk");
				assert(r.verdict === "revoked" && !r.checks.includes("checkpoint seen before"), `junk ${junk.slice(0, 20)}: ${r.verdict}: ${r.outcome}`);
				assert(kept(r).size === cpSize(W.latest), `kept again: ${JSON.stringify(r.kept).slice(0, 200)}`);
			}
			await page.close();
		} finally {
			if (own) await context.close();
			await h.close();
		}
	});

	return setup;
}

// Alone: the hostile suite with its setup run after the stack starts, so
// that -k picks any of its tests.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const h = suite("hostile");
	const setup = hostileTests(h.test, { setupInRun: true });
	process.exit(await h.run({ setup, persistent: true }));	// as run.mjs
}
