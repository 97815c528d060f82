// Horizon review app: keyboard shortcuts, the code chips' search, and the
// queue's selection. No inline script anywhere (the Content-Security-Policy
// forbids it); every page works without this file, only slower.
(function () {
  "use strict";
  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(t.tagName));
  }
  function submit(id) {
    var f = document.getElementById(id);
    if (f) { f.requestSubmit ? f.requestSubmit() : f.submit(); return true; }
    return false;
  }
  // focusAfterKey focuses el once the key is released, so that the key's
  // own character is not typed into the field.
  function focusAfterKey(el) {
    document.addEventListener("keyup", function () { el.focus(); }, { once: true });
  }
  // open unfolds a <details> and puts the focus in it.
  function open(id, focus) {
    var d = document.getElementById(id);
    if (!d) return false;
    d.open = true;
    d.scrollIntoView({ block: "nearest" });
    var f = d.querySelector(focus || "input:not([type=hidden]), button");
    if (f) focusAfterKey(f);
    return true;
  }
  function focusOn(selector) {
    var b = document.querySelector(selector);
    if (b) focusAfterKey(b);
    return !!b;
  }
  function help() {
    var h = document.getElementById("help");
    if (!h) return false;
    if (h.open) h.close(); else h.showModal();
    return true;
  }
  var keys = {
    // On a near miss (no technology yet) a and x only go to its two
    // buttons: the analyst presses the one meant.
    a: function () { return submit("accept-form") || focusOn("#relevant"); },
    n: function () { return submit("claim-next"); },
    x: function () { return open("not-relevant-box", "button") || focusOn("#not-relevant-form #not-relevant"); },
    m: function () { return open("merge-box", "#merge-q"); },
    c: function () { return open("correct-box", ".picker input:not([type=hidden])"); },
    e: function () { var n = document.querySelector("form.note textarea"); if (n) focusAfterKey(n); return !!n; },
    "/": function () { var q = document.querySelector("#filters select, .filters select"); if (q) { q.focus(); return true; } return false; },
    "?": help
  };
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    var k = keys[e.key];
    if (k && k()) e.preventDefault();
  });
  // count shows, in a picker's legend, how many codes are picked.
  function count(fs) {
    var n = fs.querySelectorAll("input[type=checkbox]:checked, input[type=radio]:checked:not([value=''])").length;
    var out = fs.querySelector("[data-picked]");
    if (out) out.textContent = n ? "(" + n + " picked)" : "(none picked)";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll('input[name="item"]').forEach(function (b) { b.checked = all.checked; });
      });
    }
    document.querySelectorAll("fieldset.picker").forEach(function (fs) {
      count(fs);
      fs.addEventListener("change", function () { count(fs); });
      var search = fs.querySelector(".picker-search");
      if (!search) return;
      search.addEventListener("input", function () {
        var q = search.value.trim().toLowerCase();
        fs.querySelectorAll(".options li").forEach(function (li) {
          // A picked code stays in view whatever the search.
          var picked = li.querySelector("input:checked");
          li.hidden = q !== "" && !picked && li.textContent.toLowerCase().indexOf(q) < 0;
        });
      });
      search.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });
    });
    var close = document.getElementById("help-close");
    if (close) close.addEventListener("click", function () { document.getElementById("help").close(); });
  });
})();
