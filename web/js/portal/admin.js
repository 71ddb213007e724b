// admin.js - what the administrator's pages share: GOV.UK date inputs
// (day, month, year) read as ISO dates, and the window state tags.
import { esc, label } from "/assets/js/portal/common.js";

const WINDOW_TAG = { open: "govuk-tag--green", announced: "govuk-tag--blue", closed: "govuk-tag--grey" };

export function stateTag(state) {
	return `<strong class="govuk-tag ${WINDOW_TAG[state] || "govuk-tag--grey"}">${esc(label("window_state", state))}</strong>`;
}

// A GOV.UK date input; the day field's id is `${name}-day`.
export function dateInput(name, legend, hint) {
	const part = (p, label, w) => `<div class="govuk-date-input__item"><div class="govuk-form-group">
<label class="govuk-label govuk-date-input__label" for="${name}-${p}">${label}</label>
<input class="govuk-input govuk-date-input__input govuk-input--width-${w}" id="${name}-${p}" name="${name}-${p}" type="text" inputmode="numeric"></div></div>`;
	return `<div class="govuk-form-group" data-name="${name}"><fieldset class="govuk-fieldset" role="group" aria-describedby="${name}-hint">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${esc(legend)}</legend>
<div id="${name}-hint" class="govuk-hint">${esc(hint)}</div>
<div class="govuk-date-input" id="${name}">${part("day", "Day", 2)}${part("month", "Month", 2)}${part("year", "Year", 4)}</div>
</fieldset></div>`;
}

// "YYYY-MM-DD", "" when empty, or null when not a real date.
export function readDate(form, name) {
	const v = p => form.elements[`${name}-${p}`].value.trim();
	const [d, m, y] = [v("day"), v("month"), v("year")];
	if (!d && !m && !y) return "";
	if (!/^[0-9]{1,2}$/.test(d) || !/^[0-9]{1,2}$/.test(m) || !/^[0-9]{4}$/.test(y)) return null;
	const iso = `${y}-${m.padStart(2, "0")}-${d.padStart(2, "0")}`;
	const t = new Date(iso + "T00:00:00Z");
	return isNaN(t) || t.toISOString().slice(0, 10) !== iso ? null : iso;
}
