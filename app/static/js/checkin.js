// The organisers' reception desk: scan badges with the phone camera (BarcodeDetector where the
// browser has it, else the vendored jsQR, loaded only then), or type a code; check in through
// the JSON endpoint (CSRF token in the X-CSRFToken header) without reloading the page; arrivals
// of the other desks come live over Socket.IO, and the counts are re-read after a reconnection.
(function () {
  "use strict";
  var form = document.getElementById("checkin-form");
  var counts = document.getElementById("arrivals");
  if (!form || !counts) { return; }
  var input = form.querySelector("input[name=code]");
  var result = document.getElementById("scan-result");
  var startButton = document.getElementById("scan-start");
  var scanner = document.getElementById("scanner");
  var video = document.getElementById("scanner-video");
  var stream = null, detector = null, canvas = null, busy = false;
  var lastCode = "", lastCodeAt = 0;

  function show(message, ok) {
    result.textContent = message;
    result.className = "scan-result " + (ok ? "scan-ok" : "scan-refused");
    result.hidden = false;
  }

  function setCounts(stats) {
    ["count", "expected", "organisations", "organisations_expected"].forEach(function (key) {
      var node = counts.querySelector('[data-field="' + key + '"]');
      if (node && stats[key] !== undefined) { node.textContent = String(stats[key]); }
    });
  }

  function arrivalItem(a) {
    var item = document.createElement("li");
    var time = document.createElement("span");
    time.className = "meta";
    time.textContent = a.at;
    item.appendChild(time);
    item.appendChild(document.createTextNode(" " + a.name + " · " + a.organisation));
    return item;
  }

  function addArrival(a) {
    var list = document.getElementById("last-arrivals");
    list.insertBefore(arrivalItem(a), list.firstChild);
    while (list.children.length > 10) { list.removeChild(list.lastChild); }
    document.getElementById("no-arrival").hidden = true;
  }

  function resync() {
    fetch(counts.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (stats) {
        setCounts(stats);
        var list = document.getElementById("last-arrivals");
        list.textContent = "";
        stats.last.forEach(function (a) { list.appendChild(arrivalItem(a)); });
        document.getElementById("no-arrival").hidden = stats.last.length > 0;
      }).catch(function () {});
  }

  function submit(code) {
    if (busy) { return; }
    busy = true;
    fetch(form.dataset.scanUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf },
      body: JSON.stringify({ code: code })
    })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        show(data.message, data.ok);
        if (data.ok) { setCounts(data.stats); input.value = ""; }
        if (navigator.vibrate) { navigator.vibrate(data.ok ? 80 : [60, 60, 60]); }
      })
      .catch(function () { show(startButton.dataset.networkError, false); })
      .then(function () { busy = false; });
  }

  form.addEventListener("submit", function (e) {
    if (!window.fetch) { return; }  // the plain form post works too
    e.preventDefault();
    var code = input.value.trim();
    if (code) { submit(code); } else { input.focus(); }
  });

  // Camera scanning.
  function found(code) {
    var now = Date.now();
    var held = code === lastCode && now - lastCodeAt < 3000;  // the same badge, still in view
    lastCode = code;
    lastCodeAt = now;
    if (held) { return; }
    submit(code);
  }

  function scanFrame() {
    if (!stream) { return; }
    if (video.readyState < 2) { requestAnimationFrame(scanFrame); return; }
    if (detector) {
      detector.detect(video).then(function (codes) {
        if (codes.length) { found(codes[0].rawValue); }
        setTimeout(scanFrame, 150);
      }).catch(function () { setTimeout(scanFrame, 300); });
      return;
    }
    canvas = canvas || document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    if (code && code.data) { found(code.data); }
    setTimeout(scanFrame, 200);
  }

  function loadDecoder() {
    if ("BarcodeDetector" in window) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") >= 0) {
          detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          return;
        }
        return loadJsQR();
      });
    }
    return loadJsQR();
  }

  function loadJsQR() {
    if (window.jsQR) { return Promise.resolve(); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = startButton.dataset.jsqr;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    scanner.hidden = true;
    startButton.hidden = false;
  }

  function start() {
    loadDecoder()
      .then(function () {
        return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        scanner.hidden = false;
        startButton.hidden = true;
        return video.play();
      })
      .then(scanFrame)
      .catch(function () { stop(); show(startButton.dataset.noCamera, false); });
  }

  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.Promise) {
    startButton.hidden = false;
    startButton.addEventListener("click", start);
    document.getElementById("scan-stop").addEventListener("click", stop);
  }

  // Live arrivals from every desk (and self check-ins).
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.rdvLive) { return; }  // live.js: the page's one Socket.IO connection
    var socket = window.rdvLive.follow(counts.dataset.event, resync);
    socket.on("checkin", function (data) {
      setCounts(data);
      addArrival(data);
    });
  });
}());
