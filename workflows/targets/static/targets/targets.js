// Targets board: "only shortfalls" toggle and a confirmation before drafting a notice.
// (No inline scripts: the pages load this file.)
(function () {
  "use strict";
  var toggle = document.getElementById("only-shortfalls");
  if (toggle) {
    var apply = function () { document.body.classList.toggle("only-shortfalls", toggle.checked); };
    toggle.addEventListener("change", apply);
    apply();
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
