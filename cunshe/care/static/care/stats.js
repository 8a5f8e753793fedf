// 关爱统计 charts. The numbers come from the page's json_script block (#care-stats-data); the
// tables on the page carry the same numbers (hidden small counts of children included as "<5"),
// for readers without JavaScript or charts. A hidden count is a gap (null) in a chart.
(function () {
  "use strict";

  var PALETTE = ["#d9480f", "#ae3ec9", "#1f6feb", "#2f9e44", "#f59f00"];

  function unitsOption(data) {
    var units = data.units;
    var many = units.names.length > 12;
    var series = units.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "active", data: s.data };
    });
    series.push({
      name: data.labels.coverage,
      type: "line",
      yAxisIndex: 1,
      data: units.coverage,
      connectNulls: false
    });
    return {
      color: PALETTE,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 48, right: 56, top: 64, bottom: many ? 90 : 60 },
      dataZoom: many ? [{ type: "slider", bottom: 8, startValue: 0, endValue: 11 }] : [],
      xAxis: {
        type: "category",
        data: units.names,
        axisLabel: { interval: 0, rotate: units.names.length > 5 ? 30 : 0 }
      },
      yAxis: [
        { type: "value", minInterval: 1 },
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } }
      ],
      series: series
    };
  }

  function riskOption(data) {
    return {
      color: ["#c92a2a", "#f59f00", "#2f9e44"],
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 90, right: 24, top: 36, bottom: 24 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.risk.kinds },
      series: data.risk.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "risk", data: s.data };
      })
    };
  }

  function alertsOption(data) {
    var a = data.alerts;
    return {
      color: PALETTE,
      tooltip: { trigger: "item" },
      grid: [
        { left: 90, right: "55%", top: 8, bottom: 24 },
        { left: "60%", right: 16, top: 8, bottom: 24 }
      ],
      xAxis: [
        { gridIndex: 0, type: "value", minInterval: 1 },
        { gridIndex: 1, type: "value", minInterval: 1 }
      ],
      yAxis: [
        { gridIndex: 0, type: "category", inverse: true, data: a.kinds },
        { gridIndex: 1, type: "category", inverse: true, data: a.bands, axisLabel: { inside: false } }
      ],
      series: [
        { name: data.labels.open_by_kind, type: "bar", xAxisIndex: 0, yAxisIndex: 0, data: a.by_kind },
        { name: data.labels.open_by_kind, type: "bar", xAxisIndex: 1, yAxisIndex: 1, data: a.by_age }
      ]
    };
  }

  function trendOption(data) {
    var t = data.trend;
    var names = ["new_profiles", "closed_profiles", "visits", "alerts"];
    return {
      color: PALETTE,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 40, right: 16, top: 40, bottom: 32 },
      xAxis: { type: "category", data: t.months, boundaryGap: false },
      yAxis: { type: "value", minInterval: 1 },
      series: names.map(function (n) {
        return { name: data.labels[n], type: "line", data: t[n] };
      })
    };
  }

  var BUILDERS = { units: unitsOption, risk: riskOption, alerts: alertsOption, trend: trendOption };

  window.csCharts.draw("care-stats-data", BUILDERS);
})();
