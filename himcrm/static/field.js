/* Field-team pages: the phone's position for the worklist and the finding form.
   No inline scripts (CSP); messages come translated in data-* attributes. */
(function () {
  "use strict";

  var OPTIONS = { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 };

  function locate(onDone, onFail) {
    if (!("geolocation" in navigator)) { onFail(); return; }
    navigator.geolocation.getCurrentPosition(function (position) {
      onDone(position.coords.latitude.toFixed(6), position.coords.longitude.toFixed(6));
    }, onFail, OPTIONS);
  }

  /* Worklist: without a position in the address, ask for one and reload sorted by distance;
     when refused, keep the unsorted list and say so. */
  function setupWorklist() {
    var list = document.getElementById("worklist");
    if (!list) return;
    var status = document.getElementById("position-status");
    var button = document.getElementById("refresh-position");
    function sortHere() {
      status.textContent = list.dataset.msgWait;
      locate(function (lat, lon) {
        var url = new URL(list.dataset.url, window.location.href);
        url.searchParams.set("lat", lat);
        url.searchParams.set("lon", lon);
        window.location.replace(url.toString());
      }, function () {
        status.textContent = list.dataset.msgFail;
        status.classList.add("error");
        button.hidden = false;
      });
    }
    button.addEventListener("click", sortHere);
    if (list.dataset.sorted === "1") {
      button.hidden = false;
    } else {
      sortHere();
    }
  }

  /* Finding form: fill the position on arrival (unless the form came back with one). */
  function setupFinding() {
    var box = document.getElementById("gps");
    if (!box) return;
    var lat = document.getElementById("f-latitude");
    var lon = document.getElementById("f-longitude");
    var status = document.getElementById("gps-status");
    var button = document.getElementById("get-position");
    function fill() {
      status.textContent = box.dataset.msgWait;
      button.disabled = true;
      locate(function (la, lo) {
        lat.value = la;
        lon.value = lo;
        status.textContent = box.dataset.msgDone;
        button.disabled = false;
      }, function () {
        status.textContent = box.dataset.msgFail;
        button.disabled = false;
      });
    }
    button.addEventListener("click", fill);
    if (!lat.value && !lon.value) fill();
  }

  /* A second tap would only send the same form again while the photos upload. */
  function setupSubmitOnce() {
    var forms = document.querySelectorAll("form.field-form");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type=submit]");
        if (button) window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(document.querySelectorAll("form.field-form button[type=submit]"),
        function (button) { button.disabled = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupWorklist();
    setupFinding();
    setupSubmitOnce();
  });
})();
