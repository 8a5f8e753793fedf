// Statistics pages' charts, shared by the service desk's metrics, care statistics and the
// volunteering reports: the numbers come from the page's json_script block, each
// <div data-chart="NAME"> is drawn by BUILDERS[NAME](data) (an ECharts option; null = skip), and
// charts follow the window's size. The tables under the charts carry the same numbers for
// readers without JavaScript or charts.
(function () {
  "use strict";

  function readData(id) {
    var node = document.getElementById(id);
    if (!node) {
      return null;
    }
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function drawNow(dataId, builders) {
    var data = readData(dataId);
    if (!data || typeof window.echarts === "undefined") {
      return;
    }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var build = builders[el.getAttribute("data-chart")];
      var option = build ? build(data) : null;
      if (!option) {
        return;
      }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      option.animation = false;
      chart.setOption(option);
      charts.push(chart);
    });
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) {
        window.clearTimeout(pending);
      }
      pending = window.setTimeout(function () {
        charts.forEach(function (c) { c.resize(); });
      }, 150);
    });
  }

  window.csCharts = {
    // Draw once the page is parsed (scripts are loaded with defer, this one first).
    draw: function (dataId, builders) {
      if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", function () { drawNow(dataId, builders); });
      } else {
        drawNow(dataId, builders);
      }
    }
  };
})();
