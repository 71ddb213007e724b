// doclist.js - a submission's supporting documents as a table (the
// submission page, the documents page): name, type in words, size, and a
// download link for the roles that may read the files (the API's own
// rule: the organisation, reviewers, approvers and auditors).
import { esc } from "/assets/js/portal/common.js";

export const DOC_TYPES = {
	pdf: "PDF",
	docx: "Word document",
	xlsx: "Excel spreadsheet",
	odt: "OpenDocument text",
	ods: "OpenDocument spreadsheet",
	csv: "CSV spreadsheet",
};
export const READERS = ["awarding_body", "reviewer", "approver", "auditor"];
export const MAX_DOCUMENT = 10 * 1024 * 1024;	// HTQ_MAX_DOCUMENT

export function size(n) {
	if (n < 1024) return `${n} bytes`;
	if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
	return `${(n / 1048576).toFixed(1)} MB`;
}

export function docUrl(s, d) {
	return `/api/v1/submissions/${encodeURIComponent(s.id)}/documents/${encodeURIComponent(d.sha256)}`;
}

// extra(d): HTML of a last cell (a remove button), or none.
export function documentsTable(s, role, extra) {
	const docs = s.documents || [];
	if (!docs.length) return `<p class="govuk-body" id="no-documents">No supporting documents.</p>`;
	const read = READERS.includes(role);
	const rows = docs.map((d, i) => `<tr class="govuk-table__row"><td class="govuk-table__cell">${read
		? `<a class="govuk-link" id="download-${i}" href="${esc(docUrl(s, d))}" download="${esc(d.name)}">${esc(d.name)}<span class="govuk-visually-hidden"> (download)</span></a>`
		: esc(d.name)}</td>
<td class="govuk-table__cell">${esc(DOC_TYPES[d.type] || "Document")}</td><td class="govuk-table__cell govuk-table__cell--numeric">${esc(size(d.size))}</td>${extra ? `<td class="govuk-table__cell">${extra(d, i)}</td>` : ""}</tr>`).join("");
	return `<table class="govuk-table" id="documents"><caption class="govuk-table__caption govuk-visually-hidden">Supporting documents</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">File</th><th scope="col" class="govuk-table__header">Type</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Size</th>${extra ? `<th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">Action</span></th>` : ""}</tr></thead>
<tbody class="govuk-table__body">${rows}</tbody></table>`;
}
