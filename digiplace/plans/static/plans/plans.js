/* Plans portal: places the Gantt bars from data attributes (no inline styles under CSP)
   and lets KPI line charts draw across dates without a measurement. */
(function () {
  "use strict";

  function placeGantt(root) {
    root.querySelectorAll(".gantt").forEach(function (gantt) {
      gantt.querySelectorAll("[data-gantt-offset]").forEach(function (element) {
        element.style.setProperty("--offset", element.dataset.ganttOffset + "%");
        if (element.dataset.ganttSpan) {
          element.style.setProperty("--span", element.dataset.ganttSpan + "%");
        }
      });
      gantt.classList.add("gantt--ready");
    });
  }

  function joinKpiLines() {
    document.querySelectorAll("canvas[data-plans-span-gaps]").forEach(function (canvas) {
      var chart = canvas.digiplaceChart;
      if (!chart || canvas.dataset.plansJoined) { return; }
      canvas.dataset.plansJoined = "1";
      chart.data.datasets.forEach(function (dataset) { dataset.spanGaps = true; });
      chart.update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () { placeGantt(document); });
  document.addEventListener("htmx:afterSettle", function (event) { placeGantt(event.target); });
  // After the shared script has drawn the charts on DOMContentLoaded.
  window.addEventListener("load", joinKpiLines);
})();
