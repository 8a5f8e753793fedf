/* 随手拍: "use my location" fills the form's hidden lat/lon from the phone's GPS.
   The button stays hidden where the browser has no geolocation; the address field then does. */
(function () {
  "use strict";

  function setup(form) {
    var button = form.querySelector("[data-locate]");
    var status = form.querySelector("[data-locate-status]");
    var lat = form.querySelector("input[name=lat]");
    var lon = form.querySelector("input[name=lon]");
    if (!button || !lat || !lon || !("geolocation" in navigator)) {
      return;
    }
    button.hidden = false;
    function say(key) {
      if (status) {
        status.textContent = status.getAttribute("data-msg-" + key) || "";
      }
    }
    button.addEventListener("click", function () {
      button.disabled = true;
      say("busy");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lat.value = position.coords.latitude.toFixed(6);
          lon.value = position.coords.longitude.toFixed(6);
          button.disabled = false;
          say("ok");
        },
        function () {
          lat.value = "";
          lon.value = "";
          button.disabled = false;
          say("denied");
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-report-form]");
    for (var i = 0; i < forms.length; i++) {
      setup(forms[i]);
    }
  });
})();
