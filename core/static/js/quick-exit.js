// Quick exit: leave for a neutral page, which takes the place of this page in the history, so
// Back does not return to it. Pages of this site seen before it stay in the history (no page
// may clear that): the privacy page says so and how to browse privately. Without JavaScript
// the button is an ordinary link to the same page.
// Leaving also forgets the pages this device kept for offline use (offline-worker.js keeps the
// last pages viewed), so someone picking up the phone cannot see what was read there. The home
// and offline pages stay: they show no more than the site's front door.
(function () {
  "use strict";
  var DOUBLE_PRESS_MS = 1000;
  var lastEscape = 0;

  var VIEWED = "tsunagu-viewed"; // offline-worker.js

  function forgetViewedPages() {
    try {
      var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
      if (worker) {
        worker.postMessage({ type: "tsunagu-forget-viewed" }); // outlives this page
      }
      if (window.caches) {
        window.caches.delete(VIEWED).catch(function () {});
      }
    } catch (ignored) {
      // Leaving comes first: nothing here may keep the page from going.
    }
  }

  function leave(url) {
    try {
      document.body.classList.add("leaving");
      forgetViewedPages();
    } finally {
      window.location.replace(url);
    }
  }

  function exitUrl() {
    var link = document.querySelector("[data-quick-exit]");
    return link ? link.href : "about:blank";
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-quick-exit]");
    if (!link) {
      return;
    }
    event.preventDefault();
    leave(link.href);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.repeat) {
      return;
    }
    var now = Date.now();
    if (now - lastEscape <= DOUBLE_PRESS_MS) {
      leave(exitUrl());
    }
    lastEscape = now;
  });

  document.addEventListener("DOMContentLoaded", function () {
    var hint = document.querySelector("[data-quick-exit-hint]");
    if (hint) {
      hint.hidden = false;
    }
  });
})();
