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

  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // The public validator is another site: its badge would be a request off this one.
    validatorUrl: null,
    requestInterceptor: requestInterceptor
  });
}());
