// 志愿积分统计 charts. The numbers come from the page's json_script block (#vol-reports-data);
// the tables under the charts carry the same numbers for readers without JavaScript or charts.
(function () {
  "use strict";

  var PALETTE = ["#1f6feb", "#d9480f", "#2f9e44", "#ae3ec9", "#f59f00"];

  function readData() {
    var node = document.getElementById("vol-reports-data");
    if (!node) {
      return null;
    }
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function bars(names, series, horizontal) {
    var many = names.length > 12;
    var category = {
      type: "category",
      data: names,
      axisLabel: { interval: 0, rotate: !horizontal && names.length > 5 ? 30 : 0 }
    };
    var value = { type: "value", minInterval: 1 };
    return {
      color: PALETTE,
      tooltip: { trigger: "axis" },
      legend: series.length > 1 ? { top: 0 } : undefined,
      grid: { left: horizontal ? 90 : 48, right: 24, top: series.length > 1 ? 36 : 16, bottom: many ? 90 : 60 },
      dataZoom: many && !horizontal ? [{ type: "slider", bottom: 8, startValue: 0, endValue: 11 }] : [],
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({ inverse: true }, category) : value,
      series: series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data };
      })
    };
  }

  var BUILDERS = {
    hours: function (d) { return bars(d.units, [{ name: d.hours.label, data: d.hours.values }]); },
    stars: function (d) { return bars(d.stars.labels, [{ name: d.stars.label, data: d.stars.values }]); },
    categories: function (d) { return bars(d.categories.labels, d.categories.series, true); },
    store: function (d) { return bars(d.units, d.store.series); }
  };

  function draw() {
    var data = readData();
    if (!data || typeof window.echarts === "undefined") {
      return;
    }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var name = el.getAttribute("data-chart");
      var build = BUILDERS[name];
      if (!build || !data[name]) {
        return;
      }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      var option = build(data);
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

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
