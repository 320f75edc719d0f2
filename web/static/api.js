/* nbreview: how a page talks to its local server (nbreview/web/security.py has the design).
   Every URL of the server sits under a secret prefix, /<token>/, which this script reads from
   its own address; writes also send the token in the X-Nbreview-Token header (the browser adds
   the page's Origin). Nothing is kept in cookies. Use: nbreview.post("/api/closed"),
   nbreview.post("/merge/api/save", {choices: {...}}) -> a fetch promise, nbreview.get("/api/threads")
   likewise; nbreview.stayAlive()
   keeps a difftool or mergetool server running while its page is open (one heartbeat for all). */
(function () {
  "use strict";
  var me = document.currentScript;
  var path = me ? new URL(me.src, location.href).pathname : "";
  var base = path.replace(/\/static\/api\.js$/, "");
  var token = decodeURIComponent(base.slice(base.lastIndexOf("/") + 1));

  function post(route, body, options) {
    var headers = { "X-Nbreview-Token": token };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(base + route, {
      method: "POST",
      credentials: "omit",
      cache: "no-store",
      keepalive: !!(options && options.keepalive),
      headers: headers,
      body: body === undefined ? null : JSON.stringify(body)
    });
  }

  function get(route) {
    return fetch(base + route, { credentials: "omit", cache: "no-store" });
  }

  var HEARTBEAT_MS = 3000; /* the server stops after HEARTBEAT_TIMEOUT of silence (web/server.py) */

  /* Beat now and every HEARTBEAT_MS; say "closed" when the page goes away. */
  function stayAlive() {
    var beat = function () { post("/api/heartbeat", undefined, { keepalive: true }).catch(function () {}); };
    beat();
    window.setInterval(beat, HEARTBEAT_MS);
    window.addEventListener("pagehide", function () {
      post("/api/closed", undefined, { keepalive: true }).catch(function () {});
    });
  }

  window.nbreview = { base: base, post: post, get: get, stayAlive: stayAlive };
}());
