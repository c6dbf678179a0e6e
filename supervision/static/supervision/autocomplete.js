/* Searchable selects (supervision.autocomplete.AutocompleteSelect): the page renders only the
   chosen option; typing in the box beside it loads matches from data-autocomplete. The select
   stays the form's field (hidden), so the form posts and validates exactly as before. */
(function () {
  "use strict";

  function setup(select) {
    var url = select.getAttribute("data-autocomplete");
    var box = document.createElement("div");
    box.className = "autocomplete";
    var input = document.createElement("input");
    input.type = "search";
    input.autocomplete = "off";
    input.className = "autocomplete-input";
    input.placeholder = select.getAttribute("data-placeholder") || "";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-expanded", "false");
    if (select.id) { input.id = select.id + "-search"; }
    var label = select.id && document.querySelector("label[for='" + select.id + "']");
    if (label) { input.setAttribute("aria-label", label.textContent.trim()); }
    var list = document.createElement("ul");
    list.className = "autocomplete-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var current = select.options[select.selectedIndex];
    input.value = current && current.value ? current.text : "";
    select.hidden = true;
    select.parentNode.insertBefore(box, select);
    box.appendChild(input);
    box.appendChild(list);
    box.appendChild(select);

    var timer = null, seq = 0, active = -1;

    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
    function choose(id, text) {
      var opt = null;
      for (var i = 0; i < select.options.length; i++) {
        if (select.options[i].value === String(id)) { opt = select.options[i]; }
      }
      if (!opt) { opt = new Option(text, id); select.appendChild(opt); }
      select.value = String(id);
      input.value = id === "" ? "" : text;
      close();
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function show(results) {
      list.textContent = "";
      results.forEach(function (r) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.setAttribute("data-id", String(r.id));
        li.textContent = r.text;
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(r.id, r.text); });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", list.hidden ? "false" : "true");
      active = -1;
    }
    function search() {
      var mine = ++seq;
      fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(input.value.trim()), { credentials: "same-origin",
                                                                     headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (d) { if (mine === seq) { show(d.results); } })
        .catch(function () {});
    }
    function highlight(step) {
      var items = list.querySelectorAll("li");
      if (!items.length) return;
      active = (active + step + items.length) % items.length;
      items.forEach(function (li, i) { li.classList.toggle("active", i === active); });
    }

    input.addEventListener("input", function () {
      if (timer) clearTimeout(timer);
      if (!input.value.trim()) { choose("", ""); }
      timer = setTimeout(search, 250);
    });
    input.addEventListener("focus", function () { if (!input.value) { search(); } });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") { ev.preventDefault(); if (list.hidden) { search(); } else { highlight(1); } }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(-1); }
      else if (ev.key === "Enter" && !list.hidden && active >= 0) {
        ev.preventDefault();
        var li = list.querySelectorAll("li")[active];
        choose(li.getAttribute("data-id"), li.textContent);
      } else if (ev.key === "Escape") { close(); }
    });
  }

  function init() {
    document.querySelectorAll("select[data-autocomplete]").forEach(setup);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
