/* Survey pages: a conditional question shows only while the answer it depends on includes
   one of its options. Without this script every question shows, with a note saying when
   to answer it (the server ignores answers to questions whose condition is not met). */
(function () {
  "use strict";

  function chosenValues(form, name) {
    var values = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      if (input.disabled) return;
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
      if (input.value) values.push(input.value);
    });
    return values;
  }

  function update(form) {
    // In page order: a question's condition is always an earlier question.
    form.querySelectorAll("[data-shown-if]").forEach(function (block) {
      var wanted = (block.getAttribute("data-shown-if-values") || "").split(" ");
      var chosen = chosenValues(form, "q" + block.getAttribute("data-shown-if"));
      var shown = chosen.some(function (value) { return wanted.indexOf(value) !== -1; });
      block.hidden = !shown;
      block.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.disabled = !shown;
      });
    });
  }

  function start() {
    document.querySelectorAll("form[data-survey-form]").forEach(function (form) {
      form.classList.add("survey-form--live");
      update(form);
      form.addEventListener("change", function () { update(form); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
