// The store counter: the running total of the picked goods, and scanning the points card with
// the camera where the browser has BarcodeDetector (a hand-held scanner types into the box).
(function () {
  "use strict";
  function total(form) {
    var sum = 0;
    form.querySelectorAll("input[data-price]").forEach(function (input) {
      var q = parseInt(input.value, 10);
      if (q > 0) { sum += q * parseInt(input.dataset.price, 10); }
    });
    var out = form.querySelector("[data-total]");
    if (out) { out.textContent = String(sum); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-redeem-form]");
    if (form) {
      form.addEventListener("input", function () { total(form); });
      total(form);
      form.addEventListener("submit", function () {
        var button = form.querySelector("[data-redeem]");
        if (button) { setTimeout(function () { button.disabled = true; }, 0); }
      });
    }
    var scan = document.querySelector("[data-camera-scan]");
    var video = document.querySelector("[data-camera-video]");
    var scanForm = document.querySelector("[data-scan-form]");
    if (!scan || !video || !scanForm || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
      return;
    }
    scan.classList.remove("d-none");
    scan.addEventListener("click", function () {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.classList.remove("d-none");
        video.play();
        var tick = function () {
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              stream.getTracks().forEach(function (t) { t.stop(); });
              scanForm.querySelector("input[name=token]").value = codes[0].rawValue;
              scanForm.submit();
            } else {
              requestAnimationFrame(tick);
            }
          }).catch(function () { requestAnimationFrame(tick); });
        };
        tick();
      });
    });
  });
})();
