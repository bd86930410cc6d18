// Private notes on "My agenda": when a new schedule version refreshes the agenda block live
// (live.js replaces its content), a note being typed and not yet saved is put back, so
// nothing typed is lost. No inline handlers (Content-Security-Policy).
(function () {
  "use strict";
  var agenda = document.getElementById("agenda");
  if (!agenda || typeof MutationObserver === "undefined") { return; }
  var unsaved = {};  // textarea id -> text typed since the page was loaded or last saved

  agenda.addEventListener("input", function (event) {
    var field = event.target;
    if (field.tagName === "TEXTAREA" && field.id) { unsaved[field.id] = field.value; }
  });
  agenda.addEventListener("submit", function (event) {
    var field = event.target.querySelector("textarea");
    if (field) { delete unsaved[field.id]; }
  });
  new MutationObserver(function () {
    Object.keys(unsaved).forEach(function (id) {
      var field = document.getElementById(id);
      if (!field || field.value === unsaved[id]) { return; }
      field.value = unsaved[id];
      var details = field.closest("details");
      if (details) { details.open = true; }
    });
  }).observe(agenda, { childList: true });
}());
