// Intake form: show only the details the chosen mode needs (代办: written authorisation; 领办:
// when and where). Without this script every box shows, and the service still checks them.
(function () {
  "use strict";
  var form = document.querySelector("[data-intake-form]");
  if (!form) return;
  var radios = form.querySelectorAll("input[name=mode]");
  var boxes = form.querySelectorAll("[data-for-mode]");
  function sync() {
    var chosen = form.querySelector("input[name=mode]:checked");
    var mode = chosen ? chosen.value : "";
    boxes.forEach(function (box) {
      box.hidden = box.getAttribute("data-for-mode") !== mode;
    });
  }
  radios.forEach(function (r) { r.addEventListener("change", sync); });
  sync();
  // A second click while the first submission is on its way does nothing (the server also
  // turns a repeated key into the same application).
  form.addEventListener("submit", function () {
    var button = form.querySelector("[data-submit]");
    if (button) {
      window.setTimeout(function () { button.disabled = true; }, 0);
    }
  });
})();
