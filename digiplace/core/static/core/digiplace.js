/* DigiPlace shared behaviour: map and chart components. No inline scripts (CSP). */
(function () {
  "use strict";

  function readJson(id) {
    var element = id && document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function initMap(element) {
    if (element.dataset.ready || typeof L === "undefined") { return; }
    element.dataset.ready = "1";
    var centre = element.dataset.centre.split(",").map(Number);
    var map = L.map(element, { scrollWheelZoom: false }).setView(centre, Number(element.dataset.zoom || 13));
    if (element.dataset.bounds) {
      var b = element.dataset.bounds.split(",").map(Number);
      map.setMaxBounds(L.latLngBounds([b[0] - 0.05, b[1] - 0.05], [b[2] + 0.05, b[3] + 0.05]));
    }
    if (element.dataset.tileUrl) {
      var failures = 0;
      var tiles = L.tileLayer(element.dataset.tileUrl, {
        attribution: element.dataset.tileAttribution, maxZoom: 19
      });
      tiles.on("tileerror", function () {
        failures += 1;
        if (failures === 1) {
          var note = document.createElement("p");
          note.className = "map-notice";
          note.setAttribute("role", "status");
          note.textContent = element.dataset.tilesFailedMessage;
          element.parentNode.insertBefore(note, element.nextSibling);
          element.classList.add("map--no-tiles");
        }
      });
      tiles.addTo(map);
    }
    var features = readJson(element.dataset.features);
    if (features && features.features && features.features.length) {
      var layer = L.geoJSON(features, {
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, { radius: 7, weight: 2, fillOpacity: 0.8 });
        },
        onEachFeature: function (feature, featureLayer) {
          var p = feature.properties || {};
          if (p.title) {
            var box = document.createElement("div");
            var link = document.createElement(p.url ? "a" : "strong");
            link.textContent = p.title;
            if (p.url) { link.href = p.url; }
            box.appendChild(link);
            if (p.description) {
              var text = document.createElement("p");
              text.textContent = p.description;
              box.appendChild(text);
            }
            featureLayer.bindPopup(box);
          }
        }
      }).addTo(map);
      if (!element.dataset.bounds) { map.fitBounds(layer.getBounds(), { maxZoom: 15 }); }
    }
    element.digiplaceMap = map;
  }

  function initChart(canvas) {
    if (canvas.dataset.ready || typeof Chart === "undefined") { return; }
    canvas.dataset.ready = "1";
    var config = readJson(canvas.dataset.chart);
    if (!config) { return; }
    var palette = ["#1f4e79", "#b3541e", "#2e7d32", "#6a1b9a", "#00838f", "#8d6e63"];
    var datasets = config.datasets.map(function (dataset, index) {
      var colour = palette[index % palette.length];
      return { label: dataset.label, data: dataset.data, backgroundColor: colour, borderColor: colour };
    });
    canvas.digiplaceChart = new Chart(canvas, {
      type: config.type,
      data: { labels: config.labels, datasets: datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false }
    });
  }

  function initAll(root) {
    root.querySelectorAll("[data-map]").forEach(initMap);
    root.querySelectorAll("canvas[data-chart]").forEach(initChart);
  }

  document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { initAll(event.target); });
})();
