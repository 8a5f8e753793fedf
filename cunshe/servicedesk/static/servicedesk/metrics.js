// 办事统计 charts. The numbers come from the page's json_script block (#metrics-data); the
// tables on the page carry the same numbers for readers without JavaScript or charts.
(function () {
  "use strict";

  var PALETTE = ["#1f6feb", "#d9480f", "#2f9e44", "#ae3ec9", "#f59f00"];

  function percentAxis(name) {
    return {
      type: "value",
      name: name,
      min: 0,
      max: 100,
      axisLabel: { formatter: "{value}%" },
      splitLine: { show: false }
    };
  }

  function unitsOption(data) {
    var units = data.units;
    // Long lists (a county's townships, a township's villages) scroll rather than squash.
    var many = units.names.length > 12;
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
      yAxis: [{ type: "value", name: data.labels.total, minInterval: 1 }, percentAxis("%")],
      series: [
        { name: data.labels.total, type: "bar", data: units.total },
        {
          name: data.labels.on_time_rate,
          type: "line",
          yAxisIndex: 1,
          data: units.on_time_rate,
          connectNulls: false
        },
        {
          name: data.labels.zero_trip_rate,
          type: "line",
          yAxisIndex: 1,
          data: units.zero_trip_rate,
          lineStyle: { type: "dashed" },
          connectNulls: false
        }
      ]
    };
  }

  function trendOption(data) {
    var trend = data.trend;
    return {
      color: PALETTE,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 48, right: 56, top: 64, bottom: 40 },
      xAxis: { type: "category", data: trend.months, boundaryGap: false },
      yAxis: [{ type: "value", name: data.labels.total, minInterval: 1 }, percentAxis("%")],
      series: [
        { name: data.labels.total, type: "line", areaStyle: { opacity: 0.15 }, data: trend.total },
        {
          name: data.labels.on_time_rate,
          type: "line",
          yAxisIndex: 1,
          data: trend.on_time_rate,
          connectNulls: true
        }
      ]
    };
  }

  function modesOption(data) {
    return {
      color: PALETTE,
      tooltip: { trigger: "axis" },
      grid: { left: 90, right: 24, top: 8, bottom: 24 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: {
        type: "category",
        inverse: true,
        data: data.modes.map(function (m) { return m.name; })
      },
      series: [
        {
          name: data.labels.total,
          type: "bar",
          data: data.modes.map(function (m) { return m.value; }),
          label: { show: true, position: "right" }
        }
      ]
    };
  }

  var BUILDERS = { units: unitsOption, trend: trendOption, modes: modesOption };

  window.csCharts.draw("metrics-data", BUILDERS);
})();
