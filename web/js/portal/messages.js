// messages.js - /messages: the signed-in account's own messages (what
// needs its attention: a submission to review, a question to answer, a
// decision, a window closing), newest first, each marked as read with its
// own button.  The API finds only the caller's messages.
import { api, content, dateTime, esc, failure, param, plural, setTitle, startPage, backLink } from "/assets/js/portal/common.js";

// A message's link is a page of this site; anything else goes home.
function safeLink(l) {
	return typeof l === "string" && /^\/(?!\/)/.test(l) ? l : "/home/";
}

function summary(unread) {
	return unread === 0 ? "You have no unread messages."
		: `You have ${plural(unread, "unread message")}.`;
}

function item(m) {
	const unread = m.read === null;
	return `<li class="htq-message${unread ? " htq-message--unread" : ""}" id="message-${esc(m.id)}">
<h2 class="govuk-heading-s htq-message__title">${unread ? `<strong class="govuk-tag govuk-tag--blue">Unread</strong> ` : ""}<a class="govuk-link" href="${esc(safeLink(m.link))}">${esc(m.title)}</a></h2>
<p class="govuk-body">${esc(m.body)}</p>
<p class="govuk-body-s htq-message__when">${dateTime(m.created)}</p>
${unread ? `<button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button" data-read="${esc(m.id)}">Mark as read<span class="govuk-visually-hidden">: ${esc(m.title)}</span></button>` : ""}
<hr class="govuk-section-break govuk-section-break--m govuk-section-break--visible">
</li>`;
}

try {
	const after = param("after");
	// the session and the messages at once: one round trip, not two
	const [, { data }] = await Promise.all([startPage(),
		api("GET", "/messages" + (after ? "?after=" + encodeURIComponent(after) : ""), undefined, { fresh: true })]);
	backLink("/home/", "Home");
	let unread = data.unread;
	setTitle("Messages");
	const c = content(`<h1 class="govuk-heading-l">Messages</h1>
<p class="govuk-body" id="message-summary" role="status">${esc(summary(unread))}</p>
${data.messages.length === 0 ? `<p class="govuk-body" id="no-messages">${after ? "There are no older messages." : "Nothing has needed your attention yet. When something does, such as a submission to review or a question to answer, it appears here."}</p>`
	: `<ul class="govuk-list htq-messages" id="messages">${data.messages.map(item).join("")}</ul>`}
${data.next ? `<nav class="govuk-pagination govuk-pagination--block" aria-label="Pages of messages"><div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" href="/messages/?after=${esc(encodeURIComponent(data.next))}" rel="next"><span class="govuk-pagination__link-title">Older messages</span></a></div></nav>` : ""}`);
	c.addEventListener("click", async ev => {
		const b = ev.target.closest("button[data-read]");
		if (!b) return;
		b.disabled = true;
		try {
			await api("POST", "/messages/" + encodeURIComponent(b.dataset.read) + "/read");
			const li = b.closest("li");
			li.classList.remove("htq-message--unread");
			const t = li.querySelector(".govuk-tag");
			if (t) t.remove();
			b.remove();
			unread = Math.max(0, unread - 1);
			document.getElementById("message-summary").textContent = summary(unread);
			// keep the keyboard's place: on the message just read
			li.querySelector("h2 a").focus();
		} catch (e) {
			b.disabled = false;
			if (!e.redirected)
				document.getElementById("message-summary").textContent = "The message could not be marked as read. Try again.";
		}
	});
	c.dataset.loaded = "1";
} catch (e) {
	failure(e, "Your messages");
}
