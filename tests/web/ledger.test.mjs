// Tests of web/js/ledger.js (node --test).  Known answers come from a real
// stack started here (its ledger, key, checkpoint and proofs as the C code
// makes them); tiles are built from its entries by an independent builder
// (helpers.mjs) and must hash to the server's signed root.  Mark bundles
// use a synthetic ledger signed here, since the stack has no marks yet.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as L from "../../web/js/ledger.js";
import { buildTiles, fetchEntries, fetchFrom, leaf, mth, ROOT, startStack, SyntheticLedger, TestWitness } from "./helpers.mjs";

const noble = await import(ROOT + "/web/node_modules/@noble/ed25519/index.js");
L.configureEd25519({ noble });

const flip = (s, i = 40) => s.slice(0, i) + (s[i] === "a" ? "b" : "a") + s.slice(i + 1);

describe("encodings and tile paths", () => {
	test("base64 as Go's StdEncoding", () => {
		assert.deepEqual([...L.b64decode("AQID")], [1, 2, 3]);
		assert.deepEqual([...L.b64decode("AQ==")], [1]);
		assert.equal(L.b64encode(new Uint8Array([1, 2, 3, 4])), "AQIDBA==");
		for (const bad of ["AQ", "AQ=", "A===", "AQ==AQ==", "AQ-_", "AQ\nI="])
			assert.throws(() => L.b64decode(bad), L.LedgerError, bad);
	});
	test("C2SP tile paths", () => {
		assert.equal(L.tilePath(0, 1234067), "tile/0/x001/x234/067");
		assert.equal(L.tilePath(1, 0, 5), "tile/1/000.p/5");
		assert.equal(L.tilePath(2, 1000), "tile/2/x001/000");
		assert.equal(L.entriesPath(0, 17), "tile/entries/000.p/17");
		assert.equal(L.entriesPath(256), "tile/entries/256");
		assert.throws(() => L.tilePath(0, 0, 0));
		assert.throws(() => L.tilePath(0, 0, 257));
	});
	test("entry bundles and hash tiles parse strictly", () => {
		const b = new Uint8Array([0, 2, 65, 66, 0, 0, 0, 1, 67]);
		assert.deepEqual(L.parseEntryBundle(b, 3).map(e => [...e]), [[65, 66], [], [67]]);
		assert.throws(() => L.parseEntryBundle(b, 2), /3 entries, expected 2/);
		assert.throws(() => L.parseEntryBundle(b.slice(0, 8)), /truncated/);
		assert.throws(() => L.parseEntryBundle(new Uint8Array([0])), /truncated length/);
		assert.throws(() => L.parseHashTile(new Uint8Array(63), 2), /hash tile/);
	});
	test("RFC 6962 hashes: empty tree, leaf and node", async () => {
		assert.equal(L.toHex(await L.treeHash([])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
		assert.equal(L.toHex(await L.leafHash("")), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
		const hs = [leaf("a"), leaf("b"), leaf("c")].map(b => new Uint8Array(b));
		assert.equal(L.toHex(await L.treeHash(hs)), mth(hs.map(Buffer.from)).toString("hex"));
	});
});

describe("against the real stack", () => {
	let stack, keysText, key, cpNote, cp, entries;
	before(async () => {
		stack = await startStack();
		keysText = await stack.text("/api/v1/ledger/key");
		cpNote = await stack.text("/api/v1/ledger/checkpoint");
		entries = await fetchEntries(stack);
	});
	after(async () => { if (stack) await stack.stop(); });

	test("verifier key parses and its key id matches", async () => {
		const keys = await L.parseVerifierKeys(keysText);
		assert.ok(keys.length >= 1);
		key = keys[keys.length - 1];
		assert.equal(key.name, "htq.localhost/ledger");
		assert.match(key.keyId, /^[0-9a-f]{8}$/);
		assert.equal(key.publicKey.length, 32);
		await assert.rejects(L.parseVerifierKey(key.text.replace(key.keyId, "00000000")), /does not match/);
	});
	test("checkpoint verifies with the key and names the origin", async () => {
		cp = await L.verifyCheckpoint(cpNote, key);
		assert.equal(cp.origin, "htq.localhost/ledger");
		assert.ok(cp.size >= 10, `size ${cp.size}`);
		assert.equal(cp.size, entries.length);
	});
	test("every entry's signature verifies; prev chains the leaf hashes", async () => {
		let prev = "0".repeat(64);
		for (const e of entries) {
			await L.verifyEntrySignature(e.entry, e.sig, [key]);
			assert.equal(L.parseEntry(e.entry).prev, prev);
			prev = L.toHex(await L.leafHash(e.entry));
		}
	});
	test("the entries hash to the signed root", async () => {
		const leaves = await Promise.all(entries.map(e => L.leafHash(e.entry)));
		assert.deepEqual(await L.treeHash(leaves), cp.root);
	});
	test("tiles built from the entries recompute the signed root from every start", async () => {
		const files = buildTiles(entries.map(e => e.entry));
		for (let from = 0; from <= cp.size; from += 1) {
			const seen = [];
			const r = await L.rootFromTiles(cp.size, fetchFrom(files), { from, onEntry: i => seen.push(i) });
			assert.deepEqual(r.root, cp.root, `from ${from}`);
			assert.equal(seen.length, cp.size - from);
		}
	});
	test("the server's inclusion proofs verify; altered ones do not", async () => {
		for (const e of entries) {
			const p = await stack.json(`/api/v1/ledger/proof/inclusion?index=${e.seq}&size=${cp.size}`);
			const proof = p.hashes.map(L.b64decode);
			const lh = await L.leafHash(e.entry);
			assert.ok(await L.verifyInclusion(lh, e.seq, cp.size, proof, cp.root), `entry ${e.seq}`);
			if (e.seq === 3) {
				assert.ok(!await L.verifyInclusion(lh, e.seq + 1, cp.size, proof, cp.root));
				assert.ok(!await L.verifyInclusion(lh, e.seq, cp.size * 4, proof, cp.root));
				assert.ok(!await L.verifyInclusion(lh, cp.size, cp.size, proof, cp.root));
				const bad = proof.map(h => h.slice()); bad[0][0] ^= 1;
				assert.ok(!await L.verifyInclusion(lh, e.seq, cp.size, bad, cp.root));
				assert.ok(!await L.verifyInclusion(lh, e.seq, cp.size, [...proof, proof[0]], cp.root));
				assert.ok(!await L.verifyInclusion(lh, e.seq, cp.size, proof.slice(1), cp.root));
			}
		}
	});
	test("a tampered entry fails its signature", async () => {
		const e = entries[1];
		const bad = e.entry.replace("\"actor\":\"system\"", "\"actor\":\"systen\"");
		assert.notEqual(bad, e.entry);
		await assert.rejects(L.verifyEntrySignature(bad, e.sig, [key]), /signature does not verify/);
		await assert.rejects(L.verifyEntrySignature(e.entry, flip(e.sig, 10), [key]), /signature does not verify/);
	});
	test("a wrong key fails the checkpoint and entries", async () => {
		const other = await L.parseVerifierKey(new SyntheticLedger("htq.localhost/ledger").vkey);
		await assert.rejects(L.verifyCheckpoint(cpNote, other), /not signed by a trusted key/);
		await assert.rejects(L.verifyEntrySignature(entries[0].entry, entries[0].sig, [other]), /not a trusted key/);
	});
	test("wrong origin is refused", async () => {
		await assert.rejects(L.verifyCheckpoint(cpNote, key, { origin: "example.org/log" }), /origin/);
	});
	test("malformed note lines make the note invalid", async () => {
		const [body, sigs] = [cpNote.slice(0, cpNote.lastIndexOf("\n\n") + 1), cpNote.slice(cpNote.lastIndexOf("\n\n") + 2)];
		const line = sigs.slice(0, -1);
		const cases = {
			"no blank line": body + line + "\n",
			"no final newline": body + "\n" + line,
			"hyphen for the dash": body + "\n" + line.replace("\u2014", "-") + "\n",
			"missing space": body + "\n" + line.replace("\u2014 ", "\u2014") + "\n",
			"bad base64": body + "\n" + line.slice(0, -2) + "!=\n",
			"short signature": body + "\n\u2014 htq.localhost/ledger AAAA\n",
			"empty line among signatures": body + "\n" + line + "\n\n" + line + "\n",
			"control character": body.replace("\n", "\r\n") + "\n" + line + "\n",
			"name with a plus": body + "\n" + line.replace("ledger ", "led+ger ") + "\n",
		};
		for (const [what, note] of Object.entries(cases))
			await assert.rejects(L.verifyCheckpoint(note, key), L.LedgerError, what);
		// An extra, unknown signer is ignored, as Go's note.Open does.
		const extra = new SyntheticLedger("witness.example").checkpoint(1).split("\n\n")[1];
		assert.equal((await L.verifyCheckpoint(cpNote + extra, key)).size, cp.size);
		// A changed body fails the signature.
		await assert.rejects(L.verifyCheckpoint(cpNote.replace(`\n${cp.size}\n`, `\n${cp.size + 1}\n`), key), /does not verify/);
	});
	test("verifyLedgerRange: everything from 0 and from the middle, with signatures", async () => {
		const files = buildTiles(entries.map(e => e.entry));
		const fetchSig = async i => entries[i].sig;
		for (const from of [0, 7, cp.size - 1]) {
			const cs = await L.verifyLedgerRange(cpNote, keysText, { fetchTile: fetchFrom(files), fetchSig, from });
			assert.equal(L.summarize(cs), "verified", JSON.stringify(cs));
			assert.equal(cs[1].entriesRead, cp.size - from);
		}
		const bad = new Map(files);
		const p = L.entriesPath(0, cp.size);
		const parsed = L.parseEntryBundle(files.get(p)).map(b => Buffer.from(b).toString());
		parsed[5] = parsed[5].replace('"actor":"system"', '"actor":"systen"');
		bad.set(p, buildTiles(parsed).get(p));
		const cs = await L.verifyLedgerRange(cpNote, keysText, { fetchTile: fetchFrom(bad), fetchSig });
		assert.equal(L.summarize(cs), "failed");
		assert.match(cs.at(-1).detail, /entry 5: signature does not verify/);
	});
	test("a forged tile breaks the root", async () => {
		const files = buildTiles(entries.map(e => e.entry));
		const p = L.entriesPath(0, cp.size);
		const forged = new Map(files);
		const b = files.get(p).slice(); b[b.length - 3] ^= 1;
		forged.set(p, b);
		const r = await L.rootFromTiles(cp.size, fetchFrom(forged));
		assert.notDeepEqual(r.root, cp.root);
	});
});

describe("rootFromTiles across tile boundaries", () => {
	for (const size of [1, 255, 256, 257, 511, 512, 513, 65537]) {
		test(`size ${size}`, async () => {
			const ents = Array.from({ length: size }, (_, i) => `e${i}`);
			const files = buildTiles(ents);
			const want = new Uint8Array(mth(ents.map(leaf)));
			const froms = size > 600 ? [size - 300, size - 1, 65280] : [0, 1, 255, 256, 257, size - 1, size].filter(f => f <= size);
			for (const from of froms) {
				const log = [];
				const r = await L.rootFromTiles(size, fetchFrom(files, log), { from });
				assert.deepEqual(r.root, want, `size ${size} from ${from}`);
				assert.ok(log.every(p => files.has(p)), `only published tiles read: ${log}`);
			}
		});
	}
	test("a partial tile that is gone is read from the full tile", async () => {
		const ents = Array.from({ length: 300 }, (_, i) => `e${i}`);
		const files = buildTiles(ents);
		const at256 = buildTiles(ents.slice(0, 256));	// tree of 256: tile 0 is full
		const full = buildTiles(ents.concat(Array.from({ length: 212 }, (_, i) => `f${i}`)));	// tree of 512
		const mixed = new Map(at256);
		mixed.set("tile/0/001", full.get("tile/0/001"));
		mixed.set("tile/entries/001", full.get("tile/entries/001"));
		assert.ok(files.has("tile/entries/001.p/44"));
		const r = await L.rootFromTiles(300, fetchFrom(mixed), { from: 0 });
		assert.deepEqual(r.root, new Uint8Array(mth(ents.map(leaf))));
	});
});

describe("verifyMarkBundle", () => {
	const lg = new SyntheticLedger();
	for (let i = 0; i < 100; i++) lg.append("standard.imported", `ST${i}@1.0`);
	const A = lg.append("mark.awarded", "HTQ-A1", { standard: "ST0116" });	// 100
	for (let i = 0; i < 200; i++) lg.append("review.recorded", `s-${i}`);
	const B = lg.append("mark.awarded", "HTQ-B2", { standard: "ST0117" });	// 301
	lg.append("mark.revoked", "HTQ-OTHER", { reason: "not this one" });
	for (let i = 0; i < 240; i++) lg.append("review.recorded", `t-${i}`);
	const RB = lg.append("mark.revoked", "HTQ-B2", { reason: "qualification withdrawn" }, "2026-11-29T09:00:00Z");
	for (let i = 0; i < 20; i++) lg.append("review.recorded", `u-${i}`);
	const size = lg.entries.length;
	const tiles = lg.tiles();
	const keysText = lg.vkey + "\n";
	const names = cs => cs.map(c => c.name);

	test("a genuine mark: every check passes, in order", async () => {
		const progress = [];
		const cs = await L.verifyMarkBundle(lg.bundle(A), keysText, { fetchTile: fetchFrom(tiles), onProgress: p => progress.push(p) });
		assert.deepEqual(names(cs), ["checkpoint signature", "mark.awarded entry signature", "mark.awarded inclusion proof", "not revoked"]);
		assert.ok(cs.every(c => c.ok === true), JSON.stringify(cs));
		assert.equal(L.summarize(cs), "verified");
		assert.match(cs[3].detail, new RegExp(`not revoked as of checkpoint ${size} — proved by reading ${size - A - 1} later entries`));
		assert.ok(progress.length >= 2);
		assert.equal(progress.at(-1).done, progress.at(-1).total);
	});
	test("the noble fallback gives the same answers", async () => {
		L.configureEd25519({ webcrypto: false });
		try {
			assert.equal(await L.ed25519Backend(), "noble");
			const cs = await L.verifyMarkBundle(lg.bundle(A), keysText, { fetchTile: fetchFrom(tiles) });
			assert.equal(L.summarize(cs), "verified");
			const bad = lg.bundle(A); bad.sig = flip(bad.sig, 5);
			const bcs = await L.verifyMarkBundle(bad, keysText);
			assert.equal(bcs[1].name, "mark.awarded entry signature");
			assert.equal(bcs[1].ok, false);
			assert.match(bcs[1].detail, /signature does not verify/);
		} finally {
			L.configureEd25519({ webcrypto: true });
		}
		assert.equal(await L.ed25519Backend(), "webcrypto");
	});
	test("a revoked mark shows the revocation with date and reason", async () => {
		for (const bundle of [lg.bundle(B, size, RB), lg.bundle(B)]) {	// with and without the revocation part
			const cs = await L.verifyMarkBundle(bundle, keysText, { fetchTile: fetchFrom(tiles) });
			assert.equal(L.summarize(cs), "revoked");
			const nr = cs.at(-1);
			assert.equal(nr.name, "not revoked");
			assert.equal(nr.ok, false);
			assert.equal(nr.revocation.index, RB);
			assert.equal(nr.revocation.reason, "qualification withdrawn");
			assert.equal(nr.revocation.date, "2026-11-29T09:00:00Z");
			assert.match(nr.detail, /revoked on 2026-11-29T09:00:00Z: qualification withdrawn/);
		}
		const cs = await L.verifyMarkBundle(lg.bundle(B, size, RB), keysText, { fetchTile: fetchFrom(tiles) });
		assert.deepEqual(names(cs), ["checkpoint signature", "mark.awarded entry signature", "mark.awarded inclusion proof",
			"mark.revoked entry signature", "mark.revoked inclusion proof", "not revoked"]);
	});
	test("an older bundle is proved against the log's latest checkpoint", async () => {
		// a bundle published when the award was new, the log's latest
		// checkpoint read from the static files
		const early = lg.bundle(B, B + 1);
		let cs = await L.verifyMarkBundle(early, keysText, { fetchTile: fetchFrom(lg.tiles(B + 1)) });
		assert.equal(L.summarize(cs), "verified", "without the latest, as of the bundle's own checkpoint");
		assert.match(cs.at(-1).detail, new RegExp(`as of checkpoint ${B + 1} — proved by reading 0 later`));
		cs = await L.verifyMarkBundle(early, keysText, { fetchTile: fetchFrom(tiles), latest: lg.checkpoint(size) });
		assert.equal(L.summarize(cs), "revoked", JSON.stringify(cs));
		assert.equal(cs.at(-1).revocation.index, RB);
		const beforeRevocation = lg.checkpoint(RB);
		cs = await L.verifyMarkBundle(early, keysText, { fetchTile: fetchFrom(lg.tiles(RB)), latest: beforeRevocation });
		assert.equal(L.summarize(cs), "verified");
		assert.equal(cs.at(-1).size, RB);
		assert.match(cs.at(-1).detail, new RegExp(`as of checkpoint ${RB} — proved by reading ${RB - B - 1} later`));
		// an older "latest" is a rollback and fails closed; a forged one fails
		cs = await L.verifyMarkBundle(lg.bundle(A), keysText, { fetchTile: fetchFrom(tiles), latest: lg.checkpoint(A + 1) });
		assert.equal(L.summarize(cs), "failed");
		assert.match(cs.at(-1).detail, /rollback: the log's latest checkpoint has \d+ entries, fewer than/);
		const other = new SyntheticLedger(lg.origin);
		for (let i = 0; i < size + 5; i++) other.append("review.recorded", `x-${i}`);
		cs = await L.verifyMarkBundle(early, keysText, { fetchTile: fetchFrom(tiles), latest: other.checkpoint() });
		assert.equal(L.summarize(cs), "failed");
		assert.equal(cs.at(-1).name, "latest checkpoint signature");
		// the latest checkpoint's tiles must hold the same award entry
		const swapped = lg.entries.map(e => e.entry);
		swapped[B] = swapped[B].replace("ST0117", "ST0118");
		cs = await L.verifyMarkBundle(early, keysText, { fetchTile: fetchFrom(buildTiles(swapped)), latest: lg.checkpoint(size) });
		assert.equal(L.summarize(cs), "failed");
		assert.match(cs.at(-1).detail, /differs from the bundle's/);
	});
	test("tiles with the revocation removed do not hash to the root", async () => {
		const forged = new Map(tiles);
		const others = lg.entries.map(e => e.entry);
		others[RB] = others[RB].replace('"type":"mark.revoked"', '"type":"review.recorded"');	// the revocation made harmless
		assert.notEqual(others[RB], lg.entries[RB].entry);
		const t = Math.floor(RB / 256), w = Math.min(256, size - t * 256);
		forged.set(L.entriesPath(t, w), buildTiles(others).get(L.entriesPath(t, w)));
		const cs = await L.verifyMarkBundle(lg.bundle(B), keysText, { fetchTile: fetchFrom(forged) });
		assert.equal(L.summarize(cs), "failed");
		assert.match(cs.at(-1).detail, /do not hash to the checkpoint's root/);
	});
	test("a forged hash tile fails the non-revocation check", async () => {
		// For the mark at 301 the entries from 256 are read; [0, 256)
		// comes from the level-1 tile (the hash of the first 256 leaves).
		const forged = new Map(tiles);
		const h = tiles.get("tile/1/000.p/2").slice(); h[5] ^= 1;
		forged.set("tile/1/000.p/2", h);
		const cs = await L.verifyMarkBundle(lg.bundle(B), keysText, { fetchTile: fetchFrom(forged) });
		assert.equal(cs.at(-1).name, "not revoked");
		assert.equal(cs.at(-1).ok, false);
		assert.match(cs.at(-1).detail, /the tiles do not hash to the checkpoint's root/);
		assert.equal(L.summarize(cs), "failed");
	});
	test("a tampered bundle fails the entry signature and says so", async () => {
		const b = lg.bundle(A);
		b.entry = b.entry.replace("ST0116", "ST0999");
		const cs = await L.verifyMarkBundle(b, keysText, { fetchTile: fetchFrom(tiles) });
		assert.equal(cs[1].name, "mark.awarded entry signature");
		assert.equal(cs[1].ok, false);
		assert.match(cs[1].detail, /signature does not verify/);
		assert.equal(L.summarize(cs), "failed");
	});
	test("a bad inclusion proof or index fails the inclusion check", async () => {
		const notIn = new RegExp(`^entry ${A} is not in the tree of checkpoint ${size}$`);
		for (const [mutate, why] of [[b => { b.proof[0] = b.proof[1]; }, notIn],
			[b => { b.index += 1; }, new RegExp(`^bundle index ${A + 1} is not the entry's seq ${A}$`)],
			[b => { b.proof.pop(); }, notIn]]) {
			const b = lg.bundle(A); mutate(b);
			const cs = await L.verifyMarkBundle(b, keysText, { fetchTile: fetchFrom(tiles) });
			const inc = cs.find(c => c.name === "mark.awarded inclusion proof");
			assert.equal(inc.ok, false);
			assert.match(inc.detail, why);
		}
	});
	test("a wrong key fails the checkpoint signature", async () => {
		const other = new SyntheticLedger(lg.origin);
		const cs = await L.verifyMarkBundle(lg.bundle(A), other.vkey, { fetchTile: fetchFrom(tiles) });
		assert.equal(cs[0].name, "checkpoint signature");
		assert.equal(cs[0].ok, false);
		assert.match(cs[0].detail, /not signed by a trusted key/);
		assert.equal(L.summarize(cs), "failed");
	});
	test("a wrong origin fails the checkpoint check", async () => {
		const cs = await L.verifyMarkBundle(lg.bundle(A), keysText, { fetchTile: fetchFrom(tiles), origin: "htq.localhost/ledger" });
		assert.equal(cs[0].ok, false);
		assert.match(cs[0].detail, /origin/);
	});
	test("a bundle whose entry is not a mark.awarded fails", async () => {
		const b = lg.bundle(A - 1);
		const cs = await L.verifyMarkBundle(b, keysText, { fetchTile: fetchFrom(tiles) });
		assert.equal(L.summarize(cs), "failed");
		assert.match(cs.at(-1).detail, /not a mark.awarded/);
	});
	test("offline, without tiles, non-revocation is reported as not checked", async () => {
		const cs = await L.verifyMarkBundle(lg.bundle(A), keysText);
		assert.equal(cs.at(-1).ok, null);
		assert.equal(cs.at(-1).skipped, true);
		assert.equal(L.summarize(cs), "unchecked");
	});
	test("verifyLedgerRange follows a key rotation", async () => {
		const g = new SyntheticLedger();
		for (let i = 0; i < 300; i++) g.append("review.recorded", `r-${i}`);
		const oldKey = g.vkey;
		const h = new SyntheticLedger();	// the new key, same origin
		g.append("key.rotated", "ledger", { new_key: h.vkey, old_key: oldKey });
		Object.assign(g, { priv: h.priv, pub: h.pub, kid: h.kid, kidHex: h.kidHex, vkey: h.vkey });
		for (let i = 0; i < 10; i++) g.append("review.recorded", `q-${i}`);
		const fetchSig = async i => g.entries[i].sig;
		const tl = g.tiles();
		let cs = await L.verifyLedgerRange(g.checkpoint(), oldKey + "\n" + h.vkey + "\n", { fetchTile: fetchFrom(tl), fetchSig });
		assert.equal(L.summarize(cs), "verified", JSON.stringify(cs));
		// Only the old key trusted: the checkpoint (signed by the new key) fails.
		cs = await L.verifyLedgerRange(g.checkpoint(), oldKey, { fetchTile: fetchFrom(tl), fetchSig });
		assert.equal(cs[0].ok, false);
		assert.match(cs[0].detail, /not signed by a trusted key/);
		// An entry after the rotation signed by the old key's id fails.
		const forged = new Map(tl);
		const ents = g.entries.map(e => e.entry);
		ents[305] = ents[305].replace(`"kid":"${h.kidHex}"`, `"kid":"${oldKey.split("+")[1]}"`);
		forged.set("tile/entries/001.p/55", buildTiles(ents).get("tile/entries/001.p/55"));
		cs = await L.verifyLedgerRange(g.checkpoint(), oldKey + "\n" + h.vkey, { fetchTile: fetchFrom(forged), fetchSig, from: 290 });
		assert.match(cs.at(-1).detail, /entry 305: signed by key/);
	});
	test("garbage bundles fail without throwing", async () => {
		for (const b of [null, 42, {}, { checkpoint: "x" }, { ...lg.bundle(A), proof: "nope" }, { ...lg.bundle(A), sig: 7 }]) {
			const cs = await L.verifyMarkBundle(b, keysText, { fetchTile: fetchFrom(tiles) });
			assert.equal(L.summarize(cs), "failed", JSON.stringify(b));
		}
		assert.equal((await L.verifyMarkBundle(lg.bundle(A), "not a key\n"))[0].ok, false);
	});
});

// Issue 23: the browser verifier parses entries and rotations exactly as
// docs/ledger.md and audit/entry.c, and ties a proof to the mark asked about.
describe("parser parity with the C verifier", () => {
	const Z = "0".repeat(64);
	const good = `{"v":1,"seq":7,"time":"2026-11-23T04:16:15Z","type":"mark.awarded","actor":"a-1","subject":"HTQ-A1","data":{"a":[1,{"b":null}],"c":"x\\u001Fy","\u00e9":true},"prev":"${Z}","kid":"9aed5832"}`;
	test("a canonical entry parses, with its fields", () => {
		const e = L.parseEntry(good);
		assert.equal(e.seq, 7);
		assert.equal(e.data.c, "x\u001fy");
		assert.equal(e.data["\u00e9"], true);
	});
	const bad = [
		["a duplicate key in data", good.replace('{"a":[', '{"a":0,"a":['), /entry 7: field data: duplicate key "a"/],
		["a duplicate top-level field", good.replace('"v":1,', '"v":1,"v":1,'), /field seq: duplicated or out of order/],
		["a duplicate nested key", good.replace('{"b":null}', '{"b":null,"b":null}'), /duplicate key "b"/],
		["unsorted keys", good.replace('"c":"x\\u001Fy",', '').replace('{"a":[', '{"c":"x","a":['), /keys not in sorted order/],
		["white space", good.replace('"v":1,', '"v": 1,'), /field v/],
		["a lower-case \\u escape", good.replace("u001F", "u001f"), /escape \\u001f is not canonical/],
		["an escaped character the encoder writes raw", good.replace('"HTQ-A1"', '"HTQ\\u002dA1"'), /field subject: the escape \\u002d is not canonical/],
		["\\/", good.replace('"x\\u001Fy"', '"x\\/y"'), /escape \\\/ is not canonical/],
		["a fraction", good.replace("[1,", "[1.0,"), /not a canonical integer/],
		["an exponent", good.replace("[1,", "[1e0,"), /not a canonical integer/],
		["-0", good.replace("[1,", "[-0,"), /-0 is not canonical/],
		["an integer beyond 64 bits", good.replace("[1,", "[9223372036854775808,"), /64-bit range/],
		["fields out of order", good.replace('"time":"2026-11-23T04:16:15Z","type":"mark.awarded"', '"type":"mark.awarded","time":"2026-11-23T04:16:15Z"'), /field time: duplicated or out of order/],
		["an extra field", good.replace('"kid":"9aed5832"}', '"kid":"9aed5832","x":1}'), /an extra field after kid/],
		["upper-case hex in kid", good.replace("9aed5832", "9AED5832"), /field kid: not of the documented form/],
		["an impossible date", good.replace("2026-11-23", "2026-02-29"), /field time: not of the documented form/],
		["bytes after the entry", good + " ", /bytes after the entry/],
		["a subject with a quote", good.replace('"HTQ-A1"', '"HTQ\\"A1"'), /field subject: not of the documented form/],
		["a raw control character", good.replace("x\\u001Fy", "x\ty"), /raw control character/],
	];
	for (const [what, bytes, why] of bad)
		test(`refused: ${what}`, () => assert.throws(() => L.parseEntry(bytes), why));
	test("a key.rotated entry's data is exactly {new_key, old_key}", () => {
		const rot = d => `{"v":1,"seq":3,"time":"2026-11-23T04:16:15Z","type":"key.rotated","actor":"system","subject":"ledger","data":${d},"prev":"${Z}","kid":"9aed5832"}`;
		assert.ok(L.parseEntry(rot('{"new_key":"a","old_key":"b"}')));
		assert.throws(() => L.parseEntry(rot('{"new_key":"a","old_key":"b","x":1}')), /key.rotated: data is not/);
		assert.throws(() => L.parseEntry(rot('{"new_key":"a"}')), /key.rotated: data is not/);
		assert.throws(() => L.parseEntry(rot('{"new_key":1,"old_key":"b"}')), /key.rotated: data is not/);
	});

	// A ledger whose key rotates once (A -> B), with a mark awarded under A.
	function rotated({ newKeyFor = null } = {}) {
		const g = new SyntheticLedger();
		const old = { priv: g.priv, pub: g.pub, kid: g.kid, kidHex: g.kidHex, vkey: g.vkey };
		for (let i = 0; i < 20; i++) g.append("review.recorded", `r-${i}`);
		const M = g.append("mark.awarded", "HTQ-R1", { route: "Digital" });
		const early = g.bundle(M);	// signed by the old key
		const h = new SyntheticLedger(g.origin);
		g.append("key.rotated", "ledger", { new_key: newKeyFor || h.vkey, old_key: old.vkey });
		Object.assign(g, { priv: h.priv, pub: h.pub, kid: h.kid, kidHex: h.kidHex, vkey: h.vkey });
		for (let i = 0; i < 10; i++) g.append("review.recorded", `q-${i}`);
		return { g, M, early, oldKey: old.vkey, newKey: h.vkey };
	}
	test("after a key rotation an older bundle is proved again in the latest checkpoint", async () => {
		const { g, early, oldKey, newKey } = rotated();
		const keys = oldKey + "\n" + newKey + "\n";
		const cs = await L.verifyMarkBundle(early, keys, { markId: "HTQ-R1", fetchTile: fetchFrom(g.tiles()), latest: g.checkpoint() });
		assert.equal(L.summarize(cs), "verified", JSON.stringify(cs));
		assert.match(cs[0].detail, /a retired key/);
		assert.equal(cs.proved.size, g.entries.length);
		// offline, a retired key's checkpoint proves nothing current
		const off = await L.verifyMarkBundle(early, keys, { markId: "HTQ-R1" });
		assert.equal(L.summarize(off), "unchecked");
		assert.match(off.at(-1).detail, /retired key/);
	});
	test("a rotation to a key the policy does not list is refused", async () => {
		const stranger = new SyntheticLedger();
		const { g, early, oldKey, newKey } = rotated({ newKeyFor: stranger.vkey.replace(stranger.origin, "test.example/ledger") });
		const cs = await L.verifyMarkBundle(early, oldKey + "\n" + newKey + "\n", { markId: "HTQ-R1", fetchTile: fetchFrom(g.tiles()), latest: g.checkpoint() });
		assert.equal(L.summarize(cs), "failed");
		assert.match(cs.at(-1).detail, /key.rotated: new_key [0-9a-f]{8} is not the next key of the trusted list/);
	});
	test("a range started from a retired key that never rotates to the newest is refused", async () => {
		const { g, oldKey, newKey } = rotated();
		const fetchSig = async i => g.entries[i].sig;
		// a list whose newest key is one the ledger never rotates to
		const third = new SyntheticLedger(g.origin);
		third.append("review.recorded", "x");
		const cs = await L.verifyLedgerRange(g.checkpoint(), oldKey + "\n" + newKey, { fetchTile: fetchFrom(g.tiles()), fetchSig, from: 5 });
		assert.equal(L.summarize(cs), "verified", JSON.stringify(cs));
		const lie = await L.verifyLedgerRange(g.checkpoint(g.entries.length), oldKey + "\n" + newKey, { fetchTile: fetchFrom(g.tiles(21)), fetchSig, from: 5 });
		assert.equal(L.summarize(lie), "failed");
		// entries 0..20 are all signed by the old key, the checkpoint by the new one
		const sub = new Map(g.tiles());
		const short = await L.verifyLedgerRange(g.checkpoint(21), oldKey + "\n" + newKey, { fetchTile: fetchFrom(g.tiles(21)), fetchSig, from: 5 });
		assert.equal(L.summarize(short), "failed");
		void sub;
	});
	test("no signature checked is never 'verified'", async () => {
		const { g, oldKey, newKey } = rotated();
		const cs = await L.verifyLedgerRange(g.checkpoint(), oldKey + "\n" + newKey, { fetchTile: fetchFrom(g.tiles()) });
		assert.equal(L.summarize(cs), "unchecked", JSON.stringify(cs));
		assert.match(cs.find(c => c.name === "entries").detail, /signatures not checked/);
	});
	test("the proof must be for the mark asked about", async () => {
		const g = new SyntheticLedger();
		const A = g.append("mark.awarded", "HTQ-A1", {});
		g.append("mark.awarded", "HTQ-B2", {});
		g.append("mark.revoked", "HTQ-B2", { reason: "non_compliance", revoked: "2026-12-01" });
		const b = g.bundle(A);
		let cs = await L.verifyMarkBundle(b, g.vkey, { markId: "HTQ-B2", fetchTile: fetchFrom(g.tiles()), latest: g.checkpoint() });
		assert.equal(L.summarize(cs), "failed");
		assert.match(cs.at(-1).detail, /the proof is for mark HTQ-A1, not for HTQ-B2/);
		delete b.mark.id;	// a relabelled bundle: no claim left to compare
		cs = await L.verifyMarkBundle(b, g.vkey, { markId: "HTQ-NEVER", fetchTile: fetchFrom(g.tiles()), latest: g.checkpoint() });
		assert.equal(L.summarize(cs), "failed");
		// a bundle carrying its proven revocation says revoked offline, from the signed entry
		const rb = g.bundle(1, g.entries.length, 2);
		rb.mark.revoked = { date: "1999-01-01", reason: "forged" };
		cs = await L.verifyMarkBundle(rb, g.vkey, { markId: "HTQ-B2" });
		assert.equal(L.summarize(cs), "revoked");
		assert.equal(cs.proved.revocation.date, "2026-12-01");
		assert.equal(cs.proved.revocation.reason, "non_compliance");
	});
	test("an older bundle of a mark revoked since: an unreadable latest checkpoint never hides the revocation", async () => {
		const g = new SyntheticLedger();
		const A = g.append("mark.awarded", "HTQ-A1", {});
		const early = g.bundle(A);
		for (let i = 0; i < 5; i++) g.append("review.recorded", `r-${i}`);
		g.append("mark.revoked", "HTQ-A1", { reason: "non_compliance", revoked: "2026-12-02" });
		for (const fetchLatest of [async () => { throw new Error("HTTP 404"); }, async () => { throw new Error("the connection failed"); }]) {
			const cs = await L.verifyMarkBundle(early, g.vkey, { markId: "HTQ-A1", fetchTile: fetchFrom(g.tiles()), fetchLatest });
			assert.equal(L.summarize(cs), "failed");
			assert.ok(!cs.some(c => c.name === "not revoked" && c.ok === true));
		}
		const cs = await L.verifyMarkBundle(early, g.vkey, { markId: "HTQ-A1", fetchTile: fetchFrom(g.tiles()), fetchLatest: async () => g.checkpoint() });
		assert.equal(L.summarize(cs), "revoked");
		assert.equal(cs.proved.revocation.date, "2026-12-02");
		// same size, another root: two versions of the log
		const h = new SyntheticLedger(g.origin);
		Object.assign(h, { priv: g.priv, pub: g.pub, kid: g.kid, kidHex: g.kidHex, vkey: g.vkey });
		h.append("mark.awarded", "HTQ-A1", {}, "2026-11-29T08:00:01Z");
		const fork = await L.verifyMarkBundle(early, g.vkey, { markId: "HTQ-A1", fetchTile: fetchFrom(g.tiles()), latest: h.checkpoint() });
		assert.equal(L.summarize(fork), "failed");
		assert.match(fork.at(-1).detail, /two versions of the log/);
	});
	test("a latest checkpoint that cannot be read, or a rollback, fails closed", async () => {
		const g = new SyntheticLedger();
		g.append("mark.awarded", "HTQ-A1", {});
		for (let i = 0; i < 5; i++) g.append("review.recorded", `r-${i}`);
		const b = g.bundle(0);
		for (const fetchLatest of [async () => { throw new Error("HTTP 404"); }, async () => { throw new Error("HTTP 500"); }, async () => g.checkpoint(1)]) {
			const cs = await L.verifyMarkBundle(b, g.vkey, { markId: "HTQ-A1", fetchTile: fetchFrom(g.tiles()), fetchLatest });
			assert.equal(L.summarize(cs), "failed", JSON.stringify(cs));
			assert.match(cs.at(-1).detail, /could not be read: HTTP|rollback/);
		}
	});
});

describe("sha256Sync (the tree's hashes)", () => {
	test("agrees with WebCrypto on every length that matters", async () => {
		const { randomBytes } = await import("node:crypto");
		for (const n of [...Array(200).keys(), 447, 448, 511, 512, 1000, 16384, 65536]) {
			const b = new Uint8Array(randomBytes(n));
			assert.deepEqual(L.sha256Sync(b), await L.sha256(b), `length ${n}`);
		}
		assert.equal(L.toHex(L.sha256Sync(L.utf8("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	});
});

describe("witness cosignatures and the witness rule (docs/ledger.md 9.1)", async () => {
	const lg = new SyntheticLedger();
	for (let i = 0; i < 40; i++) lg.append("review.recorded", `r-${i}`);
	const A = lg.append("mark.awarded", "HTQ-W1", { standard: "ST0116" });
	for (let i = 0; i < 300; i++) lg.append("review.recorded", `s-${i}`);
	const size = lg.entries.length, tiles = lg.tiles(), keysText = lg.vkey + "\n";
	const w1 = await TestWitness.make("regulator-standin.witness.localhost");
	const w2 = await TestWitness.make("students-standin.witness.localhost");
	const w3 = await TestWitness.make("stranger.witness.localhost");
	const T = 1796000000;	// "now" of these tests, POSIX seconds
	const iso = t => new Date(t * 1000).toISOString().replace(/\.000Z$/, "Z");
	const cp = lg.checkpoint();
	const policy = async (quorum, maxAge = 600) => L.parseWitnessPolicy({ witnesses: [w1.vkey, w2.vkey], quorum, maxAge });
	const rule = async (note, p) => L.witnessRule(note, p || await policy(), T);

	test("a witness key parses, with the 0x04 key id; malformed ones are refused", async () => {
		const k = await L.parseWitnessKey(w1.vkey);
		assert.equal(k.name, w1.name);
		assert.equal(k.keyId, w1.kid.toString("hex"));
		assert.deepEqual(k.publicKey, w1.pub);
		const [name, id] = w1.vkey.split("+", 2), b64 = w1.vkey.slice(name.length + id.length + 2);
		const as01 = Buffer.from(b64, "base64"); as01[0] = 1;
		for (const [bad, why] of [
			[`${name}+${flip(id, 0)}+${b64}`, /does not match the key/],
			[`${name}+${id}+${as01.toString("base64")}`, /not a cosignature\/v1/],
			[`${name}+${id.toUpperCase()}+${b64}`, /malformed/],
			[`${name}+${id}`, /malformed/], ["", /malformed/], [`a b+${id}+${b64}`, /malformed/],
			[lg.vkey, /not a cosignature\/v1|does not match/],
		]) await assert.rejects(L.parseWitnessKey(bad), why, bad);
	});

	test("the witness policy: defaults, limits and refusals", async () => {
		assert.equal(await L.parseWitnessPolicy({}), null);
		const p = await L.parseWitnessPolicy({ witnesses: [w1.vkey, w2.vkey] });
		assert.equal(p.quorum, 2);
		assert.equal(p.maxAge, 86400);
		for (const [bad, why] of [
			[{ witnesses: [w1.vkey], quorum: 0 }, /quorum/], [{ witnesses: [w1.vkey], quorum: 2 }, /quorum/],
			[{ witnesses: [w1.vkey], quorum: 1.5 }, /quorum/], [{ witnesses: [w1.vkey], maxAge: 0 }, /max_age/],
			[{ witnesses: [w1.vkey], maxAge: 31536001 }, /max_age/], [{ witnesses: [w1.vkey, w1.vkey] }, /listed twice/],
			[{ witnesses: [] }, /not a list/], [{ witnesses: w1.vkey }, /not a list/], [{ quorum: 1 }, /without witnesses/],
			[{ witnesses: Array(17).fill(w1.vkey) }, /more than 16/],
			[{ witnesses: [w1.vkey, `other.witness+${L.toHex(await L.witnessKeyId("other.witness", w1.pub))}+${Buffer.concat([Buffer.from([4]), w1.pub]).toString("base64")}`] }, /key of witness other.witness listed twice/],
		]) await assert.rejects(L.parseWitnessPolicy(bad), why, JSON.stringify(bad).slice(0, 80));
	});

	test("cosignature lines: parsed, verified; a note with them still opens with the log key", async () => {
		const note = await w2.cosign(await w1.cosign(cp, T - 5), T - 7);
		const cs = await L.cosignatures(note, (await policy()).witnesses);
		assert.deepEqual(cs.map(c => [c.witness.name, c.time, c.valid]), [[w1.name, T - 5, true], [w2.name, T - 7, true]]);
		const { text, signedBy } = await L.openNote(note, await L.parseVerifierKeys(keysText));
		assert.equal(text, cp.slice(0, cp.indexOf("\n\n") + 1));
		assert.equal(signedBy.length, 1);
		assert.throws(() => L.parseNote(note + "\u2014 bad\n"), /bad signature line/);
	});

	test("quorum met: the proved time is the quorum-th newest cosignature", async () => {
		const note = await w2.cosign(await w1.cosign(cp, T - 5), T - 70);
		let r = await rule(note);
		assert.deepEqual([r.ok, r.time, r.count, r.reasons], [true, T - 70, 2, []]);
		r = await rule(note, await policy(1));
		assert.deepEqual([r.ok, r.time], [true, T - 5]);
		r = await rule(await w1.cosign(cp, T + 300));	// up to 5 minutes ahead
		assert.equal(r.ok, false);
		r = await rule(await w2.cosign(await w1.cosign(cp, T + 300), T - 600));	// the bounds included
		assert.deepEqual([r.ok, r.time], [true, T - 600]);
	});

	test("one witness missing: could not check, naming it", async () => {
		const r = await rule(await w1.cosign(cp, T - 5));
		assert.equal(r.ok, false);
		assert.equal(r.time, null);
		assert.deepEqual(r.reasons, [`no valid cosignature from witness ${w2.name}`]);
		assert.deepEqual((await rule(cp)).reasons, [`no valid cosignature from witness ${w1.name}`, `no valid cosignature from witness ${w2.name}`]);
	});

	test("stale: has not cosigned since its newest valid cosignature", async () => {
		const note = await w2.cosign(await w1.cosign(await w1.cosign(cp, T - 5000), T - 601), T - 10);
		const r = await rule(note);
		assert.equal(r.ok, false);
		assert.deepEqual(r.reasons, [`witness ${w1.name} has not cosigned since ${iso(T - 601)}`]);
	});

	test("a timestamp in the future is no valid cosignature", async () => {
		const r = await rule(await w2.cosign(await w1.cosign(cp, T + 301), T - 1));
		assert.deepEqual([r.ok, r.reasons], [false, [`no valid cosignature from witness ${w1.name}`]]);
	});

	test("a cosignature by a key not in the policy is ignored", async () => {
		const impostor = await TestWitness.make(w2.name);	// same name, another key
		let r = await rule(await impostor.cosign(await w3.cosign(await w1.cosign(cp, T - 1), T - 1), T - 1));
		assert.deepEqual([r.ok, r.count, r.reasons], [false, 1, [`no valid cosignature from witness ${w2.name}`]]);
		r = await rule(await w3.cosign(await w2.cosign(await w1.cosign(cp, T - 1), T - 2), T));
		assert.deepEqual([r.ok, r.time], [true, T - 2]);
	});

	test("a bad signature, or a cosignature of another body, is no valid cosignature", async () => {
		const good = await w1.line(cp, T - 1);
		const raw = Buffer.from(good.slice(2 + w1.name.length + 1, -1), "base64");
		raw[40] ^= 1;
		const bad = `\u2014 ${w1.name} ${raw.toString("base64")}\n`;
		const short = `\u2014 ${w1.name} ${raw.subarray(0, 40).toString("base64")}\n`;
		const other = lg.checkpoint(size - 1);
		for (const line of [bad, short, await w1.line(other, T - 1)]) {
			const r = await rule(await w2.cosign(cp + line, T - 1));
			assert.deepEqual([r.ok, r.reasons], [false, [`no valid cosignature from witness ${w1.name}`]], line);
		}
		// the same time, another timestamp in the signed message
		const moved = Buffer.from(good.slice(2 + w1.name.length + 1, -1), "base64");
		moved.writeBigUInt64BE(BigInt(T - 2), 4);
		const r = await rule(await w2.cosign(cp + `\u2014 ${w1.name} ${moved.toString("base64")}\n`, T - 1));
		assert.equal(r.ok, false);
	});

	test("verifyMarkBundle: current only when witnessed, dated by the cosignatures", async () => {
		const wp = { witnesses: [w1.vkey, w2.vkey], quorum: 2, maxAge: 600 };
		const latest = await w2.cosign(await w1.cosign(cp, T - 30), T - 40);
		let cs = await L.verifyMarkBundle(lg.bundle(A, A + 1), keysText, { fetchTile: fetchFrom(tiles), latest, witnessPolicy: wp, now: T });
		assert.equal(L.summarize(cs), "verified", JSON.stringify(cs));
		assert.deepEqual(cs.proved.cosigned, { time: T - 40, iso: iso(T - 40) });
		assert.match(cs.at(-1).detail, new RegExp(`not revoked as of ${iso(T - 40)}, when a quorum of witnesses cosigned checkpoint ${size}`));
		assert.deepEqual(cs.proved.checkpoint, { size, root: cp.split("\n")[2], time: T - 40 });
		// stale: could not check, with the reason, and no "current"
		cs = await L.verifyMarkBundle(lg.bundle(A, A + 1), keysText, { fetchTile: fetchFrom(tiles), latest, witnessPolicy: wp, now: T + 3600 });
		assert.equal(L.summarize(cs), "failed");
		assert.equal(cs.at(-1).name, "witness cosignatures");
		assert.match(cs.at(-1).detail, new RegExp(`witness ${w1.name} has not cosigned since ${iso(T - 30)}; witness ${w2.name} has not cosigned since ${iso(T - 40)}`));
		assert.ok(!cs.proved.current && !cs.proved.checkpoint);
		// without witnesses in the policy: as before
		cs = await L.verifyMarkBundle(lg.bundle(A, A + 1), keysText, { fetchTile: fetchFrom(tiles), latest: cp });
		assert.equal(L.summarize(cs), "verified");
		assert.equal(cs.proved.cosigned, undefined);
		// a malformed witness policy checks nothing
		cs = await L.verifyMarkBundle(lg.bundle(A), keysText, { fetchTile: fetchFrom(tiles), witnessPolicy: { witnesses: [w1.vkey], quorum: 3 } });
		assert.deepEqual([L.summarize(cs), cs[0].name], ["failed", "trust policy"]);
	});

	test("parsePolicyText: the policy file of 6.7, every line checked, naming the line", async () => {
		const p = L.parsePolicyText(`# a policy\norigin o.example/log\nkey ${keysText.trim().split("\n")[0]}\n\nwitness ${w1.vkey}\nwitness ${w2.vkey}\nquorum 2\nmax_age 600\n`);
		assert.equal(p.origin, "o.example/log");
		assert.deepEqual([p.keys.length, p.witnesses, p.quorum, p.max_age], [1, [w1.vkey, w2.vkey], "2", "600"]);
		for (const [text, why] of [["key x\n", /no origin/], ["origin a\norigin b\n", /line 2: a second origin/],
			["origin a\nquorum 1\nquorum 2\n", /line 3: a second quorum/], ["origin a\ncolour red\n", /line 2: unknown keyword "colour"/],
			["origin a\nkey  x\n", /line 2: not "keyword value"/], ["origin a\nkey x\ty\n", /line 2: a control character/],
			["origin a\nkey " + "x".repeat(600) + "\n", /line 2: longer than 511 bytes/], ["origin a\n" + "#".repeat(17000), /longer than 16 KiB/]])
			assert.throws(() => L.parsePolicyText(text), why, JSON.stringify(text.slice(0, 40)));
	});

	test("verifyMarkBundle: a latest checkpoint not yet cosigned is read again (latestRetries), never passed unwitnessed", async () => {
		const wp = { witnesses: [w1.vkey, w2.vkey], quorum: 2, maxAge: 600 };
		const cosigned = await w2.cosign(await w1.cosign(cp, T - 1), T - 1);
		const reads = answers => { let i = 0; const f = async () => answers[Math.min(i++, answers.length - 1)]; f.count = () => i; return f; };
		// the cosignatures arrive between the first read and the second
		let fetchLatest = reads([cp, cosigned]);
		let cs = await L.verifyMarkBundle(lg.bundle(A, A + 1), keysText, { fetchTile: fetchFrom(tiles), fetchLatest, witnessPolicy: wp, now: T, latestRetries: 2 });
		assert.equal(L.summarize(cs), "verified", JSON.stringify(cs));
		assert.equal(fetchLatest.count(), 2);
		// without retries: could not check, as before
		fetchLatest = reads([cp, cosigned]);
		cs = await L.verifyMarkBundle(lg.bundle(A, A + 1), keysText, { fetchTile: fetchFrom(tiles), fetchLatest, witnessPolicy: wp, now: T });
		assert.equal(L.summarize(cs), "failed");
		assert.equal(fetchLatest.count(), 1);
		// never cosigned: read 1 + 2 times, then could not check naming both
		fetchLatest = reads([cp]);
		const t0 = Date.now();
		cs = await L.verifyMarkBundle(lg.bundle(A, A + 1), keysText, { fetchTile: fetchFrom(tiles), fetchLatest, witnessPolicy: wp, now: T, latestRetries: 2 });
		assert.equal(L.summarize(cs), "failed");
		assert.equal(fetchLatest.count(), 3);
		assert.ok(Date.now() - t0 >= 1900, "a second between reads");
		assert.match(cs.at(-1).detail, new RegExp(`no valid cosignature from witness ${w1.name}; no valid cosignature from witness ${w2.name}`));
	});

	test("the checkpoint seen before: rollback, fork at the same size, fork before, consistent", async () => {
		const opts = seen => ({ fetchTile: fetchFrom(tiles), latest: cp, seen });
		const rootAt = n => lg.checkpoint(n).split("\n")[2];
		let cs = await L.verifyMarkBundle(lg.bundle(A, A + 1), keysText, opts({ size: size + 1, root: rootAt(size) }));
		assert.equal(cs.at(-1).name, "checkpoint seen before");
		assert.match(cs.at(-1).detail, new RegExp(`this browser saw a larger checkpoint before: ${size + 1} entries .*only ${size}: a rollback`));
		const other = Buffer.alloc(32, 7).toString("base64");
		cs = await L.verifyMarkBundle(lg.bundle(A, A + 1), keysText, opts({ size, root: other }));
		assert.match(cs.at(-1).detail, /this browser saw a different checkpoint before: .* two versions of the log/);
		cs = await L.verifyMarkBundle(lg.bundle(A, A + 1), keysText, opts({ size: 100, root: other }));
		assert.match(cs.at(-1).detail, new RegExp(`this browser saw a different checkpoint before: 100 entries with root ${other.replace(/[+/]/g, "\\$&")}, but the log's latest checkpoint's tiles give root ${rootAt(100).replace(/[+/]/g, "\\$&")} at that size`));
		assert.equal(L.summarize(cs), "failed");
		for (const n of [1, 100, A + 1, 256, 257, size - 1, size]) {
			cs = await L.verifyMarkBundle(lg.bundle(A, A + 1), keysText, opts({ size: n, root: rootAt(n) }));
			assert.equal(L.summarize(cs), "verified", `seen ${n}: ${JSON.stringify(cs.at(-2))}`);
			assert.equal(cs.find(c => c.name === "checkpoint seen before").ok, true);
		}
		// garbage is ignored, not a crash
		for (const seen of [null, {}, { size: "3", root: rootAt(3) }, { size: 3, root: "x" }, { size: -1, root: rootAt(3) }]) {
			cs = await L.verifyMarkBundle(lg.bundle(A, A + 1), keysText, opts(seen));
			assert.equal(L.summarize(cs), "verified");
		}
	});

	test("prefixRootFromTiles: every prefix's root from the latest tree's hash tiles only", async () => {
		for (const tree of [1, 255, 256, 257, 600, 65537]) {
			const ents = Array.from({ length: tree }, (_, i) => `e${i}`);
			const files = buildTiles(ents);
			const hs = ents.map(leaf);
			for (const n of [0, 1, 2, 3, 255, 256, 257, 511, 512, 599, 65536, tree].filter(n => n <= tree)) {
				const log = [];
				const r = await L.prefixRootFromTiles(n, tree, fetchFrom(files, log));
				assert.deepEqual(r.root, new Uint8Array(mth(hs.slice(0, n))), `${n} of ${tree}`);
				assert.deepEqual(r.treeRoot, new Uint8Array(mth(hs)), `${tree}`);
				assert.ok(log.every(p => files.has(p) && !p.startsWith("tile/entries/")), `hash tiles of the tree only: ${log}`);
			}
		}
		await assert.rejects(L.prefixRootFromTiles(5, 4, fetchFrom(new Map())), /bad tree sizes/);
		await assert.rejects(L.prefixRootFromTiles(3, 4, fetchFrom(new Map())), /missing/);
	});
});

// The same cases as tests/unit/test_pages.c test_days_and_types_in_words:
// a verify page compares its static facts (pages.c) with these words.
test("dayText: signed days in words by pages.c's rule, anything else as it is", () => {
	const cases = [["2026-12-06", "6 December 2026"], ["2026-01-31", "31 January 2026"],
		["2024-02-29", "29 February 2024"], ["2000-02-29", "29 February 2000"], ["1900-02-29", "1900-02-29"],
		["2023-02-29", "2023-02-29"], ["2026-04-31", "2026-04-31"], ["2026-13-01", "2026-13-01"],
		["2026-00-10", "2026-00-10"], ["2026-12-6", "2026-12-6"], ["2026-12-061", "2026-12-061"],
		["2026-11-29T09:00:00Z", "2026-11-29T09:00:00Z"], ["+026-12-06", "+026-12-06"], ["", ""]];
	for (const [iso, want] of cases) assert.equal(L.dayText(iso), want, iso);
	assert.equal(L.dayText(null), null);
});
