/* nbreview inside Jupyter Server: how a pull request's review page talks to the nbreview server
   extension (nbreview/jupyter/review.py). Loaded before threads.js, it replaces api.js's
   nbreview.get/post: the API lives under the page's view, {base_url}nbreview/view/<id>/api/...
   (the id is this script's ?view=), reads carry Jupyter's login cookie, and writes carry the
   server's _xsrf cookie back in the X-XSRFToken header, as JupyterLab's own requests do. No
   second secret: Jupyter Server's login and XSRF check guard every call. Links to other sites
   open in a new browser tab. */
(function () {
  "use strict";
  var me = document.currentScript;
  var src = me ? new URL(me.src, location.href) : new URL(location.href);
  var view = src.searchParams.get("view") || "";
  var base = src.pathname.replace(/\/static\/jupyter\.js$/, "") + "/view/" + encodeURIComponent(view);

  function xsrf() {
    var m = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function get(route) {
    return fetch(base + route, { credentials: "same-origin", cache: "no-store" });
  }
  function post(route, body) {
    var headers = { "X-XSRFToken": xsrf() };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(base + route, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: headers,
      body: body === undefined ? null : JSON.stringify(body)
    });
  }

  /* A link elsewhere (GitHub, a comment's link) opens in a new browser tab: this page is framed by
     JupyterLab, and GitHub refuses to be framed. */
  document.addEventListener("click", function (ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest("a[href]") : null;
    if (a && new URL(a.href, location.href).origin !== location.origin) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
  }, true);

  /* Jupyter Server runs on its own: nothing to keep alive */
  window.nbreview = { base: base, post: post, get: get, stayAlive: function () {} };
}());
