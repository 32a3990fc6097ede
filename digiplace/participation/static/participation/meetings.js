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
