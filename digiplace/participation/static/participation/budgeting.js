/* Participatory budgeting: the place picker of the project form (a tap on the map fills
   the coordinates). No inline scripts (CSP): wired through data attributes. */
(function () {
  "use strict";

  function whenMapReady(element, callback) {
    var tries = 0;
    (function wait() {
      if (element && element.digiplaceMap) { callback(element.digiplaceMap); return; }
      tries += 1;
      if (tries < 50) { window.setTimeout(wait, 100); }
    })();
  }

  function initPicker(picker) {
    var latitude = document.getElementById(picker.dataset.latitude);
    var longitude = document.getElementById(picker.dataset.longitude);
    var status = picker.querySelector(".location-status");
    var element = picker.querySelector("[data-map]");
    var marker = null;
    if (!latitude || !longitude || !element) { return; }
    whenMapReady(element, function (map) {
      var lat = parseFloat(latitude.value), lon = parseFloat(longitude.value);
      if (!isNaN(lat) && !isNaN(lon)) {
        marker = L.marker([lat, lon], { keyboard: false }).addTo(map);
        map.setView([lat, lon], 16);
      }
      map.on("click", function (event) {
        latitude.value = event.latlng.lat.toFixed(6);
        longitude.value = event.latlng.lng.toFixed(6);
        if (marker) { marker.setLatLng(event.latlng); } else { marker = L.marker(event.latlng, { keyboard: false }).addTo(map); }
        status.textContent = picker.dataset.pickedMessage;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-budget-place-picker]").forEach(initPicker);
  });
})();
