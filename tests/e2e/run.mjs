#!/usr/bin/env node
// Browser end-to-end tests: the real stack (scripts/run.sh on a free port
// with a fresh data directory) driven by Debian's Chromium, headless,
// through playwright-core.  Each test is a function below; each page it
// visits is checked by axe-core (no serious or critical violations) and
// saved as a screenshot under build/test-out/e2e/.  Ends with
// "# e2e: N passed, M failed".
//
//   node tests/e2e/run.mjs [-k SUBSTRING]
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { SyntheticLedger, startStack } from "../web/helpers.mjs";
import { assert, axe, consoleError, dayWords, launch, suite } from "./lib.mjs";
import { hostileTests } from "./hostile.mjs";

const e2e = suite("e2e");
const OUT = e2e.out;
const test = e2e.test;

// Load a page, fail on console errors (a CSP violation is one) and page
// errors, save a screenshot, and run axe-core on it.
async function visit(ctx, page, url, shot) {
	const errors = [];
	const onConsole = m => { if (consoleError(m)) errors.push(m.text()); };
	const onError = e => errors.push(String(e));
	page.on("console", onConsole);
	page.on("pageerror", onError);
	const res = await page.goto(ctx.stack.base + url, { waitUntil: "networkidle" });
	assert(res && res.status() === 200, `GET ${url}: ${res && res.status()}`);
	page.off("console", onConsole);
	page.off("pageerror", onError);
	assert(errors.length === 0, `console errors on ${url}: ${errors.join("; ")}`);
	await page.screenshot({ path: path.join(OUT, shot + ".png"), fullPage: true });
	return res;
}

test("standards page: data shown, no CSP or console errors, accessible", async ctx => {
	const page = await ctx.browser.newPage();
	await visit(ctx, page, "/standards/", "standards");
	await page.waitForSelector("#standards tbody tr");
	const t0 = Date.now();	// warm: from navigation to the rows shown
	await page.goto(ctx.stack.base + "/standards/", { waitUntil: "commit" });
	await page.waitForSelector("#standards tbody tr");
	ctx.report.push(`standards page: data shown ${Date.now() - t0} ms after navigation`);
	assert(await page.title() !== "", "page has a title");
	assert((await page.textContent("h1")).includes("Occupational standards"), "heading");
	const rows = await page.locator("#standards tbody tr").count();
	assert(rows >= 5, `${rows} standards listed`);
	const minor = await axe(page);
	if (minor.length) ctx.report.push("axe (moderate/minor): " + minor.map(v => v.id).join(", "));
	// Keyboard: the skip link is the first stop and reaches main.
	await page.keyboard.press("Tab");
	assert(await page.evaluate(() => document.activeElement.className) === "govuk-skip-link", "skip link focused first");
	await page.close();
});

test("start page: accessible, no CSP or console errors", async ctx => {
	const page = await ctx.browser.newPage();
	await visit(ctx, page, "/", "start");
	assert(await page.locator('a.govuk-button--start[href="/sign-in/"]').count() === 1, "a start button to sign in");
	const minor = await axe(page);
	if (minor.length) ctx.report.push("axe on / (moderate/minor): " + minor.map(v => v.id).join(", "));
	await page.close();
});

test("assets: hashed names, long-lived cache, security headers kept", async ctx => {
	const page = await ctx.browser.newPage();
	await visit(ctx, page, "/", "assets");
	const hrefs = await page.$$eval("link[rel=stylesheet]", ls => ls.map(l => l.getAttribute("href")));
	assert(/^\/assets\/govuk\/govuk-frontend\.min\.[0-9a-f]{12}\.css$/.test(hrefs[0]) && /^\/assets\/portal\.[0-9a-f]{12}\.css$/.test(hrefs[1]), `stylesheets ${hrefs}`);
	const manifest = await (await fetch(ctx.stack.base + "/assets-manifest.json")).json();
	for (const logical of ["govuk/govuk-frontend.min.css", "govuk/govuk-frontend.min.js", "js/ledger.js", "vendor/noble-ed25519.js", "fonts/bold-b542beb274-v2.woff2"]) {
		const r = await fetch(ctx.stack.base + "/assets/" + manifest[logical]);
		assert(r.status === 200, `${logical}: ${r.status}`);
		assert(r.headers.get("cache-control") === "public, max-age=31536000, immutable", `${logical} cache-control ${r.headers.get("cache-control")}`);
		assert((r.headers.get("content-security-policy") || "").includes("script-src 'self'"), `${logical}: CSP kept`);
		assert(r.headers.get("x-content-type-options") === "nosniff", `${logical}: nosniff kept`);
	}
	const css = await (await fetch(ctx.stack.base + "/assets/" + manifest["govuk/govuk-frontend.min.css"])).text();
	assert(css.includes(manifest["fonts/bold-b542beb274-v2.woff2"]), "govuk CSS refers to the hashed font");
	const missing = await fetch(ctx.stack.base + "/assets/nope.css");
	assert(missing.status === 404 && !missing.headers.get("cache-control"), "a missing asset is not cached");
	const html = await fetch(ctx.stack.base + "/");
	assert(!html.headers.get("cache-control"), "pages are not marked immutable");
	await page.close();
});

test("ledger.js in the browser verifies the live checkpoint (WebCrypto and noble)", async ctx => {
	const page = await ctx.browser.newPage();
	await visit(ctx, page, "/", "ledger-js");
	const manifest = await (await fetch(ctx.stack.base + "/assets-manifest.json")).json();
	const r = await page.evaluate(async src => {
		const L = await import(src);
		const keys = await L.parseVerifierKeys(await (await fetch("/api/v1/ledger/key")).text());
		const note = await (await fetch("/api/v1/ledger/checkpoint")).text();
		const out = { backend: await L.ed25519Backend() };
		out.size = (await L.verifyCheckpoint(note, keys.at(-1))).size;
		L.configureEd25519({ webcrypto: false });
		out.fallback = await L.ed25519Backend();
		out.sizeNoble = (await L.verifyCheckpoint(note, keys.at(-1))).size;
		try { await L.verifyCheckpoint(note.replace("\n\u2014", "\n\u2014\u2014"), keys.at(-1)); out.forged = "accepted"; } catch (e) { out.forged = e.message; }
		return out;
	}, "/assets/" + manifest["js/ledger.js"]);
	assert(r.backend === "webcrypto", `backend ${r.backend}`);
	assert(r.fallback === "noble" && r.sizeNoble === r.size && r.size > 0, JSON.stringify(r));
	assert(/malformed note/.test(r.forged), `forged note: ${r.forged}`);
	await page.close();
});

test("non-revocation over 10,000 later entries in the browser (timing reported)", async ctx => {
	const lg = new SyntheticLedger();
	const A = lg.append("mark.awarded", "HTQ-PERF1", {});
	for (let i = 0; i < 10000; i++) lg.append("review.recorded", "s-" + i);
	const tiles = lg.tiles();
	const page = await ctx.browser.newPage();
	await visit(ctx, page, "/", "perf");
	await page.route("**/_e2e_tiles/**", async route => {
		const p = new URL(route.request().url()).pathname.replace("/_e2e_tiles/", "");
		const body = tiles.get(p);
		await route.fulfill(body ? { status: 200, body: Buffer.from(body), contentType: "application/octet-stream" } : { status: 404, body: "" });
	});
	const manifest = await (await fetch(ctx.stack.base + "/assets-manifest.json")).json();
	const r = await page.evaluate(async ([src, bundle, keys]) => {
		const L = await import(src);
		const seen = new Map();
		let fetches = 0;
		const fetchTile = async p => {
			if (seen.has(p)) return seen.get(p);
			const r = await fetch("/_e2e_tiles/" + p);
			const b = r.ok ? new Uint8Array(await r.arrayBuffer()) : null;
			fetches++;
			seen.set(p, b);
			return b;
		};
		const opts = { fetchTile, markId: "HTQ-PERF1", latest: bundle.checkpoint };
		let t0 = performance.now();
		const checks = await L.verifyMarkBundle(bundle, keys, opts);
		const ms = performance.now() - t0;
		t0 = performance.now();	// again, tiles already in memory: the computation alone
		await L.verifyMarkBundle(bundle, keys, opts);
		return { ms, fetches, cpu: performance.now() - t0, summary: L.summarize(checks), last: checks.at(-1).detail };
	}, ["/assets/" + manifest["js/ledger.js"], lg.bundle(A), lg.vkey]);
	assert(r.summary === "verified", JSON.stringify(r));
	assert(r.cpu < 1000, `the proof over 10,000 later entries took ${r.cpu.toFixed(0)} ms (limit 1 s)`);
	ctx.report.push(`non-revocation proof over 10,000 later entries in Chromium: ${r.ms.toFixed(0)} ms with tile fetches (${r.fetches} tiles, served through the test's request interception, up to 6 at once), ${r.cpu.toFixed(0)} ms with the tiles in memory (${r.last})`);
	await page.close();
});

// --- the public verify and register pages (issue 12) ---

async function demoMarks(ctx) {
	const cur = (await ctx.stack.json("/api/v1/register?status=current")).items[0].mark_id;
	const rev = (await ctx.stack.json("/api/v1/register?status=revoked")).items[0].mark_id;
	return { cur, rev };
}

// Open /verify/{id} and wait for the in-browser verdict; the checks as
// [{name, ok}] and the outcome box's text.
async function verifyPage(ctx, page, id, shot) {
	await visit(ctx, page, "/verify/" + id, shot);
	await page.waitForSelector("#verify-result .htq-outcome", { timeout: 30000 });
	const checks = await page.$$eval("#verify-result li[data-check]", els =>
		els.map(e => ({ name: e.dataset.check, ok: e.dataset.ok, text: e.textContent })));
	const verdict = await page.getAttribute("#verify-result .htq-outcome", "data-verdict");
	const outcome = await page.textContent("#verify-result .htq-outcome");
	return { checks, verdict, outcome };
}

// No axe violation of any impact (lib's axe fails on serious and critical).
async function axeClean(page, what) {
	const v = await axe(page, what);
	assert(v.length === 0, `${what}: axe ${v.map(x => `${x.id} (${x.impact}): ${x.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", ")}`).join("; ")}`);
}

// The page fits a 320 px screen: nothing scrolls sideways.
async function fits(page, what) {
	const r = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: innerWidth }));
	assert(r.sw <= r.iw, `${what}: ${r.sw} px wide at ${r.iw} px`);
	return r.sw;
}

const EVERY_CHECK = ["checkpoint signature", "mark.awarded entry signature", "mark.awarded inclusion proof", "not revoked"];

test("verify page: a genuine mark passes every check in the browser, accessible", async ctx => {
	const { cur } = await demoMarks(ctx);
	const page = await ctx.browser.newPage();
	const r = await verifyPage(ctx, page, cur, "verify-genuine");
	assert(r.verdict === "verified", `verdict ${r.verdict}: ${r.outcome}`);
	for (const name of EVERY_CHECK)
		assert(r.checks.some(c => c.name === name && c.ok === "true"), `check ${name} shown as passed: ${JSON.stringify(r.checks)}`);
	assert(/Awarded — proved/.test(r.outcome), r.outcome);
	// the stack runs two demo witnesses: the time shown is the one they cosigned
	assert(/Not revoked as of \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, the time a quorum of witnesses cosigned checkpoint \d+ .* — proved by reading \d+ later entries/.test(r.outcome), r.outcome);
	assert(r.checks.some(c => c.name === "witness cosignatures" && c.ok === "true"), `witness cosignatures shown as passed: ${JSON.stringify(r.checks)}`);
	assert((await page.textContent("h1")).includes(cur), "heading names the mark");
	const dl = await page.getAttribute("#verify-extras a[download]", "download");
	assert(dl === `${cur}.bundle.json`, `download ${dl}`);
	// the Open Badges 3.0 credential (tests/web/credential.test.mjs verifies it)
	const cred = await page.getAttribute(`#verify-extras a[download="${cur}.credential.json"]`, "href");
	assert(cred === `/marks/${cur}/credential.json`, `credential link ${cred}`);
	const c = await page.evaluate(async u => (await fetch(u)).json(), cred);
	assert(c.type.includes("OpenBadgeCredential") && c.credentialSubject.achievement.humanCode === cur, JSON.stringify(c).slice(0, 200));
	const embed = await page.inputValue("#embed");
	assert(embed.includes(`/marks/${cur}/badge.svg`) && embed.includes(`/verify/${cur}`), embed);
	await axeClean(page, "verify page, checked");
	// on a 320 px screen, checked: nothing scrolls sideways, still no violation
	await page.setViewportSize({ width: 320, height: 640 });
	ctx.report.push(`verify page, checked, at 320 px: ${await fits(page, "verify page at 320 px")} px wide`);
	await axeClean(page, "verify page, checked, at 320 px");
	await page.close();
});

test("verify page: a revoked mark shows as revoked with date and reason", async ctx => {
	const { rev } = await demoMarks(ctx);
	const page = await ctx.browser.newPage();
	const r = await verifyPage(ctx, page, rev, "verify-revoked");
	assert(r.verdict === "revoked", `verdict ${r.verdict}: ${r.outcome}`);
	const m = (await ctx.stack.json("/api/v1/marks/" + rev)).mark;
	assert(r.outcome.includes("REVOKED") && r.outcome.includes(dayWords(m.revoked.date)) &&
	    r.outcome.includes(m.revoked.reason.replace(/_/g, " ")), r.outcome);
	assert(r.checks.some(c => c.name === "mark.revoked inclusion proof" && c.ok === "true"), JSON.stringify(r.checks));
	assert((await page.textContent("main")).includes("Revoked"), "status in words");
	await axe(page);
	await page.close();
});

// A page set up to fail: the verdict is "failed", the check named want
// failed, and its text says why (detail): a crash inside ledger.js is also
// shown as a failed check, so the name alone proves nothing.
async function failing(ctx, shot, setup, want, detail) {
	const { cur } = await demoMarks(ctx);
	const page = await ctx.browser.newPage();
	await setup(page, cur);
	const r = await verifyPage(ctx, page, cur, shot);
	assert(r.verdict === "failed", `${shot}: verdict ${r.verdict}`);
	const bad = r.checks.filter(c => c.ok === "false").map(c => c.name);
	assert(bad.includes(want), `${shot}: failed checks ${bad.join(", ")}, want ${want}`);
	const text = r.checks.find(c => c.name === want && c.ok === "false").text;
	assert(detail.test(text), `${shot}: ${want} failed with ${JSON.stringify(text)}, want ${detail}`);
	assert(r.outcome.includes(want + " failed"), `${shot}: outcome names the check: ${r.outcome}`);
	await page.close();
}

test("verify page, demo witnesses: one stopped, once the maximum age passes the page says which witness has not cosigned since when", async ctx => {
	// a stack of its own, whose policy's max_age is 6 s (the default is 600)
	const st = await startStack({ env: { HTQ_WITNESS_MAX_AGE: "6" } });
	const page = await ctx.browser.newPage();
	try {
		const cur = (await st.json("/api/v1/register?status=current")).items[0].mark_id;
		const cosigners = async () => (await st.text("/ledger/checkpoint")).split("\n").filter(l => l.startsWith("\u2014 ") && l.includes(".witness.localhost ")).length;
		for (let i = 0; i < 100 && await cosigners() < 2; i++) await new Promise(r => setTimeout(r, 100));
		await page.goto(`${st.base}/verify/${cur}`, { waitUntil: "networkidle" });
		await page.waitForSelector("#verify-result .htq-outcome", { timeout: 30000 });
		let outcome = await page.textContent("#verify-result .htq-outcome");
		assert(await page.getAttribute("#verify-result .htq-outcome", "data-verdict") === "verified", `both witnesses up: ${outcome}`);
		// stop the students' stand-in (SIGKILL: it says nothing on its way out)
		const name = "students-standin.witness.localhost";
		const pids = (spawnSync("pgrep", ["-f", `demo-witnesses/${name}/witness.conf`], { encoding: "utf8" }).stdout || "").split("\n")
			.filter(p => p && fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes(st.data));
		assert(pids.length === 1, `one witness process of this stack: ${pids}`);
		process.kill(Number(pids[0]), "SIGKILL");
		// (writes go on meanwhile: tests/regress/test_cosign.py)
		await new Promise(r => setTimeout(r, 8000));	// past the maximum age
		await page.goto(`${st.base}/verify/${cur}`, { waitUntil: "networkidle" });
		await page.waitForSelector("#verify-result .htq-outcome", { timeout: 30000 });
		outcome = await page.textContent("#verify-result .htq-outcome");
		await page.screenshot({ path: path.join(ctx.out, "verify-witness-stopped.png"), fullPage: true });
		assert(await page.getAttribute("#verify-result .htq-outcome", "data-verdict") === "failed" && /Could not check/.test(outcome), `one witness stopped: ${outcome}`);
		assert(new RegExp(`witness ${name.replace(/\./g, "\\.")} has not cosigned since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ`).test(outcome), outcome);
		assert(!outcome.includes("witness regulator-standin"), `the running witness is not blamed: ${outcome}`);
		assert(!/not revoked as of/i.test(outcome), outcome);
	} finally {
		await page.close();
		await st.stop();
	}
});

test("verify page: a tampered bundle fails, naming the check", async ctx => {
	await failing(ctx, "verify-tampered", async page => {
		await page.route("**/api/v1/marks/**", async route => {
			const res = await route.fetch();
			const b = await res.json();
			// flip one byte of the entry: its signature no longer holds
			const i = b.entry.indexOf('"level":') + 8;
			b.entry = b.entry.slice(0, i) + String((Number(b.entry[i]) + 1) % 10) + b.entry.slice(i + 1);
			await route.fulfill({ response: res, body: JSON.stringify(b) });
		});
	}, "mark.awarded entry signature", /mark\.awarded entry signature: entry \d+: signature does not verify/);
});

test("verify page: a wrong key in the page's policy fails the checkpoint signature", async ctx => {
	const other = new SyntheticLedger("htq.localhost/ledger");
	await failing(ctx, "verify-wrong-key", async page => {
		await page.route("**/verify/**", async route => {
			const res = await route.fetch();
			const html = (await res.text()).replace(/(<script type="application\/json" id="htq-policy">)[^<]*/, `$1${JSON.stringify({ origin: "htq.localhost/ledger", keys: [other.vkey] }).replace(/\//g, "\\/")}`);
			await route.fulfill({ response: res, body: html });
		});
	}, "checkpoint signature", /checkpoint signature: .*not signed by a trusted key/);
});

test("verify page: a key served by the host is not trusted (the page's own policy is)", async ctx => {
	const other = new SyntheticLedger();
	const { cur } = await demoMarks(ctx);
	const page = await ctx.browser.newPage();
	const fake = async route => route.fulfill({ status: 200, contentType: "text/plain", body: other.vkey + "\n" });
	await page.route("**/.well-known/htq-ledger-keys", fake);
	await page.route("**/api/v1/ledger/key", fake);
	const r = await verifyPage(ctx, page, cur, "verify-host-key-ignored");
	assert(r.verdict === "verified", `verdict ${r.verdict}: ${r.outcome}`);
	const fp = (await page.textContent("#key-fingerprint")).trim();
	assert(/^([0-9a-f]{4} ){7}[0-9a-f]{4}$/.test(fp) && r.outcome.includes(fp), `fingerprint ${fp} shown and named in the outcome: ${r.outcome}`);
	await page.close();
});

test("verify page: a forged entry tile fails the non-revocation proof", async ctx => {
	await failing(ctx, "verify-forged-tile", async page => {
		await page.route("**/ledger/tile/entries/**", async route => {
			const res = await route.fetch();
			const body = Buffer.from(await res.body());
			// change one byte of the last entry's bytes (a revocation hidden or a forgery)
			if (body.length > 10) body[body.length - 5] ^= 1;
			await route.fulfill({ response: res, body });
		});
	}, "not revoked", /not revoked: (the tiles do not hash to the checkpoint's root|entry \d+: (signed by key|field))/);
});

test("verify page: a bundle file from disk verifies with the network cut off", async ctx => {
	const { cur } = await demoMarks(ctx);
	const bundle = await ctx.stack.text("/api/v1/marks/" + cur);
	const file = path.join(OUT, `${cur}.bundle.json`);
	fs.writeFileSync(file, bundle);
	const page = await ctx.browser.newPage();
	await verifyPage(ctx, page, cur, "verify-offline-before");
	await ctx.browser.setOffline(true);
	try {
		await page.setInputFiles("#bundle-file", file);
		await page.waitForSelector("#file-result .htq-outcome", { timeout: 30000 });
		const verdict = await page.getAttribute("#file-result .htq-outcome", "data-verdict");
		const text = await page.textContent("#file-result");
		assert(verdict === "unchecked", `offline verdict ${verdict}: ${text}`);
		assert(/Awarded — proved/.test(text) && /not checked/i.test(text), text);
		for (const name of EVERY_CHECK.slice(0, 3))
			assert(await page.$(`#file-result li[data-check="${name}"][data-ok="true"]`), `offline ${name}`);
		// a tampered file fails, offline too
		const t = JSON.parse(bundle);
		t.sig = t.sig.slice(0, 10) + (t.sig[10] === "A" ? "B" : "A") + t.sig.slice(11);
		const tampered = path.join(OUT, `${cur}.tampered.json`);
		fs.writeFileSync(tampered, JSON.stringify(t));
		await page.setInputFiles("#bundle-file", tampered);
		await page.waitForFunction(() => document.querySelector("#file-result .htq-outcome")?.dataset.verdict === "failed", null, { timeout: 30000 });
		const sigCheck = await page.$('#file-result li[data-check="mark.awarded entry signature"][data-ok="false"]');
		const sigText = sigCheck ? await sigCheck.textContent() : "(the entry signature check did not fail)";
		assert(/signature does not verify/.test(sigText), `offline tampered file: ${sigText}`);
		await page.screenshot({ path: path.join(OUT, "verify-offline.png"), fullPage: true });
	} finally {
		await ctx.browser.setOffline(false);
	}
	await page.close();
});

test("register page: the search form, then a mark's verify page, accessible", async ctx => {
	const { cur, rev } = await demoMarks(ctx);
	const page = await ctx.browser.newPage();
	await visit(ctx, page, "/register", "register");
	const links = await page.$$eval("#register a", as => as.map(a => a.getAttribute("href")));
	assert(links.includes("/verify/" + cur) && links.includes("/verify/" + rev), links.join(" "));
	await axeClean(page, "/register");
	const m = (await ctx.stack.json("/api/v1/marks/" + rev)).mark;
	await page.fill("#q", m.qualification.title.split(" ").at(-1));
	await page.selectOption("#status", "revoked");
	await Promise.all([page.waitForURL(/\/register\/search\?/), page.click("#search button")]);
	const rows = await page.$$eval("#register tbody tr", trs => trs.map(t => t.textContent));
	assert(rows.length >= 1 && rows.every(t => t.includes("Revoked")), rows.join(" | "));
	// one page of results: no pagination, and no "Show more" (it once showed, and did nothing)
	assert(await page.locator("#register-pages").count() === 0 && await page.getByRole("button", { name: "Show more" }).count() === 0, "no pages to move through");
	await page.click(`#register a[href="/verify/${rev}"]`);
	await page.waitForSelector("#verify-result .htq-outcome", { timeout: 30000 });
	await page.close();
});

test("public pages with JavaScript disabled: a mark's facts, the register's search and filters, not-found pages, at 320 px, no axe violation; the badge's whole title", async ctx => {
	const { cur, rev } = await demoMarks(ctx);
	const browser = await launch();
	const t0 = Date.now();
	const widths = [];
	try {
		const c = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 640 } });
		const page = await c.newPage();
		// axe-core needs JavaScript (its promise never settles without):
		// it checks the same page in a second tab with JavaScript on, but
		// for the verify page, whose script adds to it (checked at 320 px
		// by the genuine mark's test)
		const js = await ctx.browser.newPage();
		await js.setViewportSize({ width: 320, height: 640 });
		const go = async (url, status, shot) => {
			const res = await page.goto(ctx.stack.base + url);
			assert(res.status() === status, `GET ${url}: ${res.status()}, want ${status}`);
			widths.push(`${url.replace(/HTQ-[^/?]*/, "…")} ${await fits(page, url)} px`);
			if (!(status === 200 && url.startsWith("/verify/"))) {
				assert((await js.goto(ctx.stack.base + url)).status() === status, url);
				await axeClean(js, url);
			}
			// the same page shell as the portal's
			assert(await page.locator("header.govuk-template__header .govuk-service-navigation").count() === 1 && await page.locator("header .govuk-phase-banner").count() === 1 && await page.locator("footer.govuk-footer").count() === 1, `${url}: the site's shell`);
			if (shot) await page.screenshot({ path: path.join(OUT, shot + ".png"), fullPage: true });
		};
		for (const id of [cur, rev]) {
			const m = (await ctx.stack.json("/api/v1/marks/" + id)).mark;
			await go("/verify/" + id, 200, id === cur ? "verify-nojs-320" : null);
			const text = await page.textContent("main");
			for (const fact of [m.qualification.title, m.awarding_body.name, m.standard.ref, m.route, dayWords(m.awarded), dayWords(m.review_by)])
				assert(text.includes(fact), `${id}: ${fact} shown without JavaScript`);
			assert(!text.includes(m.awarded), `${id}: a date in words, not ${m.awarded}`);
			assert(text.includes(m.status === "revoked" ? "Revoked" : "Current"), `${id}: status in words`);
			assert(await page.$("#verify-nojs"), "the no-JavaScript note");
		}
		const m = (await ctx.stack.json("/api/v1/marks/" + cur)).mark;
		await go("/register", 200, "register-nojs-320");
		const reg = await page.textContent("main");
		assert(reg.includes(cur) && reg.includes(rev), "register lists marks without JavaScript");
		// rows stack as cards: each cell under its column's heading
		assert(await page.locator(`#register tr:has(a[href="/verify/${cur}"]) td[data-label="Awarding body"]`).textContent() === m.awarding_body.name, "awarding body cell");
		// search by a word of the title, revoked only
		const word = (await ctx.stack.json("/api/v1/marks/" + rev)).mark.qualification.title.split(" ").at(-1);
		await page.fill("#q", word);
		await page.selectOption("#status", "revoked");
		await Promise.all([page.waitForURL(/\/register\/search\?/), page.click("#search button")]);
		let ids = await page.$$eval("#register tbody a", as => as.map(a => a.textContent));
		assert(ids.includes(rev) && !ids.includes(cur), `search "${word}", revoked: ${ids}`);
		assert(await page.inputValue("#q") === word && await page.inputValue("#status") === "revoked", "the form keeps what was asked");
		await go(page.url().slice(ctx.stack.base.length), 200, "register-search-nojs-320");
		// filters by name: the current mark's awarding body, route and standard
		await page.fill("#q", "");
		await page.selectOption("#status", "");
		await page.selectOption("#awarding_body", { label: m.awarding_body.name });
		await page.selectOption("#route", { label: m.route });
		await page.selectOption("#standard", { label: `${m.standard.ref} ${m.standard.title}` });
		await Promise.all([page.waitForURL(/awarding_body=/), page.click("#search button")]);
		ids = await page.$$eval("#register tbody a", as => as.map(a => a.textContent));
		const want = (await ctx.stack.json(`/api/v1/register?awarding_body=${m.awarding_body.id}&route=${encodeURIComponent(m.route)}&standard=${m.standard.ref}`)).items.map(x => x.mark_id);
		assert(ids.includes(cur) && JSON.stringify(ids) === JSON.stringify(want), `filters: ${ids}, the API: ${want}`);
		await page.fill("#q", "zzzz nothing");
		await Promise.all([page.waitForURL(/q=zzzz/), page.click("#search button")]);
		assert((await page.textContent("#results")).includes("No quality marks match your search"), "no results said");
		await page.click("#clear");
		assert(new URL(page.url()).pathname === "/register", "clear goes back to the whole register");
		// not-found pages, and a refused search, are pages
		await go("/no-such-page", 404, "not-found-320");
		assert((await page.textContent("h1")).includes("Page not found"), "page not found");
		await go("/verify/HTQ-2026-000001-X", 404, "no-mark-320");
		assert((await page.textContent("h1")).trim() === "No quality mark HTQ-2026-000001-X", await page.textContent("h1"));
		await go("/register/search?q=%FF", 400);
		assert((await page.textContent("#problem")).includes("UTF-8"), "the problem named");
		// the badge: the whole title and the awarding body, wrapped left of the QR code
		await page.goto(ctx.stack.base + `/marks/${cur}/badge.svg`);
		const b = await page.evaluate(() => {
			const lines = cls => [...document.querySelectorAll(`text.${cls}`)];
			const qr = document.querySelector("svg.qr").x.baseVal.value;
			return {
				title: lines("title").map(t => t.textContent).join(" ").replace(/\u00a0/g, " "),
				body: lines("body").map(t => t.textContent).join(" "),
				right: Math.max(...lines("title").concat(lines("body")).map(t => t.getBBox().x + t.getBBox().width)), qr,
			};
		});
		assert(b.title === `${m.qualification.title} (level ${m.qualification.level})`, `badge title ${JSON.stringify(b.title)}`);
		assert(b.body === m.awarding_body.name, `badge awarding body ${JSON.stringify(b.body)}`);
		assert(b.right < b.qr, `badge text ends at ${b.right}, the QR code starts at ${b.qr}`);
		await js.close();
	} finally {
		await browser.close();
	}
	ctx.report.push(`public pages without JavaScript at 320 px (${Date.now() - t0} ms): ${widths.join(", ")}`);
});

// Last: a malicious host (tests/e2e/hostile.mjs); it rotates the key.
hostileTests(test);

process.exitCode = await e2e.run({ persistent: true });
