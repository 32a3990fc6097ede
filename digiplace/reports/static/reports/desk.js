/* The staff desk: keyboard shortcuts, reply templates, "select all" and the way from one
   report of the queue to the next. Everything here has a plain HTML fallback. */
(function () {
  "use strict";

  var SWITCH_KEY = "digiplace.desk.shortcuts";
  var QUEUE_KEY = "digiplace.desk.queue";

  function shortcutsOn() {
    try { return window.localStorage.getItem(SWITCH_KEY) !== "off"; } catch (error) { return true; }
  }

  function isField(element) {
    if (!element) { return false; }
    if (element.isContentEditable) { return true; }
    return /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName);
  }

  function openPanel(id) {
    var panel = document.getElementById(id);
    if (panel && panel.tagName === "DETAILS") { panel.open = true; }
    return panel;
  }

  function focusField(selector) {
    var field = document.querySelector(selector);
    if (field) {
      field.focus();
      field.scrollIntoView({ block: "nearest" });
    }
    return field;
  }

  function startResponse(isPublic) {
    openPanel("respond-panel");
    var choice = document.querySelector('#respond input[name="is_public"][value="' + (isPublic ? "1" : "0") + '"]');
    if (choice) { choice.checked = true; }
    focusField("#id_response_text");
  }

  // The queue remembers its reports, so that j and k step through them on a report's page.
  function rememberQueue(root) {
    var links = Array.prototype.map.call(root.querySelectorAll("[data-report-link]"), function (link) {
      return link.getAttribute("href");
    });
    try {
      window.sessionStorage.setItem(QUEUE_KEY, JSON.stringify({ queue: window.location.href, reports: links }));
    } catch (error) { /* private mode: the links still work */ }
  }

  function queueStep(root) {
    var stored = null;
    try { stored = JSON.parse(window.sessionStorage.getItem(QUEUE_KEY) || "null"); } catch (error) { stored = null; }
    if (!stored || !stored.reports) { return; }
    var here = root.getAttribute("data-report-url");
    var index = stored.reports.indexOf(here);
    if (index === -1) { return; }
    var queueLink = root.querySelector("[data-queue-link]");
    if (queueLink && stored.queue) { queueLink.href = stored.queue; }
    var steps = { "[data-queue-previous]": stored.reports[index - 1], "[data-queue-next]": stored.reports[index + 1] };
    Object.keys(steps).forEach(function (selector) {
      var link = root.querySelector(selector);
      if (link && steps[selector]) {
        link.href = steps[selector];
        link.parentNode.hidden = false;
      }
    });
  }

  function follow(selector) {
    var link = document.querySelector(selector);
    if (link && !link.parentNode.hidden && link.getAttribute("href") !== "#") {
      window.location.href = link.href;
    }
  }

  function moveInQueue(step) {
    var links = Array.prototype.slice.call(document.querySelectorAll("[data-report-link]"));
    if (!links.length) { return; }
    var index = links.indexOf(document.activeElement);
    var next = index === -1 ? (step > 0 ? 0 : links.length - 1) : Math.min(Math.max(index + step, 0), links.length - 1);
    links[next].focus();
    links[next].scrollIntoView({ block: "nearest" });
  }

  function toggleFocusedPick() {
    var row = document.activeElement && document.activeElement.closest("[data-report-row]");
    var pick = row && row.querySelector('input[name="reports"]');
    if (pick) { pick.checked = !pick.checked; }
  }

  function toggleHelp() {
    var help = document.querySelector("[data-shortcuts-help]");
    if (help) {
      help.open = !help.open;
      if (help.open) { help.querySelector("summary").focus(); }
    }
  }

  var reportKeys = {
    r: function () { startResponse(true); },
    n: function () { startResponse(false); },
    s: function () { openPanel("status-panel"); focusField("#id_status_status"); },
    a: function () {
      var form = document.getElementById("assign-me");
      if (form) { openPanel("assign-panel"); form.requestSubmit(); }
    },
    j: function () { follow("[data-queue-next]"); },
    k: function () { follow("[data-queue-previous]"); },
    u: function () { follow("[data-queue-link]"); }
  };
  var queueKeys = {
    j: function () { moveInQueue(1); },
    k: function () { moveInQueue(-1); },
    x: function () { toggleFocusedPick(); bulkCount(); }
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) { return; }
    if (isField(event.target) || !shortcutsOn()) { return; }
    var keys = document.querySelector("[data-desk-report]") ? reportKeys
      : (document.querySelector("[data-desk-queue]") ? queueKeys : null);
    if (!keys) { return; }
    var action = event.key === "?" ? toggleHelp : keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  // A template fills the reply box (without JavaScript its link reloads the page with it).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-reply-template]");
    if (!link) { return; }
    var text = document.getElementById("id_response_text");
    if (!text) { return; }
    event.preventDefault();
    text.value = link.getAttribute("data-text");
    var publicChoice = document.querySelector('#respond input[name="is_public"][value="1"]');
    if (publicChoice) { publicChoice.checked = true; }
    var status = document.querySelector("[data-template-status]");
    if (status) { status.textContent = link.textContent; }
    text.focus();
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-shortcuts-switch]")) {
      try { window.localStorage.setItem(SWITCH_KEY, target.checked ? "on" : "off"); } catch (error) { /* not kept */ }
    } else if (target.id === "select-all") {
      Array.prototype.forEach.call(document.querySelectorAll('#bulk-form input[name="reports"]'), function (pick) {
        pick.checked = target.checked;
      });
      bulkCount();
    } else if (target.matches('#bulk-form input[name="reports"]')) {
      bulkCount();
    }
  });

  // The bulk actions unfold, with the number of reports ticked, once a report is ticked.
  function bulkCount() {
    var panel = document.querySelector("[data-bulk-panel]");
    var count = document.querySelector("[data-bulk-count]");
    if (!panel || !count) { return; }
    var ticked = document.querySelectorAll('#bulk-form input[name="reports"]:checked').length;
    count.textContent = ticked ? "(" + ticked + ")" : "";
    if (ticked) { panel.open = true; }
  }

  function init(root) {
    // htmx inserts the new page before it removes the old one, and a details element of an
    // exclusive group closes when another of the group is open: open the server's choice again.
    var first = root.querySelector("[data-open-first]");
    if (first) { first.open = true; }
    var switchBox = root.querySelector("[data-shortcuts-switch]");
    if (switchBox) {
      switchBox.checked = shortcutsOn();
      root.querySelector("[data-shortcuts-switch-row]").hidden = false;
    }
    var selectAll = root.querySelector("[data-select-all]");
    if (selectAll) { selectAll.hidden = false; }
    var queue = root.querySelector("[data-desk-queue]");
    if (queue) { rememberQueue(queue); }
    var report = root.querySelector("[data-desk-report]");
    if (report) { queueStep(report); }
    bulkCount();
    var errors = root.querySelector("#bulk-errors");
    if (errors) { errors.focus(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener("htmx:afterSettle", function () { init(document); });
}());
