// Triage: show the department a topic code routes to while it is typed, and offer
// topic suggestions from the console's search when that screen is installed.
// Without JS the forms still work: a plain code input and a "which department?" button.
(function () {
  "use strict";

  function setPreview(out, text, bad) {
    if (!out) return;
    out.textContent = text;
    out.classList.toggle("bad", !!bad);
  }

  function bindPreview(input) {
    var out = document.getElementById(input.dataset.previewTarget);
    var form = input.form;
    var district = form ? form.elements.namedItem("district_code") : null;
    var seq = 0;
    var run = HIM.debounce(function () {
      var code = input.value.trim();
      if (!code) { setPreview(out, out ? (out.dataset.empty || "") : "", false); return; }
      var url = input.dataset.previewUrl + "?topic_code=" + encodeURIComponent(code);
      if (district && district.value) url += "&district_code=" + encodeURIComponent(district.value);
      var mine = ++seq;
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (mine !== seq) return;  // a later keystroke already asked again
          if (res.ok) setPreview(out, "→ " + res.body.department.name + " (" + res.body.topic.name + ")", false);
          else setPreview(out, res.body.message || "", true);
        })
        .catch(function () { if (mine === seq) setPreview(out, "", false); });
    }, 250);
    input.addEventListener("input", run);
    input.addEventListener("change", run);
    if (district) district.addEventListener("change", run);
    if (input.value.trim()) run();
  }

  function resultsOf(body) {
    var list = Array.isArray(body) ? body : (body && (body.results || body.topics || body.items)) || [];
    return list.map(function (item) {
      if (typeof item === "string") return { code: item, name: "" };
      return { code: item.code, name: item.name || item.name_tr || item.label || "" };
    }).filter(function (item) { return !!item.code; });
  }

  function bindSearch(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var original = list.innerHTML;
    var run = HIM.debounce(function () {
      var q = input.value.trim();
      if (q.length < 2 || /^[A-Za-z]+(\.[A-Za-z0-9]*)+$/.test(q)) { list.innerHTML = original; return; }
      fetch(input.dataset.topicSearch + "?q=" + encodeURIComponent(q),
            { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          var hits = resultsOf(body);
          if (!hits.length) { list.innerHTML = original; return; }
          list.innerHTML = "";
          hits.forEach(function (hit) {
            var option = document.createElement("option");
            option.value = hit.code;
            option.textContent = hit.code + " " + hit.name;
            list.appendChild(option);
          });
        })
        .catch(function () { list.innerHTML = original; });
    }, 200);
    input.addEventListener("input", run);
  }

  // Drafts are keyed by ticket version: once an action succeeded the old draft is stale.
  function pruneStaleDrafts() {
    document.querySelectorAll("form[data-autosave^='triage-']").forEach(function (form) {
      var key = "himcrm-draft:" + form.dataset.autosave;
      var prefix = key.replace(/-v\d+-[a-z]+$/, "-v");
      try {
        for (var i = localStorage.length - 1; i >= 0; i--) {
          var k = localStorage.key(i);
          if (k && k.indexOf(prefix) === 0 && k.replace(/-[a-z]+$/, "") !== key.replace(/-[a-z]+$/, "")) {
            localStorage.removeItem(k);
          }
        }
      } catch (e) { /* storage disabled */ }
    });
  }

  pruneStaleDrafts();
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-preview-url]").forEach(bindPreview);
    document.querySelectorAll("input[data-topic-search]").forEach(bindSearch);
  });
})();
