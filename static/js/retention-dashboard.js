// Charts of the retention dashboard, drawn with ECharts from the JSON that the page
// embeds (#retention-summary-data). htmx replaces #retention-results, which contains
// the charts, when the filters change. The charts are therefore disposed before each
// swap and drawn again after it. The filter form stays outside, so typing is never lost.
(function () {
  "use strict";

  // The same colours as the .sev-* badges in css/cvanalytics.css.
  const SEVERITY_COLORS = {
    critical: "#842029",
    high: "#dc3545",
    medium: "#fd7e14",
    info: "#0dcaf0",
    ok: "#198754",
  };
  const ISSUE_SEVERITIES = ["critical", "high", "medium", "info"];
  const AXIS_LABEL_LENGTH = 28;

  // Tooltips are HTML, so every name from the CommServe is escaped before it is shown.
  function escapeHtml(value) {
    return String(value)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  function shorten(text, length) {
    return text.length > length ? text.slice(0, length - 1) + "…" : text;
  }

  function readSummary() {
    const element = document.getElementById("retention-summary-data");
    return element ? JSON.parse(element.textContent) : null;
  }

  function emptyTitle(text) {
    return {
      text: text,
      left: "center",
      top: "middle",
      textStyle: { fontSize: 14, fontWeight: "normal", color: "#6c757d" },
    };
  }

  function severityOption(summary) {
    const data = summary.severities
      .filter((item) => item.count > 0)
      .map((item) => ({
        name: item.label,
        value: item.count,
        severity: item.severity,
        itemStyle: { color: SEVERITY_COLORS[item.severity] },
      }));
    return {
      title: data.length ? undefined : emptyTitle("No rules match the filters"),
      tooltip: {
        trigger: "item",
        formatter: (params) =>
          `${escapeHtml(params.name)}: ${params.value} rules (${params.percent}%)`,
      },
      legend: { bottom: 0 },
      series: [
        {
          type: "pie",
          radius: ["35%", "70%"],
          center: ["50%", "45%"],
          label: { formatter: "{b}: {c}" },
          data: data,
        },
      ],
    };
  }

  function severityLabels(summary) {
    return Object.fromEntries(
      summary.severities.map((item) => [item.severity, item.label])
    );
  }

  function plansTooltip(plans, labels, params) {
    const plan = plans[params[0].dataIndex];
    const lines = ISSUE_SEVERITIES.filter((severity) => plan[severity] > 0).map(
      (severity) => `${escapeHtml(labels[severity])}: ${plan[severity]}`
    );
    return [
      `<strong>${escapeHtml(plan.plan)}</strong>`,
      `CommCell ${escapeHtml(plan.commcell)}`,
      `${plan.issues} issues`,
      ...lines,
    ].join("<br>");
  }

  function plansOption(summary) {
    const plans = summary.top_plans;
    const labels = severityLabels(summary);
    return {
      title: plans.length ? undefined : emptyTitle("No plan has issues"),
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: (params) => plansTooltip(plans, labels, params),
      },
      legend: { bottom: 0 },
      grid: { left: 8, right: 16, top: 8, bottom: 32, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      // Categories are row numbers, so two plans with the same name stay two bars.
      yAxis: {
        type: "category",
        inverse: true,
        data: plans.map((_, index) => String(index)),
        axisLabel: {
          formatter: (value) => shorten(plans[Number(value)].plan, AXIS_LABEL_LENGTH),
        },
      },
      series: ISSUE_SEVERITIES.map((severity) => ({
        name: labels[severity],
        type: "bar",
        stack: "issues",
        barMaxWidth: 28,
        itemStyle: { color: SEVERITY_COLORS[severity] },
        data: plans.map((plan) => plan[severity]),
      })),
    };
  }

  function filterForm() {
    return document.getElementById("retention-filters");
  }

  function showOnlySeverity(severity) {
    const form = filterForm();
    form.querySelectorAll('input[name="severity"]').forEach((box) => {
      box.checked = box.value === severity;
    });
    htmx.trigger(form, "submit");
  }

  // The plan filter is a hidden input of the form, set by a click on a bar.
  function showOnlyPlan(planId) {
    const form = filterForm();
    form.elements.plan.value = planId === null ? "" : String(planId);
    htmx.trigger(form, "submit");
  }

  function drawChart(elementId, option, onClick) {
    const element = document.getElementById(elementId);
    if (!element) {
      return;
    }
    const existing = echarts.getInstanceByDom(element);
    if (existing) {
      existing.dispose();
    }
    const chart = echarts.init(element);
    chart.setOption(option);
    chart.on("click", onClick);
  }

  function drawCharts() {
    const summary = readSummary();
    if (!summary) {
      return;
    }
    drawChart("severity-chart", severityOption(summary), (params) =>
      showOnlySeverity(params.data.severity)
    );
    drawChart("plans-chart", plansOption(summary), (params) =>
      showOnlyPlan(summary.top_plans[params.dataIndex].plan_id)
    );
  }

  function disposeCharts(container) {
    container.querySelectorAll(".chart").forEach((element) => {
      const chart = echarts.getInstanceByDom(element);
      if (chart) {
        chart.dispose();
      }
    });
  }

  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target.id === "retention-results") {
      disposeCharts(event.detail.target);
    }
  });
  document.body.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.target.id === "retention-results") {
      drawCharts();
    }
  });
  // Without JavaScript the link itself loads the page without the plan filter.
  document.body.addEventListener("click", (event) => {
    if (event.target.closest("[data-clear-plan]")) {
      event.preventDefault();
      showOnlyPlan(null);
    }
  });
  window.addEventListener("resize", () => {
    document.querySelectorAll(".chart").forEach((element) => {
      const chart = echarts.getInstanceByDom(element);
      if (chart) {
        chart.resize();
      }
    });
  });

  drawCharts();
})();
