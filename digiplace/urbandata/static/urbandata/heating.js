/* District-heating dashboard: colour each substation on the map by its state (the table and
   the popups say the state in words). No inline scripts (CSP). */
(function () {
  "use strict";

  var COLOURS = { ok: "#1b7f3b", out_of_range: "#b35c00", alert: "#b3261e", no_data: "#6b6b6b" };

  function whenMapReady(element, callback) {
    var tries = 0;
    (function wait() {
      if (element.digiplaceMap) { callback(element.digiplaceMap); return; }
      tries += 1;
      if (tries < 100) { window.setTimeout(wait, 50); }
    })();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-heating-map] [data-map]").forEach(function (element) {
      whenMapReady(element, function (map) {
        map.eachLayer(function (layer) {
          var state = layer.feature && layer.feature.properties && layer.feature.properties.state;
          if (state && COLOURS[state] && layer.setStyle) {
            layer.setStyle({ fillColor: COLOURS[state], color: "#ffffff", fillOpacity: 0.95 });
          }
        });
      });
    });
  });
})();
