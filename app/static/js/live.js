// Live updates over Socket.IO. The client reconnects by itself; on every (re)connection the
// page re-reads its state from the server, so nothing is missed while the Wi-Fi was down.
(function () {
  "use strict";
  if (typeof io === "undefined") { return; }
  var body = document.body;
  var socket = io({ transports: ["websocket", "polling"] });
  var connectedOnce = false;

  function refreshNotifications() {
    var badge = document.querySelector("[data-unread]");
    if (!badge || !body.dataset.unreadUrl) { return; }
    fetch(body.dataset.unreadUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        badge.textContent = data.unread > 0 ? String(data.unread) : "";
        badge.hidden = data.unread === 0;
      }).catch(function () {});
  }

  function refreshBlock(id, notice) {
    var block = document.getElementById(id);
    if (!block) { return; }
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
        if (!fresh || fresh.innerHTML === block.innerHTML) { return; }
        block.innerHTML = fresh.innerHTML;
        var box = document.getElementById("live-notice");
        if (box && notice) { box.textContent = notice; box.hidden = false; }
      }).catch(function () {});
  }

  socket.on("connect", function () {
    if (body.dataset.event) { socket.emit("watch", { event: body.dataset.event }); }
    if (connectedOnce) {  // back after a disconnection: re-sync what may have changed
      refreshNotifications();
      refreshBlock("agenda", body.dataset.agendaNotice);
    }
    connectedOnce = true;
  });
  socket.on("notifications", refreshNotifications);
  socket.on("agenda_changed", function () { refreshBlock("agenda", body.dataset.agendaNotice); });
  socket.on("run_progress", function (run) {
    document.dispatchEvent(new CustomEvent("run-progress", { detail: run }));
  });
}());
