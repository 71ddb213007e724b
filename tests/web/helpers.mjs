// Helpers for the web tests: start the real stack (scripts/run.sh, as
// tests/regress/harness.py does), build C2SP tiles from entries, and make
// a synthetic signed ledger with marks for the bundle tests.  The tile
// builder hashes with node:crypto, independently of web/js/ledger.js.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.unref();
		s.on("error", reject);
		s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
	});
}

// Start nginx + htq-fcgi on a free port with a fresh data directory.
// Returns {base, api, data, get(path) -> Response, text(path), json(path), stop()}.
// env: more environment for run.sh (HTQ_WITNESS_MAX_AGE, ...).
export async function startStack({ workers = 1, timeoutMs = 30000, env: more = {} } = {}) {
	const port = await freePort();
	const data = fs.mkdtempSync(path.join(os.tmpdir(), "htq-web-"));
	const bin = process.env.BIN || "bin";
	const out = fs.openSync(path.join(data, "run.out"), "a");
	const env = { ...process.env, HTQ_PORT: String(port), HTQ_DATA: data, HTQ_WORKERS: String(workers),
		BIN: path.isAbsolute(bin) ? bin : path.join(ROOT, bin),
		HTQ_DEMO_PASSWORD: "test-" + crypto.randomBytes(8).toString("hex"),
		HTQ_MAX_DRAFTS: "100000", ...more };	/* portal.mjs keeps 1,001 drafts */
	const proc = spawn(path.join(ROOT, "scripts", "run.sh"), [], {
		cwd: ROOT, detached: true, stdio: ["ignore", out, out], env,
	});
	fs.closeSync(out);
	let exited = null;
	proc.on("exit", code => { exited = code; });
	const base = `http://127.0.0.1:${port}`;
	const stack = {
		base, api: base + "/api/v1", data, port, password: env.HTQ_DEMO_PASSWORD,
		get: p => fetch(base + p),
		text: async p => { const r = await fetch(base + p); if (!r.ok) throw new Error(`GET ${p}: ${r.status}`); return r.text(); },
		json: async p => { const r = await fetch(base + p); if (!r.ok) throw new Error(`GET ${p}: ${r.status}`); return r.json(); },
		async stop() {
			if (exited === null) {
				try { process.kill(-proc.pid, "SIGTERM"); } catch (e) { /* gone */ }
				await new Promise(res => { const t = setTimeout(() => { try { process.kill(-proc.pid, "SIGKILL"); } catch (e) { /* gone */ } res(); }, 15000); proc.on("exit", () => { clearTimeout(t); res(); }); if (exited !== null) { clearTimeout(t); res(); } });
			}
			fs.rmSync(data, { recursive: true, force: true });
		},
	};
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (exited !== null) {
			const log = fs.readFileSync(path.join(data, "run.out"), "utf8");
			await stack.stop();
			throw new Error(`run.sh exited ${exited}:\n${log.slice(-2000)}`);
		}
		try { if ((await fetch(base + "/api/v1/health")).ok) return stack; } catch (e) { /* not yet */ }
		if (Date.now() > deadline) { await stack.stop(); throw new Error("stack did not become healthy"); }
		await new Promise(r => setTimeout(r, 100));
	}
}

// All entries of a running stack, in order: [{seq, entry, sig}].
export async function fetchEntries(stack) {
	const all = [];
	for (let start = 0; ;) {
		const page = await stack.json(`/api/v1/ledger/entries?start=${start}`);
		all.push(...page.entries);
		if (page.next === undefined) return all;
		start = page.next;
	}
}

// --- independent RFC 6962 hashing and tiles (node:crypto, synchronous) ---

const sha = (...parts) => crypto.createHash("sha256").update(Buffer.concat(parts.map(p => Buffer.from(p)))).digest();
export const leaf = e => sha([0], typeof e === "string" ? Buffer.from(e, "utf8") : e);
const node = (l, r) => sha([1], l, r);

export function mth(hashes) {
	if (hashes.length === 0) return sha([]);
	if (hashes.length === 1) return hashes[0];
	let k = 1;
	while (k * 2 < hashes.length) k *= 2;
	return node(mth(hashes.slice(0, k)), mth(hashes.slice(k)));
}

function indexPath(n) {
	const groups = [];
	do { groups.unshift(String(n % 1000).padStart(3, "0")); n = Math.floor(n / 1000); } while (n > 0);
	return groups.map((g, i) => (i < groups.length - 1 ? "x" : "") + g).join("/");
}
const suffix = w => (w < 256 ? `.p/${w}` : "");

// The tiles a C2SP tlog-tiles publisher serves for a tree of entries:
// Map path -> Uint8Array (hash tiles of height 8 at every level, and the
// entry bundles).
export function buildTiles(entries) {
	const files = new Map();
	const bytes = entries.map(e => (typeof e === "string" ? Buffer.from(e, "utf8") : Buffer.from(e)));
	for (let t = 0; t * 256 < bytes.length; t++) {
		const chunk = bytes.slice(t * 256, t * 256 + 256);
		const parts = [];
		for (const b of chunk) { const l = Buffer.alloc(2); l.writeUInt16BE(b.length); parts.push(l, b); }
		files.set(`tile/entries/${indexPath(t)}${suffix(chunk.length)}`, new Uint8Array(Buffer.concat(parts)));
	}
	let level = bytes.map(b => leaf(b));	// hashes at tree level 8L
	for (let L = 0; level.length > 0; L++) {
		for (let t = 0; t * 256 < level.length; t++) {
			const chunk = level.slice(t * 256, t * 256 + 256);
			files.set(`tile/${L}/${indexPath(t)}${suffix(chunk.length)}`, new Uint8Array(Buffer.concat(chunk)));
		}
		const up = [];
		for (let i = 0; (i + 1) * 256 <= level.length; i++) up.push(mth(level.slice(i * 256, i * 256 + 256)));
		level = up;
	}
	return files;
}

export const fetchFrom = (files, log) => async p => { if (log) log.push(p); return files.has(p) ? files.get(p) : null; };

// RFC 6962 PATH(m, D[0:size]) over leaf hashes, leaf level first, base64.
export function inclusionProof(leaves, m, size = leaves.length) {
	const p = (m, d) => {
		if (d.length <= 1) return [];
		let k = 1;
		while (k * 2 < d.length) k *= 2;
		return m < k ? [...p(m, d.slice(0, k)), mth(d.slice(k))] : [...p(m - k, d.slice(k)), mth(d.slice(0, k))];
	};
	return p(m, leaves.slice(0, size)).map(h => h.toString("base64"));
}

// --- a synthetic signed ledger ---

export class SyntheticLedger {
	constructor(origin = "test.example/ledger") {
		this.origin = origin;
		const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
		this.priv = privateKey;
		this.pub = Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url");
		const keyBytes = Buffer.concat([Buffer.from([1]), this.pub]);
		this.kid = sha(Buffer.from(origin + "\n"), keyBytes).subarray(0, 4);
		this.kidHex = this.kid.toString("hex");
		this.vkey = `${origin}+${this.kidHex}+${keyBytes.toString("base64")}`;
		this.entries = [];	// {seq, entry, sig}
		this.leaves = [];
	}

	append(type, subject, data = {}, time = "2026-11-29T08:00:00Z") {
		const seq = this.entries.length;
		const prev = seq ? this.leaves[seq - 1].toString("hex") : "0".repeat(64);
		const sorted = Object.fromEntries(Object.entries(data).sort());
		const entry = JSON.stringify({ v: 1, seq, time, type, actor: "a-test", subject, data: sorted, prev, kid: this.kidHex });
		const sig = crypto.sign(null, Buffer.from("htq-ledger-entry/v1\n" + entry, "utf8"), this.priv).toString("base64");
		this.entries.push({ seq, entry, sig });
		this.leaves.push(leaf(entry));
		return seq;
	}

	root(size = this.entries.length) { return mth(this.leaves.slice(0, size)); }

	checkpoint(size = this.entries.length, origin = this.origin) {
		const body = `${origin}\n${size}\n${this.root(size).toString("base64")}\n`;
		const sig = crypto.sign(null, Buffer.from(body, "utf8"), this.priv);
		return `${body}\n\u2014 ${this.origin} ${Buffer.concat([this.kid, sig]).toString("base64")}\n`;
	}

	// RFC 6962 PATH(m, D[0:n]) from the leaves, leaf level first.
	proof(m, size = this.entries.length) { return inclusionProof(this.leaves, m, size); }

	bundle(index, size = this.entries.length, revocationIndex) {
		const e = this.entries[index];
		const b = { mark: { id: JSON.parse(e.entry).subject, status: "current" }, entry: e.entry, sig: e.sig,
			    index, proof: this.proof(index, size), checkpoint: this.checkpoint(size) };
		if (revocationIndex !== undefined) {
			const r = this.entries[revocationIndex];
			b.mark.status = "revoked";
			b.revocation = { entry: r.entry, sig: r.sig, index: revocationIndex, proof: this.proof(revocationIndex, size) };
		}
		return b;
	}

	tiles(size = this.entries.length) { return buildTiles(this.entries.slice(0, size).map(e => e.entry)); }
}

// --- witnesses and the log's own key (C2SP tlog-cosignature) ---

const noble = await import(path.join(ROOT, "web", "node_modules", "@noble", "ed25519", "index.js"));

// A witness made here (the vendored @noble/ed25519, not the code under
// test): its cosignature/v1 verifier key and cosignature lines.
export class TestWitness {
	static async make(name) {
		const w = new TestWitness();
		w.name = name;
		w.seed = new Uint8Array(crypto.randomBytes(32));
		w.pub = await noble.getPublicKeyAsync(w.seed);
		w.kid = sha(Buffer.from(name + "\n"), [4], w.pub).subarray(0, 4);
		w.vkey = `${name}+${w.kid.toString("hex")}+${Buffer.concat([Buffer.from([4]), w.pub]).toString("base64")}`;
		return w;
	}

	// The cosignature line for the body of checkpoint note `note`, dated t
	// (POSIX seconds).
	async line(note, t) {
		const body = note.slice(0, note.lastIndexOf("\n\n") + 1);
		const ts = Buffer.alloc(8);
		ts.writeBigUInt64BE(BigInt(t));
		const sig = await noble.signAsync(Buffer.from(`cosignature/v1\ntime ${t}\n${body}`, "utf8"), w8(this.seed));
		return `\u2014 ${this.name} ${Buffer.concat([this.kid, ts, Buffer.from(sig)]).toString("base64")}\n`;
	}

	// note with this witness's cosignature dated t added
	async cosign(note, t) { return note + await this.line(note, t); }
}
const w8 = b => new Uint8Array(b);

export const now = () => Math.floor(Date.now() / 1000);

// Sign a checkpoint body with a log key file ("PRIVATE+KEY+<name>+<hex key
// id>+<base64(0x01 || seed)>", docs/ledger.md 3): the note, as the log
// would publish it.  How a holder of the log key makes a fork.
export async function signWithKeyFile(keyFileText, body) {
	const m = /^PRIVATE\+KEY\+(.+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)\s*$/.exec(keyFileText);
	if (!m) throw new Error("not a log key file");
	const raw = Buffer.from(m[3], "base64");
	if (raw.length !== 33 || raw[0] !== 1) throw new Error("not an Ed25519 log key");
	const sig = await noble.signAsync(Buffer.from(body, "utf8"), w8(raw.subarray(1)));
	return `${body}\n\u2014 ${m[1]} ${Buffer.concat([Buffer.from(m[2], "hex"), Buffer.from(sig)]).toString("base64")}\n`;
}
