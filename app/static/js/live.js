// Live updates over Socket.IO. The client reconnects by itself; on every (re)connection the
// page re-reads its state from the server, so nothing is missed while the Wi-Fi was down.
// One connection per page: the on-site, check-in and dashboard scripts use it through
// window.rdvLive.follow (a second io() call on the same namespace opens a second connection).
(function () {
  "use strict";
  if (typeof io === "undefined") { return; }
  var body = document.body;
  var socket = io({ transports: ["websocket", "polling"] });

  // Follow an event's room now (if connected) and on every connection; `resync` runs on each
  // reconnection after the first, to re-read what may have changed meanwhile.
  function follow(slug, resync) {
    var connectedOnce = socket.connected;
    if (slug && socket.connected) { socket.emit("watch", { event: slug }); }
    socket.on("connect", function () {
      if (slug) { socket.emit("watch", { event: slug }); }
      if (connectedOnce && resync) { resync(); }
      connectedOnce = true;
    });
    return socket;
  }
  window.rdvLive = { socket: socket, follow: follow };

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

  follow(body.dataset.event, function () {
    refreshNotifications();
    refreshBlock("agenda", body.dataset.agendaNotice);
  });
  socket.on("notifications", refreshNotifications);
  socket.on("agenda_changed", function () { refreshBlock("agenda", body.dataset.agendaNotice); });
  socket.on("run_progress", function (run) {
    document.dispatchEvent(new CustomEvent("run-progress", { detail: run }));
  });
}());
