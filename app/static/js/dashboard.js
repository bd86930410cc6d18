// Organiser dashboard: refetches its JSON when the server says something changed, then
// updates the counters and swaps in the charts drawn on the server (SVG). It follows the event
// over the page's one Socket.IO connection (live.js: `watch` on every (re)connection); the
// server puts organisers in `event:<id>:organisers`. A slow poll covers a lost connection and
// a reconnection re-syncs at once.
(function () {
  "use strict";
  var status = document.getElementById("dashboard-status");
  if (!status) { return; }
  var url = status.dataset.url;
  var lang = document.documentElement.lang || "fr";
  var DEBOUNCE_MS = 800;
  var POLL_MS = 60000;
  var timer = null;
  var inFlight = false;
  var again = false;

  function lookup(data, path) {
    return path.split(".").reduce(function (obj, key) {
      return obj === null || obj === undefined ? undefined : obj[key];
    }, data);
  }

  function show(el, value) {
    if (value === null || value === undefined) {
      el.textContent = "—";
    } else if (el.dataset.format === "decimal") {
      el.textContent = Number(value).toLocaleString(lang, {
        minimumFractionDigits: 2, maximumFractionDigits: 2
      });
    } else {
      el.textContent = String(value);
    }
  }

  function apply(data) {
    document.querySelectorAll("[data-stat]").forEach(function (el) {
      show(el, lookup(data.stats, el.dataset.stat));
    });
    Object.keys(data.html || {}).forEach(function (id) {
      var box = document.getElementById(id);
      if (box && box.innerHTML !== data.html[id]) { box.innerHTML = data.html[id]; }
    });
    var time = new Date().toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    status.textContent = status.dataset.updated.replace("TIME", time);
  }

  function refresh() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(apply)
      .catch(function () {})
      .then(function () {
        inFlight = false;
        if (again) { again = false; schedule(); }
      });
  }

  // Many changes in a burst (an import, the morning check-in rush) give one refetch.
  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { timer = null; refresh(); }, DEBOUNCE_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setInterval(refresh, POLL_MS);
    if (!window.rdvLive) { return; }  // live.js: the page's one Socket.IO connection
    var socket = window.rdvLive.follow(status.dataset.event, schedule);  // re-sync on reconnect
    var events = ["counters", "checkin", "absence", "feedback", "run_progress", "rebooking",
      "schedule_published"];
    events.forEach(function (name) {
      socket.on(name, schedule);
    });
    socket.on("disconnect", function () { status.textContent = status.dataset.offline; });
  });
}());
