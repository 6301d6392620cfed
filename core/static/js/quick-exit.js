// Quick exit: leave for a neutral page without leaving this site in the back-button history.
// Without JavaScript the button is an ordinary link to the same page.
(function () {
  "use strict";
  var DOUBLE_PRESS_MS = 1000;
  var lastEscape = 0;

  function leave(url) {
    try {
      document.body.classList.add("leaving");
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
