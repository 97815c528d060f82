// Horizon review app: keyboard shortcuts and queue selection. No inline
// script anywhere (the Content-Security-Policy forbids it).
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
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    if (e.key === "a" && submit("accept-form")) e.preventDefault();
    if (e.key === "n" && submit("claim-next")) e.preventDefault();
  });
  document.addEventListener("DOMContentLoaded", function () {
    var all = document.getElementById("select-all");
    if (!all) return;
    all.addEventListener("change", function () {
      document.querySelectorAll('input[name="item"]').forEach(function (b) { b.checked = all.checked; });
    });
  });
})();
