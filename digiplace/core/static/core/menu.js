/* The header's menu button: on narrow screens it folds the site navigation (a disclosure).
   Without this script the button stays hidden and the navigation is shown. */
(function () {
  "use strict";

  var narrow = window.matchMedia("(max-width: 48rem)");

  function setUp(header) {
    if (header.dataset.menuReady) { return; }
    header.dataset.menuReady = "1";
    var button = header.querySelector(".menu-button");
    var nav = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) { return; }

    function show(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("site-header--menu-open", open);
    }

    function fit() {
      button.hidden = !narrow.matches;
      show(!narrow.matches);
    }

    header.classList.add("site-header--foldable");
    button.addEventListener("click", function () {
      show(button.getAttribute("aria-expanded") !== "true");
    });
    header.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && narrow.matches && button.getAttribute("aria-expanded") === "true") {
        show(false);
        button.focus();
      }
    });
    if (narrow.addEventListener) { narrow.addEventListener("change", fit); }
    fit();
  }

  function init() {
    var header = document.querySelector(".site-header");
    if (header) { setUp(header); }
  }

  // htmx-boosted links and forms swap the whole body, header included: set the new one up.
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail && event.detail.elt;
    if (!root || !root.querySelectorAll) { return; }
    if (root.matches && root.matches(".site-header")) { setUp(root); }
    root.querySelectorAll(".site-header").forEach(setUp);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
