/* The stop display's clock: ticks every second in the city's time zone (``data-time-zone``:
   a panel or a phone whose own zone differs must still show the time the departures count
   from), from the browser's clock, set right by the display's own network time. The board
   itself is polled by htmx. No inline scripts (CSP). */
(function () {
  "use strict";
  function pad(number) { return number < 10 ? "0" + number : String(number); }
  function formatter(zone) {
    if (!zone || !window.Intl) { return null; }
    try {
      return new Intl.DateTimeFormat("en-GB", {
        hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone
      });
    } catch (error) {
      return null; // a zone the browser does not know: its own time rather than none
    }
  }
  function tick(clock, format) {
    var now = new Date();
    var text = format ? format.format(now) : pad(now.getHours()) + ":" + pad(now.getMinutes());
    if (clock.textContent !== text) {
      clock.textContent = text;
      clock.setAttribute("datetime", now.toISOString());
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var clock = document.querySelector("[data-display-clock]");
    if (!clock) { return; }
    var format = formatter(clock.getAttribute("data-time-zone"));
    tick(clock, format);
    clock.setAttribute("data-ticking", "");
    window.setInterval(function () { tick(clock, format); }, 1000);
  });
})();
