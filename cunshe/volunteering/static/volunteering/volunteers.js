// Availability grid: "select all" / "select none" buttons (no inline script: CSP).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-slots]");
  if (!button) return;
  var fieldset = button.closest("[data-availability]");
  var on = button.getAttribute("data-slots") === "all";
  fieldset.querySelectorAll('input[name="availability"]').forEach(function (box) {
    box.checked = on;
  });
});
