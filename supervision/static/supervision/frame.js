/* The page frame's behaviour, from a static file: the Content-Security-Policy allows no inline
   script or event-handler attribute (issue 10 item 5). */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    // The narrow-screen menu button.
    document.querySelectorAll("[data-toggle-nav]").forEach(function (btn) {
      btn.addEventListener("click", function () { document.body.classList.toggle("nav-open"); });
    });
    // Selects that submit their form when changed (the language switch, filters).
    document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      sel.addEventListener("change", function () { if (sel.form) { sel.form.submit(); } });
    });
    // Narrow screens stack a list's cells (app.css): each body cell is labelled with its column's
    // header (data-label, unless the template gave one), so a number never stands alone.
    document.querySelectorAll("table.list").forEach(function (table) {
      var head = table.tHead;
      if (!head || !head.rows.length) { return; }
      var labels = [];
      Array.prototype.forEach.call(head.rows[head.rows.length - 1].cells, function (th) {
        var text = (th.getAttribute("title") || th.textContent || "").trim();
        for (var k = 0; k < (th.colSpan || 1); k++) { labels.push(text); }
      });
      var bodies = Array.prototype.slice.call(table.tBodies);
      if (table.tFoot) { bodies.push(table.tFoot); }
      bodies.forEach(function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var col = 0;
          Array.prototype.forEach.call(row.cells, function (cell) {
            var span = cell.colSpan || 1;
            if (span === 1 && labels[col] && !cell.hasAttribute("data-label")) {
              cell.setAttribute("data-label", labels[col]);
            }
            col += span;
          });
        });
      });
    });
    // Bars whose width comes from data (style attributes are not allowed by the policy).
    document.querySelectorAll("[data-width]").forEach(function (el) {
      var pct = parseFloat(el.getAttribute("data-width"));
      if (!isNaN(pct)) { el.style.width = Math.max(0, Math.min(100, pct)) + "%"; }
    });
    // A one-time token in every POST form (supervision/idempotency.py): a double click or a quick
    // second submit of the same form returns what the first one created instead of a duplicate.
    document.querySelectorAll("form").forEach(function (form) {
      if ((form.getAttribute("method") || "").toLowerCase() !== "post") { return; }
      if (form.getAttribute("data-once") === "off" || form.querySelector("input[name=_once]")) { return; }
      var bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "_once";
      input.value = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      form.appendChild(input);
    });
    // Confirmation prompts: <button data-confirm="...">.
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (ev) {
        if (!window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
      });
    });
    // The page's behaviour is bound (the browser tests wait for this before they click).
    document.body.setAttribute("data-frame", "ready");
  });
})();
