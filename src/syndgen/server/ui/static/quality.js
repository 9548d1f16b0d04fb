// The quality dashboard's plots (plotly.js, served from the installed plotly package).
"use strict";
(function () {
  const holder = document.getElementById("quality-data");
  if (!holder) return;
  const data = JSON.parse(holder.textContent);
  const job = document.currentScript ? document.currentScript.dataset.job : document.querySelector("script[data-job]").dataset.job;
  const KEPT = "#2f7d4f", REJECTED = "#b3412f", QUOTA = "#8a8f98";
  const layout = function (extra) {
    return Object.assign({ margin: { l: 48, r: 12, t: 28, b: 44 }, height: 280, font: { size: 12 },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)" }, extra || {});
  };
  const config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud"] };
  function plot(id, traces, extra) {
    const el = document.getElementById(id);
    if (!el) return;
    if (!traces.length || traces.every(function (t) { return !(t.x || t.values || []).length; })) {
      el.textContent = "no data yet";
      el.classList.add("nodata");
      return;
    }
    Plotly.newPlot(el, traces, layout(extra), config);
  }
  function counts(values) {
    const out = {};
    values.forEach(function (v) { out[v] = (out[v] || 0) + 1; });
    return out;
  }
  function draw() {
    const scores = ["1", "2", "3", "4", "5"];
    const kept = counts(data.scores.kept), rejected = counts(data.scores.rejected);
    plot("p-scores", [
      { type: "bar", name: "kept", x: scores, y: scores.map(function (s) { return kept[s] || 0; }), marker: { color: KEPT } },
      { type: "bar", name: "rejected", x: scores, y: scores.map(function (s) { return rejected[s] || 0; }), marker: { color: REJECTED } },
    ], { barmode: "stack", xaxis: { title: { text: "critic score" } }, yaxis: { title: { text: "attempts" } } });

    plot("p-reasons", Object.entries(data.reasons_over_time).map(function (e) {
      return { type: "scatter", mode: "lines+markers", line: { shape: "hv" }, name: e[0], x: e[1].t, y: e[1].n };
    }), { xaxis: { title: { text: "seconds since the first rejection" } }, yaxis: { title: { text: "rejections" } } });

    const coverage = data.inspect.coverage || {};
    const axes = Object.keys(coverage), cx = [], cy = [], qy = [];
    axes.forEach(function (axis) {
      Object.entries(coverage[axis]).forEach(function (e) { cx.push(axis + ": " + e[0]); cy.push(e[1].count); qy.push(e[1].quota); });
    });
    plot("p-coverage", [
      { type: "bar", name: "kept", x: cx, y: cy, marker: { color: KEPT } },
      { type: "bar", name: "quota", x: cx, y: qy, marker: { color: QUOTA } },
    ], { barmode: "group", xaxis: { automargin: true } });

    const div = data.inspect.diversity || {};
    const dk = ["mean_cosine_distance", "distinct_1", "distinct_2"].filter(function (k) { return div[k] !== null && div[k] !== undefined; });
    plot("p-diversity", [{ type: "bar", x: dk, y: dk.map(function (k) { return div[k]; }), marker: { color: "#3b6ea8" },
      text: dk.map(function (k) { return div[k].toFixed(3); }), textposition: "auto" }], { yaxis: { range: [0, 1] } });

    plot("p-lengths", [
      { type: "histogram", name: "answer, kept", x: data.answer_chars.kept, marker: { color: KEPT }, opacity: 0.7 },
      { type: "histogram", name: "answer, rejected", x: data.answer_chars.rejected, marker: { color: REJECTED }, opacity: 0.7 },
      { type: "histogram", name: "reasoning, kept", x: data.reasoning_chars.kept, marker: { color: "#3b6ea8" }, opacity: 0.5 },
    ], { barmode: "overlay", xaxis: { title: { text: "characters" } } });

    const order = ["too_easy", "learnable", "too_hard", "unrated"];
    const dkeys = order.filter(function (k) { return data.difficulty[k]; });
    plot("p-difficulty", [{ type: "bar", x: dkeys, y: dkeys.map(function (k) { return data.difficulty[k]; }), marker: { color: "#6b5ca5" } }]);
  }
  async function map() {
    const status = document.getElementById("map-status");
    try {
      const result = await syndgen.api("GET", "/v1/jobs/" + encodeURIComponent(job) + "/quality/embedding-map");
      const sides = ["kept", "rejected"].map(function (side) {
        const pts = result.points.filter(function (p) { return p.side === side; });
        return { type: "scatter", mode: "markers", name: side, x: pts.map(function (p) { return p.x; }), y: pts.map(function (p) { return p.y; }),
          text: pts.map(function (p) { return p.label; }), hoverinfo: "text", marker: { size: 8, color: side === "kept" ? KEPT : REJECTED, opacity: 0.75 } };
      });
      plot("p-embedding", sides, { height: 360, xaxis: { title: { text: "PC 1" } }, yaxis: { title: { text: "PC 2" } } });
      status.textContent = result.points.length + " attempts";
    } catch (e) {
      status.textContent = e.message;
    }
  }
  function start() {
    if (typeof Plotly === "undefined") {
      document.querySelectorAll(".chart").forEach(function (el) { el.textContent = "plotly.js is not installed: pip install 'syndgen[serve]'"; });
      return;
    }
    draw();
    map();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
