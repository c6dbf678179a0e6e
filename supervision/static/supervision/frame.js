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
    // Bars whose width comes from data (style attributes are not allowed by the policy).
    document.querySelectorAll("[data-width]").forEach(function (el) {
      var pct = parseFloat(el.getAttribute("data-width"));
      if (!isNaN(pct)) { el.style.width = Math.max(0, Math.min(100, pct)) + "%"; }
    });
    // Confirmation prompts: <button data-confirm="...">.
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (ev) {
        if (!window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
      });
    });
  });
})();
