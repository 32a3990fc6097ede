/* Reports pages: the clustered map of reports, and the place picker of the new-report form.
   No inline scripts (CSP): everything is wired through data attributes. */
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

  /* A report of the map's data: its short properties (id, status s, category c, day d) read
     with the names and the link pattern sent once beside the features. */
  function reportPopup(data, properties) {
    return popup({
      url: data.url.replace("{id}", properties.id),
      title: "#" + properties.id + " " + (data.categories[properties.c] || ""),
      description: (data.statuses[properties.s] || properties.s) + " \u00b7 " + properties.d
    });
  }

  /* A cluster the server made (n reports within the box b): a tap or Enter zooms to it. */
  function clusterMarker(map, feature) {
    var p = feature.properties;
    var c = feature.geometry.coordinates;
    var size = p.n < 10 ? "small" : (p.n < 100 ? "medium" : "large");
    var icon = L.divIcon({
      html: "<div><span>" + String(p.n) + "</span></div>",
      className: "marker-cluster marker-cluster-" + size,
      iconSize: L.point(40, 40)
    });
    var marker = L.marker([c[1], c[0]], { icon: icon, title: p.t, alt: p.t, keyboard: true });
    function zoomIn() {
      var bounds = L.latLngBounds([p.b[0], p.b[1]], [p.b[2], p.b[3]]);
      if (bounds.getNorthEast().equals(bounds.getSouthWest())) {
        map.setView(bounds.getCenter(), Math.max(map.getZoom() + 2, 16));
      } else {
        map.fitBounds(bounds, { padding: [24, 24] });
      }
    }
    marker.on("click", zoomIn);
    // A role="button" answers Enter and Space (Leaflet turns neither into a click).
    marker.on("keypress", function (event) {
      var key = event.originalEvent.key;
      if (key === "Enter" || key === " ") { event.originalEvent.preventDefault(); zoomIn(); }
    });
    return marker;
  }

  function popup(properties) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.title;
    box.appendChild(link);
    var text = document.createElement("p");
    text.textContent = properties.description;
    box.appendChild(text);
    return box;
  }

  /* The list page's map: loads the reports visible in the viewport, with the filters. The
     server clusters them below street level (once per change); reports close together at
     street level are still grouped here. */
  function initReportsMap(wrapper) {
    var element = wrapper.querySelector("[data-map]");
    var status = wrapper.querySelector(".reports-map__status");
    var form = document.getElementById(wrapper.dataset.filtersForm);
    whenMapReady(element, function (map) {
      var layer = typeof L.markerClusterGroup === "function"
        ? L.markerClusterGroup({ showCoverageOnHover: false })
        : L.layerGroup();
      var clusters = L.layerGroup();
      layer.addTo(map);
      clusters.addTo(map);
      var controller = null;
      function load() {
        var bounds = map.getBounds();
        var params = new URLSearchParams(form ? new FormData(form) : undefined);
        params.delete("page");
        params.set("bbox", [bounds.getSouth(), bounds.getWest(), bounds.getNorth(), bounds.getEast()]
          .map(function (value) { return value.toFixed(5); }).join(","));
        params.set("zoom", String(Math.round(map.getZoom())));
        if (controller) { controller.abort(); }
        controller = typeof AbortController === "function" ? new AbortController() : null;
        fetch(wrapper.dataset.reportsMap + "?" + params.toString(), {
          headers: { Accept: "application/json" },
          signal: controller ? controller.signal : undefined
        }).then(function (response) {
          if (!response.ok) { throw new Error(response.statusText); }
          return response.json();
        }).then(function (data) {
          layer.clearLayers();
          clusters.clearLayers();
          data.features.forEach(function (feature) {
            if (feature.properties.n) { clusters.addLayer(clusterMarker(map, feature)); return; }
            var c = feature.geometry.coordinates;
            var marker = L.circleMarker([c[1], c[0]], {
              radius: 8, weight: 2, fillOpacity: 0.85,
              className: "report-marker report-marker--" + feature.properties.s
            });
            marker.bindPopup(reportPopup(data, feature.properties));
            layer.addLayer(marker);
          });
          status.textContent = data.truncated ? wrapper.dataset.truncatedMessage : "";
        }).catch(function (error) {
          if (error && error.name === "AbortError") { return; }
          status.textContent = wrapper.dataset.failedMessage;
        });
      }
      map.on("moveend", load);
      if (form) {
        form.addEventListener("change", load);
        form.addEventListener("submit", function () { window.setTimeout(load, 0); });
      }
      load();
    });
  }

  /* The new-report form: a tap on the map or the device's location fills the coordinates. */
  function initPicker(picker) {
    var latitude = document.getElementById(picker.dataset.latitude);
    var longitude = document.getElementById(picker.dataset.longitude);
    var status = picker.querySelector(".location-status");
    var button = picker.querySelector("[data-geolocate]");
    var element = picker.querySelector("[data-map]");
    var marker = null;
    var mapRef = null;

    function set(lat, lon, message) {
      latitude.value = lat.toFixed(6);
      longitude.value = lon.toFixed(6);
      latitude.dispatchEvent(new Event("change", { bubbles: true }));
      status.textContent = message;
      if (mapRef) {
        if (marker) { marker.setLatLng([lat, lon]); } else { marker = L.marker([lat, lon], { keyboard: false }).addTo(mapRef); }
      }
    }

    whenMapReady(element, function (map) {
      mapRef = map;
      var lat = parseFloat(latitude.value), lon = parseFloat(longitude.value);
      if (!isNaN(lat) && !isNaN(lon)) { marker = L.marker([lat, lon], { keyboard: false }).addTo(map); map.setView([lat, lon], 16); }
      map.on("click", function (event) { set(event.latlng.lat, event.latlng.lng, picker.dataset.pickedMessage); });
    });

    if (button && "geolocation" in navigator) {
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (position) {
          set(position.coords.latitude, position.coords.longitude, picker.dataset.locatedMessage);
          if (mapRef) { mapRef.setView([position.coords.latitude, position.coords.longitude], 17); }
        }, function () {
          status.textContent = picker.dataset.geolocationFailedMessage;
        }, { enableHighAccuracy: true, timeout: 15000 });
      });
    }
  }

  /* The new-report form: before sending, flag every missing field at once, in the error
     summary (links to each field) and by each field, with the server's own messages. The
     server checks the same again; without JavaScript its answer shows the same list. */
  function initFormCheck(form) {
    var summary = form.querySelector("[data-error-summary]");
    var list = summary && summary.querySelector("ul");
    if (!list) { return; }

    function fieldError(field, message) {
      var errorId = field.id + "_error";
      var errors = document.getElementById(errorId);
      if (!errors) {
        errors = document.createElement("ul");
        errors.className = "errorlist";
        errors.id = errorId;
        errors.setAttribute("data-client-error", "");
        var container = field.closest(".field") || field.parentNode;
        container.appendChild(errors);
      }
      errors.textContent = "";
      var item = document.createElement("li");
      item.textContent = message;
      errors.appendChild(item);
      field.setAttribute("aria-invalid", "true");
      var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(errorId) === -1) { described.push(errorId); }
      field.setAttribute("aria-describedby", described.join(" "));
    }

    function clearClientErrors() {
      form.querySelectorAll("[data-client-error]").forEach(function (element) {
        var field = document.getElementById(element.id.replace(/_error$/, ""));
        if (field) { field.removeAttribute("aria-invalid"); }
        element.remove();
      });
    }

    function isEmpty(field) { return !field || !field.value.trim(); }

    form.addEventListener("submit", function (event) {
      var problems = [];
      form.querySelectorAll("[data-message-required]").forEach(function (field) {
        if (isEmpty(field)) { problems.push([field, field.dataset.messageRequired]); }
      });
      var latitude = document.getElementById(form.dataset.latitude);
      var longitude = document.getElementById(form.dataset.longitude);
      var address = document.getElementById(form.dataset.address);
      if (latitude && isEmpty(latitude) && isEmpty(longitude) && isEmpty(address)) {
        problems.push([latitude, latitude.dataset.messageLocation]);
      }
      if (!problems.length) { return; }
      event.preventDefault();
      clearClientErrors();
      // In the page's order, as the server lists them.
      problems.sort(function (a, b) {
        return a[0].compareDocumentPosition(b[0]) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
      });
      list.textContent = "";
      problems.forEach(function (problem) {
        fieldError(problem[0], problem[1]);
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = "#" + problem[0].id;
        link.textContent = problem[1];
        item.appendChild(link);
        list.appendChild(item);
      });
      summary.hidden = false;
      summary.focus();
    });

    // A link of the summary puts the cursor in its field, not only the page at it.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({ block: "center" }); }
    });
    if (!summary.hidden) { summary.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-reports-map]").forEach(initReportsMap);
    document.querySelectorAll("[data-location-picker]").forEach(initPicker);
    document.querySelectorAll("[data-report-form]").forEach(initFormCheck);
    // Folded filters fold on phones only: wider screens show them open.
    if (window.matchMedia && window.matchMedia("(min-width: 48rem)").matches) {
      document.querySelectorAll("details[data-open-wide]").forEach(function (details) { details.open = true; });
    }
  });
})();
