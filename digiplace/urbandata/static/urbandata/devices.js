/* Urban data's devices back office: the place picker of the device form (a tap on the map
   fills the latitude and longitude, which stay typable without a map) and the copy button
   of a new key. No inline scripts (CSP): wired through data attributes. */
(function () {
  "use strict";

  function whenMapReady(element, callback) {
    var tries = 0;
    (function wait() {
      if (element.digiplaceMap) { callback(element.digiplaceMap); return; }
      tries += 1;
      if (tries < 100) { window.setTimeout(wait, 50); }
    })();
  }

  function initPicker(picker) {
    var latitude = document.getElementById(picker.dataset.latitude);
    var longitude = document.getElementById(picker.dataset.longitude);
    var status = picker.querySelector(".location-status");
    var element = picker.querySelector("[data-map]");
    if (!latitude || !longitude || !element) { return; }
    whenMapReady(element, function (map) {
      var marker = null;
      var lat = parseFloat(String(latitude.value).replace(",", "."));
      var lon = parseFloat(String(longitude.value).replace(",", "."));
      if (!isNaN(lat) && !isNaN(lon)) {
        marker = L.marker([lat, lon], { keyboard: false }).addTo(map);
        map.setView([lat, lon], 16);
      }
      map.on("click", function (event) {
        latitude.value = event.latlng.lat.toFixed(6);
        longitude.value = event.latlng.lng.toFixed(6);
        if (marker) { marker.setLatLng(event.latlng); } else { marker = L.marker(event.latlng, { keyboard: false }).addTo(map); }
        if (status) { status.textContent = picker.dataset.pickedMessage; }
      });
    });
  }

  function initCopy(button) {
    var field = document.getElementById(button.dataset.copy);
    var status = document.querySelector(".urbandata-copy-status");
    if (!field) { return; }
    button.addEventListener("click", function () {
      function done() { if (status) { status.textContent = button.dataset.copied; } }
      field.focus();
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          if (document.execCommand("copy")) { done(); }
        });
      } else if (document.execCommand("copy")) {
        done();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-place-picker]").forEach(initPicker);
    document.querySelectorAll("button[data-copy]").forEach(initCopy);
  });
})();
