// Keyboard shortcuts for the desk: an enhancement only; every action also works without it.
// The shortcuts are listed on the page once this script runs (#shortcut-help).
// j/k: next/previous item in a list; a: approve, d: decline, each through a confirmation page
// (no single key decides anything); ?: show or hide the list.
(function () {
  "use strict";
  function typing(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
  }
  function move(step) {
    var items = Array.prototype.slice.call(document.querySelectorAll("[data-shortcut-item]"));
    if (!items.length) return;
    var index = items.indexOf(document.activeElement);
    var next = items[Math.max(0, Math.min(items.length - 1, index + step))];
    next.focus();
  }
  // The confirmation page for a decision, carrying what the form holds now (ticked themes, the
  // chosen reason), so nothing the moderator set is lost on the way.
  function confirmPage(linkSelector, formSelector, fields) {
    var link = document.querySelector(linkSelector);
    var form = document.querySelector(formSelector);
    if (!link) return;
    var url = new URL(link.href, window.location.href);
    if (form) {
      var data = new FormData(form);
      fields.forEach(function (name) {
        url.searchParams.delete(name);
        data.getAll(name).forEach(function (value) { url.searchParams.append(name, value); });
      });
    }
    window.location.assign(url.toString());
  }
  function ready() {
    var help = document.getElementById("shortcut-help");
    if (help) help.hidden = false;
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready); else ready();
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "j") { move(1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
    else if (event.key === "a") { confirmPage("[data-confirm-approve]", "[data-approve-form]", ["themes_sent", "theme"]); }
    else if (event.key === "d") { confirmPage("[data-confirm-decline]", "[data-decline-form]", ["reason"]); }
    else if (event.key === "?") {
      var help = document.getElementById("shortcut-help");
      if (help) { help.hidden = !help.hidden; }
    }
  });
})();
