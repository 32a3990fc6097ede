/* Placing a stop: a click on the map writes its position into the latitude and longitude
   fields and moves the marker there; typing in the fields moves the marker too. */
(function () {
  "use strict";

  function setUp(box) {
    var element = box.querySelector("[data-map]");
    var latitude = document.getElementById(box.dataset.latitudeField);
    var longitude = document.getElementById(box.dataset.longitudeField);
    if (!element || !latitude || !longitude) { return; }
    var map = element.digiplaceMap;
    if (!map) { window.setTimeout(function () { setUp(box); }, 100); return; }
    var marker = null;
    function place(lat, lon) {
      if (isNaN(lat) || isNaN(lon)) { return; }
      if (marker) { marker.setLatLng([lat, lon]); }
      else { marker = L.circleMarker([lat, lon], { radius: 9, className: "map-marker net-pick-marker" }).addTo(map); }
    }
    map.on("click", function (event) {
      latitude.value = event.latlng.lat.toFixed(6);
      longitude.value = event.latlng.lng.toFixed(6);
      place(event.latlng.lat, event.latlng.lng);
    });
    [latitude, longitude].forEach(function (field) {
      field.addEventListener("change", function () {
        place(parseFloat(latitude.value), parseFloat(longitude.value));
      });
    });
    place(parseFloat(latitude.value), parseFloat(longitude.value));
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-net-pick]").forEach(setUp);
  });
})();
