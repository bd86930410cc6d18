// On-site pages (participant "on site", organiser "absences"): when something changes (an
// absence, a no-show, a proposal, a walk-in), re-read the page's #onsite block from the server
// and say so. On every reconnection the block is re-read too, so nothing is missed.
// The page's script comes before the Socket.IO client in the document: start once every
// deferred script has run.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  if (!window.rdvLive) { return; }  // live.js: the page's one Socket.IO connection
  var block = document.getElementById("onsite");
  if (!block) { return; }
  var pending = null;

  function refresh() {
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("onsite");
        if (!fresh || fresh.innerHTML === block.innerHTML) { return; }
        block.innerHTML = fresh.innerHTML;
        var box = document.getElementById("onsite-notice");
        if (box) { box.textContent = block.dataset.onsiteNotice || ""; box.hidden = false; }
      }).catch(function () {});
  }

  function soon() {  // several pushes in a burst: one fetch
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(function () { pending = null; refresh(); }, 250);
  }

  var socket = window.rdvLive.follow(document.body.dataset.event, soon);
  ["onsite", "absence", "rebooking", "agenda_changed", "schedule_published"].forEach(function (name) {
    socket.on(name, soon);
  });
});
