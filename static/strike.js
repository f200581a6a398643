// Select words in the original to strike them as "[detail]": an enhancement of the redactions
// form (without this script the "Strike a further passage" field does the same). The selection
// is turned into offsets in the original text: each piece of it carries data-at (where it
// starts) and, for a detail already found, data-len. The server strikes exactly that passage.
(function () {
  "use strict";
  function setUp() {
    var source = document.querySelector("[data-strike-source]");
    var bar = document.querySelector("[data-strike-bar]");
    if (!source || !bar) return;
    var startField = bar.querySelector("[data-strike-start]");
    var endField = bar.querySelector("[data-strike-end]");
    var chosen = bar.querySelector("[data-strike-chosen]");
    var button = bar.querySelector("[data-strike-button]");
    var picked = null;
    bar.hidden = false;

    function pieceLength(piece) {
      return piece.hasAttribute("data-len") ? Number(piece.getAttribute("data-len")) : piece.textContent.length;
    }
    function total() {
      var pieces = source.querySelectorAll("[data-at]");
      if (!pieces.length) return 0;
      var last = pieces[pieces.length - 1];
      return Number(last.getAttribute("data-at")) + pieceLength(last);
    }
    // Where a range boundary (node, offset) falls in the original; atEnd: the boundary ends the range.
    function offsetOf(node, offset, atEnd) {
      if (node === source) {
        var child = source.childNodes[offset];
        return child && child.getAttribute ? Number(child.getAttribute("data-at")) : total();
      }
      var element = node.nodeType === 3 ? node.parentNode : node;
      var piece = element.closest("[data-at]");
      if (!piece || !source.contains(piece)) return null;
      var at = Number(piece.getAttribute("data-at"));
      var length = pieceLength(piece);
      if (piece.classList.contains("toggle")) {
        var label = piece.querySelector("label");
        if (node.nodeType === 3 && label && node === label.firstChild) return at + Math.min(offset, length);
        return atEnd ? at + length : at;  // on the tick box or the kind's name: the whole detail
      }
      if (node.nodeType === 3) return at + Math.min(offset, length);
      return offset === 0 ? at : at + length;
    }
    function update() {
      var selection = window.getSelection();
      if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
      var range = selection.getRangeAt(0);
      if (!source.contains(range.startContainer) || !source.contains(range.endContainer)) return;
      var start = offsetOf(range.startContainer, range.startOffset, false);
      var end = offsetOf(range.endContainer, range.endOffset, true);
      var words = range.toString().replace(/\s+/g, " ").trim();
      if (start === null || end === null || end <= start || !words) return;
      picked = { start: start, end: end };
      chosen.textContent = "Selected: \u201c" + (words.length > 120 ? words.slice(0, 117) + "\u2026" : words) + "\u201d";
      button.disabled = false;
    }
    document.addEventListener("selectionchange", update);
    source.addEventListener("mouseup", update);
    source.addEventListener("keyup", update);
    button.addEventListener("click", function (event) {
      if (!picked) { event.preventDefault(); return; }
      startField.value = String(picked.start);
      endField.value = String(picked.end);
    });
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
      if (event.key === "s" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey && picked) {
        event.preventDefault();
        button.click();
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp); else setUp();
})();
