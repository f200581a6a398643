// Keyboard shortcuts for the desk: an enhancement only; every action also works without it.
// j/k: next/previous item in a list; a: approve; d: decline; ?: show help.
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
  function press(id) {
    var button = document.getElementById(id);
    if (button) { button.focus(); button.click(); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "j") { move(1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
    else if (event.key === "a") { press("shortcut-approve"); }
    else if (event.key === "d") { press("shortcut-decline"); }
    else if (event.key === "?") {
      var help = document.getElementById("shortcut-help");
      if (help) { help.hidden = !help.hidden; }
    }
  });
})();
