/* Journey planner: a click on the map writes the point ("latitude, longitude") into the
   start or the destination field, whichever the radio buttons above the map name. The form
   works without it: a stop from the list or typed coordinates. */
(function () {
  "use strict";

  function start() {
    var element = document.getElementById("plan-map");
    var map = element && element.digiplaceMap;
    if (!map) { return false; }
    if (element.dataset.planStarted) { return true; }
    element.dataset.planStarted = "1";
    var markers = {};
    map.on("click", function (event) {
      var chosen = document.querySelector("[data-plan-target] input:checked");
      var field = document.getElementById(chosen ? chosen.value : "id_origin");
      if (!field) { return; }
      var text = event.latlng.lat.toFixed(6) + ", " + event.latlng.lng.toFixed(6);
      field.value = text;
      if (markers[field.id]) { map.removeLayer(markers[field.id]); }
      markers[field.id] = window.L.circleMarker(event.latlng, {radius: 8}).addTo(map)
        .bindTooltip(field.labels && field.labels[0] ? field.labels[0].textContent : text);
      // The next click sets the other end.
      var other = document.querySelector("[data-plan-target] input:not(:checked)");
      if (other) { other.checked = true; }
    });
    return true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!start()) { window.addEventListener("load", start); }
  });
})();
