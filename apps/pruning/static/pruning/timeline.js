// Pool timeline: free space (top grid) and log events and data aging runs (bottom grid)
// on one shared time axis, from the JSON the page embeds (#timeline-data). htmx
// replaces #timeline-results when the range changes, so the chart is redrawn then.
(function () {
  "use strict";

  // Rows of the lower grid, bottom to top.
  const LANES = ["Data aging", "Pruning", "Deletions", "Errors"];
  const LANE_OF_CATEGORY = {
    logical_prune: "Pruning",
    physical_prune: "Pruning",
    mark_and_sweep: "Pruning",
    chunk_delete: "Deletions",
    volume_delete: "Deletions",
    cloud_delete: "Deletions",
    error: "Errors",
  };
  const LANE_COLORS = {
    "Data aging": "#0d6efd",
    Pruning: "#198754",
    Deletions: "#20c997",
    Errors: "#dc3545",
  };

  function escapeHtml(value) {
    return String(value)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  function readTimeline() {
    const element = document.getElementById("timeline-data");
    return element ? JSON.parse(element.textContent) : null;
  }

  function laneSeries(timeline) {
    const points = { "Data aging": [], Pruning: [], Deletions: [], Errors: [] };
    for (const run of timeline.aging_runs) {
      points["Data aging"].push({
        value: [run.start_time, "Data aging"],
        tip: `Data aging job ${run.job_id}: ${run.status || run.outcome}`,
      });
    }
    for (const event of timeline.events) {
      const lane = LANE_OF_CATEGORY[event.category];
      if (lane) {
        points[lane].push({
          value: [event.time, lane],
          tip: `${event.log_type} ${event.category}: ${event.message}`,
        });
      }
    }
    return LANES.map((lane) => ({
      name: lane,
      type: "scatter",
      xAxisIndex: 1,
      yAxisIndex: 1,
      symbolSize: lane === "Data aging" ? 12 : 7,
      itemStyle: { color: LANE_COLORS[lane] },
      data: points[lane],
    }));
  }

  function timelineOption(timeline) {
    const start = timeline.range.start;
    const end = timeline.range.end;
    return {
      tooltip: {
        trigger: "item",
        formatter: (params) =>
          params.data && params.data.tip
            ? `${escapeHtml(params.value[0])}<br>${escapeHtml(params.data.tip)}`
            : `${escapeHtml(params.value[0])}: ${Number(params.value[1]).toLocaleString(undefined, { maximumFractionDigits: 1 })} GiB free`,
      },
      legend: { top: 0 },
      grid: [
        { left: 90, right: 30, top: 40, height: 200 },
        { left: 90, right: 30, top: 290, height: 120 },
      ],
      xAxis: [
        { type: "time", gridIndex: 0, min: start, max: end },
        { type: "time", gridIndex: 1, min: start, max: end },
      ],
      yAxis: [
        { type: "value", gridIndex: 0, name: "Free GiB" },
        { type: "category", gridIndex: 1, data: LANES },
      ],
      dataZoom: [{ type: "inside", xAxisIndex: [0, 1] }],
      series: [
        {
          name: "Free space",
          type: "line",
          step: "end",
          xAxisIndex: 0,
          yAxisIndex: 0,
          showSymbol: timeline.free_space.length < 50,
          // The API gives MiB, as the CommServe reports them; the chart shows GiB.
          data: timeline.free_space.map((point) => [point.time, point.free_space_mb / 1024]),
        },
        ...laneSeries(timeline),
      ],
    };
  }

  let chart = null;

  function draw() {
    const element = document.getElementById("timeline-chart");
    const timeline = readTimeline();
    if (!element || !timeline || typeof echarts === "undefined") {
      return;
    }
    chart = echarts.init(element);
    chart.setOption(timelineOption(timeline));
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
