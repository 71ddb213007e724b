// ledger.js - verify htq's public ledger in the browser (or in Node.js),
// trusting nothing the server says about itself: only the verifier keys
// the caller supplies.  docs/ledger.md is the format; this module is a
// third implementation of it beside audit/verify_main.c and Go's
// sumdb/note and sumdb/tlog (tests/interop/verify.go).
//
// Dependencies: WebCrypto (SHA-256 always; Ed25519 where the browser has
// it) and, only where WebCrypto lacks Ed25519, the vendored @noble/ed25519
// module, loaded on first use from /assets/vendor/noble-ed25519.js (the
// build gives it a content-hashed name).
//
// Conventions: byte strings are Uint8Array; hashes are 32 bytes; sizes and
// indexes are JavaScript numbers (exact up to 2^53); every parser throws a
// LedgerError with a one-line message on malformed input.

const subtle = globalThis.crypto && globalThis.crypto.subtle;
const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export const ENTRY_CONTEXT = "htq-ledger-entry/v1\n";
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 1 << TILE_HEIGHT;	// 256 hashes or entries a full tile
export const HASH_SIZE = 32;
const MAX_NOTE_SIGS = 100;	// as Go's note.Open

export class LedgerError extends Error {
	constructor(message) {
		super(message);
		this.name = "LedgerError";
	}
}
function fail(msg) { throw new LedgerError(msg); }

// ---------------------------------------------------------------------
// Encodings

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

// Standard base64 with padding, as Go's base64.StdEncoding.DecodeString:
// the length a multiple of 4, '=' only as padding at the end.
export function b64decode(s) {
	if (typeof s !== "string" || s.length % 4 !== 0) fail("malformed base64");
	let pad = 0;
	if (s.endsWith("==")) pad = 2;
	else if (s.endsWith("=")) pad = 1;
	const out = new Uint8Array(s.length / 4 * 3 - pad);
	let o = 0;
	for (let i = 0; i < s.length; i += 4) {
		let v = 0;
		for (let j = 0; j < 4; j++) {
			const c = s[i + j];
			let d;
			if (c === "=" && i + 4 === s.length && j >= 4 - pad) d = 0;
			else if ((d = B64_INDEX.get(c)) === undefined) fail("malformed base64");
			v = v << 6 | d;
		}
		const b = [v >>> 16 & 255, v >>> 8 & 255, v & 255];
		for (let j = 0; j < 3 && o < out.length; j++) out[o++] = b[j];
	}
	return out;
}

export function b64encode(bytes) {
	let s = "";
	for (let i = 0; i < bytes.length; i += 3) {
		const n = bytes.length - i;
		const v = bytes[i] << 16 | (n > 1 ? bytes[i + 1] << 8 : 0) | (n > 2 ? bytes[i + 2] : 0);
		s += B64[v >>> 18 & 63] + B64[v >>> 12 & 63] +
		    (n > 1 ? B64[v >>> 6 & 63] : "=") + (n > 2 ? B64[v & 63] : "=");
	}
	return s;
}

export function toHex(bytes) {
	return Array.from(bytes, b => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(s) {
	if (typeof s !== "string" || s.length % 2 || !/^[0-9a-fA-F]*$/.test(s)) fail("malformed hex");
	const out = new Uint8Array(s.length / 2);
	for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
	return out;
}

export function utf8(s) { return enc.encode(s); }

export function concat(...parts) {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let o = 0;
	for (const p of parts) { out.set(p, o); o += p.length; }
	return out;
}

export function bytesEqual(a, b) {
	if (a.length !== b.length) return false;
	let d = 0;
	for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
	return d === 0;
}

// ---------------------------------------------------------------------
// Hashing (RFC 6962)

export async function sha256(...parts) {
	return new Uint8Array(await subtle.digest("SHA-256", parts.length === 1 ? parts[0] : concat(...parts)));
}

const ZERO = new Uint8Array([0]);
const ONE = new Uint8Array([1]);

// Leaf hash of the exact entry bytes: SHA-256(0x00 || entry).
export function leafHash(entry) {
	return sha256(ZERO, typeof entry === "string" ? utf8(entry) : entry);
}

export function nodeHash(left, right) {
	return sha256(ONE, left, right);
}

// RFC 6962 Merkle tree hash of a list of leaf hashes.
export async function treeHash(leaves) {
	if (leaves.length === 0) return sha256(new Uint8Array(0));
	let level = leaves.slice();
	while (level.length > 1) {	// pairwise; an odd last node moves up as is
		const next = [];
		for (let i = 0; i + 1 < level.length; i += 2) next.push(await nodeHash(level[i], level[i + 1]));
		if (level.length % 2) next.push(level[level.length - 1]);
		level = next;
	}
	return level[0];
}

// RFC 9162 2.1.3.2: does the inclusion proof put leaf hash `leaf` at
// `index` in the tree of `size` leaves with root `root`?
export async function verifyInclusion(leaf, index, size, proof, root) {
	if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
	let fn = index, sn = size - 1, r = leaf;
	for (const p of proof) {
		if (!(p instanceof Uint8Array) || p.length !== HASH_SIZE || sn === 0) return false;
		if (fn % 2 === 1 || fn === sn) {
			r = await nodeHash(p, r);
			if (fn % 2 === 0)
				while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
		} else {
			r = await nodeHash(r, p);
		}
		fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
	}
	return sn === 0 && bytesEqual(r, root);
}

// ---------------------------------------------------------------------
// Ed25519

let nobleLoader = null;	// Promise of the @noble/ed25519 module
let webcryptoEd25519 = null;	// null: not tried yet; then true or false

// Tests (and callers without a served /assets/) hand in the module, or
// force the fallback with {webcrypto: false}.
export function configureEd25519({ noble, webcrypto } = {}) {
	if (noble) nobleLoader = Promise.resolve(noble);
	if (webcrypto !== undefined) webcryptoEd25519 = webcrypto === false ? false : null;
}

function noble() {
	if (!nobleLoader) nobleLoader = import("/assets/vendor/noble-ed25519.js");
	return nobleLoader;
}

// Which implementation verifies signatures: "webcrypto" or "noble".
export async function ed25519Backend() {
	if (webcryptoEd25519 === null) {
		try {
			await subtle.importKey("raw", new Uint8Array(32).fill(1), { name: "Ed25519" }, false, ["verify"]);
			webcryptoEd25519 = true;
		} catch (e) {
			webcryptoEd25519 = false;
		}
	}
	return webcryptoEd25519 ? "webcrypto" : "noble";
}

// True when sig (64 bytes) is a valid Ed25519 signature by publicKey
// (32 bytes) over msg.  Never throws for a bad signature or key.
export async function ed25519Verify(publicKey, sig, msg) {
	if (publicKey.length !== 32 || sig.length !== 64) return false;
	if (await ed25519Backend() === "webcrypto") {
		try {
			const k = await subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
			return await subtle.verify({ name: "Ed25519" }, k, sig, msg);
		} catch (e) {
			return false;
		}
	}
	const ed = await noble();
	try {
		return await ed.verifyAsync(sig, msg, publicKey, { zip215: false });
	} catch (e) {
		return false;
	}
}

// ---------------------------------------------------------------------
// Keys and signed notes (C2SP signed-note)

function validName(name) {
	return name !== "" && !/\s/u.test(name) && !name.includes("+");
}

// Key id: the first 4 bytes of SHA-256(name || "\n" || 0x01 || public key).
export async function keyId(name, publicKey) {
	return (await sha256(utf8(name), utf8("\n"), ONE, publicKey)).slice(0, 4);
}

// One verifier key "<name>+<hex key id>+<base64(0x01 || public key)>", as
// Go's note.NewVerifier: the key id must match.  Returns {name, keyId (hex,
// lower case), publicKey, text}.
export async function parseVerifierKey(text) {
	if (typeof text !== "string") fail("verifier key: not a string");
	const p1 = text.indexOf("+");
	const name = p1 < 0 ? text : text.slice(0, p1);
	const rest = p1 < 0 ? "" : text.slice(p1 + 1);
	const p2 = rest.indexOf("+");
	const id16 = p2 < 0 ? rest : rest.slice(0, p2);
	const key64 = p2 < 0 ? "" : rest.slice(p2 + 1);
	let key;
	try { key = b64decode(key64); } catch (e) { key = null; }
	if (!/^[0-9a-fA-F]{8}$/.test(id16) || !key || key.length === 0 || !validName(name))
		fail(`verifier key ${JSON.stringify(text.slice(0, 80))}: malformed`);
	if (key[0] !== 1 || key.length !== 33)
		fail(`verifier key ${name}: not an Ed25519 key`);
	const pub = key.slice(1);
	const id = toHex(await keyId(name, pub));
	if (id !== id16.toLowerCase())
		fail(`verifier key ${name}: key id ${id16} does not match the key (${id})`);
	return { name, keyId: id, publicKey: pub, text };
}

// The verifier key list (/api/v1/ledger/key): one key a line, oldest
// first, newest last; blank lines ignored.
export async function parseVerifierKeys(text) {
	const keys = [];
	for (const line of String(text).split("\n")) {
		const l = line.replace(/\r$/, "").trim();
		if (l) keys.push(await parseVerifierKey(l));
	}
	if (!keys.length) fail("no verifier key given");
	return keys;
}

// Split a signed note without verifying it, exactly as Go's note.Open
// parses: valid UTF-8 with no control character but "\n"; the text ends
// at the last "\n\n"; then one or more lines "— <name> <base64(4-byte key
// id || signature)>", each ending in "\n".  Any malformed line makes the
// whole note invalid.  Returns {text, sigs: [{name, keyId, sig, line}]}.
export function parseNote(note) {
	const bytes = typeof note === "string" ? utf8(note) : note;
	let s;
	try { s = dec.decode(bytes); } catch (e) { fail("malformed note: not UTF-8"); }
	for (const ch of s) {
		const c = ch.codePointAt(0);
		if (c < 0x20 && c !== 0x0a) fail("malformed note: control character");
	}
	const split = s.lastIndexOf("\n\n");
	if (split < 0) fail("malformed note: no signature block");
	const text = s.slice(0, split + 1);
	let block = s.slice(split + 2);
	if (block === "" || !block.endsWith("\n")) fail("malformed note: signature block must end with a newline");
	const sigs = [];
	for (const line of block.slice(0, -1).split("\n")) {
		if (!line.startsWith("\u2014 ")) fail("malformed note: signature line without the \u2014 prefix");
		const rest = line.slice(2);
		const sp = rest.indexOf(" ");
		const name = sp < 0 ? rest : rest.slice(0, sp);
		const b64 = sp < 0 ? "" : rest.slice(sp + 1);
		let raw = null;
		try { raw = b64decode(b64); } catch (e) { /* below */ }
		if (!raw || !validName(name) || b64 === "" || raw.length < 5)
			fail("malformed note: bad signature line");
		if (sigs.length + 1 > MAX_NOTE_SIGS) fail("malformed note: too many signatures");
		sigs.push({ name, keyId: toHex(raw.slice(0, 4)), sig: raw.slice(4), line });
	}
	return { text, sigs };
}

// Verify a signed note with the given keys (from parseVerifierKey), as Go's
// note.Open: a signature by a known key that does not verify makes the
// note invalid; unknown signers are ignored; at least one known signature
// must verify.  Returns {text, signedBy: [key...]}.
export async function openNote(note, keys) {
	const { text, sigs } = parseNote(note);
	const msg = utf8(text);
	const signedBy = [];
	const seen = new Set();
	for (const s of sigs) {
		const k = keys.find(k => k.name === s.name && k.keyId === s.keyId);
		if (!k) continue;
		if (seen.has(k.name + "+" + k.keyId)) continue;
		seen.add(k.name + "+" + k.keyId);
		if (!await ed25519Verify(k.publicKey, s.sig, msg))
			fail(`note signature by ${k.name}+${k.keyId} does not verify`);
		signedBy.push(k);
	}
	if (!signedBy.length) fail("note is not signed by a trusted key");
	return { text, signedBy };
}

// C2SP tlog-checkpoint body: origin, decimal size, base64 root, optional
// extension lines, each line ending in "\n".
export function parseCheckpoint(body) {
	if (!body.endsWith("\n")) fail("checkpoint: body must end with a newline");
	const lines = body.slice(0, -1).split("\n");
	if (lines.length < 3) fail("checkpoint: fewer than three lines");
	const [origin, sizeText, rootText] = lines;
	if (origin === "") fail("checkpoint: empty origin");
	if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
		fail(`checkpoint: bad tree size ${JSON.stringify(sizeText)}`);
	let root;
	try { root = b64decode(rootText); } catch (e) { root = null; }
	if (!root || root.length !== HASH_SIZE) fail("checkpoint: bad root hash");
	if (lines.slice(3).some(l => l === "")) fail("checkpoint: empty extension line");
	return { origin, size: Number(sizeText), root, rootB64: rootText, extensions: lines.slice(3) };
}

// Verify a checkpoint note with `key` (one parsed verifier key) and, if
// given, the expected origin (default: the key's name).
export async function verifyCheckpoint(note, key, { origin } = {}) {
	const { text } = await openNote(note, [key]);
	const cp = parseCheckpoint(text);
	const want = origin === undefined ? key.name : origin;
	if (cp.origin !== want) fail(`checkpoint origin is ${JSON.stringify(cp.origin)}, expected ${JSON.stringify(want)}`);
	return cp;
}

// ---------------------------------------------------------------------
// Entries

export function entryBytes(entry) {
	return typeof entry === "string" ? utf8(entry) : entry;
}

// Decode an entry for reading its fields (the bytes stay the entry).
export function parseEntry(entry) {
	let e;
	try { e = JSON.parse(typeof entry === "string" ? entry : dec.decode(entry)); } catch (x) { e = null; }
	if (!e || typeof e !== "object" || Array.isArray(e) || e.v !== 1 ||
	    !Number.isSafeInteger(e.seq) || typeof e.type !== "string" || typeof e.kid !== "string")
		fail("entry is not a version 1 ledger entry");
	return e;
}

// Check an entry's Ed25519 signature (base64) over ENTRY_CONTEXT || entry
// with the trusted key whose id is the entry's kid.  Returns the key.
export async function verifyEntrySignature(entry, sigB64, keys) {
	const bytes = entryBytes(entry);
	const e = parseEntry(bytes);
	const key = (Array.isArray(keys) ? keys : [keys]).find(k => k.keyId === e.kid);
	if (!key) fail(`entry ${e.seq}: signed by key ${e.kid}, which is not a trusted key`);
	let sig;
	try { sig = b64decode(sigB64); } catch (x) { sig = null; }
	if (!sig || sig.length !== 64) fail(`entry ${e.seq}: malformed signature`);
	if (!await ed25519Verify(key.publicKey, sig, concat(utf8(ENTRY_CONTEXT), bytes)))
		fail(`entry ${e.seq}: signature does not verify with key ${key.keyId}`);
	return key;
}

// ---------------------------------------------------------------------
// C2SP tlog-tiles

// "<N>" in 3-digit groups, each but the last prefixed with "x".
function tileIndexPath(n) {
	if (!Number.isSafeInteger(n) || n < 0) fail("bad tile index");
	let s = String(n % 1000).padStart(3, "0");
	for (n = Math.floor(n / 1000); n > 0; n = Math.floor(n / 1000))
		s = "x" + String(n % 1000).padStart(3, "0") + "/" + s;
	return s;
}

// Path of hash tile `n` at tile level `level`, `width` hashes (256: full).
export function tilePath(level, n, width = TILE_WIDTH) {
	if (!(width >= 1 && width <= TILE_WIDTH)) fail("bad tile width");
	return `tile/${level}/${tileIndexPath(n)}` + (width < TILE_WIDTH ? `.p/${width}` : "");
}

// Path of entry bundle `n` holding `width` entries (256: full).
export function entriesPath(n, width = TILE_WIDTH) {
	if (!(width >= 1 && width <= TILE_WIDTH)) fail("bad tile width");
	return `tile/entries/${tileIndexPath(n)}` + (width < TILE_WIDTH ? `.p/${width}` : "");
}

// An entry bundle: each entry as a big-endian uint16 length and its
// bytes.  Exactly `width` entries and nothing after them.
export function parseEntryBundle(data, width) {
	const out = [];
	let o = 0;
	while (o < data.length) {
		if (o + 2 > data.length) fail("entry bundle: truncated length");
		const n = data[o] << 8 | data[o + 1];
		o += 2;
		if (o + n > data.length) fail("entry bundle: truncated entry");
		out.push(data.subarray(o, o + n));
		o += n;
	}
	if (width !== undefined && out.length !== width)
		fail(`entry bundle: ${out.length} entries, expected ${width}`);
	return out;
}

export function parseHashTile(data, width) {
	if (data.length !== width * HASH_SIZE) fail(`hash tile: ${data.length} bytes, expected ${width * HASH_SIZE}`);
	const out = [];
	for (let i = 0; i < width; i++) out.push(data.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
	return out;
}

// Read tiles through fetchTile(path) -> Promise<Uint8Array | null> (null:
// not there).  For a partial tile it falls back to the full tile, which a
// static host may keep instead once the tile has filled.
function tileReader(fetchTile) {
	const cache = new Map();
	async function get(pathFor, n, width, parse) {
		const key = pathFor(n, width);
		if (cache.has(key)) return cache.get(key);
		let data = await fetchTile(key);
		let items;
		if (data && width < TILE_WIDTH) items = parse(data, width);
		else if (!data && width < TILE_WIDTH) {
			data = await fetchTile(pathFor(n, TILE_WIDTH));
			if (data) items = parse(data, TILE_WIDTH).slice(0, width);
		} else if (data) items = parse(data, TILE_WIDTH);
		if (!data) fail(`tile ${key} is missing`);
		cache.set(key, items);
		return items;
	}
	return {
		hashes: (level, n, width) => get((i, w) => tilePath(level, i, w), n, width, parseHashTile),
		entries: (n, width) => get(entriesPath, n, width, parseEntryBundle),
	};
}

// Width of tile n at tile level L for a tree of `size` leaves.
function tileWidth(level, n, size) {
	const nodes = Math.floor(size / 2 ** (TILE_HEIGHT * level));
	return Math.min(TILE_WIDTH, nodes - n * TILE_WIDTH);
}

// Read the entries [from, size) from the entry bundles (whole bundles:
// from is rounded down to a tile boundary B) and compute the root of the
// tree of `size` leaves from their leaf hashes and, for [0, B), the hash
// tiles.  onEntry(index, bytes, leafHash) sees every entry in [from, size)
// in order;
// onProgress({done, total}) is called as bundles are read.  Returns
// {root, start: B, read: number of entries hashed}.
export async function rootFromTiles(size, fetchTile, { from = 0, onEntry, onProgress } = {}) {
	if (!Number.isSafeInteger(size) || size < 0) fail("bad tree size");
	if (size === 0) return { root: await sha256(new Uint8Array(0)), start: 0, read: 0 };
	from = Math.min(Math.max(0, from), size);
	const rd = tileReader(fetchTile);
	const B = Math.floor(from / TILE_WIDTH) * TILE_WIDTH;
	const leaves = new Array(size - B);
	const total = size - B;
	for (let t = B / TILE_WIDTH; t * TILE_WIDTH < size; t++) {
		const w = tileWidth(0, t, size);
		const bundle = await rd.entries(t, w);
		const hashed = await Promise.all(bundle.map(leafHash));
		for (let j = 0; j < w; j++) {
			const i = t * TILE_WIDTH + j;
			leaves[i - B] = hashed[j];
			if (onEntry && i >= from) await onEntry(i, bundle[j], hashed[j]);
		}
		if (onProgress) onProgress({ done: t * TILE_WIDTH + w - B, total });
	}
	// Hash of the aligned subtree at tree level `lv`, index `i`.
	async function subtree(lv, i) {
		const lo = i * 2 ** lv, hi = (i + 1) * 2 ** lv;
		if (lv === 0 && lo >= B) return leaves[lo - B];
		if (hi <= B && lv % TILE_HEIGHT === 0) {
			const L = lv / TILE_HEIGHT, t = Math.floor(i / TILE_WIDTH);
			const tile = await rd.hashes(L, t, tileWidth(L, t, size));
			return tile[i % TILE_WIDTH];
		}
		const [l, r] = await Promise.all([subtree(lv - 1, 2 * i), subtree(lv - 1, 2 * i + 1)]);
		return nodeHash(l, r);
	}
	// RFC 6962: the root folds the perfect subtrees of size's binary
	// decomposition, largest first, from the right.
	const parts = [];
	let lo = 0;
	for (let lv = Math.floor(Math.log2(size)) + 1; lv >= 0; lv--) {
		if (lo + 2 ** lv <= size) { parts.push(await subtree(lv, lo / 2 ** lv)); lo += 2 ** lv; }
	}
	let root = parts.pop();
	while (parts.length) root = await nodeHash(parts.pop(), root);
	return { root, start: B, read: size - B };
}

// ---------------------------------------------------------------------
// Quality mark bundles (GET /api/v1/marks/{id}; the same object offline)

function check(checks, name, ok, detail, extra) {
	const c = Object.assign({ name, ok, detail }, extra || {});
	checks.push(c);
	return ok;
}

function decodeProof(list) {
	if (!Array.isArray(list)) fail("proof is not a list");
	return list.map(h => {
		const b = b64decode(h);
		if (b.length !== HASH_SIZE) fail("proof hash is not 32 bytes");
		return b;
	});
}

async function proveEntry(checks, label, part, cp, keys) {
	let e;
	try {
		if (typeof part.entry !== "string") fail("no entry");
		e = parseEntry(part.entry);
		const key = await verifyEntrySignature(part.entry, part.sig, keys);
		check(checks, `${label} entry signature`, true, `entry ${e.seq} signed by key ${key.keyId}`);
	} catch (x) {
		check(checks, `${label} entry signature`, false, x.message);
		return null;
	}
	try {
		if (part.index !== e.seq) fail(`bundle index ${part.index} is not the entry's seq ${e.seq}`);
		if (!cp) fail("no verified checkpoint to prove against");
		const ok = await verifyInclusion(await leafHash(part.entry), part.index, cp.size, decodeProof(part.proof), cp.root);
		if (!ok) fail(`entry ${part.index} is not in the tree of checkpoint ${cp.size}`);
		check(checks, `${label} inclusion proof`, true, `entry ${part.index} is in the checkpoint's tree of ${cp.size} entries`);
	} catch (x) {
		check(checks, `${label} inclusion proof`, false, x.message);
		return null;
	}
	return e;
}

// Verify a mark bundle against the verifier keys (text: one key a line,
// newest last).  Returns the checks in order, each {name, ok, detail}:
//   "checkpoint signature"        the newest key signed the checkpoint, origin as expected
//   "mark.awarded entry signature", "mark.awarded inclusion proof"
//   "mark.revoked entry signature", "mark.revoked inclusion proof"   (bundle with a revocation)
//   "not revoked"                 entries from the award to the checkpoint read from the
//                                 tiles, hashed to the signed root, no mark.revoked for
//                                 this mark (ok false with `revocation: {index, date,
//                                 reason}` when there is one; ok null, skipped: true,
//                                 without fetchTile)
// Options: fetchTile(path) -> Promise<Uint8Array|null> (paths like
// "tile/0/000", relative to the log's /ledger/), origin (default the key
// name), onProgress({done, total}).  It never throws for a bad bundle.
export async function verifyMarkBundle(bundle, keysText, { fetchTile, origin, onProgress, latest } = {}) {
	const checks = [];
	let keys, cp = null;
	try {
		if (!bundle || typeof bundle !== "object") fail("the bundle is not a JSON object");
		keys = await parseVerifierKeys(keysText);
		const newest = keys[keys.length - 1];
		cp = await verifyCheckpoint(bundle.checkpoint, newest, { origin });
		check(checks, "checkpoint signature", true,
		    `checkpoint of ${cp.size} entries signed by ${newest.name}+${newest.keyId}`, { size: cp.size });
	} catch (x) {
		check(checks, "checkpoint signature", false, x.message);
	}
	if (!keys) return checks;
	const award = await proveEntry(checks, "mark.awarded", bundle, cp, keys);
	if (award && award.type !== "mark.awarded") {
		check(checks, "mark.awarded entry type", false, `entry ${award.seq} is a ${award.type}, not a mark.awarded`);
		return checks;
	}
	const markId = award ? award.subject : null;
	const claimed = bundle.mark && (bundle.mark.id || bundle.mark.mark_id);
	if (award && claimed !== undefined && claimed !== null && claimed !== markId) {
		check(checks, "mark id", false, `the bundle describes mark ${claimed}, the ledger entry mark ${markId}`);
		return checks;
	}
	let claimedRevocation = null;
	if (bundle.revocation) {
		const r = await proveEntry(checks, "mark.revoked", bundle.revocation, cp, keys);
		if (r && (r.type !== "mark.revoked" || r.subject !== markId)) {
			check(checks, "mark.revoked entry", false, `entry ${r.seq} is not a mark.revoked for ${markId}`);
		} else if (r) {
			claimedRevocation = r;
		}
	}
	if (!award || !cp) return checks;
	if (!fetchTile) {
		check(checks, "not revoked", null, "not checked: the ledger's tiles are not available (offline)", { skipped: true });
		return checks;
	}
	// Non-revocation is proved up to the newest checkpoint there is: the
	// bundle's, or the log's latest (the `latest` note) when that is
	// signed by the newest key and larger.  Reading the award entry again
	// from the tiles puts it in that larger tree too.
	let upTo = cp;
	if (latest) {
		try {
			const l = await verifyCheckpoint(latest, keys[keys.length - 1], { origin });
			check(checks, "latest checkpoint signature", true, `the log's latest checkpoint, of ${l.size} entries, is signed by the newest key`, { size: l.size });
			if (l.size > cp.size) upTo = l;
		} catch (x) {
			check(checks, "latest checkpoint signature", false, x.message);
			return checks;
		}
	}
	try {
		let found = null, checked = 0;
		const awardBytes = utf8(bundle.entry);
		const res = await rootFromTiles(upTo.size, fetchTile, {
			from: bundle.index, onProgress,
			onEntry: (i, bytes) => {
				checked++;
				if (i === bundle.index && !bytesEqual(bytes, awardBytes)) fail(`entry ${i} in the tiles differs from the bundle's`);
				const e = parseEntry(bytes);
				if (e.seq !== i) fail(`entry ${i} in the tiles has seq ${e.seq}`);
				if (!found && e.type === "mark.revoked" && e.subject === markId) found = e;
			},
		});
		if (!bytesEqual(res.root, upTo.root))
			fail(`the tiles do not hash to the checkpoint's root (read entries ${res.start} to ${upTo.size - 1})`);
		if (claimedRevocation && (!found || found.seq !== claimedRevocation.seq))
			fail(`the bundle's revocation (entry ${claimedRevocation.seq}) is not the first in the ledger`);
		const later = upTo.size - bundle.index - 1;
		if (found) {
			const d = found.data || {};
			const date = d.date || found.time;
			const reason = d.reason || "";
			check(checks, "not revoked", false, `revoked on ${date}${reason ? ": " + reason : ""} (entry ${found.seq})`,
			    { revocation: { index: found.seq, date, reason, entry: found } });
		} else {
			check(checks, "not revoked", true,
			    `not revoked as of checkpoint ${upTo.size} — proved by reading ${later} later entries`,
			    { entriesRead: checked, size: upTo.size });
		}
	} catch (x) {
		check(checks, "not revoked", false, x.message);
	}
	return checks;
}

// Verify every entry from `from` to the checkpoint, as an auditor does
// ("verify everything since checkpoint N"): the checkpoint signed by the
// newest key; each entry read from the tiles is a version 1 entry with its
// position as seq, chains to the previous leaf hash, and is signed by the
// current key, which starts as the trusted key named by the first entry's
// kid and moves on at each key.rotated entry to the key it names; and the
// entries hash, with the hash tiles for [0, from), to the signed root.
// fetchSig(index) -> Promise<base64 signature> supplies signatures (the
// tiles carry entries only; e.g. from /api/v1/ledger/entries).  Returns
// checks like verifyMarkBundle: "checkpoint signature", "entries",
// "root".  Options: origin, onProgress({done, total}).
export async function verifyLedgerRange(note, keysText, { fetchTile, fetchSig, from = 0, origin, onProgress } = {}) {
	const checks = [];
	let keys, cp;
	try {
		keys = await parseVerifierKeys(keysText);
		const newest = keys[keys.length - 1];
		cp = await verifyCheckpoint(note, newest, { origin });
		check(checks, "checkpoint signature", true, `checkpoint of ${cp.size} entries signed by ${newest.name}+${newest.keyId}`, { size: cp.size });
	} catch (x) {
		check(checks, "checkpoint signature", false, x.message);
		return checks;
	}
	let prevLeaf = null, prevIndex = -1, current = null, n = 0;
	const trusted = keys.slice();
	try {
		const res = await rootFromTiles(cp.size, fetchTile, {
			from, onProgress,
			onEntry: async (i, bytes, lh) => {
				const e = parseEntry(bytes);
				if (e.seq !== i) fail(`entry ${i}: its seq is ${e.seq}`);
				if (prevIndex === i - 1 && prevLeaf && e.prev !== toHex(prevLeaf))
					fail(`entry ${i}: prev is not the leaf hash of entry ${i - 1}`);
				if (i === 0 && e.prev !== "0".repeat(64)) fail("entry 0: prev is not 64 zeros");
				if (!current) current = trusted.find(k => k.keyId === e.kid);
				if (!current || e.kid !== current.keyId)
					fail(`entry ${i}: signed by key ${e.kid}, expected ${current ? current.keyId : "a trusted key"}`);
				if (fetchSig) await verifyEntrySignature(bytes, await fetchSig(i), [current]);
				if (e.type === "key.rotated") {
					const nk = await parseVerifierKey(e.data && e.data.new_key);
					trusted.push(nk);
					current = nk;
				}
				prevLeaf = lh; prevIndex = i; n++;
			},
		});
		check(checks, "entries", true, `${n} entries from ${from} to ${cp.size - 1}: sequence, chain` +
		    (fetchSig ? " and signatures" : "") + " checked", { entriesRead: n });
		if (!bytesEqual(res.root, cp.root)) {
			check(checks, "root", false, `the tiles do not hash to the checkpoint's root`);
		} else {
			check(checks, "root", true, `entries ${from} to ${cp.size - 1} and the hash tiles hash to the signed root`);
		}
	} catch (x) {
		check(checks, "entries", false, x.message);
	}
	return checks;
}

// One word for a list of checks: "verified" (every check passed),
// "revoked" (genuine, revoked: only the "not revoked" check failed, with
// a revocation), "unchecked" (all passed but some were skipped) or
// "failed".
export function summarize(checks) {
	const bad = checks.filter(c => c.ok === false);
	if (bad.length === 0) return checks.some(c => c.ok === null) ? "unchecked" : "verified";
	if (bad.length === 1 && bad[0].revocation) return "revoked";
	return "failed";
}
