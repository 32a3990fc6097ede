/* The charging and parking map, live: every ``data-places-seconds`` the status of each place
   is read again from ``data-places-live`` (JSON) and written into the list and the markers'
   popups, without a reload. Runs after core/digiplace.js has drawn the map. */
(function () {
  "use strict";
  function pad(number) { return number < 10 ? "0" + number : String(number); }
  // HH:MM:SS in the city's time zone, as the page first showed it (not the browser's zone
  // and locale: a visitor's phone abroad, or in English, would show another hour or "PM").
  function timeText(moment, zone) {
    try {
      return new Intl.DateTimeFormat("en-GB", {
        hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone: zone || undefined
      }).format(moment);
    } catch (error) {
      return pad(moment.getHours()) + ":" + pad(moment.getMinutes()) + ":" + pad(moment.getSeconds());
    }
  }
  function update(data) {
    (data.places || []).forEach(function (place) {
      var row = document.querySelector('[data-place="' + window.CSS.escape(place.id) + '"]');
      var cell = row && row.querySelector("[data-place-status]");
      if (!cell) { return; }
      var text = place.status_label + (place.counts ? " (" + place.counts + ")" : "");
      if (cell.textContent !== text) { cell.textContent = text; }
      cell.className = "people-status people-status--" + place.status;
    });
    var updated = document.querySelector("[data-places-updated]");
    if (updated && data.updated_at) {
      updated.setAttribute("datetime", data.updated_at);
      updated.textContent = timeText(new Date(data.updated_at), updated.getAttribute("data-time-zone"));
    }
  }
  function popups(box, data) {
    var element = box.querySelector("[data-map]");
    var map = element && element.digiplaceMap;
    if (!map) { return; }
    var byId = {};
    (data.places || []).forEach(function (place) { byId[place.id] = place; });
    map.eachLayer(function (layer) {
      var properties = layer.feature && layer.feature.properties;
      if (properties && byId[properties.id] && layer.setPopupContent) {
        layer.setPopupContent(byId[properties.id].label);
      }
    });
  }
  function refresh(box) {
    if (document.hidden) { return; }
    window.fetch(box.dataset.placesLive, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { update(data); popups(box, data); } })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-places-live]");
    if (!box) { return; }
    var seconds = Number(box.dataset.placesSeconds || 30);
    window.setInterval(function () { refresh(box); }, seconds * 1000);
  });
})();
