// Department inbox: forget the browser's saved copy of forms the server has saved.
// Runs as a deferred script, i.e. before app.js restores drafts on DOMContentLoaded.
(function () {
  "use strict";
  document.querySelectorAll("[data-inbox-clear-drafts]").forEach(function (el) {
    el.dataset.inboxClearDrafts.split(/\s+/).forEach(function (key) {
      if (!key) return;
      try { localStorage.removeItem("himcrm-draft:" + key); } catch (e) { /* storage disabled */ }
    });
  });
})();
