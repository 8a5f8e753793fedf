// Starts Swagger UI for /api/v1/docs. Kept in a file because the CSP forbids inline script.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var csrfToken = root.dataset.csrfToken;
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    // "none" turns off the badge that would fetch validator.swagger.io: no external requests.
    validatorUrl: "none",
    presets: [window.SwaggerUIBundle.presets.apis],
    // Calls made from the page use the browser session, so unsafe methods need the CSRF token.
    requestInterceptor: function (req) {
      if (csrfToken) {
        req.headers["X-CSRFToken"] = csrfToken;
      }
      return req;
    },
  });
})();
