/* Starts Swagger UI on /api/docs/ from the page's data- attributes: no inline script (CSP). */
(function () {
  "use strict";

  var root = document.getElementById("swagger-ui");
  if (!root || typeof SwaggerUIBundle === "undefined") { return; }
  var csrfHeader = root.dataset.csrfHeader;
  var csrfToken = root.dataset.csrfToken;

  // A signed-in session may try the writing operations: they need the CSRF token.
  function requestInterceptor(request) {
    var method = (request.method || "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD" && csrfHeader && csrfToken) {
      request.headers[csrfHeader] = csrfToken;
    }
    return request;
  }

  // Swagger UI leaves the fields of a parameter row unnamed: name them after the parameter.
  function nameFields(scope) {
    scope.querySelectorAll("tr[data-param-name]").forEach(function (row) {
      row.querySelectorAll("select, input, textarea").forEach(function (field) {
        if (!field.getAttribute("aria-label") && !field.labels.length) {
          field.setAttribute("aria-label", row.getAttribute("data-param-name"));
        }
      });
    });
  }
  new MutationObserver(function () { nameFields(root); })
    .observe(root, {childList: true, subtree: true});

  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // No deep links: Swagger UI puts them inside the operation buttons (nested controls, axe).
    deepLinking: false,
    // The public validator is another site: its badge would be a request off this one.
    validatorUrl: null,
    requestInterceptor: requestInterceptor
  });
}());
