// The predictor's projection of free space, from the JSON the page embeds.
(function () {
  "use strict";

  const source = document.getElementById("predictor-data");
  const element = document.getElementById("predictor-chart");
  if (!source || !element) {
    return;
  }
  const data = JSON.parse(source.textContent);
  const points = data.projection;
  const chart = echarts.init(element);
  chart.setOption({
    title: points.length
      ? undefined
      : { text: "No projection: no fill rate is known", left: "center", top: "middle" },
    tooltip: { trigger: "axis" },
    grid: { left: 8, right: 16, top: 16, bottom: 24, containLabel: true },
    xAxis: { type: "category", data: points.map((point) => point[0]) },
    yAxis: { type: "value", name: "Free GiB", min: 0 },
    series: [
      {
        name: "Projected free (GiB)",
        type: "line",
        showSymbol: false,
        areaStyle: { opacity: 0.15 },
        data: points.map((point) => point[1]),
        markPoint: data.full_on
          ? {
              data: [
                {
                  coord: [points.length - 1, 0],
                  value: `Full ${data.full_on}`,
                },
              ],
            }
          : undefined,
      },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();
