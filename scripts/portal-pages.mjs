#!/usr/bin/env node
// portal-pages.mjs - write the portal's static pages (web/<path>/index.html)
// from one GOV.UK page template, so that every page carries the same
// header, service navigation, phase banner, skip link and footer.
//
//   node scripts/portal-pages.mjs OUT      (after npm ci in web/)
//
// The GOV.UK header and footer markup is taken verbatim from
// govuk-frontend's own rendered fixtures (components/*/fixtures.json), so
// it follows the pinned package, with its links to other sites kept as
// plain text (the site links only to itself).  'make web' writes the pages
// to build/pages and scripts/web-assets.mjs copies them into build/www
// with the rest; they are generated, never committed.
// Each page is a shell: its module under web/js/portal/ reads the JSON API
// and fills <main>; the start page ("/") is the one with static content.  Pages are served at /<path> by nginx ("try_files $uri
// $uri/"), so /sign-in is OUT/sign-in/index.html.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const COMP = path.join(ROOT, "web", "node_modules", "govuk-frontend", "dist", "govuk", "components");
function fixture(component, name) {
	const d = JSON.parse(fs.readFileSync(path.join(COMP, component, "fixtures.json"), "utf8"));
	const f = d.fixtures.find(x => x.name === name);
	if (!f) throw new Error(`${component}: no fixture ${name}`);
	return f.html;
}
const header = fixture("header", "default").replace('href="//gov.uk"', 'href="/"');
const footer = fixture("footer", "default").replace('<div class="govuk-footer">', '<footer class="govuk-footer">')
	.replace(/<\/div>\s*$/, "</footer>")
	.replace(/<a\s([^>]*?)href="https?:\/\/[^"]*"([^>]*)>([\s\S]*?)<\/a>/g,
	    (m, a, b, text) => `<span ${(a + b).replace(/rel="[^"]*"/, "").trim()}>${text}</span>`);

// The start page ("/"): GOV.UK's start page pattern, static; its module
// only makes the start button act on Space.
const START_ICON = `<svg class="govuk-button__start-icon" xmlns="http://www.w3.org/2000/svg" width="17.5" height="19" viewBox="0 0 33 40" aria-hidden="true" focusable="false">
          <path fill="currentColor" d="M0 0h13l20 20-20 20H0l20-20z" />
        </svg>`;
const START = `<div class="govuk-grid-row">
      <div class="govuk-grid-column-two-thirds">
        <h1 class="govuk-heading-xl">Get a higher technical qualification approved</h1>
        <p class="govuk-body">Use this service to:</p>
        <ul class="govuk-list govuk-list--bullet">
          <li>submit a level 4 or 5 qualification for approval against an occupational standard, as an awarding body</li>
          <li>review a qualification's mapping against its standard, as a member of an employer panel</li>
          <li>approve or reject a qualification and revoke its quality mark, as an approver</li>
          <li>run the submission windows, the standards' eligibility and the accounts, or audit the ledger</li>
        </ul>
        <p class="govuk-body">An approved qualification carries a quality mark that anyone can check.</p>
        <a href="/sign-in/" role="button" draggable="false" class="govuk-button govuk-button--start" data-module="govuk-button" id="start">
          Sign in
          ${START_ICON}
        </a>
        <h2 class="govuk-heading-m">Before you start</h2>
        <p class="govuk-body">You need an account for this service. The approvals team creates accounts for awarding bodies, employer panels and approvers.</p>
        <p class="govuk-body">Qualifications are approved against the <a class="govuk-link" href="/standards/">occupational standards that are eligible</a>, and can be submitted only while their route's submission window is open.</p>
        <h2 class="govuk-heading-m">Check a quality mark</h2>
        <p class="govuk-body">You do not need an account to check a quality mark. Find it in the <a class="govuk-link" href="/register">public register of quality marks</a>: each mark's page proves in your browser that it was awarded and whether it has been revoked.</p>
        <p class="govuk-body">Every decision is recorded in a <a class="govuk-link" href="/ledger">public, signed ledger</a> that you can verify yourself.</p>
      </div>
      <div class="govuk-grid-column-one-third">
        <aside class="htq-related" role="complementary" aria-labelledby="related-title">
          <h2 class="govuk-heading-s" id="related-title">Related content</h2>
          <nav aria-label="Related content">
            <ul class="govuk-list govuk-!-font-size-16">
              <li><a class="govuk-link" href="/register">Register of quality marks</a></li>
              <li><a class="govuk-link" href="/ledger">The ledger and its verification</a></li>
              <li><a class="govuk-link" href="/standards/">Occupational standards</a></li>
              <li><a class="govuk-link" href="/api/v1/openapi.json">The service's public API (OpenAPI)</a></li>
            </ul>
          </nav>
        </aside>
      </div>
    </div>`;

// path, page module, title (the h1 is the page's own), whether the service
// navigation shows the signed-in account, and the static content of <main>
// (else the page's module fills it)
const PAGES = [
	["", "start", "Get a higher technical qualification approved", false, START],
	["sign-in", "sign-in", "Sign in", false],
	["standards", "standards", "Occupational standards", true],
	["home", "home", "Your account", true],
	["submissions", "submissions", "Submissions", true],
	["submissions/view", "view", "Submission", true],
	["submissions/new", "new", "New submission", true],
	["submissions/withdraw", "withdraw", "Withdraw a submission", true],
	["submissions/delete", "delete", "Delete a draft", true],
	["submissions/ask", "ask", "Ask the awarding body a question", true],
	["submissions/respond", "respond", "Respond to a request for information", true],
	["submissions/review", "review", "Review a submission", true],
	["submissions/decide", "decide", "Decide a submission", true],
	["marks/revoke", "revoke", "Revoke a quality mark", true],
	["admin/windows", "admin-windows", "Submission windows", true],
	["admin/accounts", "admin-accounts", "Accounts and organisations", true],
	["admin/standards", "admin-standards", "Standards' eligibility", true],
	["ledger", "ledger", "The ledger", true],
	["reports", "report", "Partners' report", true],
];

function page(module, title, signedIn, main) {
	const nav = signedIn ? `
        <nav aria-label="Menu" class="govuk-service-navigation__wrapper">
          <ul class="govuk-service-navigation__list" id="navigation">
            <li class="govuk-service-navigation__item">
              <a class="govuk-service-navigation__link" href="/home/">Home</a>
            </li>
            <li class="govuk-service-navigation__item">
              <a class="govuk-service-navigation__link" href="/submissions/">Submissions</a>
            </li>
            <li class="govuk-service-navigation__item">
              <a class="govuk-service-navigation__link" href="/standards/">Standards</a>
            </li>
            <li class="govuk-service-navigation__item">
              <a class="govuk-service-navigation__link" href="/sign-in/" id="sign-out">Sign out</a>
            </li>
          </ul>
        </nav>` : "";
	const account = signedIn ? `
  <div class="govuk-width-container">
    <p class="govuk-body-s htq-account" id="account" aria-live="polite">Checking who is signed in…</p>
  </div>` : "";
	return `<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
<meta charset="utf-8">
<title>${title} – HTQ approvals – GOV.UK</title>
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#1d70b8">
<link rel="icon" sizes="48x48" href="/assets/images/favicon.ico">
<link rel="icon" sizes="any" href="/assets/images/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/govuk/govuk-frontend.min.css">
<link rel="stylesheet" href="/assets/portal.css">
<link rel="modulepreload" href="/assets/js/portal/common.js">
<script type="module" src="/assets/js/portal/${module}.js"></script>
</head>
<body class="govuk-template__body">
<a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>
<header class="govuk-template__header">
${header.trim()}
<section aria-label="Service information" class="govuk-service-navigation">
  <div class="govuk-width-container">
    <div class="govuk-service-navigation__container">
      <span class="govuk-service-navigation__service-name">
        <a href="/home/" class="govuk-service-navigation__link">HTQ approvals</a>
      </span>${nav}
    </div>
  </div>
</section>${account}
</header>
<div class="govuk-width-container">
  <div class="govuk-phase-banner">
    <p class="govuk-phase-banner__content">
      <strong class="govuk-tag govuk-phase-banner__content__tag">Beta</strong>
      <span class="govuk-phase-banner__text">This is a new service. Every decision is recorded in a public, signed <a class="govuk-link" href="/api/v1/ledger/checkpoint">ledger</a>.</span>
    </p>
  </div>
  <div id="back"></div>
  <main class="govuk-main-wrapper${main ? " govuk-main-wrapper--l" : ""}" id="main-content">
    ${main || `<div class="govuk-grid-row">
      <div class="govuk-grid-column-full" id="content">
        <h1 class="govuk-heading-l">${title}</h1>
        <p class="govuk-body" id="loading" role="status">Loading…</p>
        <noscript><p class="govuk-body">This part of the service needs JavaScript: it reads the service's JSON API in your browser.</p></noscript>
      </div>
    </div>`}
  </main>
</div>
${footer.trim()}
</body>
</html>
`;
}

const OUT = process.argv[2];
if (!OUT) {
	console.error("usage: portal-pages.mjs OUT");
	process.exit(2);
}
for (const [p, module, title, signedIn, main] of PAGES) {
	const dir = path.join(OUT, p);
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(path.join(dir, "index.html"), page(module, title, signedIn, main));
}
console.log(`portal-pages: ${PAGES.length} pages`);
