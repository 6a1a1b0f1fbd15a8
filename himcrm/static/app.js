// HİM-CRM staff UI helpers. No inline scripts (CSP-ready); progressive enhancement only.
(function () {
  "use strict";

  // Drafts: every form with data-autosave="<key>" keeps what was typed in
  // localStorage, so a failed submit, a reload or a crash loses nothing. The page
  // shown after a successful save carries data-clear-drafts="<key> ..." on <body>.
  function draftKey(form) { return "himcrm-draft:" + form.dataset.autosave; }

  function saveDraft(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      // data-no-draft: never keep this field in the browser (e.g. the T.C. kimlik no).
      if (!el.name || el.type === "hidden" || el.type === "password" || el.type === "file" ||
          "noDraft" in el.dataset) return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      data[el.name] = el.value;
    });
    try { localStorage.setItem(draftKey(form), JSON.stringify(data)); } catch (e) { /* storage full or disabled */ }
  }

  function restoreDraft(form) {
    var raw = null;
    try { raw = localStorage.getItem(draftKey(form)); } catch (e) { return; }
    if (!raw) return;
    var data = JSON.parse(raw);
    Object.keys(data).forEach(function (name) {
      var el = form.elements.namedItem(name);
      if (!el || el.type === "hidden") return;
      if (el.value === "" || el.value === el.defaultValue && el.dataset.keepServer !== "1") {
        if (el.value === "") el.value = data[name];
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var clear = document.body.dataset.clearDrafts;
    if (clear) {
      clear.split(/\s+/).forEach(function (key) {
        try { localStorage.removeItem("himcrm-draft:" + key); } catch (e) { /* ignore */ }
      });
    }
    document.querySelectorAll("form[data-autosave]").forEach(function (form) {
      restoreDraft(form);
      form.addEventListener("input", function () { saveDraft(form); });
      form.addEventListener("change", function () { saveDraft(form); });
    });
  });

  // Exposed for screens that add their own behaviour (search-as-you-type, screen pop).
  window.HIM = {
    csrfToken: function () {
      var meta = document.querySelector('meta[name="csrf-token"]');
      return meta ? meta.content : "";
    },
    debounce: function (fn, ms) {
      var timer = null;
      return function () {
        var args = arguments, self = this;
        clearTimeout(timer);
        timer = setTimeout(function () { fn.apply(self, args); }, ms);
      };
    }
  };
})();
