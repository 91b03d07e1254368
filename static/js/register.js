/* The register page: a key for each common code, moving between pupils, and a searchable picker for every code.
 *
 * Each row posts itself through htmx (hx-post on the row, triggered by "change" or "save") and the server sends the
 * row back. This script only sets a row's code and asks for that post; without it the page is a plain form that saves
 * the whole register at once. Keys are read from the buttons' data-key attributes, so the page is the one key map.
 */
(function () {
  "use strict";

  const LATE = new Set(["L", "U"]);
  const NEXT = new Set(["ArrowDown", "j"]);
  const PREVIOUS = new Set(["ArrowUp", "k"]);

  let activeId = null; // the selected row's id: the one tab stop in the list
  let pending = null; // {rowId, part} to focus once that row comes back from the server

  document.documentElement.classList.add("register-js");

  const rows = () => Array.from(document.querySelectorAll("[data-row]"));
  const rowOf = (el) => (el instanceof Element ? el.closest("[data-row]") : null);
  const picker = () => document.getElementById("code-picker");

  function setTabStops() {
    const all = rows();
    if (!all.length) return;
    const active = document.getElementById(activeId) || all.find((r) => !r.dataset.code) || all[0];
    activeId = active.id;
    for (const row of all) {
      const on = row === active;
      row.tabIndex = on ? 0 : -1;
      row.querySelectorAll("button, input:not([type=hidden])").forEach((el) => {
        el.tabIndex = on ? 0 : -1;
      });
    }
  }

  function choose(row, focus) {
    if (!row) return;
    activeId = row.id;
    setTabStops();
    if (focus) row.focus();
  }

  function neighbour(row, step) {
    const all = rows();
    return all[all.indexOf(row) + step] || null;
  }

  function save(row, then) {
    pending = then ? { rowId: row.id, part: then } : null;
    window.htmx.trigger(row, "save");
  }

  function setCode(row, code) {
    const select = row.querySelector("select");
    if (!select || row.classList.contains("register-row--locked")) return;
    select.value = code;
    const changes = code !== row.dataset.code;
    if (LATE.has(code)) {
      save(row, "minutes");
    } else if (changes && row.hasAttribute("data-guarded")) {
      // This change may need a reason: stay on the row so that the question comes back to it.
      save(row, "row");
    } else {
      save(row, null);
      choose(neighbour(row, 1) || row, true);
    }
  }

  // --- The code picker -------------------------------------------------------------------------------------------

  let pickerRow = null;

  function matches(button, query) {
    if (!query) return true;
    const code = button.dataset.code.toLowerCase();
    const words = button.dataset.search.split(/\s+/);
    return code.startsWith(query) || query.split(/\s+/).every((q) => words.some((w) => w.startsWith(q)));
  }

  function filterPicker() {
    const dialog = picker();
    const query = dialog.querySelector("input[type=search]").value.trim().toLowerCase();
    let shown = 0;
    dialog.querySelectorAll("[data-code]").forEach((button) => {
      const show = matches(button, query);
      button.closest("li").hidden = !show;
      shown += show ? 1 : 0;
    });
    dialog.querySelectorAll(".picker__group").forEach((group) => {
      group.hidden = !group.querySelector("li:not([hidden])");
    });
    dialog.querySelector(".picker__none").hidden = shown > 0;
  }

  function visibleCodes() {
    return Array.from(picker().querySelectorAll("li:not([hidden]) [data-code]"));
  }

  function openPicker(row, typed) {
    const dialog = picker();
    if (!dialog || row.classList.contains("register-row--locked")) return;
    pickerRow = row;
    const name = row.querySelector(".register-row__name");
    dialog.querySelector("[data-picker-pupil]").textContent = name ? "for " + name.textContent.trim() : "";
    const search = dialog.querySelector("input[type=search]");
    search.value = typed || "";
    filterPicker();
    dialog.showModal();
    search.focus();
  }

  function pick(code) {
    const row = pickerRow && document.getElementById(pickerRow.id);
    pickerRow = null;
    picker().close();
    if (row) {
      choose(row, true);
      setCode(row, code);
    }
  }

  function onPickerKey(event) {
    const dialog = picker();
    const search = dialog.querySelector("input[type=search]");
    const codes = visibleCodes();
    const index = codes.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      const next = index < 0 ? (step > 0 ? codes[0] : null) : codes[index + step];
      (next || search).focus();
    } else if (event.key === "Enter" && event.target === search) {
      event.preventDefault();
      const query = search.value.trim().toLowerCase();
      const exact = codes.find((b) => b.dataset.code.toLowerCase() === query);
      if (exact || codes[0]) pick((exact || codes[0]).dataset.code);
    } else if (index >= 0 && event.key.length === 1 && !event.ctrlKey && !event.metaKey && event.key !== " ") {
      search.focus(); // typing on a code goes on with the search
    }
  }

  // --- Events ------------------------------------------------------------------------------------------------------

  document.addEventListener("keydown", (event) => {
    if (event.target instanceof Element && event.target.closest("#code-picker")) {
      onPickerKey(event);
      return;
    }
    const row = rowOf(event.target);
    if (!row || event.altKey || event.ctrlKey || event.metaKey) return;

    if (event.target.matches("input, select, textarea")) {
      if (event.key === "Enter") {
        event.preventDefault(); // not the whole register's form
        save(row, "row");
      } else if (event.key === "Escape") {
        event.preventDefault();
        row.focus();
      }
      return;
    }
    if (NEXT.has(event.key) || PREVIOUS.has(event.key)) {
      event.preventDefault();
      choose(neighbour(row, NEXT.has(event.key) ? 1 : -1) || row, true);
      return;
    }
    if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      const all = rows();
      choose(event.key === "Home" ? all[0] : all[all.length - 1], true);
      return;
    }
    if (row.classList.contains("register-row--locked") || event.key === " " || event.key === "Tab") return;
    const key = event.key.length === 1 ? event.key.toUpperCase() : event.key;
    const button = Array.from(row.querySelectorAll("[data-key]")).find((b) => b.dataset.key.split(" ").includes(key));
    if (button) {
      event.preventDefault();
      setCode(row, button.dataset.code);
    } else if (event.key === "Enter" && event.target === row) {
      event.preventDefault();
      openPicker(row, "");
    } else if (/^[a-z0-9#]$/i.test(event.key)) {
      event.preventDefault();
      openPicker(row, event.key);
    }
  });

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const inPicker = target.closest("#code-picker");
    const code = target.closest("[data-code]");
    if (inPicker) {
      if (code) pick(code.dataset.code);
      else if (target.closest("[data-picker-close]")) picker().close();
      return;
    }
    const row = rowOf(target);
    if (!row) return;
    if (target.closest("[data-picker]")) {
      choose(row, false);
      openPicker(row, "");
    } else if (code && target.closest("button")) {
      choose(row, true);
      setCode(row, code.dataset.code);
    }
  });

  document.addEventListener("input", (event) => {
    if (event.target instanceof Element && event.target.matches("#picker-search")) filterPicker();
  });

  document.addEventListener("focusin", (event) => {
    const row = rowOf(event.target);
    if (row && row.id !== activeId) choose(row, false);
  });

  document.addEventListener("close", (event) => {
    if (!(event.target instanceof Element) || event.target.id !== "code-picker") return;
    const row = pickerRow && document.getElementById(pickerRow.id);
    pickerRow = null;
    if (row) row.focus();
  }, true);

  document.addEventListener("htmx:afterSettle", (event) => {
    setTabStops();
    const swapped = event.detail.target;
    const focusLost = !document.activeElement || document.activeElement === document.body;
    if (pending && swapped && swapped.id === pending.rowId) {
      const row = document.getElementById(pending.rowId);
      const part = pending.part;
      pending = null;
      const reason = row && row.querySelector("[data-reason]");
      if (reason) {
        reason.focus();
      } else if (row && part === "minutes" && row.dataset.code && LATE.has(row.dataset.code)) {
        const minutes = row.querySelector("input[name$='-minutes_late']");
        minutes.focus();
        minutes.select();
      } else if (row) {
        row.focus();
      }
    } else if (focusLost && swapped && swapped.id === "register") {
      const active = document.getElementById(activeId);
      if (active) active.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", setTabStops);
})();
