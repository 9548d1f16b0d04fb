// The review page: accept, reject with a reason, or edit the record, through
// POST /v1/jobs/{id}/reviews; keyboard shortcuts for fast review.
"use strict";
(function () {
  const root = document.getElementById("review");
  const reviewer = document.getElementById("reviewer");
  reviewer.value = localStorage.getItem("syndgen.reviewer") || "";
  reviewer.addEventListener("change", function () { localStorage.setItem("syndgen.reviewer", reviewer.value.trim()); });
  if (!root) return;
  const status = document.getElementById("decision-status");
  const rejectBox = document.getElementById("reject-box");
  const editBox = document.getElementById("edit-box");
  let pending = "accept";

  function go(url) { if (url) location.href = url; }
  function show(which) {
    pending = which;
    rejectBox.hidden = which !== "reject";
    editBox.hidden = which !== "edit";
    if (which === "reject") document.getElementById("reason").focus();
    if (which === "edit") document.getElementById("edit-answer").focus();
  }
  async function decide(decision) {
    const name = reviewer.value.trim();
    if (!name) {
      status.textContent = "Enter your name as the reviewer first.";
      reviewer.focus();
      return;
    }
    localStorage.setItem("syndgen.reviewer", name);
    const body = {
      seed_index: parseInt(root.dataset.seed, 10),
      attempt_no: parseInt(root.dataset.attempt, 10),
      decision: decision,
      reviewer: name,
    };
    if (decision === "reject") body.reason = document.getElementById("reason").value;
    if (decision === "edit") {
      body.answer = document.getElementById("edit-answer").value;
      body.reasoning = document.getElementById("edit-reasoning").value;
      body.reason = document.getElementById("edit-reason").value;
    }
    try {
      await syndgen.api("POST", "/v1/jobs/" + encodeURIComponent(root.dataset.job) + "/reviews", body);
      const done = { accept: "Accepted", reject: "Rejected", edit: "Edited" }[decision];
      status.textContent = done + " seed " + body.seed_index + " as " + name + ".";
      syndgen.toast(status.textContent);
      if (root.dataset.next) setTimeout(function () { go(root.dataset.next); }, 400);
    } catch (e) {
      status.textContent = e.message;
      syndgen.toast(e.message, true);
    }
  }
  document.getElementById("accept").addEventListener("click", function () { decide("accept"); });
  document.getElementById("reject").addEventListener("click", function () { show("reject"); });
  document.getElementById("edit").addEventListener("click", function () { show("edit"); });
  document.getElementById("next").addEventListener("click", function () { go(root.dataset.next); });
  document.getElementById("prev").addEventListener("click", function () { go(root.dataset.previous); });
  document.getElementById("decide").addEventListener("submit", function (event) {
    event.preventDefault();
    const button = event.submitter;
    decide(button && button.dataset.decision ? button.dataset.decision : pending);
  });
  document.addEventListener("keydown", function (event) {
    const typing = event.target.closest("input, textarea, select");
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (pending !== "accept") decide(pending);
      return;
    }
    if (event.key === "Escape") { show("accept"); document.getElementById("accept").focus(); return; }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const keys = {
      a: function () { decide("accept"); },
      r: function () { show("reject"); },
      e: function () { show("edit"); },
      j: function () { go(root.dataset.next); },
      k: function () { go(root.dataset.previous); },
    };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });
})();
