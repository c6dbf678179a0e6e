// Opens the form of the action named in the address (#do-<transition>), e.g. from an
// action chip in 我的待办: expands its <details>, scrolls to it and focuses its first field.
(function () {
  "use strict";
  function openAction() {
    var match = /^#do-([a-z_]+)$/.exec(window.location.hash || "");
    if (!match) { return; }
    var form = document.querySelector('form[data-transition="' + match[1] + '"]');
    if (!form) { return; }
    for (var node = form.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
    form.classList.add("action-focus");
    form.scrollIntoView({block: "center"});
    var field = form.querySelector("textarea, select, input:not([type=hidden]), button[type=submit]");
    if (field) { field.focus({preventScroll: true}); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openAction);
  } else {
    openAction();
  }
  window.addEventListener("hashchange", openAction);
})();
