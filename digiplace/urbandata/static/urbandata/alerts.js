/* Urban data alerts: the list page's map shows the alerts of the live list, and follows it
   each time the list refreshes (htmx polling). No inline scripts (CSP). */
(function () {
  "use strict";

  var layer = null;
  var fitted = false;

  function readFeatures(id) {
    var script = document.getElementById(id);
    if (!script) { return null; }
    try { return JSON.parse(script.textContent); } catch (error) { return null; }
  }

  function popup(feature) {
    var p = feature.properties || {};
    var box = document.createElement("div");
    var link = document.createElement(p.url ? "a" : "strong");
    link.textContent = p.title || "";
    if (p.url) { link.href = p.url; }
    box.appendChild(link);
    if (p.description) {
      var text = document.createElement("p");
      text.textContent = p.description;
      box.appendChild(text);
    }
    return box;
  }

  function draw() {
    var holder = document.querySelector("[data-alerts-map]");
    if (!holder || typeof L === "undefined") { return; }
    var element = document.getElementById(holder.dataset.alertsMap);
    var map = element && element.digiplaceMap;
    if (!map) { return; }
    var features = readFeatures(holder.dataset.alertsFeatures);
    if (layer) { map.removeLayer(layer); layer = null; }
    element.dataset.alertCount = features && features.features ? String(features.features.length) : "0";
    if (!features || !features.features || !features.features.length) { return; }
    layer = L.geoJSON(features, {
      pointToLayer: function (feature, latlng) {
        var state = (feature.properties || {}).state || "open";
        return L.circleMarker(latlng, { radius: 9, className: "map-marker alert-marker alert-marker--" + state });
      },
      style: function (feature) {
        var state = (feature.properties || {}).state || "open";
        var colour = state === "open" ? "#b3261e" : state === "acknowledged" ? "#8a5a00" : "#1d5e33";
        return { weight: 2, color: "#ffffff", fillColor: colour, fillOpacity: 0.9 };
      },
      onEachFeature: function (feature, featureLayer) { featureLayer.bindPopup(popup(feature)); }
    }).addTo(map);
    if (!fitted) {
      fitted = true;
      map.fitBounds(layer.getBounds(), { maxZoom: 16, padding: [24, 24] });
    }
  }

  document.addEventListener("DOMContentLoaded", function () { window.setTimeout(draw, 0); });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.hasAttribute && event.target.hasAttribute("data-alerts-live")) { draw(); }
  });
})();
