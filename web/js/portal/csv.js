// csv.js - a KSB mapping as a CSV file (docs/mapping-csv.md): the template
// for a standard and a draft's units, a small careful parser (RFC 4180:
// quoted fields, "" inside quotes, CRLF, LF or CR line ends (a line break
// inside a value kept as LF), a UTF-8 byte order mark), and the rows read into the API's mapping entries with every
// error named by row and column.  Nothing here talks to the API: the
// caller saves the mapping only when there is no error at all.  No imports,
// so that node --test reads it as it is (tests/web/csv.test.mjs).

// The limits (core/store/limits.h: HTQ_MAX_KSBS, HTQ_MAX_MAP_UNITS,
// HTQ_MAX_TEXT); the file's size is this page's own bound.
export const LIMITS = { bytes: 512 * 1024, rows: 400 + 1, units: 50, text: 2000 };
export const COLUMNS = ["ksb", "statement", "units", "assessment", "reason"];
const REQUIRED = ["ksb", "units", "assessment"];
const NAMES = { ksb: "KSB", statement: "statement", units: "units", assessment: "assessment", reason: "reason" };

// "A", "B", ... "AA": a column as a spreadsheet names it.
export function columnName(i) {
	let s = "";
	for (i++; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(65 + (i - 1) % 26) + s;
	return s;
}

function quote(v) {
	const s = String(v ?? "");
	return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// The template: a header row, then one row per KSB of std with its
// statement and what mapping already says (units joined by ";").
export function template(std, mapping = []) {
	const by = new Map((mapping || []).map(m => [m.ksb, m]));
	const rows = [COLUMNS];
	for (const k of std.ksbs || []) {
		const m = by.get(k.code) || {};
		rows.push([k.code, k.text, (m.units || []).join(";"), m.assessment || "", m.not_attainable || ""]);
	}
	return rows.map(r => r.map(quote).join(",")).join("\r\n") + "\r\n";
}

// text -> {rows: [[field, ...], ...], error: {row, column, text} | null}.
// Rows are records (a quoted field may hold line breaks), numbered from 1
// as a spreadsheet shows them.  An empty last line is not a row.
export function parse(text) {
	const rows = [];
	let row = [], field = "", i = 0, quoted = false, after = false;
	const s = String(text).replace(/^\uFEFF/, "");
	const at = () => ({ row: rows.length + 1, column: row.length + 1 });
	const endField = () => { row.push(field); field = ""; quoted = false; after = false; };
	const endRow = () => { endField(); rows.push(row); row = []; };
	while (i < s.length) {
		const c = s[i];
		if (quoted) {
			if (c === '"') {
				if (s[i + 1] === '"') { field += '"'; i += 2; continue; }
				quoted = false; after = true; i++; continue;
			}
			if (c === "\r") { field += "\n"; i += s[i + 1] === "\n" ? 2 : 1; continue; }	// a line break in a value is "\n"
			field += c; i++; continue;
		}
		if (c === ",") { endField(); i++; continue; }
		if (c === "\r" || c === "\n") {
			endRow();
			i += c === "\r" && s[i + 1] === "\n" ? 2 : 1;
			continue;
		}
		if (after) return { rows, error: { ...at(), text: "nothing may follow a closing quote but a comma or the end of the line" } };
		if (c === '"') {
			if (field !== "") return { rows, error: { ...at(), text: "a quote inside a field must be in a field that starts with a quote, and written twice (\"\")" } };
			quoted = true; i++; continue;
		}
		field += c; i++;
	}
	if (quoted) return { rows, error: { ...at(), text: "a quoted field is not closed: a closing quote is missing" } };
	if (field !== "" || row.length || after) endRow();
	return { rows, error: null };
}

const bytes = s => new TextEncoder().encode(s).length;

// The file's text read against std (GET /standards/{ref}) and the draft's
// units: {mapping, errors: [{row, column, text}]}.  A row with a KSB and
// nothing else leaves that KSB out; the file replaces the whole mapping.
export function readMappingCsv(text, std, units) {
	const errors = [];
	const err = (row, col, text) => errors.push({ row, column: col, text });
	if (bytes(text) > LIMITS.bytes) return { mapping: [], errors: [{ row: null, column: null, text: `The file is larger than ${LIMITS.bytes / 1024} KB` }] };
	// a file broken part way (an unclosed quote) is still read up to
	// there, so that every problem is listed at once
	const { rows, error } = parse(text);
	if (error && !rows.length) return { mapping: [], errors: [error] };
	const data = rows.filter((r, i) => i === 0 || r.some(f => f.trim() !== ""));
	if (!data.length) return { mapping: [], errors: [{ row: null, column: null, text: "The file is empty" }] };
	if (data.length > LIMITS.rows) return { mapping: [], errors: [{ row: null, column: null, text: `The file has ${data.length - 1} rows; a standard has at most ${LIMITS.rows - 1} KSBs` }] };
	const head = data[0].map(h => h.trim().toLowerCase().replace(/[\s-]+/g, "_"));
	const col = {};
	head.forEach((h, i) => {
		if (!COLUMNS.includes(h)) err(1, i + 1, `"${data[0][i]}" is not a column of a mapping: the columns are ${COLUMNS.join(", ")}`);
		else if (h in col) err(1, i + 1, `the column ${h} is there twice`);
		else col[h] = i;
	});
	for (const r of REQUIRED) if (!(r in col)) err(1, null, `the column ${r} is missing from the first row`);
	if (errors.length) return { mapping: [], errors: error ? [...errors, error] : errors, head };
	const codes = new Set((std.ksbs || []).map(k => k.code)), order = (std.ksbs || []).map(k => k.code);
	const unitIds = new Set((units || []).map(u => u.id));
	const seen = new Map(), out = new Map();
	const rowNo = new Map(rows.map((r, i) => [r, i + 1]));
	for (const r of data.slice(1)) {
		const n = rowNo.get(r);
		const get = name => name in col ? (r[col[name]] ?? "").trim() : "";
		const c = name => col[name] + 1;
		const extra = r.findIndex((f, i) => i >= head.length && f.trim() !== "");
		if (extra >= 0) err(n, extra + 1, `the first row names ${head.length} columns; this row has a value beyond them`);
		const ksb = get("ksb").toUpperCase();
		if (!ksb) { err(n, c("ksb"), "enter a KSB code, for example K1"); continue; }
		if (!codes.has(ksb)) { err(n, c("ksb"), `${get("ksb")} is not a KSB of ${std.ref} (its codes are ${order[0]} to ${order[order.length - 1]})`); continue; }
		if (seen.has(ksb)) { err(n, c("ksb"), `${ksb} is on row ${seen.get(ksb)} already`); continue; }
		seen.set(ksb, n);
		const list = get("units").split(";").map(u => u.trim()).filter(Boolean);
		const assessment = get("assessment"), reason = get("reason");
		let bad = false;
		for (const u of list) if (!unitIds.has(u)) { err(n, c("units"), `there is no unit ${u} in this draft (its units are ${[...unitIds].join(", ")})`); bad = true; }
		if (new Set(list).size !== list.length) { err(n, c("units"), `a unit is named twice for ${ksb}`); bad = true; }
		if (list.length > LIMITS.units) { err(n, c("units"), `${ksb} names ${list.length} units; at most ${LIMITS.units}`); bad = true; }
		if (bytes(assessment) > LIMITS.text) { err(n, c("assessment"), `the assessment of ${ksb} is longer than ${LIMITS.text} bytes`); bad = true; }
		if (bytes(reason) > LIMITS.text) { err(n, c("reason"), `the reason for ${ksb} is longer than ${LIMITS.text} bytes`); bad = true; }
		if (bad) continue;
		if (reason && (list.length || assessment)) { err(n, c("reason"), `give either units and an assessment for ${ksb}, or a reason it cannot be attained, not both`); continue; }
		if (reason) { out.set(ksb, { ksb, units: [], not_attainable: reason }); continue; }
		if (!list.length && !assessment) continue;
		if (!list.length) { err(n, c("units"), `enter the units that teach ${ksb}, separated by semicolons`); continue; }
		if (!assessment) { err(n, c("assessment"), `enter how ${ksb} is assessed`); continue; }
		out.set(ksb, { ksb, units: list, assessment });
	}
	if (error) errors.push(error);
	return { mapping: errors.length ? [] : order.filter(k => out.has(k)).map(k => out.get(k)), errors, head };
}

// An error in words: "Row 4, column D (assessment): enter how K3 is assessed".
export function errorText(e, head = COLUMNS) {
	if (e.row == null) return e.text;
	const name = e.column ? NAMES[head[e.column - 1]] : null;
	return `Row ${e.row}${e.column ? `, column ${columnName(e.column - 1)}${name ? ` (${name})` : ""}` : ""}: ${e.text}`;
}
