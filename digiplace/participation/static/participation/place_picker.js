/* Participation's place pickers (a proposal's, a budgeting project's, a meeting's place):
   a tap on the map fills the latitude and longitude fields named by the picker's
   data-latitude and data-longitude, which stay typable without a map. No inline scripts
   (CSP): wired through the data-place-picker attribute. */
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
      var lat = parseFloat(latitude.value), lon = parseFloat(longitude.value);
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

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-place-picker]").forEach(initPicker);
  });
})();
