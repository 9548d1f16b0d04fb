// syndgen web UI: shared helpers. Every action is a fetch of a public /v1 route.
"use strict";
window.syndgen = (function () {
  async function api(method, path, body, type) {
    const init = { method: method, headers: { "X-Syndgen-UI": "1" }, credentials: "same-origin" };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      init.headers["Content-Type"] = type || "application/json";
    }
    const response = await fetch(path, init);
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      const message = (data && data.error) || ("HTTP " + response.status);
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return data;
  }
  let timer = null;
  function toast(text, bad) {
    const el = document.getElementById("toast");
    if (!el) return;
    el.textContent = text;
    el.className = bad ? "show bad" : "show";
    clearTimeout(timer);
    timer = setTimeout(function () { el.className = ""; }, 4000);
  }
  function times(root) {
    (root || document).querySelectorAll("time[data-t]").forEach(function (el) {
      const t = new Date(parseFloat(el.dataset.t) * 1000);
      el.dateTime = t.toISOString();
      el.textContent = t.toLocaleString();
    });
  }
  document.addEventListener("click", async function (event) {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const job = button.dataset.job, action = button.dataset.action;
    button.disabled = true;
    try {
      await api("POST", "/v1/jobs/" + encodeURIComponent(job) + "/" + action);
      toast(action === "cancel" ? "Cancel requested" : "Queued again");
      document.body.dispatchEvent(new Event("syndgen:changed"));
      if (document.getElementById("monitor")) setTimeout(function () { location.reload(); }, 600);
    } catch (e) {
      toast(e.message, true);
    } finally {
      button.disabled = false;
    }
  });
  document.addEventListener("DOMContentLoaded", function () { times(document); });
  return { api: api, toast: toast, times: times };
})();
