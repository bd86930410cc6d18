// The public now/next screen. It redraws itself from ecran.json: on load, on every
// (re)connection, on every live event of the event's public room, when a countdown ends, and
// every two minutes as a safety net. Countdowns use the server's clock (an offset measured at
// each fetch), so a wrong clock on the screen's computer does not matter.
(function () {
  "use strict";
  var body = document.body;
  var url = body.dataset.url;
  var offset = 0;          // server time minus local time, in ms
  var state = null;
  var pending = null;      // timer of a scheduled refetch
  var switchAt = null;     // server time when the shown state goes out of date

  function serverNow() { return Date.now() + offset; }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // Under a day "1:05:09" (or "5:09"); from a day on, days and hours: "29 j 20 h".
  function duration(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    if (s >= 86400) {
      return body.dataset.tDays.replace("{days}", String(Math.floor(s / 86400)))
        .replace("{hours}", String(Math.floor((s % 86400) / 3600)));
    }
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h > 0 ? h + ":" + pad(m) : String(m)) + ":" + pad(s % 60);
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // A big event has more tables than a screen can show: long lists turn pages by themselves.
  var PAGE_SIZE = { "round-current": 24, "round-next": 10 };
  var PAGE_SECONDS = 10;
  var pages = {};  // section id -> {items, index, list, counter}

  function showPage(id) {
    var p = pages[id];
    if (!p) { return; }
    var size = PAGE_SIZE[id], count = Math.ceil(p.items.length / size);
    p.index = p.index % count;
    p.list.textContent = "";
    p.items.slice(p.index * size, (p.index + 1) * size).forEach(function (item) {
      p.list.appendChild(item);
    });
    p.counter.hidden = count < 2;
    p.counter.textContent = (p.index + 1) + " / " + count;
  }

  function drawRound(section, round) {
    var box = section.querySelector("[data-round]");
    section.hidden = !round;
    box.textContent = "";
    delete pages[section.id];
    if (!round) { return; }
    // The day in words comes from the server, in the page's language and the event's timezone.
    var time = el("p", "round-time", round.start + "–" + round.end + " · " + round.label +
      (round.other_day ? " · " + round.day_label : ""));
    box.appendChild(time);
    box.appendChild(el("p", "countdown"));
    if (!round.meetings.length) {
      box.appendChild(el("p", "meta", body.dataset.tNone));
      return;
    }
    var items = round.meetings.map(function (m) {
      var item = el("li");
      item.appendChild(el("span", "table-label", m.table || "—"));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(el("span", "pair", m.host + " ↔ " + m.guest));
      return item;
    });
    var list = el("ol", "assignments");
    var counter = el("p", "page-counter");
    box.appendChild(list);
    box.appendChild(counter);
    pages[section.id] = { items: items, index: 0, list: list, counter: counter };
    showPage(section.id);
  }

  function turnPages() {
    Object.keys(pages).forEach(function (id) {
      if (pages[id].items.length > PAGE_SIZE[id]) { pages[id].index += 1; showPage(id); }
    });
  }

  function draw() {
    var phase = document.getElementById("screen-phase");
    var key = "tPhase" + state.phase.charAt(0).toUpperCase() + state.phase.slice(1);
    phase.textContent = body.dataset[key] || "";
    drawRound(document.getElementById("round-current"), state.current);
    drawRound(document.getElementById("round-next"), state.next);
    var news = document.getElementById("screen-news");
    var list = document.getElementById("announcement-list");
    list.textContent = "";
    state.announcements.forEach(function (a) { list.appendChild(el("li", null, a.message)); });
    news.hidden = state.announcements.length === 0;
    // The shown state is out of date when the current round ends or the next one starts.
    switchAt = state.current ? state.current.ends_at : (state.next ? state.next.starts_at : null);
    tick();
  }

  function tick() {
    if (!state) { return; }
    var now = serverNow();
    // The venue's time: the server's clock shifted by the event timezone's UTC offset.
    var venue = new Date(now + state.utc_offset);
    document.getElementById("screen-clock").textContent =
      pad(venue.getUTCHours()) + ":" + pad(venue.getUTCMinutes());
    [["round-current", state.current, "ends_at", body.dataset.tEnds],
     ["round-next", state.next, "starts_at", body.dataset.tStarts]].forEach(function (r) {
      var section = document.getElementById(r[0]);
      var box = section.querySelector(".countdown");
      if (box && r[1]) { box.textContent = r[3] + " " + duration(r[1][r[2]] - now); }
    });
    if (switchAt !== null && now >= switchAt + 500 && !pending) {
      switchAt = null;
      refetch(0);
    }
  }

  function load() {
    var sent = Date.now();
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        var received = Date.now();
        offset = data.now - (sent + received) / 2;
        state = data;
        draw();
      })
      .catch(function () { refetch(10000); });
  }

  function refetch(delay) {
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(function () { pending = null; load(); }, delay);
  }

  document.addEventListener("DOMContentLoaded", function () {
    load();
    setInterval(tick, 1000);
    setInterval(turnPages, PAGE_SECONDS * 1000);
    setInterval(function () { refetch(0); }, 120000);
    if (typeof io === "undefined") { return; }
    var socket = io({ transports: ["websocket", "polling"] });
    var offline = document.getElementById("screen-offline");
    socket.on("connect", function () {
      offline.hidden = true;
      socket.emit("watch", { event: body.dataset.event });
      refetch(0);  // whatever happened while disconnected
    });
    socket.on("disconnect", function () { offline.hidden = false; });
    ["schedule_published", "screen_changed", "announcement"].forEach(function (name) {
      // Several changes in a row (a whole re-optimisation) cost one fetch.
      socket.on(name, function () { refetch(300); });
    });
  });
}());
