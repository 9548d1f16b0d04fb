// The live monitor: follows GET /v1/jobs/{id}/events (server-sent events) and shows the tokens
// of the sequences in flight, each attempt's fate, tokens/s and the rejection reasons.
"use strict";
(function () {
  const root = document.getElementById("monitor");
  if (!root) return;
  const job = root.dataset.job;
  const streamsEl = document.getElementById("streams");
  const fatesEl = document.getElementById("fates");
  const reasonsEl = document.getElementById("reasons");
  const MAX_STREAMS = 6, MAX_FATES = 200, MAX_CHARS = 6000;
  const streams = new Map();
  const reasons = {};
  const stamps = [];
  let samples = 0, attempts = 0, target = parseInt(document.getElementById("m-target").textContent, 10) || 0;
  let replaying = true, tokens = 0, session = null;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function streamCard(event) {
    let s = streams.get(event.stream);
    if (s) return s;
    const card = el("article", "stream live");
    const label = event.format === "json" ? "critic / record" : (event.format === "think" ? "answer with reasoning" : event.format);
    const head = el("h3", "", "request " + event.stream + " · " + label);
    head.appendChild(el("small", "", " " + event.model));
    const reasoning = el("pre", "reasoning");
    const answer = el("pre", "answer");
    card.append(head, reasoning, answer);
    streamsEl.prepend(card);
    s = { card: card, reasoning: reasoning, answer: answer, last: Date.now() };
    streams.set(event.stream, s);
    const cards = streamsEl.querySelectorAll("article.stream");
    for (let i = MAX_STREAMS; i < cards.length; i++) cards[i].remove();
    return s;
  }
  function append(pre, text) {
    const before = pre.textContent;
    pre.textContent = (before + (before ? text : text.replace(/^\s+/, ""))).slice(-MAX_CHARS);
  }
  function onToken(event) {
    const s = streamCard(event);
    append(event.channel === "reasoning" ? s.reasoning : s.answer, event.text);
    s.last = Date.now();
    s.card.classList.add("live");
    tokens++;
    stamps.push(event.t);
    document.getElementById("m-streaming").textContent = tokens + " tokens received";
  }
  function tick() {
    const now = Date.now();
    streams.forEach(function (s) { if (now - s.last > 3000) s.card.classList.remove("live"); });
    if (!stamps.length) return;
    const last = stamps[stamps.length - 1];
    while (stamps.length && stamps[0] < last - 5) stamps.shift();
    const span = Math.max(1, Math.min(5, last - stamps[0]));
    const live = now / 1000 - last < 5;
    document.getElementById("m-tps").textContent = live || replaying ? (stamps.length / span).toFixed(1) : "0";
  }
  function renderReasons() {
    const entries = Object.entries(reasons).sort(function (a, b) { return b[1] - a[1]; });
    reasonsEl.replaceChildren();
    if (!entries.length) { const tr = el("tr", "none"); tr.appendChild(el("td", "", "none yet")).colSpan = 2; reasonsEl.appendChild(tr); return; }
    entries.forEach(function (e) {
      const tr = el("tr");
      tr.append(el("td", "", e[0]), el("td", "num", String(e[1])));
      reasonsEl.appendChild(tr);
    });
  }
  function onOutcome(event) {
    const li = el("li", event.accepted ? "kept" : "rejected");
    const head = el("p", "fatehead");
    const link = el("a", "", "seed " + event.seed_index);
    link.href = "/jobs/" + job + "/records/" + event.seed_index;
    head.append(link, document.createTextNode(event.accepted ? " kept" : " rejected"), el("small", "", " after " + event.attempts + " attempt" + (event.attempts === 1 ? "" : "s")));
    li.appendChild(head);
    if (event.question) li.appendChild(el("p", "q", event.question.slice(0, 200)));
    const fates = event.fates || [];
    if (fates.length) {
      const ul = el("ul", "attempts");
      fates.forEach(function (f) {
        const parts = ["#" + f.attempt_no + " " + f.role + ": " + (f.kept ? "kept" : "rejected")];
        if (f.score !== null && f.score !== undefined) parts.push("critic " + f.score + "/5");
        Object.entries(f.checks || {}).forEach(function (c) { parts.push(c[0] + " " + c[1]); });
        (f.rejections || []).forEach(function (r) { parts.push(r.stage + ": " + r.reason); });
        const item = el("li", f.kept ? "kept" : "rejected", parts.join(" · "));
        if (f.rationale) item.appendChild(el("q", "rationale", f.rationale));
        ul.appendChild(item);
      });
      li.appendChild(ul);
    } else {
      (event.rejections || []).forEach(function (r) { li.appendChild(el("p", "reason", r.stage + ": " + r.reason)); });
    }
    fatesEl.prepend(li);
    while (fatesEl.children.length > MAX_FATES) fatesEl.lastChild.remove();
    (event.rejections || []).forEach(function (r) { reasons[r.reason] = (reasons[r.reason] || 0) + 1; });
    renderReasons();
  }
  function onProgress(event) {
    samples = event.samples; attempts = event.attempts; target = event.target || target;
    document.getElementById("m-samples").textContent = samples;
    document.getElementById("m-target").textContent = target;
    document.getElementById("m-attempts").textContent = attempts;
    document.getElementById("m-progress").value = target ? Math.min(100, 100 * samples / target) : 0;
    document.getElementById("m-rejrate").textContent = attempts ? Math.round(100 * (attempts - samples) / attempts) + "%" : "—";
    if (session && event.t && samples > session.samples && samples < target) {
      const left = (target - samples) * (event.t - session.t) / (samples - session.samples);
      document.getElementById("m-eta").textContent = left >= 60 ? Math.floor(left / 60) + "m " + String(Math.round(left % 60)).padStart(2, "0") + "s" : Math.round(left) + "s";
    } else if (samples >= target) {
      document.getElementById("m-eta").textContent = "—";
    }
  }
  function onState(state) {
    const badge = document.getElementById("job-state");
    badge.textContent = state;
    badge.className = "state state-" + state;
    const active = state === "queued" || state === "running";
    const resumable = ["incomplete", "failed", "cancelled", "interrupted"].indexOf(state) >= 0;
    document.querySelectorAll(".stats [data-action]").forEach(function (b) {
      b.hidden = b.dataset.action === "cancel" ? !active : !resumable;
    });
  }
  const source = new EventSource("/v1/jobs/" + encodeURIComponent(job) + "/events");
  function on(name, handler) {
    source.addEventListener(name, function (message) { handler(JSON.parse(message.data)); });
  }
  on("token", onToken);
  on("outcome", onOutcome);
  on("progress", onProgress);
  on("start", function (e) {
    replaying = false;
    session = { t: e.t, samples: e.samples };
    onProgress({ samples: e.samples, attempts: attempts, target: e.target });
  });
  on("state", function (e) {
    onState(e.state);
    if (e.state !== "queued" && e.state !== "running") source.close();
  });
  on("end", function (e) { if (e.error) syndgen.toast(e.error, true); });
  setInterval(tick, 500);
})();
