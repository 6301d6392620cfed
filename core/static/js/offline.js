// Help that stays up offline: registers the service worker (offline-worker.js, served as
// /sw.js), and when the worker gave this page from its copy because the site could not be
// reached, shows the note "offline, numbers as of <date>" that the page holds hidden.
// Without JavaScript or service workers, the site works as it always did.
(function () {
  "use strict";
  var script = document.currentScript;
  var worker = script && script.getAttribute("data-worker");
  if (!worker || !("serviceWorker" in navigator)) {
    return;
  }
  var container = navigator.serviceWorker;

  function savedDate(saved) {
    var lang = document.documentElement.lang || "ja";
    var day = new Date(saved);
    if (isNaN(day.getTime())) {
      return "";
    }
    // The numbers' date as people in Japan read it: in Tokyo, 12月8日 or December 8.
    return new Intl.DateTimeFormat(lang, {
      month: "long",
      day: "numeric",
      timeZone: "Asia/Tokyo",
    }).format(day);
  }

  function showNote(saved) {
    var note = document.querySelector("[data-offline-note]");
    if (!note) {
      return;
    }
    var text = note.getAttribute("data-offline-note");
    note.querySelector("[data-offline-text]").textContent = text.replace("{date}", savedDate(saved));
    note.hidden = false;
    document.documentElement.classList.add("offline-copy");
    // "Open now" was true when the copy was kept, not necessarily now: the hours stay shown.
    var states = document.querySelectorAll(".now-state, .status");
    for (var i = 0; i < states.length; i++) {
      states[i].parentNode.removeChild(states[i]);
    }
  }

  container.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type === "tsunagu-offline-status" && data.saved) {
      showNote(data.saved);
    }
  });
  container.startMessages();
  if (container.controller) {
    container.controller.postMessage({ type: "tsunagu-offline-status" });
  }

  // After the page has loaded, so the worker's first downloads never compete with it.
  window.addEventListener("load", function () {
    container.register(worker).catch(function () {
      // No worker (a private window, storage full): the site works as before.
    });
  });
})();
