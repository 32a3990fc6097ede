/* Meetings: the forum's live lists (public and moderator). htmx polls the list; an answer
   equal to the last one is not swapped in, so the keyboard focus and the reading position
   stay where they are until something changed. No inline scripts (CSP). */
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.hasAttribute("data-forum-live")) { return; }
    var text = event.detail.xhr ? event.detail.xhr.responseText : null;
    if (event.detail.requestConfig && event.detail.requestConfig.verb !== "get") {
      target.dataset.lastAnswer = text || "";
      return;
    }
    // The moderator is typing an answer: the list waits for the next poll.
    var typing = Array.prototype.some.call(target.querySelectorAll("textarea, input[type=text]"), function (field) {
      return field === document.activeElement || field.value !== field.defaultValue;
    });
    if (typing) {
      event.detail.shouldSwap = false;
      return;
    }
    if (text !== null && target.dataset.lastAnswer === text) {
      event.detail.shouldSwap = false;
      return;
    }
    target.dataset.lastAnswer = text || "";
  });
})();

/* The staff's meeting form: a tap on the map fills the latitude and longitude. */
(function () {
  "use strict";

  function whenReady(element, callback) {
    if (element.digiplaceMap) { callback(element.digiplaceMap); return; }
    var tries = 0;
    var timer = window.setInterval(function () {
      tries += 1;
      if (element.digiplaceMap) { window.clearInterval(timer); callback(element.digiplaceMap); }
      else if (tries > 100) { window.clearInterval(timer); }
    }, 50);
  }

  function initPicker(picker) {
    var latitude = document.getElementById(picker.dataset.latitude);
    var longitude = document.getElementById(picker.dataset.longitude);
    var status = picker.querySelector(".location-status");
    var element = picker.querySelector("[data-map]");
    if (!latitude || !longitude || !element) { return; }
    whenReady(element, function (map) {
      var marker = null;
      var lat = parseFloat(latitude.value), lon = parseFloat(longitude.value);
      if (!isNaN(lat) && !isNaN(lon)) { marker = L.marker([lat, lon], { keyboard: false }).addTo(map); map.setView([lat, lon], 16); }
      map.on("click", function (event) {
        latitude.value = event.latlng.lat.toFixed(6);
        longitude.value = event.latlng.lng.toFixed(6);
        if (marker) { marker.setLatLng(event.latlng); } else { marker = L.marker(event.latlng, { keyboard: false }).addTo(map); }
        if (status) { status.textContent = picker.dataset.pickedMessage; }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-meeting-picker]").forEach(initPicker);
  });
})();
