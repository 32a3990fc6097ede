// The ballot's live total: the sum of the ticked projects against the zone's budget.
// Progressive enhancement only: the server checks every rule when the ballot is sent.
(function () {
  "use strict";
  function start() {
    var form = document.querySelector("form.vote-ballot");
    if (!form) { return; }
    var output = document.getElementById("ballot-total");
    if (!output) { return; }
    var amount = Number(form.dataset.amount);
    var currency = form.dataset.currency || "";
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox][data-cost]"));
    var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 0 });
    function fill(template, values) {
      return template.replace(/\{(\w+)\}/g, function (whole, name) {
        return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
      });
    }
    function update() {
      var total = 0;
      var count = 0;
      boxes.forEach(function (box) {
        if (box.checked) { total += Number(box.dataset.cost); count += 1; }
      });
      var values = { count: String(count), total: numbers.format(total), amount: numbers.format(amount), currency: currency, over: numbers.format(total - amount) };
      var text = fill(output.dataset.text, values);
      if (total > amount) { text += " " + fill(output.dataset.textOver, values); }
      output.textContent = text;
      output.classList.toggle("is-over", total > amount);
    }
    boxes.forEach(function (box) { box.addEventListener("change", update); });
    output.hidden = false;
    update();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
