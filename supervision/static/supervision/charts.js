// Draws every <div class="chart" data-chart="ID"> from the JSON in <script id="ID" type="application/json">
// (Django's json_script) with Apache ECharts served from our own static files. No inline script, no
// HTML tooltips (plain-text tooltips keep inline styles out, for the Content-Security-Policy).
(function () {
  "use strict";
  var PALETTE = ["#b0202a", "#2f7d32", "#c25e00", "#0b5cad", "#6b4fa0", "#6b7785", "#d4a017"];

  function axisOption(data, horizontal, stacked) {
    var category = { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: horizontal ? 0 : (data.categories.length > 6 ? 30 : 0) } };
    var value = { type: "value", minInterval: 1 };
    if (horizontal) { category.inverse = true; }
    return {
      color: PALETTE,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: data.series.map(function (s) {
        return { name: s.name, type: data.kind === "line" ? "line" : "bar", data: s.data, stack: stacked ? "total" : undefined, barMaxWidth: 48,
                 label: { show: !stacked && data.series.length === 1, position: horizontal ? "right" : "top" } };
      })
    };
  }

  function pieOption(data) {
    var s = data.series[0];
    return {
      color: PALETTE,
      tooltip: { trigger: "item", renderMode: "richText" },
      legend: { bottom: 0, type: "scroll" },
      series: [{ name: s.name, type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
                 label: { formatter: "{b}: {c}" },
                 data: data.categories.map(function (c, i) { return { name: c, value: s.data[i] }; })
                                      .filter(function (d) { return d.value; }) }]
    };
  }

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var option = data.kind === "pie" ? pieOption(data)
      : axisOption(data, data.kind === "hbar", data.kind === "stacked");
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    chart.on("click", function (params) {
      var index = data.kind === "pie" ? data.categories.indexOf(params.name) : params.dataIndex;
      var link = data.links && data.links[index];
      if (link) { window.location.assign(link); }
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.setAttribute("data-drawn", "1");
  }

  function start() { Array.prototype.forEach.call(document.querySelectorAll(".chart[data-chart]"), draw); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
