/* Lists the standards catalogue from the public API and shows one
 * standard's KSBs.  Text is inserted with textContent only. */
(function () {
  "use strict";
  var tbody = document.querySelector("#standards tbody");
  var table = document.getElementById("standards");
  var status = document.getElementById("status");
  var detail = document.getElementById("detail");
  var form = document.getElementById("filter");

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function tag(std) {
    var t = el("span", std.eligible ? "Eligible" : "Not eligible", "tag " + (std.eligible ? "yes" : "no"));
    if (!std.eligible && std.ineligible_reason) t.title = std.ineligible_reason;
    return t;
  }

  function show(ref) {
    fetch("/api/v1/standards/" + encodeURIComponent(ref)).then(function (r) { return r.json(); })
      .then(function (s) {
        detail.textContent = "";
        if (s.error) { detail.appendChild(el("p", s.error.message)); detail.hidden = false; return; }
        detail.appendChild(el("h2", s.ref + " " + s.title + " (version " + s.version + ")"));
        var p = el("p"); p.appendChild(tag(s));
        if (!s.eligible) p.appendChild(el("span", " " + s.ineligible_reason));
        detail.appendChild(p);
        var dl = el("dl", undefined, "ksbs");
        s.ksbs.forEach(function (k) { dl.appendChild(el("dt", k.code)); dl.appendChild(el("dd", k.text)); });
        detail.appendChild(dl);
        detail.hidden = false;
        detail.scrollIntoView();
      });
  }

  function load() {
    var q = [];
    if (form.route.value) q.push("route=" + encodeURIComponent(form.route.value));
    if (form.eligible.value) q.push("eligible=" + form.eligible.value);
    fetch("/api/v1/standards" + (q.length ? "?" + q.join("&") : ""))
      .then(function (r) { return r.json(); })
      .then(function (d) {
        tbody.textContent = "";
        (d.standards || []).forEach(function (s) {
          var tr = el("tr");
          var a = el("a", s.ref); a.href = "#" + s.ref;
          a.addEventListener("click", function (ev) { ev.preventDefault(); show(s.ref); });
          var td = el("td"); td.appendChild(a); tr.appendChild(td);
          tr.appendChild(el("td", s.title));
          tr.appendChild(el("td", s.level));
          tr.appendChild(el("td", s.route));
          tr.appendChild(el("td", s.version));
          td = el("td"); td.appendChild(tag(s)); tr.appendChild(td);
          tbody.appendChild(tr);
        });
        status.textContent = (d.standards || []).length + " standards";
        table.hidden = false;
      })
      .catch(function () { status.textContent = "The standards could not be loaded."; });
  }

  form.addEventListener("change", load);
  load();
})();
