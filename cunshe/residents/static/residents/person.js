// Person page: the "event to correct" and "what really happened" fields only matter for a
// correction, so they show only when the kind is 更正. Without JavaScript all fields show.
(function () {
  "use strict";
  function sync(form) {
    var kind = form.querySelector('[name="kind"]');
    if (!kind) return;
    var isCorrection = kind.value === "correction";
    ["corrects", "corrected_kind"].forEach(function (name) {
      var input = form.querySelector('[name="' + name + '"]');
      if (input && input.parentElement) input.parentElement.hidden = !isCorrection;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-event-form]");
    if (!form) return;
    sync(form);
    form.addEventListener("change", function () { sync(form); });
  });
})();
