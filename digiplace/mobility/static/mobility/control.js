/* The control centre, live: each bus a marker with its fleet number (its colour and outline
   repeat its status, which the table and the popup say in words), and every
   ``data-control-seconds`` the fleet is read again from ``data-control-live`` (JSON) to move
   the markers and rebuild the table in its order, without a reload. Runs after
   core/digiplace.js has drawn the map. No inline scripts (CSP). */
(function () {
  "use strict";

  var STATUS_CLASSES = ["stale", "off_route", "bunched", "late"];

  function statusClass(vehicle) {
    for (var i = 0; i < STATUS_CLASSES.length; i += 1) {
      if (vehicle[STATUS_CLASSES[i]]) { return "control-marker--" + STATUS_CLASSES[i].replace("_", "-"); }
    }
    return "control-marker--normal";
  }

  function icon(vehicle) {
    var text = document.createElement("span");
    text.textContent = vehicle.label;
    return L.divIcon({
      className: "control-marker " + statusClass(vehicle),
      html: text,
      iconSize: null
    });
  }

  function describe(vehicle) {
    return vehicle.label + (vehicle.route ? " (" + vehicle.route + ")" : "") + ": " +
      vehicle.delay_text + "; " + vehicle.status_text;
  }

  function popup(vehicle) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = vehicle.replay_url;
    link.textContent = vehicle.label;
    box.appendChild(link);
    [vehicle.route + (vehicle.headsign ? " → " + vehicle.headsign : ""), vehicle.delay_text,
      vehicle.headway_text, vehicle.status_text, vehicle.observed_text].forEach(function (line) {
      if (!line) { return; }
      var paragraph = document.createElement("p");
      paragraph.textContent = line;
      box.appendChild(paragraph);
    });
    return box;
  }

  function cell(tag, text, label) {
    var element = document.createElement(tag);
    element.textContent = text || "\u2014";
    if (label) { element.setAttribute("data-label", label); }
    return element;
  }

  function rebuildTable(body, vehicles) {
    var labels = body.dataset;
    var rows = document.createDocumentFragment();
    vehicles.forEach(function (vehicle) {
      var row = document.createElement("tr");
      row.setAttribute("data-vehicle", vehicle.label);
      if (vehicle.status.length) { row.className = "control-row--alert"; }
      var head = document.createElement("th");
      head.setAttribute("scope", "row");
      var link = document.createElement("a");
      link.href = vehicle.replay_url;
      link.textContent = vehicle.label;
      link.setAttribute("aria-label", vehicle.replay_label);
      head.appendChild(link);
      row.appendChild(head);
      row.appendChild(cell("td", vehicle.route, labels.labelRoute));
      row.appendChild(cell("td", vehicle.headsign, labels.labelDestination));
      row.appendChild(cell("td", vehicle.delay_text, labels.labelDelay));
      row.appendChild(cell("td", vehicle.headway_text, labels.labelHeadway));
      row.appendChild(cell("td", vehicle.observed_text, labels.labelSeen));
      row.appendChild(cell("td", vehicle.status_text, labels.labelStatus));
      rows.appendChild(row);
    });
    if (vehicles.length) {
      body.replaceChildren(rows);
    }
  }

  function Fleet(map) {
    this.map = map;
    this.markers = {};
  }

  Fleet.prototype.show = function (vehicles) {
    var seen = {};
    var self = this;
    vehicles.forEach(function (vehicle) {
      if (vehicle.latitude === null || vehicle.longitude === null) { return; }
      seen[vehicle.label] = true;
      var where = [vehicle.latitude, vehicle.longitude];
      var marker = self.markers[vehicle.label];
      var className = statusClass(vehicle);
      if (!marker) {
        marker = L.marker(where, { icon: icon(vehicle), title: describe(vehicle), alt: describe(vehicle), keyboard: true });
        marker.controlClass = className;
        marker.bindPopup(popup(vehicle));
        marker.addTo(self.map);
        self.markers[vehicle.label] = marker;
      } else {
        marker.setLatLng(where);
        if (marker.controlClass !== className) {
          marker.setIcon(icon(vehicle));
          marker.controlClass = className;
        }
        var element = marker.getElement();
        if (element) {
          element.setAttribute("title", describe(vehicle));
          element.setAttribute("aria-label", describe(vehicle));
        }
        marker.setPopupContent(popup(vehicle));
      }
    });
    Object.keys(this.markers).forEach(function (label) {
      if (!seen[label]) {
        self.map.removeLayer(self.markers[label]);
        delete self.markers[label];
      }
    });
  };

  function showCounts(data) {
    Object.keys(data.counts || {}).forEach(function (name) {
      var element = document.querySelector('[data-count="' + name + '"]');
      if (element) { element.textContent = String(data.counts[name]); }
    });
    Object.keys(data.rejects || {}).forEach(function (name) {
      var element = document.querySelector('[data-reject="' + name + '"]');
      if (element) { element.textContent = String(data.rejects[name]); }
    });
    var updated = document.querySelector("[data-control-updated]");
    if (updated && data.updated_text) {
      updated.textContent = data.updated_text;
      updated.setAttribute("datetime", data.updated_at);
    }
  }

  function refresh(box, fleet, body) {
    if (document.hidden) { return; }
    window.fetch(box.dataset.controlLive, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        fleet.show(data.vehicles || []);
        if (body) { rebuildTable(body, data.vehicles || []); }
        showCounts(data);
        box.dataset.controlUpdated = data.updated_at;
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }

  function start(box) {
    var element = box.querySelector("[data-map]");
    var map = element && element.digiplaceMap;
    if (!map) { return false; }
    if (box.dataset.controlStarted) { return true; }
    box.dataset.controlStarted = "1";
    var fleet = new Fleet(map);
    var initial = document.getElementById("control-vehicles");
    var vehicles = initial ? JSON.parse(initial.textContent) : [];
    fleet.show(vehicles);
    var placed = vehicles.filter(function (v) { return v.latitude !== null && v.longitude !== null; });
    if (placed.length) {
      map.fitBounds(L.latLngBounds(placed.map(function (v) { return [v.latitude, v.longitude]; })),
        { maxZoom: 15, padding: [24, 24] });
    }
    var body = box.querySelector("[data-control-rows]");
    var seconds = Number(box.dataset.controlSeconds || 5);
    window.setInterval(function () { refresh(box, fleet, body); }, seconds * 1000);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { refresh(box, fleet, body); }
    });
    return true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-control-live]");
    if (box && !start(box)) {
      // Leaflet loads with defer too; try again once the page has loaded.
      window.addEventListener("load", function () { start(box); });
    }
  });
})();
