/* A bus's replay: the range input chooses one of the day's positions; the marker moves there
   and the line under the slider says the time, the line and the delay at that moment (read
   aloud politely). The arrow keys move one position, Page Up/Down ten (the browser's own
   range input). No inline scripts (CSP). */
(function () {
  "use strict";

  function start(box) {
    var element = document.querySelector("[data-map]");
    var map = element && element.digiplaceMap;
    if (!map) { return false; }
    if (box.dataset.replayStarted) { return true; }
    box.dataset.replayStarted = "1";
    var source = document.getElementById(box.dataset.controlReplay);
    var points = source ? JSON.parse(source.textContent) : [];
    var slider = box.querySelector('input[type="range"]');
    if (!points.length || !slider) { return true; }
    var marker = L.circleMarker([points[0].latitude, points[0].longitude], {
      radius: 9, className: "control-replay-marker", weight: 3
    }).addTo(map);
    var fields = {
      time: box.querySelector('[data-replay="time"]'),
      route: box.querySelector('[data-replay="route"]'),
      delay: box.querySelector('[data-replay="delay"]'),
      offRoute: box.querySelector('[data-replay="off-route"]')
    };
    function show() {
      var point = points[Number(slider.value)] || points[0];
      marker.setLatLng([point.latitude, point.longitude]);
      fields.time.textContent = point.time;
      fields.route.textContent = point.route || "\u2014";
      fields.delay.textContent = point.delay_text;
      fields.offRoute.hidden = !point.off_route;
      slider.setAttribute("aria-valuetext", point.time + ", " + point.delay_text);
    }
    slider.addEventListener("input", show);
    show();
    return true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-control-replay]");
    if (box && !start(box)) {
      window.addEventListener("load", function () { start(box); });
    }
  });
})();
