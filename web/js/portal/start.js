// start.js - "/", the start page: its content is static (written by
// scripts/portal-pages.mjs); this only makes its start button, a link
// drawn as a button, act on Space as well as Enter.
import { buttonLinks } from "/assets/js/portal/common.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
buttonLinks();
