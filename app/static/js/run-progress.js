// Live progress of an optimiser run: polls the run's JSON status, reloads when it ends.
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box) { return; }
  function field(name) { return box.querySelector('[data-field="' + name + '"]'); }
  function update(run) {
    var p = run.progress || {};
    // The page's language: labels come from data-status-<value> attributes.
    var key = "status" + run.status.charAt(0).toUpperCase() + run.status.slice(1);
    field("status").textContent = box.dataset[key] || run.status;
    field("elapsed").textContent = p.elapsed !== undefined ? p.elapsed : 0;
    field("meetings").textContent = p.meetings !== undefined ? p.meetings : 0;
    if (p.upper_bound && p.objective !== undefined && p.phase === "weight") {
      var percent = Math.min(100, Math.round(1000 * p.objective / p.upper_bound) / 10);
      field("percent").textContent = percent + " %";
    }
    var limit = (run.progress && run.progress.time_limit_s) || Number(box.dataset.limit) || 60;
    field("bar").value = Math.min(100, Math.round(100 * (p.elapsed || 0) / limit));
    if (["succeeded", "failed", "cancelled"].indexOf(run.status) >= 0) {
      window.location.reload();
    }
  }
  // Pushed over the websocket when connected (live.js); polling stays as a slower fallback.
  var pushed = false;
  document.addEventListener("run-progress", function (e) { pushed = true; update(e.detail); });
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (run) { update(run); setTimeout(poll, pushed ? 5000 : 1000); })
      .catch(function () { setTimeout(poll, 3000); });  // bad Wi-Fi: try again later
  }
  poll();
}());
