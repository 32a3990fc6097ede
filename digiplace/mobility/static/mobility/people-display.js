/* The stop display's clock: ticks every second in the city's page time (the browser's clock,
   set right by the display's own network time). The board itself is polled by htmx. No
   inline scripts (CSP). */
(function () {
  "use strict";
  function pad(number) { return number < 10 ? "0" + number : String(number); }
  function tick(clock) {
    var now = new Date();
    var text = pad(now.getHours()) + ":" + pad(now.getMinutes());
    if (clock.textContent !== text) {
      clock.textContent = text;
      clock.setAttribute("datetime", now.toISOString());
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var clock = document.querySelector("[data-display-clock]");
    if (!clock) { return; }
    tick(clock);
    window.setInterval(function () { tick(clock); }, 1000);
  });
})();
