/* The review screen: a "select all" box for each group of proposals. Without this script each row is ticked on its
 * own and every button still works. */
(function () {
  "use strict";

  function setUp(form) {
    const all = form.querySelector("[data-select-all-box]");
    const picks = Array.from(form.querySelectorAll("[data-pick]"));
    if (!all || !picks.length) return;
    form.querySelector("[data-select-all]").hidden = false;
    const fallback = form.querySelector("[data-select-all-fallback]");
    if (fallback) fallback.remove();

    function sync() {
      const ticked = picks.filter((p) => p.checked).length;
      all.checked = ticked === picks.length;
      all.indeterminate = ticked > 0 && ticked < picks.length;
    }
    all.addEventListener("change", () => {
      picks.forEach((p) => {
        p.checked = all.checked;
      });
      sync();
    });
    picks.forEach((p) => p.addEventListener("change", sync));
    sync();
  }

  function start() {
    document.querySelectorAll("[data-review-group]").forEach(setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
