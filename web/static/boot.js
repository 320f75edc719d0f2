/* nbreview: apply the remembered view before the page paints (no layout jump). */
(function () {
  "use strict";
  try {
    if (window.localStorage.getItem("nbreview.view") === "unified") {
      document.documentElement.classList.add("unified");
    }
  } catch (e) { /* storage unavailable: default view */ }
}());
