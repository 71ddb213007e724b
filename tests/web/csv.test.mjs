// Tests of web/js/portal/csv.js (node --test): the CSV parser's edges
// (quotes, CRLF, a byte order mark, unclosed quotes) and a mapping read
// from a file, with its errors by row and column.  The portal's import
// page is exercised in Chromium by tests/e2e/portal.mjs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { columnName, errorText, parse, readMappingCsv, template } from "../../web/js/portal/csv.js";

const std = { ref: "ST0116", ksbs: [{ code: "K1", text: "Networks, \"basics\"" }, { code: "K2", text: "Line\nbreak" }, { code: "S1", text: "Build" }, { code: "B1", text: "Care" }] };
const units = [{ id: "U1", title: "One" }, { id: "U2", title: "Two" }];

test("parse: quotes, doubled quotes, CRLF, CR, LF, BOM, line breaks inside quotes", () => {
	assert.deepEqual(parse('\uFEFFa,b\r\n"x, y","say ""hi"""\r"multi\r\nline",\nlast,1\n').rows,
		[["a", "b"], ["x, y", 'say "hi"'], ["multi\nline", ""], ["last", "1"]]);
	assert.deepEqual(parse("a,b").rows, [["a", "b"]]);
	assert.deepEqual(parse("").rows, []);
	assert.deepEqual(parse('""').rows, [[""]]);
});

test("parse: malformed quoting is an error at its row and column", () => {
	assert.deepEqual(parse('a,b\nc,"open\n').error, { row: 2, column: 2, text: "a quoted field is not closed: a closing quote is missing" });
	assert.equal(parse('a,b\nc,"x"y\n').error.row, 2);
	assert.equal(parse('a,b\nc,"x"y\n').error.column, 2);
	assert.match(parse('a,b\nc,d"e\n').error.text, /quote inside a field/);
});

test("template round trip: the template with a mapping reads back as that mapping", () => {
	const mapping = [{ ksb: "K1", units: ["U1", "U2"], assessment: "Exam, \"written\"" }, { ksb: "B1", units: [], not_attainable: "Needs a\nworkplace" }];
	const t = template(std, mapping);
	assert.ok(t.startsWith("ksb,statement,units,assessment,reason\r\n"));
	const r = readMappingCsv(t, std, units);
	assert.deepEqual(r.errors, []);
	assert.deepEqual(r.mapping, mapping);
});

test("a bad file: every error by row and column, and no mapping", () => {
	const text = "KSB,Units,Assessment,Reason\nK1,U1;U9,Exam,\nK1,U1,Exam,\nS1,U1,,\nB1,U1,Project,Needs a site\nX7,U1,Exam,\n";
	const r = readMappingCsv(text, std, units);
	assert.deepEqual(r.mapping, []);
	assert.deepEqual(r.errors.map(e => errorText(e, r.head)), [
		"Row 2, column B (units): there is no unit U9 in this draft (its units are U1, U2)",
		"Row 3, column A (KSB): K1 is on row 2 already",
		"Row 4, column C (assessment): enter how S1 is assessed",
		"Row 5, column D (reason): give either units and an assessment for B1, or a reason it cannot be attained, not both",
		"Row 6, column A (KSB): X7 is not a KSB of ST0116 (its codes are K1 to B1)",
	]);
	assert.match(errorText(readMappingCsv("ksb,units\nK1,U1\n", std, units).errors[0]), /column assessment is missing/);
	const bad = readMappingCsv("ksb,units,assessment,colour\n", std, units);
	assert.match(errorText(bad.errors[0], bad.head), /^Row 1, column D: "colour" is not a column/);
	assert.equal(columnName(27), "AB");
	assert.match(readMappingCsv("x".repeat(600 * 1024), std, units).errors[0].text, /larger than/);
});
