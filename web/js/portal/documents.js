// documents.js - /submissions/documents/?id=: the supporting documents of
// a draft (awarding body): the list with download and remove, and a GOV.UK
// file upload.  The server decides the type by the file's content and
// keeps every limit; the page checks the size first only to say so
// sooner, and shows the server's refusals in the error summary.
import { actionPage, ApiError, apiErrors, content, esc, failure, setTitle, showErrors, banner } from "/assets/js/portal/common.js";
import { documentsTable, MAX_DOCUMENT } from "/assets/js/portal/doclist.js";

const TYPES_TEXT = "a PDF, Word (.docx), Excel (.xlsx), OpenDocument (.odt or .ods) or CSV file";

// POST the file's bytes (not JSON: api() sends JSON only).
async function upload(id, file) {
	const h = { Accept: "application/json", "Content-Type": file.type || "application/octet-stream" };
	const csrf = sessionStorage.getItem("htq.csrf");
	if (csrf) h["X-CSRF-Token"] = csrf;
	const r = await fetch(`/api/v1/submissions/${encodeURIComponent(id)}/documents?name=${encodeURIComponent(file.name)}`,
		{ method: "POST", headers: h, credentials: "same-origin", body: file });
	let data = null;
	try { data = await r.json(); } catch (e) { data = null; }
	if (!r.ok) {
		const e = (data && data.error) || {};
		throw new ApiError(r.status, e.code || "http_" + r.status, e.message || `The service answered ${r.status}`, r.headers);
	}
	return data;
}

function draw(s, notice) {
	const sid = encodeURIComponent(s.id);
	setTitle("Supporting documents");
	content(`${notice ? banner(notice) : ""}<span class="govuk-caption-l">${esc(s.qualification.title)}</span>
<h1 class="govuk-heading-l">Supporting documents</h1>
<p class="govuk-body">Attach the evidence your submission rests on: a specification, an assessment strategy, a mapping workbook. Reviewers, approvers and auditors can download them once you submit. When you submit, the public ledger records a fingerprint of each file (never the file or its name), so anyone you give a file to can check it was part of this submission.</p>
${documentsTable(s, "awarding_body", (d, i) => `<button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button" id="remove-${i}" data-sha="${esc(d.sha256)}">Remove<span class="govuk-visually-hidden"> ${esc(d.name)}</span></button>`)}
<form id="upload-form" novalidate>
<div class="govuk-form-group" id="file-group">
<label class="govuk-label govuk-label--m" for="file">Upload a file</label>
<div id="file-hint" class="govuk-hint">${esc(TYPES_TEXT[0].toUpperCase() + TYPES_TEXT.slice(1))}, up to 10 MB. A submission can have 20 files, 50 MB in all.</div>
<input class="govuk-file-upload" id="file" name="file" type="file" aria-describedby="file-hint" accept=".pdf,.docx,.xlsx,.odt,.ods,.csv">
</div>
<div class="govuk-button-group"><button type="submit" class="govuk-button" data-module="govuk-button" id="upload">Upload file</button>
${new URLSearchParams(location.search).get("from") === "tasks" ? `<a class="govuk-link" id="back-to-tasks" href="/submissions/new/?step=tasks&amp;id=${sid}">Back to your task list</a>` : `<a class="govuk-link" href="/submissions/view/?id=${sid}">Back to the submission</a>`}</div>
</form>`);
	document.getElementById("upload-form").addEventListener("submit", async ev => {
		ev.preventDefault();
		const file = document.getElementById("file").files[0];
		if (!file) return showErrors([{ id: "file", text: "Select a file" }]);
		if (file.size > MAX_DOCUMENT) return showErrors([{ id: "file", text: "The selected file must be smaller than 10 MB" }]);
		if (file.size === 0) return showErrors([{ id: "file", text: "The selected file is empty" }]);
		try {
			const doc = await upload(s.id, file);
			draw(doc, `${file.name} has been uploaded`);
		} catch (e) {
			if (e.redirected) return;
			if (e.status === 415) return showErrors([{ id: "file", text: `The selected file must be ${TYPES_TEXT}` }]);
			if (e.status === 413) return showErrors([{ id: "file", text: "The selected file must be smaller than 10 MB" }]);
			showErrors(apiErrors(e, {}, "file"));
		}
	});
	for (const b of document.querySelectorAll("button[data-sha]")) {
		b.addEventListener("click", async () => {
			try {
				const r = await fetch(`/api/v1/submissions/${sid}/documents/${encodeURIComponent(b.dataset.sha)}`, {
					method: "DELETE", credentials: "same-origin",
					headers: { Accept: "application/json", "X-CSRF-Token": sessionStorage.getItem("htq.csrf") || "" },
				});
				const data = await r.json();
				if (!r.ok) throw new ApiError(r.status, data.error.code, data.error.message, r.headers);
				draw(data, "The file has been removed");
			} catch (e) {
				showErrors(apiErrors(e, {}, "file"));
			}
		});
	}
	document.getElementById("content").dataset.loaded = "1";
}

try {
	const page = await actionPage({ roles: ["awarding_body"], action: "edit", refusal: "You cannot change this submission's documents" });
	if (page) draw(page.s);
} catch (e) {
	failure(e, "The submission");
}
