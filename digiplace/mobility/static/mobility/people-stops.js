/* "Stops near me": shown only where the browser can locate; the position goes into the form
   and is sent with the search only (never stored). No inline scripts (CSP). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-people-nearest]");
    if (!form || !navigator.geolocation) { return; }
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      if (form.elements.lat.value) { return; }
      event.preventDefault();
      navigator.geolocation.getCurrentPosition(function (position) {
        form.elements.lat.value = position.coords.latitude.toFixed(5);
        form.elements.lon.value = position.coords.longitude.toFixed(5);
        form.submit();
      }, function () {
        form.hidden = true;
      }, { timeout: 10000, maximumAge: 60000 });
    });
  });
})();
