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

// SHA-256 (FIPS 180-4) computed here, synchronously, for the Merkle
// tree's leaf and node hashes only: a proof over 10,000 later entries
// makes some 20,000 hashes of a few hundred bytes, and one WebCrypto call
// per hash costs more than the hashing (the proof took over a second in
// Chromium; this way about a tenth of that).  Checked against WebCrypto
// and node:crypto in tests/web/ledger.test.mjs.
const SHA_K = new Uint32Array([
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
const SHA_W = new Uint32Array(64);
let shaBuf = new Uint8Array(1024);	// the padded message; reused (no await inside)

export function sha256Sync(...parts) {
	let len = 0;
	for (const p of parts) len += p.length;
	const total = ((len + 9 + 63) >>> 6) << 6;
	if (shaBuf.length < total) shaBuf = new Uint8Array(total * 2);
	const buf = shaBuf;
	let o = 0;
	for (const p of parts) { buf.set(p, o); o += p.length; }
	buf.fill(0, len, total);
	buf[len] = 0x80;
	const hi = Math.floor(len / 0x20000000), lo = (len << 3) >>> 0;
	buf[total - 8] = hi >>> 24; buf[total - 7] = hi >>> 16 & 255; buf[total - 6] = hi >>> 8 & 255; buf[total - 5] = hi & 255;
	buf[total - 4] = lo >>> 24; buf[total - 3] = lo >>> 16 & 255; buf[total - 2] = lo >>> 8 & 255; buf[total - 1] = lo & 255;
	let h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a,
	    h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
	const W = SHA_W, K = SHA_K;
	for (let off = 0; off < total; off += 64) {
		for (let i = 0, j = off; i < 16; i++, j += 4)
			W[i] = buf[j] << 24 | buf[j + 1] << 16 | buf[j + 2] << 8 | buf[j + 3];
		for (let i = 16; i < 64; i++) {
			const a = W[i - 15], b = W[i - 2];
			const s0 = (a >>> 7 | a << 25) ^ (a >>> 18 | a << 14) ^ a >>> 3;
			const s1 = (b >>> 17 | b << 15) ^ (b >>> 19 | b << 13) ^ b >>> 10;
			W[i] = W[i - 16] + s0 + W[i - 7] + s1;
		}
		let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
		for (let i = 0; i < 64; i++) {
			const S1 = (e >>> 6 | e << 26) ^ (e >>> 11 | e << 21) ^ (e >>> 25 | e << 7);
			const t1 = (h + S1 + (e & f ^ ~e & g) + K[i] + W[i]) | 0;
			const S0 = (a >>> 2 | a << 30) ^ (a >>> 13 | a << 19) ^ (a >>> 22 | a << 10);
			const t2 = (S0 + (a & b ^ a & c ^ b & c)) | 0;
			h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
		}
		h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
		h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
	}
	const out = new Uint8Array(32);
	const hs = [h0, h1, h2, h3, h4, h5, h6, h7];
	for (let i = 0; i < 8; i++) {
		const v = hs[i];
		out[4 * i] = v >>> 24; out[4 * i + 1] = v >>> 16 & 255; out[4 * i + 2] = v >>> 8 & 255; out[4 * i + 3] = v & 255;
	}
	return out;
}

const ZERO = new Uint8Array([0]);
const ONE = new Uint8Array([1]);

// Leaf hash of the exact entry bytes: SHA-256(0x00 || entry).
export async function leafHash(entry) {
	return sha256Sync(ZERO, typeof entry === "string" ? utf8(entry) : entry);
}

export async function nodeHash(left, right) {
	return sha256Sync(ONE, left, right);
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

export const MAX_ENTRY = 16384;	// AUD_MAX_ENTRY
const MAX_DEPTH = 16;	// data is depth 1; containers inside it down to 16
const ENTRY_FIELDS = ["v", "seq", "time", "type", "actor", "subject", "data", "prev", "kid"];
const ESCAPES = { '"': '"', "\\": "\\", b: "\b", t: "\t", n: "\n", f: "\f", r: "\r" };
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;
const INTEGER = /-?(0|[1-9][0-9]*)/y;
const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;

// Order of two strings by their UTF-8 bytes, which is code point order:
// UTF-16 code unit order but where a surrogate is involved.
function cmpUtf8(a, b) {
	const n = Math.min(a.length, b.length);
	for (let i = 0; i < n; i++) {
		const x = a.charCodeAt(i), y = b.charCodeAt(i);
		if (x === y) continue;
		if (x < 0xd800 && y < 0xd800) return x - y;
		return a.codePointAt(i) - b.codePointAt(i);
	}
	return a.length - b.length;
}

// A reader of the canonical JSON of docs/ledger.md 1.2, one pass over the
// text: anything the canonical encoder would not write (white space, a
// duplicate or unsorted key, an escape it would not use, a number that is
// not an integer) is refused with a message naming it, so "valid" is
// exactly "decodes with duplicate keys refused and re-encodes to the same
// bytes", as audit/entry.c's aud_entry_parse.
class Canonical {
	constructor(s) { this.s = s; this.i = 0; }
	bad(msg) { fail(msg); }
	peek() { return this.s[this.i]; }
	expect(ch, what) {
		if (this.s[this.i] !== ch) this.bad(`expected ${JSON.stringify(ch)}${what ? " " + what : ""} at byte ${this.i}`);
		this.i++;
	}
	string() {
		this.expect('"');
		let out = "";
		for (;;) {
			PLAIN_RUN.lastIndex = this.i;
			PLAIN_RUN.exec(this.s);
			out += this.s.slice(this.i, PLAIN_RUN.lastIndex);
			this.i = PLAIN_RUN.lastIndex;
			const c = this.s[this.i];
			if (c === undefined) this.bad("unterminated string");
			if (c === '"') { this.i++; return out; }
			if (c !== "\\") this.bad("a raw control character in a string");
			const e = this.s[this.i + 1];
			if (e in ESCAPES) { out += ESCAPES[e]; this.i += 2; continue; }
			if (e !== "u") this.bad(`the escape \\${e === undefined ? "" : e} is not canonical`);
			const hex = this.s.slice(this.i + 2, this.i + 6);
			const code = /^[0-9A-F]{4}$/.test(hex) ? parseInt(hex, 16) : -1;
			if (code < 1 || code > 0x1f || [8, 9, 10, 12, 13].includes(code))
				this.bad(`the escape \\u${hex} is not canonical (only U+0001–U+001F without a short form, upper-case hex)`);
			out += String.fromCharCode(code);
			this.i += 6;
		}
	}
	number() {
		INTEGER.lastIndex = this.i;
		const m = INTEGER.exec(this.s);
		if (!m || m.index !== this.i) this.bad(`malformed value at byte ${this.i}`);
		this.i = INTEGER.lastIndex;
		if (/[.eE0-9+]/.test(this.s[this.i] || "")) this.bad("a number that is not a canonical integer");
		if (m[0] === "-0") this.bad("-0 is not canonical");
		const big = BigInt(m[0]);
		if (big < INT64_MIN || big > INT64_MAX) this.bad("an integer outside the 64-bit range");
		return Number.isSafeInteger(Number(big)) ? Number(big) : big;
	}
	literal() {
		for (const [w, v] of [["true", true], ["false", false], ["null", null]])
			if (this.s.startsWith(w, this.i)) { this.i += w.length; return v; }
		this.bad(`malformed value at byte ${this.i}`);
	}
	value(depth) {
		const c = this.peek();
		if (c === "{") return this.object(depth + 1);
		if (c === "[") return this.array(depth + 1);
		if (c === '"') return this.string();
		if (c === "-" || (c >= "0" && c <= "9")) return this.number();
		return this.literal();
	}
	object(depth) {
		if (depth > MAX_DEPTH) this.bad(`nested deeper than ${MAX_DEPTH}`);
		this.expect("{");
		const out = {};
		if (this.peek() === "}") { this.i++; return out; }
		let prev = null;
		for (;;) {
			const k = this.string();
			if (prev !== null) {
				const d = cmpUtf8(prev, k);
				if (d === 0) this.bad(`duplicate key ${JSON.stringify(k)}`);
				if (d > 0) this.bad(`keys not in sorted order (${JSON.stringify(k)} after ${JSON.stringify(prev)})`);
			}
			prev = k;
			this.expect(":");
			Object.defineProperty(out, k, { value: this.value(depth), enumerable: true, writable: true, configurable: true });
			if (this.peek() === ",") { this.i++; continue; }
			this.expect("}");
			return out;
		}
	}
	array(depth) {
		if (depth > MAX_DEPTH) this.bad(`nested deeper than ${MAX_DEPTH}`);
		this.expect("[");
		const out = [];
		if (this.peek() === "]") { this.i++; return out; }
		for (;;) {
			out.push(this.value(depth));
			if (this.peek() === ",") { this.i++; continue; }
			this.expect("]");
			return out;
		}
	}
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function validTime(t) {
	const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(t);
	if (!m) return false;
	const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
	const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
	return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 &&
	    d <= (mo === 2 && leap ? 29 : DAYS[mo - 1]) && h <= 23 && mi <= 59 && s <= 59;
}

const FIELD_FORMS = {
	v: v => v === 1,
	seq: v => typeof v === "number" && Number.isSafeInteger(v) && v >= 0,
	time: v => typeof v === "string" && validTime(v),
	type: v => typeof v === "string" && /^[a-z][a-z0-9._]{0,62}$/.test(v),
	actor: v => typeof v === "string" && /^[A-Za-z0-9._:@-]{1,64}$/.test(v),
	subject: v => typeof v === "string" && /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/.test(v),
	data: v => v !== null && typeof v === "object" && !Array.isArray(v),
	prev: v => typeof v === "string" && /^[0-9a-f]{64}$/.test(v),
	kid: v => typeof v === "string" && /^[0-9a-f]{8}$/.test(v),
};

export function entryBytes(entry) {
	return typeof entry === "string" ? utf8(entry) : entry;
}

// Parse and validate an entry exactly as docs/ledger.md 1.1-1.3 and
// audit/entry.c: the nine fields in order, each of its form, the bytes in
// the canonical encoding (so no duplicate key anywhere), a key.rotated's
// data exactly {"new_key","old_key"} strings.  Throws a LedgerError
// naming the entry's seq (when it got that far) and the first field
// where the bytes depart from the canonical form.  The bytes stay the
// entry: this only reads them.
export function parseEntry(entry) {
	const bytes = entryBytes(entry);
	let seq = "?", field = "v";
	try {
		if (bytes.length > MAX_ENTRY) fail(`longer than ${MAX_ENTRY} bytes`);
		let s;
		try { s = dec.decode(bytes); } catch (x) { fail("not valid UTF-8"); }
		const p = new Canonical(s);
		const e = {};
		p.expect("{");
		for (let k = 0; k < ENTRY_FIELDS.length; k++) {
			field = ENTRY_FIELDS[k];
			if (k) p.expect(",");
			const name = p.peek() === '"' ? p.string() : p.bad("expected a field name");
			if (name !== field) fail(name in FIELD_FORMS ? "duplicated or out of order" : `missing (found ${JSON.stringify(name).slice(0, 40)} in its place)`);
			p.expect(":");
			const v = field === "data" ? p.object(1) : p.value(0);
			if (!FIELD_FORMS[field](v)) fail("not of the documented form");
			e[field] = v;
			if (field === "seq") seq = v;
		}
		field = "kid";
		if (p.peek() === ",") fail("an extra field after kid");
		p.expect("}");
		if (p.i !== s.length) fail("bytes after the entry");
		if (e.type === "key.rotated") {
			field = "data";
			const ks = Object.keys(e.data);
			if (ks.length !== 2 || ks[0] !== "new_key" || ks[1] !== "old_key" ||
			    typeof e.data.new_key !== "string" || typeof e.data.old_key !== "string")
				fail('key.rotated: data is not {"new_key","old_key"}');
		}
		return e;
	} catch (x) {
		if (!(x instanceof LedgerError)) throw x;
		fail(`entry ${seq}: field ${field}: ${x.message}`);
	}
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

const PREFETCH = 6;	// entry bundles fetched ahead while one is hashed

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
	// Entry bundles are fetched up to PREFETCH ahead of the one being
	// hashed, so that network round trips overlap (each is still read
	// and checked in order; a failed fetch fails when its turn comes).
	const pending = new Map();
	const want = t => {
		if (!pending.has(t) && t * TILE_WIDTH < size) {
			const p = rd.entries(t, tileWidth(0, t, size));
			p.catch(() => {});	// handled when awaited below
			pending.set(t, p);
		}
		return pending.get(t);
	};
	for (let t = B / TILE_WIDTH; t * TILE_WIDTH < size; t++) {
		const w = tileWidth(0, t, size);
		for (let k = 1; k <= PREFETCH; k++) want(t + k);
		const bundle = await want(t);
		pending.delete(t);
		const hashed = bundle.map(e => sha256Sync(ZERO, e));
		for (let j = 0; j < w; j++) {
			const i = t * TILE_WIDTH + j;
			leaves[i - B] = hashed[j];
			if (onEntry && i >= from) await onEntry(i, bundle[j], hashed[j]);
		}
		if (onProgress) onProgress({ done: t * TILE_WIDTH + w - B, total });
	}
	// Hash of the aligned subtree at tree level `lv`, index `i`: from the
	// leaves in memory when it lies in [B, size), else from hash tiles.
	function inMemory(lv, i) {
		if (lv === 0) return leaves[i - B];
		return sha256Sync(ONE, inMemory(lv - 1, 2 * i), inMemory(lv - 1, 2 * i + 1));
	}
	async function subtree(lv, i) {
		const lo = i * 2 ** lv, hi = (i + 1) * 2 ** lv;
		if (lo >= B) return inMemory(lv, i);
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
// Witness cosignatures (C2SP tlog-cosignature cosignature/v1) and the
// witness rule of docs/ledger.md 9.1: a latest checkpoint counts only when
// a quorum of the policy's witnesses cosigned it recently.

const FOUR = new Uint8Array([4]);
export const MAX_POLICY_WITNESSES = 16;	// AUD_MAX_POLICY_WITNESSES
export const MAX_AGE_LIMIT = 31536000;	// max_age at most a year
export const DEFAULT_MAX_AGE = 86400;
export const FUTURE_SLACK = 300;	// a cosignature may be dated up to 5 minutes ahead

// Witness key id: the first 4 bytes of SHA-256(name || "\n" || 0x04 || public key).
export async function witnessKeyId(name, publicKey) {
	return (await sha256(utf8(name), utf8("\n"), FOUR, publicKey)).slice(0, 4);
}

// A witness's cosignature verifier key "<name>+<8 lowercase hex key
// id>+<base64(0x04 || public key)>", as `htq-witness keygen` prints it.
// Returns {name, keyId, publicKey, text}.
export async function parseWitnessKey(text) {
	if (typeof text !== "string") fail("witness key: not a string");
	const m = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(text);
	let key = null;
	if (m) try { key = b64decode(m[3]); } catch (e) { key = null; }
	if (!m || !/^[0-9a-f]{8}$/.test(m[2]) || !key || !validName(m[1]))
		fail(`witness key ${JSON.stringify(text.slice(0, 80))}: malformed`);
	if (key.length !== 33 || key[0] !== 4)
		fail(`witness key ${m[1]}: not a cosignature/v1 (0x04) Ed25519 key`);
	const pub = key.slice(1);
	const id = toHex(await witnessKeyId(m[1], pub));
	if (id !== m[2]) fail(`witness key ${m[1]}: key id ${m[2]} does not match the key (${id})`);
	return { name: m[1], keyId: id, publicKey: pub, text };
}

// The witness part of a trust policy: {witnesses: [vkey text], quorum,
// maxAge}, quorum defaulting to all the witnesses, maxAge to 86400 s.
// Returns null for no witnesses (no cosignature required), else
// {witnesses: [parsed keys], quorum, maxAge}.
export async function parseWitnessPolicy({ witnesses, quorum, maxAge } = {}) {
	if (witnesses === undefined || witnesses === null) {
		if (quorum !== undefined || maxAge !== undefined) fail("witness policy: quorum or max_age without witnesses");
		return null;
	}
	if (!Array.isArray(witnesses) || witnesses.length === 0) fail("witness policy: witnesses is not a list of keys");
	if (witnesses.length > MAX_POLICY_WITNESSES) fail(`witness policy: more than ${MAX_POLICY_WITNESSES} witnesses`);
	const keys = [];
	for (const w of witnesses) {
		const k = await parseWitnessKey(w);
		if (keys.some(x => x.name === k.name)) fail(`witness policy: witness ${k.name} listed twice`);
		if (keys.some(x => bytesEqual(x.publicKey, k.publicKey))) fail(`witness policy: the key of witness ${k.name} listed twice`);
		keys.push(k);
	}
	const q = quorum === undefined ? keys.length : quorum;
	if (!Number.isSafeInteger(q) || q < 1 || q > keys.length)
		fail(`witness policy: quorum ${JSON.stringify(quorum)} is not between 1 and ${keys.length}`);
	const a = maxAge === undefined ? DEFAULT_MAX_AGE : maxAge;
	if (!Number.isSafeInteger(a) || a < 1 || a > MAX_AGE_LIMIT)
		fail(`witness policy: max_age ${JSON.stringify(maxAge)} is not between 1 and ${MAX_AGE_LIMIT}`);
	return { witnesses: keys, quorum: q, maxAge: a };
}

// A policy file's text (docs/ledger.md 6.7): lines "keyword value", '#'
// comments and blank lines ignored; origin once, key lines oldest first,
// witness lines, quorum and max_age at most once; at most 16 KiB, lines
// of at most 511 bytes, no control character.  Returns {origin, keys,
// witnesses, quorum, max_age} as text (the values are checked where they
// are used: parseVerifierKeys, parseWitnessPolicy); throws naming the
// line for anything else.
export function parsePolicyText(text) {
	if (typeof text !== "string") fail("the policy is not text");
	if (utf8(text).length > 16384) fail("the policy is longer than 16 KiB");
	const p = { keys: [], witnesses: [] };
	text.split("\n").forEach((line, i) => {
		const where = `line ${i + 1}`;
		if (utf8(line).length > 511) fail(`${where}: longer than 511 bytes`);
		if (/[\u0000-\u001f\u007f]/.test(line)) fail(`${where}: a control character`);
		if (line === "" || line.startsWith("#")) return;
		const m = /^([a-z_]+) ([^ ]+)$/.exec(line);
		if (!m) fail(`${where}: not "keyword value"`);
		const [, k, v] = m;
		if (k === "key") p.keys.push(v);
		else if (k === "witness") p.witnesses.push(v);
		else if (["origin", "quorum", "max_age"].includes(k)) {
			if (p[k] !== undefined) fail(`${where}: a second ${k}`);
			p[k] = v;
		} else fail(`${where}: unknown keyword ${JSON.stringify(k)}`);
	});
	if (p.origin === undefined) fail("the policy has no origin");
	return p;
}

// POSIX seconds as UTC ISO 8601 ("2026-12-07T06:48:17Z").
export function isoTime(seconds) {
	const d = new Date(seconds * 1000);
	if (!Number.isFinite(d.getTime())) return String(seconds);
	return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

// The cosignature/v1 lines of a signed note that name a policy witness
// (name and key id), checked: [{witness, time, valid}] with time the
// cosignature's timestamp (POSIX seconds).  Lines by other signers are
// ignored; a malformed note throws as parseNote.
export async function cosignatures(note, witnesses) {
	const { text, sigs } = parseNote(note);
	const body = utf8(text);
	const out = [];
	for (const s of sigs) {
		const w = witnesses.find(k => k.name === s.name && k.keyId === s.keyId);
		if (!w) continue;
		if (s.sig.length !== 72) { out.push({ witness: w, time: null, valid: false }); continue; }
		let t = 0;
		for (let i = 0; i < 8; i++) t = t * 256 + s.sig[i];
		const msg = concat(utf8(`cosignature/v1\ntime ${t}\n`), body);
		const ok = Number.isSafeInteger(t) && await ed25519Verify(w.publicKey, s.sig.slice(8), msg);
		out.push({ witness: w, time: t, valid: ok });
	}
	return out;
}

// The witness rule (docs/ledger.md 9.1) for a checkpoint note at `now`
// (POSIX seconds; the caller's clock, used only to judge age): at least
// `quorum` distinct policy witnesses each with a valid cosignature dated
// within [now - maxAge, now + 300].  Returns {ok, time (the quorum-th
// newest valid timestamp: the time a whole quorum vouches for; null when
// not ok), count, reasons: [one sentence per witness without a fresh valid
// cosignature]}.
export async function witnessRule(note, policy, now) {
	const cos = await cosignatures(note, policy.witnesses);
	const fresh = [], reasons = [];
	for (const w of policy.witnesses) {
		const valid = cos.filter(c => c.witness === w && c.valid).map(c => c.time);
		const inWindow = valid.filter(t => t >= now - policy.maxAge && t <= now + FUTURE_SLACK);
		if (inWindow.length) { fresh.push(Math.max(...inWindow)); continue; }
		const older = valid.filter(t => t < now - policy.maxAge);
		reasons.push(older.length
			? `witness ${w.name} has not cosigned since ${isoTime(Math.max(...older))}`
			: `no valid cosignature from witness ${w.name}`);
	}
	fresh.sort((a, b) => b - a);
	const ok = fresh.length >= policy.quorum;
	return { ok, time: ok ? fresh[policy.quorum - 1] : null, count: fresh.length, reasons };
}

// The root at `size` and at `tree` (size <= tree) computed from the same
// hash tiles of the tree of `tree` leaves, as tlog clients prove
// consistency (golang.org/x/mod/sumdb/tlog's TileHashReader): when the
// tree's root is its signed one, the smaller root is proved to be its
// prefix's.  Reads only hash tiles.  Returns {root, treeRoot}.
export async function prefixRootFromTiles(size, tree, fetchTile) {
	if (!Number.isSafeInteger(size) || !Number.isSafeInteger(tree) || size < 0 || size > tree) fail("bad tree sizes");
	const rd = tileReader(fetchTile);
	// the node at tree level lv, index i (its leaves within [0, tree))
	async function nodeAt(lv, i) {
		const L = Math.floor(lv / TILE_HEIGHT), below = lv - L * TILE_HEIGHT;
		const first = i * 2 ** below, n = 2 ** below;	// nodes at level 8L
		const t = Math.floor(first / TILE_WIDTH);
		const tile = await rd.hashes(L, t, tileWidth(L, t, tree));
		let level = tile.slice(first % TILE_WIDTH, first % TILE_WIDTH + n);
		if (level.length !== n) fail(`hash tile ${L}/${t} is short`);
		while (level.length > 1) {
			const up = [];
			for (let k = 0; k < level.length; k += 2) up.push(sha256Sync(ONE, level[k], level[k + 1]));
			level = up;
		}
		return level[0];
	}
	async function rootOf(s) {
		if (s === 0) return sha256(new Uint8Array(0));
		const parts = [];
		let lo = 0;
		for (let lv = Math.floor(Math.log2(s)) + 1; lv >= 0; lv--)
			if (lo + 2 ** lv <= s) { parts.push(await nodeAt(lv, lo / 2 ** lv)); lo += 2 ** lv; }
		let root = parts.pop();
		while (parts.length) root = await nodeHash(parts.pop(), root);
		return root;
	}
	return { root: await rootOf(size), treeRoot: await rootOf(tree) };
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

function sameKey(a, b) {
	return a.name === b.name && a.keyId === b.keyId && bytesEqual(a.publicKey, b.publicKey);
}

// The key chain of docs/ledger.md section 3 over a trusted list, oldest
// first.  at: the list position of the current key.  rotate(e) applies a
// key.rotated entry signed by the current key (the caller checked its
// kid): old_key must be the current key; new_key a key of the same name
// never used before and, with two or more trusted keys, the next key of
// the list (a rotation to any other key is refused); with one trusted
// key the chain learns the new key.
function keyChain(trusted, start) {
	const chain = trusted.slice(0, start + 1);
	let at = start;
	return {
		get current() { return chain[at]; },
		get at() { return at; },
		async rotate(e) {
			const cur = chain[at];
			let ok, nk;
			try { ok = await parseVerifierKey(e.data.old_key); } catch (x) { fail(`entry ${e.seq}: key.rotated: old_key is not a verifier key`); }
			if (!sameKey(ok, cur)) fail(`entry ${e.seq}: key.rotated: old_key ${ok.keyId} is not the current key ${cur.keyId}`);
			try { nk = await parseVerifierKey(e.data.new_key); } catch (x) { fail(`entry ${e.seq}: key.rotated: new_key is not a verifier key`); }
			if (nk.name !== cur.name) fail(`entry ${e.seq}: key.rotated: new_key is named ${JSON.stringify(nk.name)}, not ${JSON.stringify(cur.name)}`);
			if (chain.some(k => bytesEqual(k.publicKey, nk.publicKey))) fail(`entry ${e.seq}: key.rotated: new_key ${nk.keyId} is not new`);
			if (trusted.length > 1) {
				if (at + 1 >= trusted.length || !sameKey(trusted[at + 1], nk))
					fail(`entry ${e.seq}: key.rotated: new_key ${nk.keyId} is not the next key of the trusted list (a rotation to a key the policy does not list)`);
				chain.push(trusted[at + 1]);
			} else {
				chain.push(nk);
			}
			at++;
			return chain[at];
		},
	};
}

async function proveEntry(checks, label, part, cp, keys) {
	let e, key;
	try {
		if (!part || typeof part !== "object" || typeof part.entry !== "string") fail("no entry");
		e = parseEntry(part.entry);
		key = await verifyEntrySignature(part.entry, part.sig, keys);
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
	return { entry: e, key };
}

// A signed day, "2026-12-06", in words: "6 December 2026" (the rule of
// core/publish/pages.c htq_day_text); anything that is not a real day
// is returned as it is.
const MONTHS = ["January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"];
export function dayText(iso) {
	const m = typeof iso === "string" ? /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(iso) : null;
	if (!m) return iso;
	const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
	const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
	if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1]) return iso;
	return `${d} ${MONTHS[mo - 1]} ${m[1]}`;
}

// A revocation's reason code in words (core/publish/pages.c
// htq_reason_text); anything else as it is.
const REASONS = { qualification_withdrawn: "qualification withdrawn", standard_withdrawn: "standard withdrawn",
	non_compliance: "non-compliance" };
export const reasonText = r => (typeof r === "string" && Object.hasOwn(REASONS, r) ? REASONS[r] : r) || "";

function revocationFacts(r) {
	const d = r.data || {};
	return { index: r.seq, date: typeof d.revoked === "string" ? d.revoked : r.time,
		reason: typeof d.reason === "string" ? d.reason : "", note: typeof d.note === "string" ? d.note : "", entry: r };
}

// Verify a mark bundle against a trust policy: the verifier keys (text,
// one key a line, oldest first, newest last: the whole expected chain)
// and the log's origin (default the keys' name).  Returns the checks in
// order, each {name, ok (true, false, or null: not checked), detail}:
//   "checkpoint signature"        the bundle's checkpoint is signed by a trusted key (a
//                                 retired one only as a pointer: the award is then proved
//                                 again in the latest checkpoint), origin as expected
//   "mark.awarded entry signature", "mark.awarded inclusion proof"
//   "mark id"                     the award's subject is the mark asked about (markId)
//   "mark.revoked entry signature", "mark.revoked inclusion proof"   (bundle with a revocation)
//   "latest checkpoint"           the log's latest checkpoint read (fetchLatest), signed
//                                 by the newest key, not smaller than the bundle's
//   "not revoked"                 entries from the award to that checkpoint read from the
//                                 tiles, hashed to its signed root, keys followed through
//                                 key.rotated entries, no mark.revoked for this mark (ok
//                                 false with `revocation` when there is one; ok null
//                                 without fetchTile)
// and checks.proved: {mark, award (the signed entry), revocation (its facts, from the
// signed entry), size and time of the checkpoint non-revocation is proved to}, set
// only as far as proved.
// Options: markId (the mark the caller shows: the award must be that
// mark's), fetchTile(path) -> Promise<Uint8Array|null> (paths like
// "tile/0/000", relative to the log's /ledger/), fetchLatest() ->
// Promise<note text> (throws when it cannot be read: that fails the
// check, closed), latest (the note itself), origin, onProgress({done,
// total}).  It never throws for a bad bundle.
// Witnesses (docs/ledger.md 9.1): witnessPolicy {witnesses: [cosignature
// verifier keys], quorum, maxAge} makes the checkpoint non-revocation is
// proved to count only when witnessed at `now` (POSIX seconds, default
// this machine's clock, used only to judge age): check "witness
// cosignatures", and proved.cosigned {time, iso}, the time a quorum
// vouches for, the one to show.  seen {size, root (base64)}: a checkpoint
// this verifier proved before; the latest must be consistent with it
// (check "checkpoint seen before": a smaller one, another root at its
// size, or tiles of the latest tree that give another root at its size
// fail).  proved.checkpoint {size, root, time}: the latest checkpoint
// once it passed these, for the caller to remember.
export async function verifyMarkBundle(bundle, keysText, { markId, fetchTile, fetchLatest, latest, origin, onProgress,
    witnessPolicy, now, seen, latestRetries = 0 } = {}) {
	const checks = [];
	const proved = checks.proved = {};
	let keys, cp = null, cpKey = -1, wp = null;
	try {
		wp = await parseWitnessPolicy(witnessPolicy || {});
	} catch (x) {
		check(checks, "trust policy", false, x.message);
		return checks;
	}
	try {
		if (!bundle || typeof bundle !== "object") fail("the bundle is not a JSON object");
		keys = await parseVerifierKeys(keysText);
		const { text, signedBy } = await openNote(String(bundle.checkpoint), keys);
		cp = parseCheckpoint(text);
		const want = origin === undefined ? keys[0].name : origin;
		if (cp.origin !== want) fail(`checkpoint origin is ${JSON.stringify(cp.origin)}, expected ${JSON.stringify(want)}`);
		cpKey = Math.max(...signedBy.map(k => keys.indexOf(k)));
		const k = keys[cpKey];
		check(checks, "checkpoint signature", true, cpKey === keys.length - 1
			? `checkpoint of ${cp.size} entries signed by ${k.name}+${k.keyId}`
			: `checkpoint of ${cp.size} entries signed by ${k.name}+${k.keyId}, a retired key (the bundle predates a key rotation): the award is proved again in the log's latest checkpoint`,
		    { size: cp.size });
	} catch (x) {
		cp = null;
		check(checks, "checkpoint signature", false, x.message);
	}
	if (!keys) return checks;
	const a = await proveEntry(checks, "mark.awarded", bundle, cp, keys);
	const award = a && a.entry;
	if (award && award.type !== "mark.awarded") {
		check(checks, "mark.awarded entry type", false, `entry ${award.seq} is a ${award.type}, not a mark.awarded`);
		return checks;
	}
	if (!award || !cp) return checks;
	const id = award.subject;
	if (markId !== undefined && markId !== null && id !== markId) {
		check(checks, "mark id", false, `the proof is for mark ${id}, not for ${markId}, the mark being checked`);
		return checks;
	}
	const claimed = bundle.mark && (bundle.mark.id || bundle.mark.mark_id);
	if (claimed !== undefined && claimed !== null && claimed !== id) {
		check(checks, "mark id", false, `the bundle describes mark ${claimed}, the signed ledger entry mark ${id}`);
		return checks;
	}
	if (markId !== undefined && markId !== null)
		check(checks, "mark id", true, `the signed award is for mark ${id}`);
	proved.mark = id;
	proved.award = award;
	let claimedRevocation = null;
	if (bundle.revocation) {
		const r = await proveEntry(checks, "mark.revoked", bundle.revocation, cp, keys);
		if (r && (r.entry.type !== "mark.revoked" || r.entry.subject !== id || r.entry.seq <= award.seq)) {
			check(checks, "mark.revoked entry", false, `entry ${r.entry.seq} is not a later mark.revoked for ${id}`);
			return checks;
		}
		if (!r) return checks;
		claimedRevocation = r.entry;
		proved.revocation = revocationFacts(r.entry);
	}
	const newestSigned = cpKey === keys.length - 1;
	if (!fetchTile) {
		if (claimedRevocation) {
			const f = proved.revocation;
			check(checks, "not revoked", false, `revoked on ${dayText(f.date)}${f.reason ? ": " + reasonText(f.reason) : ""} (entry ${f.index}, proved from the bundle's signed revocation)`, { revocation: f });
		} else if (!newestSigned) {
			check(checks, "not revoked", null, "not checked: the bundle's checkpoint is signed by a retired key, and the log's latest checkpoint and tiles, needed to prove the award again and look for a revocation, are not available (offline)", { skipped: true });
		} else {
			check(checks, "not revoked", null, "not checked: the ledger's tiles are not available (offline)", { skipped: true });
		}
		return checks;
	}
	// Non-revocation is proved up to the log's latest checkpoint, which
	// must be signed by the newest key and be at least as large as the
	// bundle's (smaller is a rollback).  Reading the award entry again
	// from the tiles puts it in that tree too.  Failing to read it fails
	// the check: nothing is proved to the bundle's checkpoint instead.
	let upTo = cp, upToKey = cpKey, upToNote = String(bundle.checkpoint);
	if (fetchLatest || latest !== undefined) {
		try {
			let note = latest, l;
			// A checkpoint published a moment ago has its cosignatures a
			// second or so later (docs/ledger.md 8.1): with latestRetries,
			// one that is not yet witnessed is read again, a second apart,
			// before the rule is applied to what was read last.
			for (let attempt = 0; ; attempt++) {
				if (fetchLatest) {
					try { note = await fetchLatest(); } catch (x) { fail(`the log's latest checkpoint could not be read: ${x.message}`); }
				}
				if (typeof note !== "string" || note === "") fail("the log's latest checkpoint could not be read");
				l = await verifyCheckpoint(note, keys[keys.length - 1], { origin: origin === undefined ? keys[0].name : origin });
				if (!wp || !fetchLatest || attempt >= latestRetries ||
				    (await witnessRule(note, wp, now === undefined ? Math.floor(Date.now() / 1000) : now)).ok)
					break;
				await new Promise(r => setTimeout(r, 1000));
			}
			if (l.size < cp.size) fail(`rollback: the log's latest checkpoint has ${l.size} entries, fewer than the ${cp.size} of the bundle's checkpoint`);
			if (l.size === cp.size && !bytesEqual(l.root, cp.root)) fail(`the log's latest checkpoint and the bundle's both have ${l.size} entries but different roots: two versions of the log`);
			check(checks, "latest checkpoint signature", true, `the log's latest checkpoint, of ${l.size} entries, is signed by the newest key ${keys[keys.length - 1].keyId}`, { size: l.size });
			upTo = l; upToKey = keys.length - 1; upToNote = note;
		} catch (x) {
			check(checks, "latest checkpoint signature", false, x.message);
			return checks;
		}
	} else if (!newestSigned) {
		check(checks, "latest checkpoint signature", false, "the bundle's checkpoint is signed by a retired key and the log's latest checkpoint was not given");
		return checks;
	}
	if (!await witnessed(checks, upTo, upToNote, wp, now)) return checks;
	if (!await consistentWithSeen(checks, upTo, seen, fetchTile)) return checks;
	proved.checkpoint = { size: upTo.size, root: upTo.rootB64, time: proved.cosigned ? proved.cosigned.time : null };
	try {
		let found = null, checked = 0, lastTime = null;
		const awardBytes = utf8(bundle.entry);
		const start = keys.indexOf(a.key);
		const chain = keyChain(keys, start);
		const res = await rootFromTiles(upTo.size, fetchTile, {
			from: bundle.index, onProgress,
			onEntry: async (i, bytes) => {
				checked++;
				if (i === bundle.index && !bytesEqual(bytes, awardBytes)) fail(`entry ${i} in the tiles differs from the bundle's`);
				const e = parseEntry(bytes);
				if (e.seq !== i) fail(`entry ${i} in the tiles has seq ${e.seq}`);
				if (e.kid !== chain.current.keyId) fail(`entry ${i}: signed by key ${e.kid}, expected ${chain.current.keyId}`);
				if (e.type === "key.rotated") await chain.rotate(e);
				if (!found && e.type === "mark.revoked" && e.subject === id) found = e;
				lastTime = e.time;
			},
		});
		if (!bytesEqual(res.root, upTo.root))
			fail(`the tiles do not hash to the checkpoint's root (read entries ${res.start} to ${upTo.size - 1})`);
		if (chain.at !== upToKey)
			fail(`the entries up to ${upTo.size - 1} are signed by key ${chain.current.keyId}, but checkpoint ${upTo.size} by ${keys[upToKey].keyId}: the ledger does not rotate to it (a range started from a retired key)`);
		if (claimedRevocation && (!found || found.seq !== claimedRevocation.seq))
			fail(`the bundle's revocation (entry ${claimedRevocation.seq}) is not the first in the ledger`);
		const later = upTo.size - bundle.index - 1;
		proved.size = upTo.size;
		proved.time = lastTime;
		if (found) {
			const f = proved.revocation = revocationFacts(found);
			check(checks, "not revoked", false, `revoked on ${dayText(f.date)}${f.reason ? ": " + reasonText(f.reason) : ""} (entry ${f.index})`,
			    { revocation: f });
		} else {
			proved.current = true;
			check(checks, "not revoked", true, proved.cosigned
				? `not revoked as of ${proved.cosigned.iso}, when a quorum of witnesses cosigned checkpoint ${upTo.size} — proved by reading ${later} later entries`
				: `not revoked as of checkpoint ${upTo.size} — proved by reading ${later} later entries`,
			    { entriesRead: checked, size: upTo.size, time: lastTime });
		}
	} catch (x) {
		check(checks, "not revoked", false, x.message);
	}
	return checks;
}

// The witness rule on the checkpoint a "current" claim rests on: a check
// "witness cosignatures" (none without witnesses in the policy) and
// checks.proved.cosigned.  False when it failed.
async function witnessed(checks, cp, note, wp, now) {
	if (!wp) return true;
	const at = now === undefined ? Math.floor(Date.now() / 1000) : now;
	try {
		const r = await witnessRule(note, wp, at);
		const n = wp.witnesses.length;
		if (!r.ok)
			fail(`the log's latest checkpoint (${cp.size} entries) is not cosigned by ${wp.quorum} of the ${n} witnesses of the trust policy within the last ${wp.maxAge} seconds: ${r.reasons.join("; ")}`);
		checks.proved.cosigned = { time: r.time, iso: isoTime(r.time) };
		return check(checks, "witness cosignatures", true,
		    `checkpoint ${cp.size} is cosigned by ${r.count} of the ${n} witnesses (quorum ${wp.quorum}); a quorum vouches for it as of ${isoTime(r.time)}`,
		    { time: r.time });
	} catch (x) {
		return check(checks, "witness cosignatures", false, x.message);
	}
}

// The latest checkpoint against one this verifier proved before (seen:
// {size, root base64}; anything else is ignored): the same root at the
// same size, or, when larger, its hash tiles giving the seen root at the
// seen size (prefixRootFromTiles).  False when it failed.
async function consistentWithSeen(checks, cp, seen, fetchTile) {
	let root = null;
	try { root = seen && Number.isSafeInteger(seen.size) && seen.size > 0 ? b64decode(seen.root) : null; } catch (x) { root = null; }
	if (!root || root.length !== HASH_SIZE) return true;
	const name = "checkpoint seen before";
	try {
		if (seen.size > cp.size)
			fail(`this browser saw a larger checkpoint before: ${seen.size} entries (root ${seen.root}), but the log's latest has only ${cp.size}: a rollback`);
		if (seen.size === cp.size) {
			if (!bytesEqual(root, cp.root))
				fail(`this browser saw a different checkpoint before: ${seen.size} entries with root ${seen.root}, but the log's latest checkpoint of ${cp.size} entries has root ${cp.rootB64}: two versions of the log`);
			return check(checks, name, true, `the same checkpoint of ${cp.size} entries as this browser saw before`);
		}
		if (!fetchTile) fail(`this browser saw a checkpoint of ${seen.size} entries before, and without the log's tiles the latest cannot be proved consistent with it`);
		let r;
		try {
			r = await prefixRootFromTiles(seen.size, cp.size, fetchTile);
		} catch (x) {
			fail(`the latest checkpoint could not be proved consistent with the one of ${seen.size} entries this browser saw before: ${x.message}`);
		}
		if (!bytesEqual(r.treeRoot, cp.root))
			fail(`the hash tiles do not hash to the latest checkpoint's root, so it could not be proved consistent with the one of ${seen.size} entries this browser saw before`);
		if (!bytesEqual(r.root, root))
			fail(`this browser saw a different checkpoint before: ${seen.size} entries with root ${seen.root}, but the log's latest checkpoint's tiles give root ${b64encode(r.root)} at that size: two versions of the log`);
		return check(checks, name, true, `the latest checkpoint of ${cp.size} entries extends the one of ${seen.size} entries this browser saw before (its root recomputed from the latest tree's hash tiles)`);
	} catch (x) {
		return check(checks, name, false, x.message);
	}
}

// Verify every entry from `from` to the checkpoint, as an auditor does
// ("verify everything since checkpoint N"): the checkpoint signed by the
// newest key; each entry read from the tiles is a valid entry (1.2) with
// its position as seq, chains to the previous leaf hash, and is signed by
// the current key, which starts as the trusted key named by the first
// entry's kid and moves on at each key.rotated entry (docs/ledger.md 3:
// the next key of the list); the last current key must be the newest,
// which signed the checkpoint (a range started from a retired key that
// never rotates to it is refused); and the entries hash, with the hash
// tiles for [0, from), to the signed root.  fetchSig(index) ->
// Promise<base64 signature> supplies signatures (the tiles carry entries
// only; e.g. from /api/v1/ledger/entries); without it the "entries"
// check is not passed but "not checked" (ok null).  Returns checks like
// verifyMarkBundle: "checkpoint signature", "entries", "root".
// Options: origin, onProgress({done, total}).
export async function verifyLedgerRange(note, keysText, { fetchTile, fetchSig, from = 0, origin, onProgress } = {}) {
	const checks = [];
	let keys, cp;
	try {
		keys = await parseVerifierKeys(keysText);
		const newest = keys[keys.length - 1];
		cp = await verifyCheckpoint(note, newest, { origin: origin === undefined ? keys[0].name : origin });
		check(checks, "checkpoint signature", true, `checkpoint of ${cp.size} entries signed by ${newest.name}+${newest.keyId}`, { size: cp.size });
	} catch (x) {
		check(checks, "checkpoint signature", false, x.message);
		return checks;
	}
	let prevLeaf = null, prevIndex = -1, chain = null, n = 0;
	try {
		const res = await rootFromTiles(cp.size, fetchTile, {
			from, onProgress,
			onEntry: async (i, bytes, lh) => {
				const e = parseEntry(bytes);
				if (e.seq !== i) fail(`entry ${i}: its seq is ${e.seq}`);
				if (prevIndex === i - 1 && prevLeaf && e.prev !== toHex(prevLeaf))
					fail(`entry ${i}: prev is not the leaf hash of entry ${i - 1}`);
				if (i === 0 && e.prev !== "0".repeat(64)) fail("entry 0: prev is not 64 zeros");
				if (!chain) {
					const start = i === 0 ? 0 : keys.findIndex(k => k.keyId === e.kid);
					if (start < 0) fail(`entry ${i}: signed by key ${e.kid}, which is not a trusted key`);
					chain = keyChain(keys, start);
				}
				if (e.kid !== chain.current.keyId)
					fail(`entry ${i}: signed by key ${e.kid}, expected ${chain.current.keyId}`);
				if (fetchSig) await verifyEntrySignature(bytes, await fetchSig(i), [chain.current]);
				if (e.type === "key.rotated") await chain.rotate(e);
				prevLeaf = lh; prevIndex = i; n++;
			},
		});
		if (chain && chain.at !== keys.length - 1)
			fail(`the entries from ${from} to ${cp.size - 1} end with key ${chain.current.keyId} current, but the checkpoint is signed by the newest key ${keys[keys.length - 1].keyId}: a range started from a retired key`);
		check(checks, "entries", fetchSig ? true : null, `${n} entries from ${from} to ${cp.size - 1}: sequence, canonical form, chain and keys checked` +
		    (fetchSig ? ", and signatures" : "; signatures not checked"), { entriesRead: n });
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

// One word for a list of checks: "revoked" (the award and its revocation
// proved from signed entries, whatever else failed after), "failed"
// (some check failed), "unchecked" (none failed but some were not made),
// "verified" (every check passed, and for a mark, non-revocation proved).
export function summarize(checks) {
	const p = checks.proved;
	if (p && p.award && p.revocation) return "revoked";
	if (checks.some(c => c.ok === false)) return "failed";
	if (checks.length === 0 || checks.some(c => c.ok !== true)) return "unchecked";
	if (p && !p.current) return "unchecked";
	return "verified";
}
