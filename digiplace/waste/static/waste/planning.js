/* A plan's routes on its map: one colour per route, numbered stops in order, the depot, and
   straight lines between the stops. The route number is in each marker, so colour is never
   the only clue. Runs after the map component has drawn its map. No inline scripts (CSP). */
(function () {
  "use strict";

  function draw() {
    var holder = document.querySelector("[data-planning-map]");
    if (!holder || typeof L === "undefined") { return; }
    var element = document.getElementById(holder.dataset.planningMap);
    var map = element && element.digiplaceMap;
    var script = document.getElementById(holder.dataset.planningData);
    if (!map || !script || element.dataset.routesDrawn) { return; }
    element.dataset.routesDrawn = "1";
    var data = JSON.parse(script.textContent);
    var depot = [data.depot.latitude, data.depot.longitude];
    var bounds = L.latLngBounds([depot, depot]);
    L.marker(depot, {
      icon: L.divIcon({ className: "route-depot", html: "D", iconSize: [24, 24] }),
      title: data.depot.name, alt: data.depot.name
    }).addTo(map).bindPopup(data.depot.name);
    var colours = ["#1f5fa8", "#b3261e", "#1e7a3c", "#7a4fa0", "#a35a00", "#00707a", "#5c5c5c"];
    data.routes.forEach(function (route) {
      var index = (route.number - 1) % colours.length;
      var line = [depot];
      route.stops.forEach(function (stop) {
        var at = [stop.latitude, stop.longitude];
        line.push(at);
        bounds.extend(at);
        var label = route.number + "." + stop.sequence + " " + stop.code + ", " + stop.street;
        L.marker(at, {
          icon: L.divIcon({
            className: "route-stop-number route-colour-" + (index + 1),
            html: String(stop.sequence), iconSize: [26, 26]
          }),
          title: label, alt: label
        }).addTo(map).bindPopup(label);
      });
      line.push(depot);
      L.polyline(line, { color: colours[index], weight: 4, opacity: 0.8 }).addTo(map);
    });
    map.fitBounds(bounds, { padding: [24, 24] });
  }

  window.addEventListener("load", draw);
})();
