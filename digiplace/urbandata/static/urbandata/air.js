/* The air map's stations in their index colours (the core map draws every place in the
   theme's marker colour). Runs after core/digiplace.js has drawn the map: this script comes
   later in the page, and both wait for DOMContentLoaded. No inline scripts (CSP). */
(function () {
  "use strict";

  function colour(element) {
    var map = element && element.digiplaceMap;
    if (!map) { return false; }
    map.eachLayer(function (layer) {
      var properties = layer.feature && layer.feature.properties;
      if (properties && properties.colour && layer.setStyle) {
        layer.setStyle({ fillColor: properties.colour, color: "#000000", weight: 1.5, fillOpacity: 1 });
        var path = layer.getElement && layer.getElement();
        if (path) { path.setAttribute("data-level", String(properties.level)); }
      }
    });
    element.dataset.airColoured = "1";
    return true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("air-map");
    if (!colour(element)) {
      // Leaflet loads with defer too; try again once the page has loaded.
      window.addEventListener("load", function () { colour(element); });
    }
  });
})();
