// The new-run page: builds a config from the form, a file or a template, checks it live with
// POST /v1/configs/check (the CLI's messages), and submits it with POST /v1/jobs.
"use strict";
(function () {
  const form = document.getElementById("builder");
  const check = document.getElementById("check");
  const preview = document.getElementById("preview");
  let mode = (document.querySelector(".modes [aria-pressed=true]") || {}).dataset?.mode || "form";
  let seq = 0, debounce = null, lastOk = false;

  function list(text) {
    return text.split(/[,\n]/).map(function (s) { return s.trim(); }).filter(Boolean);
  }
  function num(text) {
    const t = String(text).trim();
    return /^-?\d+$/.test(t) ? parseInt(t, 10) : t;
  }
  function value(id) { return document.getElementById(id).value; }
  function fromForm() {
    const config = {};
    if (value("count").trim()) config.count = num(value("count"));
    const task = { kind: value("kind") };
    const topics = list(value("topics"));
    if (topics.length) task.topics = topics;
    const axes = [];
    value("axes").split("\n").forEach(function (line) {
      const at = line.indexOf(":");
      const name = (at < 0 ? line : line.slice(0, at)).trim();
      if (name) axes.push({ name: name, values: at < 0 ? [] : list(line.slice(at + 1)) });
    });
    if (axes.length) task.axes = axes;
    config.task = task;
    const generator = { backend: value("backend") };
    if (value("model").trim()) generator.model = value("model").trim();
    config.generator = generator;
    if (value("threshold").trim()) config.quality = { threshold: num(value("threshold")) };
    return config;
  }
  function fromTemplate() {
    const config = {};
    if (value("t-count").trim()) config.count = num(value("t-count"));
    const generator = {};
    if (value("t-backend")) generator.backend = value("t-backend");
    if (value("t-model").trim()) generator.model = value("t-model").trim();
    if (Object.keys(generator).length) config.generator = generator;
    return config;
  }
  function yaml(value, indent) {
    indent = indent || "";
    if (Array.isArray(value)) {
      if (!value.length) return " []";
      return value.map(function (v) {
        const body = yaml(v, indent + "  ");
        return "\n" + indent + "-" + (typeof v === "object" && v !== null && !Array.isArray(v) ? body.replace(/^\n\s*/, " ") : body);
      }).join("");
    }
    if (value !== null && typeof value === "object") {
      const keys = Object.keys(value);
      if (!keys.length) return " {}";
      return keys.map(function (k) { return "\n" + indent + k + ":" + yaml(value[k], indent + "  "); }).join("");
    }
    return " " + JSON.stringify(value);
  }
  function request() {
    if (mode === "file") return { body: value("configtext"), type: "application/yaml", template: null, shown: value("configtext") };
    if (mode === "template") {
      const c = fromTemplate();
      return { body: JSON.stringify(c), type: "application/json", template: value("template"), shown: "# template " + value("template") + yaml(c) };
    }
    const c = fromForm();
    return { body: JSON.stringify(c), type: "application/json", template: null, shown: yaml(c).replace(/^\n/, "") };
  }
  function query(req, extra) {
    const params = new URLSearchParams(extra || {});
    if (req.template) params.set("template", req.template);
    const s = params.toString();
    return s ? "?" + s : "";
  }
  async function validate() {
    const mine = ++seq;
    const req = request();
    preview.textContent = req.shown;
    if (mode === "file" && !req.body.trim()) {
      check.textContent = "paste a config or open a file";
      check.className = "check";
      lastOk = false;
      return;
    }
    check.textContent = "checking…";
    try {
      const r = await syndgen.api("POST", "/v1/configs/check" + query(req), req.body, req.type);
      if (mine !== seq) return;
      check.textContent = "✓ valid: " + r.count + " " + r.kind + " records on " + r.backend;
      check.className = "check ok";
      lastOk = true;
    } catch (e) {
      if (mine !== seq) return;
      check.textContent = e.message;
      check.className = "check bad";
      lastOk = false;
    }
  }
  function schedule() { clearTimeout(debounce); debounce = setTimeout(validate, 250); }
  document.querySelectorAll(".modes button").forEach(function (button) {
    button.addEventListener("click", function () {
      mode = button.dataset.mode;
      document.querySelectorAll(".modes button").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      document.querySelectorAll("[data-panel]").forEach(function (p) { p.hidden = p.dataset.panel !== mode; });
      validate();
    });
  });
  document.getElementById("configfile").addEventListener("change", async function (event) {
    const file = event.target.files[0];
    if (file) { document.getElementById("configtext").value = await file.text(); validate(); }
  });
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const req = request();
    const name = value("name").trim();
    const start = document.getElementById("start");
    start.disabled = true;
    try {
      const job = await syndgen.api("POST", "/v1/jobs" + query(req, name ? { name: name } : {}), req.body, req.type);
      location.href = "/jobs/" + job.id + "/monitor";
    } catch (e) {
      check.textContent = e.message;
      check.className = "check bad";
      syndgen.toast(e.message, true);
      start.disabled = false;
    }
  });
  validate();
})();
