/* Usage dashboard: draws the charts from the JSON that the page embeds (json_script).
 * Needs the vendored Chart.js (window.Chart). When done it sets window.usageDashboard.ready
 * and data-charts-ready="true" on #content-main, which the browser test waits for. */
(function () {
  "use strict";

  var PALETTE = ["#417690", "#e0a030", "#5b9a68", "#c25450", "#7a67b8", "#3aa6a6", "#b07a4f", "#8c8c8c"];

  function themeColor(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function withColors(datasets) {
    return datasets.map(function (dataset, i) {
      var color = PALETTE[i % PALETTE.length];
      return Object.assign({}, dataset, {
        backgroundColor: color, borderColor: color, borderWidth: 0, maxBarThickness: 64
      });
    });
  }

  function shortDate(iso) {
    return iso.slice(5); // "2025-03-07" -> "03-07": the year is in the range label
  }

  function baseOptions(grid, text) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom", labels: { color: text, boxWidth: 12 } } },
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { color: text } },
        y: { stacked: true, beginAtZero: true, grid: { color: grid }, ticks: { color: text, precision: 0 } }
      }
    };
  }

  function stackedByDay(id, labels, datasets, grid, text) {
    return new window.Chart(document.getElementById(id), {
      type: "bar",
      data: { labels: labels.map(shortDate), datasets: withColors(datasets) },
      options: baseOptions(grid, text)
    });
  }

  function topUsers(id, users, grid, text) {
    var options = baseOptions(grid, text);
    options.indexAxis = "y";
    options.plugins.legend.display = false;
    options.interaction = { mode: "nearest", axis: "y", intersect: false };
    options.scales.x = { beginAtZero: true, grid: { color: grid }, ticks: { color: text, precision: 0 } };
    options.scales.y = { grid: { display: false }, ticks: { color: text } };
    options.plugins.tooltip = {
      callbacks: {
        afterLabel: function (item) { return "Requests: " + users[item.dataIndex].requests; }
      }
    };
    return new window.Chart(document.getElementById(id), {
      type: "bar",
      data: {
        labels: users.map(function (u) { return u.username; }),
        datasets: [{
          label: "Total tokens",
          data: users.map(function (u) { return u.total_tokens; }),
          backgroundColor: PALETTE[0],
          borderRadius: 3,
          maxBarThickness: 36
        }]
      },
      options: options
    });
  }

  function render() {
    var source = document.getElementById("usage-dashboard-data");
    var main = document.getElementById("content-main");
    if (!source || !main || !window.Chart) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var grid = themeColor("--hairline-color", "#e8e8e8");
    var text = themeColor("--body-quiet-color", "#666");
    var charts = {
      tokens: stackedByDay("chart-tokens-per-day", data.labels, data.tokens_by_model, grid, text),
      requests: stackedByDay("chart-requests-per-day", data.labels, data.requests_by_model, grid, text),
      compute: stackedByDay("chart-compute-per-day", data.labels, data.compute_by_model, grid, text),
      users: topUsers("chart-top-users", data.top_users, grid, text)
    };
    window.usageDashboard = { ready: true, charts: charts, data: data };
    main.classList.add("ud-ready");
    main.dataset.chartsReady = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
