/* Citizen form helpers: "use my location" and photo checks before upload.
   No inline scripts (CSP); messages come translated in data-* attributes. */
(function () {
  "use strict";

  function setupLocation() {
    var button = document.getElementById("use-location");
    var lat = document.getElementById("f-latitude");
    var lon = document.getElementById("f-longitude");
    var status = document.getElementById("location-status");
    if (!button || !lat || !lon || !("geolocation" in navigator)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.dataset.msgWait;
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lat.value = position.coords.latitude.toFixed(6);
          lon.value = position.coords.longitude.toFixed(6);
          status.textContent = button.dataset.msgDone;
          button.disabled = false;
        },
        function () {
          status.textContent = button.dataset.msgFail;
          button.disabled = false;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  function photoProblem(form, files) {
    var maxCount = parseInt(form.dataset.maxPhotos, 10);
    var maxBytes = parseInt(form.dataset.maxPhotoBytes, 10);
    var maxTotal = parseInt(form.dataset.maxRequestBytes, 10);
    var types = form.dataset.photoTypes.split(",");
    var total = 0;
    if (files.length > maxCount) return form.dataset.msgPhotoCount;
    for (var i = 0; i < files.length; i++) {
      if (types.indexOf(files[i].type) < 0) return form.dataset.msgPhotoType;
      if (files[i].size > maxBytes) return form.dataset.msgPhotoSize;
      total += files[i].size;
    }
    // Leave room for the text fields in the request body.
    if (maxTotal && total > maxTotal - 64 * 1024) return form.dataset.msgRequestSize;
    return "";
  }

  function setupPhotos() {
    var form = document.getElementById("public-form");
    var input = document.getElementById("f-photos");
    var error = document.getElementById("e-photos");
    if (!form || !input || !error) return;
    function check() {
      var problem = photoProblem(form, input.files || []);
      error.textContent = problem;
      error.hidden = !problem;
      input.setAttribute("aria-invalid", problem ? "true" : "false");
      return !problem;
    }
    input.addEventListener("change", check);
    form.addEventListener("submit", function (event) {
      if (!check()) {
        event.preventDefault();
        input.focus();
        return;
      }
      // A second click would only resubmit the same submission id; save the citizen the wait.
      var submit = document.getElementById("public-submit");
      if (submit) window.setTimeout(function () { submit.disabled = true; }, 0);
    });
    window.addEventListener("pageshow", function () {
      var submit = document.getElementById("public-submit");
      if (submit) submit.disabled = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupLocation();
    setupPhotos();
  });
})();
