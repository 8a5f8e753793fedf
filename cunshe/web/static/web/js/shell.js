// 村社通 page shell. Every page loads this file; the CSP forbids inline script, so page
// behaviour lives in static files like this one.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx requests carry Django's CSRF token as a header (the token comes from the meta tag).
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  function showShellError() {
    var box = document.getElementById("shell-error");
    if (box) {
      box.hidden = false;
      box.scrollIntoView({ block: "nearest" });
    }
  }

  // A staff session that has not finished two-factor sign-in gets a 403 with this code from
  // the middleware; reloading lets it redirect the whole page to the code form.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 403 && /two_factor_required/.test(xhr.responseText || "")) {
      window.location.reload();
      return;
    }
    showShellError();
  });
  document.addEventListener("htmx:sendError", showShellError);

  // <form data-confirm="..."> asks before submitting (no inline onclick handlers allowed).
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var message = form && form.getAttribute && form.getAttribute("data-confirm");
      if (message && !window.confirm(message)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );
})();
