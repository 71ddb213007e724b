// sign-in.js - /sign-in: POST /api/v1/session, then back to ?next= (a
// same-origin relative path only) or the account's home page.
import { api, ApiError, banner, clearErrors, content, safeNext, setCsrf, showErrors, words } from "/assets/js/portal/common.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
const next = safeNext(new URLSearchParams(location.search).get("next"));
const signedOut = new URLSearchParams(location.search).has("signed_out");

content(`${signedOut ? banner("You have signed out", false) : ""}
<h1 class="govuk-heading-l">Sign in</h1>
${next ? `<p class="govuk-body">Sign in to continue. Your session may have ended.</p>` : ""}
<form id="sign-in-form" novalidate>
  <div class="govuk-form-group" data-name="email">
    <label class="govuk-label" for="email">Email address</label>
    <input class="govuk-input govuk-!-width-two-thirds" id="email" name="email" type="email" spellcheck="false" autocomplete="username">
  </div>
  <div class="govuk-form-group" data-name="password">
    <label class="govuk-label" for="password">Password</label>
    <input class="govuk-input govuk-!-width-two-thirds" id="password" name="password" type="password" autocomplete="current-password">
  </div>
  <button type="submit" class="govuk-button" data-module="govuk-button">Sign in</button>
</form>`);

const form = document.getElementById("sign-in-form");
let busy = false;
form.addEventListener("submit", async ev => {
	ev.preventDefault();
	if (busy) return;
	const email = form.email.value.trim(), password = form.password.value;
	const errors = [];
	if (!email) errors.push({ id: "email", text: "Enter your email address" });
	if (!password) errors.push({ id: "password", text: "Enter your password" });
	if (errors.length) return showErrors(errors);
	busy = true;
	try {
		const { data } = await api("POST", "/session", { email, password }, { redirect401: false });
		setCsrf(data.csrf);
		clearErrors();
		location.assign(next || "/home/");
	} catch (e) {
		if (e instanceof ApiError && e.status === 401)
			showErrors([{ id: "email", text: "Enter a correct email address and password" }]);
		else if (e instanceof ApiError && e.status === 429) {
			const wait = Number(e.headers && e.headers.get("Retry-After"));
			showErrors([{ id: "email", text: "You have tried to sign in too many times. " +
				(wait > 0 ? `Wait ${wait} seconds, then try again` : "Wait a minute, then try again") }]);
		} else
			showErrors([{ id: "email", text: e instanceof ApiError ? words(e.message) : "The service could not be reached. Try again" }]);
		form.password.value = "";
	} finally {
		busy = false;
	}
});
