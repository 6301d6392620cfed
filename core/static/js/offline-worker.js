// Help that stays up offline: the public site's service worker (served as /sw.js, its settings
// first: public_site/offline.py). Pages always come from the site when it answers; a copy is
// kept on this device only, and shown when the site cannot be reached:
// - the home pages and the offline page, in each language, kept at install and refreshed;
// - the last pages the person viewed (addresses without a query string only, so nothing
//   anyone typed, such as search words, is kept), at most `viewedPages`;
// - the style sheet, scripts and icon those pages use.
// A page without a copy gets the offline page. The page's own script (offline.js) asks what it
// was given and adds the note "offline, numbers as of <date>"; nothing is written into a page.
"use strict";

var SETTINGS = self.TSUNAGU_OFFLINE;
var STATIC_CACHE = "tsunagu-static-" + SETTINGS.version;
var PAGES = "tsunagu-pages"; // home and offline pages: replaced, never dropped
var VIEWED = "tsunagu-viewed"; // the last pages viewed, oldest dropped first
var SAVED = "X-Tsunagu-Saved"; // when the copy was kept (ISO 8601), on the kept copy only
var GATEWAY_DOWN = [502, 504]; // the proxy answered but the site did not: as good as offline
var served = new Map(); // client id -> when the copy it was given was saved

self.addEventListener("install", function (event) {
  event.waitUntil(
    Promise.all([
      caches.open(STATIC_CACHE).then(function (cache) {
        return cache.addAll(SETTINGS.assets);
      }),
      Promise.all(corePages().map(refresh)),
    ]).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      var old = names.filter(function (name) {
        return name.indexOf("tsunagu-static-") === 0 && name !== STATIC_CACHE;
      });
      return Promise.all(old.map(function (name) { return caches.delete(name); }));
    }).then(function () {
      return self.clients.claim();
    })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || notHandled(url)) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(navigate(event, url));
  } else if (url.pathname.indexOf(SETTINGS.staticPrefix) === 0) {
    event.respondWith(asset(request));
  }
});

// offline.js asks, once its page has loaded, whether that page is a kept copy and since when;
// quick-exit.js, on leaving, asks to forget the pages viewed.
self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "tsunagu-forget-viewed") {
    served.clear();
    event.waitUntil(caches.delete(VIEWED));
    return;
  }
  if (!event.source || !event.data || event.data.type !== "tsunagu-offline-status") {
    return;
  }
  var saved = served.get(event.source.id) || null;
  served.delete(event.source.id);
  event.source.postMessage({ type: "tsunagu-offline-status", saved: saved });
});

function notHandled(url) {
  return SETTINGS.notHandled.some(function (prefix) {
    return url.pathname === prefix || url.pathname.indexOf(prefix + "/") === 0;
  });
}

function corePages() {
  var pages = [];
  Object.keys(SETTINGS.homes).forEach(function (lang) {
    pages.push(absolute(SETTINGS.homes[lang]), absolute(SETTINGS.fallbacks[lang]));
  });
  return pages;
}

function absolute(path) {
  return new URL(path, self.location.origin).href;
}

// The language of an address: the one whose home (/en/, /easy/) it is under; else Japanese.
function languageOf(url) {
  var found = "ja";
  Object.keys(SETTINGS.homes).forEach(function (lang) {
    var home = SETTINGS.homes[lang];
    if (home === "/" || home.slice(-1) !== "/") return;
    if (url.pathname === home.slice(0, -1) || url.pathname.indexOf(home) === 0) found = lang;
  });
  return found;
}

async function navigate(event, url) {
  var response;
  try {
    response = await fetch(event.request);
  } catch (error) {
    return fromStore(event, url);
  }
  if (GATEWAY_DOWN.indexOf(response.status) !== -1) {
    return fromStore(event, url);
  }
  if (keepable(response)) {
    event.waitUntil(keep(url, response.clone()).then(function () {
      return refreshStale(languageOf(url));
    }));
  }
  return response;
}

// Only what the site lets anyone keep: a whole page, not marked no-store (a card scan, the
// back office) or private, and not the end of a redirect (its address would be the wrong one).
function keepable(response) {
  var control = response.headers.get("Cache-Control") || "";
  var type = response.headers.get("Content-Type") || "";
  return (
    response.status === 200 &&
    response.type === "basic" &&
    !response.redirected &&
    type.indexOf("text/html") === 0 &&
    !/no-store|private/.test(control)
  );
}

async function stamped(response) {
  var headers = new Headers(response.headers);
  headers.set(SAVED, new Date().toISOString());
  var body = await response.blob();
  return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
}

async function keep(url, response) {
  var address = url.href.split("#")[0];
  if (corePages().indexOf(address) !== -1) {
    var pages = await caches.open(PAGES);
    return pages.put(address, await stamped(response));
  }
  if (url.search) {
    return undefined; // a search: its words stay on nobody's device
  }
  var viewed = await caches.open(VIEWED);
  await viewed.delete(address); // put again, so it becomes the newest
  await viewed.put(address, await stamped(response));
  var keys = await viewed.keys();
  var extra = keys.slice(0, Math.max(0, keys.length - SETTINGS.viewedPages));
  await Promise.all(extra.map(function (key) { return viewed.delete(key); }));
  return undefined;
}

async function refresh(address) {
  var response = await fetch(address, { cache: "no-store" });
  if (!keepable(response)) {
    throw new Error("could not keep " + address);
  }
  var pages = await caches.open(PAGES);
  return pages.put(address, await stamped(response));
}

// The home and offline pages of a language are fetched again once they are old, so the numbers
// they hold are recent whatever the person visits.
async function refreshStale(lang) {
  var pages = await caches.open(PAGES);
  var addresses = [absolute(SETTINGS.homes[lang]), absolute(SETTINGS.fallbacks[lang])];
  var limit = Date.now() - SETTINGS.refreshHours * 3600 * 1000;
  for (var i = 0; i < addresses.length; i++) {
    var copy = await pages.match(addresses[i]);
    var saved = copy ? Date.parse(copy.headers.get(SAVED) || "") : NaN;
    if (!(saved > limit)) {
      try {
        await refresh(addresses[i]);
      } catch (error) {
        // Kept as it was: the next visit tries again.
      }
    }
  }
}

async function fromStore(event, url) {
  var address = url.href.split("#")[0];
  var copy = (await caches.match(address, { cacheName: PAGES })) ||
    (await caches.match(address, { cacheName: VIEWED })) ||
    (await caches.match(absolute(SETTINGS.fallbacks[languageOf(url)]), { cacheName: PAGES }));
  if (!copy) {
    return Response.error(); // nothing kept yet: the browser's own offline page
  }
  if (event.resultingClientId) {
    if (served.size > 50) {
      served.clear(); // answers nobody asked for (a page without scripts)
    }
    served.set(event.resultingClientId, copy.headers.get(SAVED));
  }
  return copy;
}

// Fingerprinted files: from the cache when there, else the site; offline, a page kept under an
// older fingerprint gets the file as it is now rather than none.
async function asset(request) {
  var cache = await caches.open(STATIC_CACHE);
  var copy = await cache.match(request);
  if (copy) {
    return copy;
  }
  try {
    var response = await fetch(request);
    if (response.ok && response.type === "basic") {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    var any = await cache.match(request, { ignoreSearch: true });
    return any || Response.error();
  }
}
