/**
 * The script the IDE page runs before Altair (a classic script in its <head>, so it runs first):
 * Altair keeps its whole state — tabs, headers, the Auth tab's key, history, environments — in
 * the IndexedDB database `AltairDB`, even with `preserveState: false`, so a key typed once stayed
 * on the disk for good. This script makes that state last as long as the page, like the web app's
 * key (sessionStorage):
 *
 * - Altair's `indexedDB.open("AltairDB")` opens `AltairDB.homer-page.<random>` instead, a
 *   database of this page alone (a reload starts afresh, as a new tab does);
 * - the page deletes it when it goes away (`pagehide`; back from the back/forward cache it
 *   reloads, since its database is gone);
 * - on load it deletes every Altair database no open IDE page answers for (a tab that was
 *   killed, a browser that crashed, the `AltairDB` of older gateways) and Altair's localStorage
 *   entries. Open pages answer on a BroadcastChannel; Web Locks would be exact but exist only in
 *   secure contexts, and teams open the IDE over plain HTTP.
 *
 * Plain ES2017 served as is: no build step, and nothing inline (CSP `script-src 'self'`).
 */
export const IDE_SESSION_SCRIPT = `"use strict";
(function () {
  var ALTAIR_DB = "AltairDB";
  var PREFIX = "AltairDB.homer-page.";
  var ALTAIR_LOCAL_KEY = /^altair/i;
  var ANSWER_WITHIN_MS = 1000;
  var factory = window.indexedDB;
  if (!factory) return;
  var bytes = crypto.getRandomValues(new Uint8Array(16));
  var own = PREFIX + Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  var open = factory.open.bind(factory);
  var remove = factory.deleteDatabase.bind(factory);
  var ours = function (name) { return name === ALTAIR_DB ? own : name; };
  factory.open = function (name, version) { return version === undefined ? open(ours(name)) : open(ours(name), version); };
  factory.deleteDatabase = function (name) { return remove(ours(name)); };

  var dropLocalStorage = function () {
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var key = localStorage.key(i);
        if (key !== null && ALTAIR_LOCAL_KEY.test(key)) localStorage.removeItem(key);
      }
    } catch (e) { /* storage refused: nothing of ours to drop */ }
  };
  dropLocalStorage();

  var pages = typeof BroadcastChannel === "function" ? new BroadcastChannel("homer-ide-pages") : null;
  var alive = {};
  alive[own] = true;
  if (pages) {
    pages.onmessage = function (event) {
      var data = event.data || {};
      if (data.ask) pages.postMessage({ alive: own });
      if (typeof data.alive === "string") alive[data.alive] = true;
    };
    pages.postMessage({ ask: true });
  }
  var sweep = function () {
    if (typeof factory.databases !== "function") return remove(ALTAIR_DB);
    factory.databases().then(function (list) {
      list.forEach(function (db) {
        var name = db.name || "";
        if ((name === ALTAIR_DB || name.indexOf(PREFIX) === 0) && !alive[name]) remove(name);
      });
    }, function () {});
  };
  setTimeout(sweep, pages ? ANSWER_WITHIN_MS : 0);

  window.addEventListener("pagehide", function () {
    remove(own);
    dropLocalStorage();
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) location.reload();
  });
})();
`;
