// The pool page's free-space history, fetched as JSON from the same URL.
(function () {
  "use strict";

  function historyOption(history) {
    const points = history.points;
    const times = points.map((point) => point.time);
    const line = (name, key, style) => ({
      name: name,
      type: "line",
      showSymbol: points.length < 60,
      lineStyle: style,
      data: points.map((point) => point[key]),
    });
    return {
      title: points.length
        ? undefined
        : { text: "No snapshot reports capacity", left: "center", top: "middle" },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 8, right: 16, top: 16, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: times },
      yAxis: { type: "value", name: "GiB", min: 0 },
      dataZoom: [{ type: "inside" }, { type: "slider", bottom: 24, height: 16 }],
      series: [
        line("Lowest free (GiB)", "free_min_gb", { width: 1, type: "dashed" }),
        line("Mean free (GiB)", "free_avg_gb", { width: 2 }),
        line("Highest free (GiB)", "free_max_gb", { width: 1, type: "dashed" }),
        line("Capacity (GiB)", "total_gb", { width: 1, color: "#6c757d" }),
      ],
    };
  }

  const element = document.getElementById("pool-history-chart");
  if (!element) {
    return;
  }
  const chart = echarts.init(element);
  chart.showLoading();
  fetch(element.dataset.url, { headers: { Accept: "application/json" } })
    .then((response) => {
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      return response.json();
    })
    .then((data) => {
      chart.hideLoading();
      chart.setOption(historyOption(data.history));
    })
    .catch((error) => {
      chart.hideLoading();
      chart.setOption({
        title: {
          text: `The history could not be loaded (${error.message}).`,
          left: "center",
          top: "middle",
        },
      });
    });
  window.addEventListener("resize", () => chart.resize());
})();
