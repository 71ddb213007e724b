// lib.mjs - what the browser test files (run.mjs, portal.mjs) share:
// Debian's Chromium through playwright-core, axe-core, the output folder,
// and the runner: the real stack (scripts/run.sh on a free port with a
// fresh data directory, tests/web/helpers.mjs), the tests in order
// (-k SUBSTRING picks some), the figures they report, and the summary line
// "# NAME: N passed, M failed" that tests/run.sh adds up.
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT, startStack } from "../web/helpers.mjs";

const require = createRequire(path.join(ROOT, "web", "package.json"));
export const { chromium } = require("playwright-core");
const AXE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const CHROMIUM = process.env.HTQ_CHROMIUM || "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync"];
export const VIEWPORT = { width: 1024, height: 768 };

export function assert(cond, msg) { if (!cond) throw new Error(msg); }

// A Chromium of its own (options as playwright's launch).
export const launch = (opts = {}) => chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, ...opts });

// A console message that is an error of the page's own: the browser's
// note of a 4xx answer is not (the page explains those; GET /session
// signed out is 401); a CSP violation is.
export const consoleError = m => m.type() === "error" && !/the server responded with a status of 4[0-9][0-9]/.test(m.text());

// axe-core on the page, evaluated through the DevTools protocol, which
// the page's CSP does not govern (no inline script is added to the page).
// A violation of any impact fails (issue 27: none on any page state); the
// script is evaluated once per document.
export async function axe(page, what = "axe") {
	if (!await page.evaluate(() => typeof window.axe === "object")) await page.evaluate(AXE + "\n;0");
	const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
	const bad = r.violations;
	assert(bad.length === 0, `${what}: ` + bad.map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", ")}`).join("; "));
	return r.violations;
}

// A signed day ("2026-12-06") as the pages write it, "6 December 2026":
// by the browser's own Intl, not the site's code.
export const dayWords = d => new Date(d + "T00:00:00Z").toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

// A suite: suite.test(name, fn) adds a test; suite.run() runs them and
// returns the exit code.  ctx (each test's argument) has stack, browser,
// out (the screenshot folder, build/test-out/NAME or $HTQ_TEST_OUT/NAME)
// and report (lines printed at the end).  setup(ctx) runs after the stack
// starts, before the browser; persistent: one browser context with a
// profile on disk (ctx.browser is that context).
export function suite(name) {
	const tests = [];
	const out = process.env.HTQ_TEST_OUT ? path.join(process.env.HTQ_TEST_OUT, name) : path.join(ROOT, "build", "test-out", name);
	return {
		out,
		test: (title, fn) => tests.push({ title, fn }),
		async run({ setup = async () => {}, persistent = false } = {}) {
			const only = process.argv.includes("-k") ? process.argv[process.argv.indexOf("-k") + 1] : null;
			fs.rmSync(out, { recursive: true, force: true });
			fs.mkdirSync(out, { recursive: true });
			let passed = 0, failed = 0, profile = null;
			const ctx = { report: [], out };
			const stop = async () => {
				if (ctx.browser) await ctx.browser.close();
				if (ctx.stack) await ctx.stack.stop();
				if (profile) fs.rmSync(profile, { recursive: true, force: true });
			};
			try {
				ctx.stack = await startStack({ workers: 2 });
				await setup(ctx);
				if (persistent) {
					profile = fs.mkdtempSync(path.join(os.tmpdir(), `htq-${name}-profile-`));
					ctx.browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: VIEWPORT });
				} else
					ctx.browser = await launch();
			} catch (e) {
				console.log(`FAIL start: ${e.message}`);
				console.log(`# ${name}: 0 passed, 1 failed`);
				await stop();
				return 1;
			}
			try {
				for (const t of tests) {
					if (only && !t.title.includes(only)) continue;
					const t0 = Date.now();
					try {
						await t.fn(ctx);
						passed++;
						console.log(`ok   ${t.title} (${((Date.now() - t0) / 1000).toFixed(2)}s)`);
					} catch (e) {
						failed++;
						console.log(`FAIL ${t.title}: ${e.message}`);
					}
				}
			} finally {
				await stop();
			}
			for (const line of ctx.report) console.log("# " + line);
			console.log(`# screenshots: ${out}`);
			console.log(`# ${name}: ${passed} passed, ${failed} failed`);
			return failed ? 1 : 0;
		},
	};
}
