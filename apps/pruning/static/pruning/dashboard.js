// Pending-deletes chart of the pruning dashboard, drawn with ECharts from the JSON the
// page embeds (#pruning-summary-data). htmx replaces #pruning-results when another
// CommCell is picked, so the chart is disposed before each swap and drawn after it.
(function () {
  "use strict";

  const STATUS_COLORS = {
    critical: "#842029",
    warning: "#fd7e14",
    ok: "#198754",
  };

  function escapeHtml(value) {
    return String(value)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  function readSummary() {
    const element = document.getElementById("pruning-summary-data");
    return element ? JSON.parse(element.textContent) : null;
  }

  function pendingOption(summary) {
    const rows = summary.ddb_stores.rows.filter((row) => row.pending_deletes !== null);
    const thresholds = summary.thresholds;
    return {
      title: rows.length
        ? undefined
        : {
            text: "No DDB store reports pending deletes",
            left: "center",
            top: "middle",
            textStyle: { fontSize: 14, fontWeight: "normal", color: "#6c757d" },
          },
      grid: { left: 80, right: 20, top: 20, bottom: 90 },
      tooltip: {
        trigger: "item",
        formatter: (params) =>
          `${escapeHtml(params.name)}: ${params.value.toLocaleString()} pending deletes`,
      },
      xAxis: {
        type: "category",
        data: rows.map((row) => row.name),
        axisLabel: { rotate: 40, formatter: (name) => (name.length > 24 ? name.slice(0, 23) + "…" : name) },
      },
      yAxis: { type: "value" },
      series: [
        {
          type: "bar",
          data: rows.map((row) => ({
            value: row.pending_deletes,
            itemStyle: { color: STATUS_COLORS[row.pending_status] || "#6c757d" },
          })),
          markLine: {
            symbol: "none",
            label: { formatter: "{b}" },
            data: [
              { name: "warning", yAxis: thresholds.pending_deletes_warning, lineStyle: { color: STATUS_COLORS.warning } },
              { name: "critical", yAxis: thresholds.pending_deletes_critical, lineStyle: { color: STATUS_COLORS.critical } },
            ],
          },
        },
      ],
    };
  }

  let chart = null;

  function draw() {
    const element = document.getElementById("pending-chart");
    const summary = readSummary();
    if (!element || !summary || typeof echarts === "undefined") {
      return;
    }
    chart = echarts.init(element);
    chart.setOption(pendingOption(summary));
  }

  function dispose() {
    if (chart) {
      chart.dispose();
      chart = null;
    }
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.body.addEventListener("htmx:beforeSwap", dispose);
  document.body.addEventListener("htmx:afterSettle", draw);
  window.addEventListener("resize", () => chart && chart.resize());
})();
