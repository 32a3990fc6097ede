/* DigiPlace shared behaviour: map and chart components. No inline scripts (CSP). */
(function () {
  "use strict";

  function readJson(id) {
    var element = id && document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  /* A colour of the city's theme (/branding.css), or the fallback before it applies. */
  function themeColour(name, fallback) {
    var value = window.getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function initMap(element) {
    if (element.dataset.ready || typeof L === "undefined") { return; }
    element.dataset.ready = "1";
    var centre = element.dataset.centre.split(",").map(Number);
    var map = L.map(element, { scrollWheelZoom: false, zoomControl: false })
      .setView(centre, Number(element.dataset.zoom || 13));
    // Leaflet's controls in the page's language (the template translates the titles).
    L.control.zoom({
      zoomInTitle: element.dataset.zoomInTitle || "Zoom in",
      zoomOutTitle: element.dataset.zoomOutTitle || "Zoom out"
    }).addTo(map);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com/">Leaflet</a>');
    // Leaflet names its popups' close button in English only.
    map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close && element.dataset.closePopupLabel) {
        close.setAttribute("aria-label", element.dataset.closePopupLabel);
        close.setAttribute("title", element.dataset.closePopupLabel);
      }
    });
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
    var marker = themeColour("--marker", "#000000");
    var features = readJson(element.dataset.features);
    if (features && features.features && features.features.length) {
      var layer = L.geoJSON(features, {
        // Leaflet applies the style to points too: a point is a filled dot, an area a light fill.
        style: function (feature) {
          var isPoint = feature && feature.geometry && /Point$/.test(feature.geometry.type);
          return isPoint
            ? { weight: 2, color: "#ffffff", fillColor: marker, fillOpacity: 0.9 }
            : { weight: 2, color: marker, fillColor: marker, fillOpacity: 0.15 };
        },
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, { radius: 8, className: "map-marker" });
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
      // Every place in view (the city's bounds still limit how far the map pans).
      map.fitBounds(layer.getBounds(), { maxZoom: Number(element.dataset.zoom || 15), padding: [24, 24] });
    }
    element.digiplaceMap = map;
  }

  /* Charts. On a narrow box (under 40rem) bar charts lie down (horizontal bars), so that
     their labels read without rotation; labels too long are shortened with an ellipsis,
     and the tooltip and the data table under the chart keep the full text. */
  var NARROW_REM = 40;
  var CHAR_PX = 7;

  function isNarrow(width) {
    var rem = parseFloat(window.getComputedStyle(document.documentElement).fontSize) || 16;
    return width < NARROW_REM * rem;
  }

  function shorten(text, limit) {
    text = String(text);
    return text.length > limit ? text.slice(0, Math.max(1, limit - 1)).trimEnd() + "\u2026" : text;
  }

  /* Up to two lines of at most ``limit`` characters, cut at spaces where it can. */
  function wrapLabel(text, limit) {
    var words = String(text).split(/\s+/);
    var lines = [""];
    words.forEach(function (word) {
      var last = lines.length - 1;
      var joined = lines[last] ? lines[last] + " " + word : word;
      if (joined.length <= limit || !lines[last]) { lines[last] = joined; } else { lines.push(word); }
    });
    if (lines.length > 2) { lines = [lines[0], lines.slice(1).join(" ")]; }
    return lines.map(function (line) { return shorten(line, limit); });
  }

  /* Counts (reports, projects) are whole numbers: their axis never shows 0.5. */
  function allWhole(datasets) {
    return datasets.every(function (dataset) {
      return dataset.data.every(function (value) { return value === null || Number.isInteger(value); });
    });
  }

  function chartOptions(config, width, horizontal) {
    var valueTicks = allWhole(config.datasets) ? { precision: 0 } : {};
    var options = {
      responsive: true, maintainAspectRatio: false, animation: false,
      locale: document.documentElement.lang || undefined,
      plugins: { legend: { display: config.datasets.length > 1 } },
      scales: {}
    };
    if (config.type !== "bar") {
      options.scales.x = { ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12 } };
      options.scales.y = { ticks: valueTicks };
      return options;
    }
    var count = Math.max(1, config.labels.length);
    var limit = horizontal
      ? Math.max(8, Math.floor((width * 0.4) / CHAR_PX))
      : Math.max(4, Math.floor(width / count / CHAR_PX));
    options.indexAxis = horizontal ? "y" : "x";
    // Lying down, the series of a label share one bar (stacked), so a row stays one bar tall;
    // the tooltip lists every series of the label.
    var stacked = horizontal && config.datasets.length > 1;
    if (stacked) { options.interaction = { mode: "index", axis: "y", intersect: false }; }
    options.scales[horizontal ? "y" : "x"] = {
      stacked: stacked,
      ticks: {
        autoSkip: false, maxRotation: 0, minRotation: 0,
        callback: function (value) {
          var label = this.getLabelForValue(value);
          return horizontal ? shorten(label, limit) : wrapLabel(label, limit);
        }
      }
    };
    options.scales[horizontal ? "x" : "y"] = { stacked: stacked, beginAtZero: true, ticks: valueTicks };
    return options;
  }

  function drawChart(canvas, config) {
    var box = canvas.parentNode;
    var width = box.clientWidth || 320;
    var horizontal = config.type === "bar" && isNarrow(width);
    if (horizontal) {
      // A row per label (its series stacked in one bar), plus the axis and the legend.
      box.style.setProperty("--chart-height", (config.labels.length * 28 + 80) + "px");
      box.classList.add("chart-canvas--horizontal");
    } else {
      box.classList.remove("chart-canvas--horizontal");
    }
    var palette = [1, 2, 3, 4, 5, 6].map(function (index) {
      return themeColour("--chart-" + index, "#000000");
    });
    var datasets = config.datasets.map(function (dataset, index) {
      var colour = palette[index % palette.length];
      return { label: dataset.label, data: dataset.data, backgroundColor: colour, borderColor: colour };
    });
    var options = chartOptions(config, width, horizontal);
    if (config.type === "bar") {
      var redrawing = false;
      options.onResize = function (chart, size) {
        if (!redrawing && isNarrow(size.width) !== horizontal) {
          redrawing = true;
          // The orientation changes with the width: draw the chart again, after this event.
          window.setTimeout(function () {
            chart.destroy();
            canvas.digiplaceChart = drawChart(canvas, config);
          }, 0);
        }
      };
    }
    var chart = new Chart(canvas, {
      type: config.type, data: { labels: config.labels, datasets: datasets }, options: options
    });
    canvas.dataset.orientation = horizontal ? "horizontal" : "vertical";
    return chart;
  }

  function initChart(canvas) {
    if (canvas.dataset.ready || typeof Chart === "undefined") { return; }
    canvas.dataset.ready = "1";
    var config = readJson(canvas.dataset.chart);
    if (!config) { return; }
    Chart.defaults.color = themeColour("--muted", "#4a4a4a");
    canvas.digiplaceChart = drawChart(canvas, config);
  }

  function initAll(root) {
    root.querySelectorAll("[data-map]").forEach(initMap);
    root.querySelectorAll("canvas[data-chart]").forEach(initChart);
  }

  document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { initAll(event.target); });

  /* List filters come back with new counts beside the results (an out-of-band swap): the
     filter in use keeps the keyboard focus. */
  var focusedId = null;
  document.addEventListener("htmx:oobBeforeSwap", function () {
    var active = document.activeElement;
    focusedId = active && active.id ? active.id : null;
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    var element = focusedId && document.getElementById(focusedId);
    if (element && document.activeElement !== element) { element.focus(); }
  });
})();
