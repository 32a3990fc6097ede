/* The waste map, live: each point in the colour of its fullest container's band, a popup
   listing its containers, and every ``data-waste-seconds`` the points and the summary read
   again from ``data-waste-live`` (JSON), so that a container marked emptied changes colour
   without a reload. Runs after core/digiplace.js has drawn the map. No inline scripts (CSP). */
(function () {
  "use strict";

  function popupContent(properties) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = properties.title;
    box.appendChild(title);
    if (properties.street) {
      var street = document.createElement("p");
      street.textContent = properties.street;
      box.appendChild(street);
    }
    var list = document.createElement("ul");
    list.className = "waste-popup__containers";
    (properties.containers || []).forEach(function (container) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = container.url;
      link.textContent = container.fraction;
      item.appendChild(link);
      item.appendChild(document.createTextNode(": " + container.text));
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function paint(layer, properties) {
    layer.feature.properties = properties;
    if (layer.setStyle) {
      layer.setStyle({ fillColor: properties.colour, color: "#000000", weight: 1.5, fillOpacity: 1 });
    }
    var path = layer.getElement && layer.getElement();
    if (path) {
      path.setAttribute("data-band", properties.band);
      path.setAttribute("role", "img");
      path.setAttribute("aria-label", properties.label);
    }
    var popup = layer.getPopup && layer.getPopup();
    if (popup && popup.isOpen()) {
      popup.setContent(popupContent(properties));
    } else {
      layer.bindPopup(popupContent(properties));
    }
  }

  function eachPoint(map, callback) {
    map.eachLayer(function (layer) {
      var properties = layer.feature && layer.feature.properties;
      if (properties && properties.id) { callback(layer, properties); }
    });
  }

  function showSummary(data) {
    Object.keys(data.summary || {}).forEach(function (name) {
      var element = document.querySelector('[data-summary="' + name + '"]');
      var text = String(data.summary[name]);
      if (element && element.textContent !== text) { element.textContent = text; }
    });
    var updated = document.querySelector('[data-summary="updated"]');
    if (updated && data.updated_text) {
      updated.textContent = data.updated_text;
      updated.setAttribute("datetime", data.updated_at);
    }
  }

  function refresh(box, map) {
    if (document.hidden) { return; }
    window.fetch(box.dataset.wasteLive, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var byId = {};
        (data.points || []).forEach(function (point) { byId[point.id] = point; });
        eachPoint(map, function (layer, properties) {
          if (byId[properties.id]) { paint(layer, byId[properties.id]); }
        });
        showSummary(data);
        box.dataset.wasteUpdated = data.updated_at;
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }

  function start(box) {
    var element = box.querySelector("[data-map]");
    var map = element && element.digiplaceMap;
    if (!map) { return false; }
    if (box.dataset.wasteStarted) { return true; }
    box.dataset.wasteStarted = "1";
    eachPoint(map, paint);
    var seconds = Number(box.dataset.wasteSeconds || 30);
    window.setInterval(function () { refresh(box, map); }, seconds * 1000);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { refresh(box, map); }
    });
    return true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-waste-live]");
    if (box && !start(box)) {
      // Leaflet loads with defer too; try again once the page has loaded.
      window.addEventListener("load", function () { start(box); });
    }
  });
})();
