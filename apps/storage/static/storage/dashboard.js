// Charts of the storage dashboard, drawn with ECharts from the JSON that the page
// embeds (#storage-summary-data). htmx replaces #storage-results, which contains the
// charts, when the filters change, so the charts are disposed before each swap and
// drawn again after it.
(function () {
  "use strict";

  // The same colours as the .pool-* classes in storage/storage.css.
  const STATUS_COLORS = {
    critical: "#842029",
    warning: "#dc3545",
    low: "#fd7e14",
    ok: "#198754",
    not_reported: "#6c757d",
  };
  const MIB_PER_TIB = 1024 * 1024;

  function readSummary() {
    const element = document.getElementById("storage-summary-data");
    return element ? JSON.parse(element.textContent) : null;
  }

  function drawChart(element, option) {
    const existing = echarts.getInstanceByDom(element);
    if (existing) {
      existing.dispose();
    }
    echarts.init(element).setOption(option);
  }

  function capacityOption(summary) {
    const totals = summary.totals;
    const toTb = (mb) => Math.round((100 * mb) / MIB_PER_TIB) / 100;
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { bottom: 0 },
      grid: { left: 8, right: 16, top: 8, bottom: 32, containLabel: true },
      xAxis: { type: "value", name: "TiB", nameLocation: "end" },
      yAxis: { type: "category", data: ["All pools"] },
      series: [
        {
          name: "Used (TiB)",
          type: "bar",
          stack: "space",
          itemStyle: { color: "#0d6efd" },
          data: [toTb(totals.used_mb)],
        },
        {
          name: "Free (TiB)",
          type: "bar",
          stack: "space",
          itemStyle: { color: "#adb5bd" },
          data: [toTb(totals.free_mb)],
        },
      ],
    };
  }

  function gaugeOption(pool, thresholds) {
    const color = STATUS_COLORS[pool.status];
    return {
      series: [
        {
          type: "gauge",
          min: 0,
          max: 100,
          radius: "95%",
          center: ["50%", "60%"],
          startAngle: 200,
          endAngle: -20,
          progress: { show: true, width: 10, itemStyle: { color: color } },
          axisLine: {
            lineStyle: {
              width: 10,
              color: [
                [thresholds.critical_below / 100, "#f1c6c9"],
                [thresholds.warning_below / 100, "#f8d7da"],
                [thresholds.low_below / 100, "#ffe5d0"],
                [1, "#d1e7dd"],
              ],
            },
          },
          pointer: { show: false },
          axisTick: { show: false },
          splitLine: { show: false },
          axisLabel: { show: false },
          title: { show: false },
          detail: {
            valueAnimation: false,
            offsetCenter: [0, "10%"],
            fontSize: 16,
            formatter: "{value}% free",
            color: color,
          },
          data: [{ value: pool.free_percent }],
        },
      ],
    };
  }

  function drawCharts() {
    const summary = readSummary();
    if (!summary) {
      return;
    }
    const capacity = document.getElementById("capacity-chart");
    if (capacity) {
      drawChart(capacity, capacityOption(summary));
    }
    const byId = new Map(summary.pools.map((pool) => [String(pool.id), pool]));
    document.querySelectorAll("[data-gauge]").forEach((element) => {
      const pool = byId.get(element.dataset.gauge);
      if (pool) {
        drawChart(element, gaugeOption(pool, summary.thresholds));
      }
    });
  }

  function disposeCharts(container) {
    container.querySelectorAll(".chart, .pool-gauge").forEach((element) => {
      const chart = echarts.getInstanceByDom(element);
      if (chart) {
        chart.dispose();
      }
    });
  }

  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target.id === "storage-results") {
      disposeCharts(event.detail.target);
    }
  });
  document.body.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.target.id === "storage-results") {
      drawCharts();
    }
  });
  window.addEventListener("resize", () => {
    document.querySelectorAll(".chart, .pool-gauge").forEach((element) => {
      const chart = echarts.getInstanceByDom(element);
      if (chart) {
        chart.resize();
      }
    });
  });

  drawCharts();
})();
