// The privacy page's plot: each leakage measure's distribution over the kept records (plotly.js).
"use strict";
(function () {
  const holder = document.getElementById("leakage-data");
  const el = document.getElementById("p-leakage");
  if (!holder || !el) return;
  const kept = JSON.parse(holder.textContent) || {};
  const traces = Object.entries(kept).filter(function (e) { return e[1] && e[1].n; }).map(function (e) {
    const d = e[1];
    return { type: "box", name: e[0], x: [e[0]], lowerfence: [d.min], q1: [d.p5], median: [d.p50], q3: [d.p95], upperfence: [d.max] };
  });
  if (!traces.length || typeof Plotly === "undefined") {
    el.textContent = "no measures recorded";
    el.classList.add("nodata");
    return;
  }
  Plotly.newPlot(el, traces, { margin: { l: 48, r: 12, t: 12, b: 44 }, height: 280, showlegend: false,
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", yaxis: { title: { text: "value" } } },
    { displaylogo: false, responsive: true });
})();
