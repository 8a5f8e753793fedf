// 志愿积分统计 charts. The numbers come from the page's json_script block (#vol-reports-data);
// the tables under the charts carry the same numbers for readers without JavaScript or charts.
(function () {
  "use strict";

  var PALETTE = ["#1f6feb", "#d9480f", "#2f9e44", "#ae3ec9", "#f59f00"];

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
    // A table the reader may not see (points without points.reports …) has no data: no chart.
    hours: function (d) {
      return d.hours ? bars(d.units, [{ name: d.hours.label, data: d.hours.values }]) : null;
    },
    stars: function (d) {
      return d.stars ? bars(d.stars.labels, [{ name: d.stars.label, data: d.stars.values }]) : null;
    },
    categories: function (d) {
      return d.categories ? bars(d.categories.labels, d.categories.series, true) : null;
    },
    store: function (d) { return d.store ? bars(d.units, d.store.series) : null; }
  };

  window.csCharts.draw("vol-reports-data", BUILDERS);
})();
