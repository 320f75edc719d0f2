/* nbreview review page: view toggle, folds, image diff modes, keys, permalinks, and unpacking
   the cells of a packed report. No notebook content is ever evaluated here. */
(function () {
  "use strict";
  var root = document.documentElement;
  var body = document.body;

  /* A packed report keeps each notebook's cells gzipped in a data block: inflate them, then start. */
  function inflate(block) {
    var bytes = Uint8Array.from(atob(block.textContent.trim()), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(function (html) {
      var slot = block.previousElementSibling;
      var holder = document.createElement("div");
      holder.className = "unpacked";
      holder.innerHTML = html;  /* HTML this tool wrote and sanitised; scripts in it never run */
      slot.replaceWith(holder);
      block.remove();
    });
  }
  var blocks = Array.prototype.slice.call(document.querySelectorAll("script.nb-payload"));
  if (blocks.length && typeof DecompressionStream === "undefined") {
    blocks.forEach(function (b) {
      b.previousElementSibling.textContent = "This report needs a current browser (Chrome 80, Firefox 113, Safari 16.4 or later).";
    });
    return;
  }
  Promise.all(blocks.map(inflate)).then(start);

  function start() {
    function store(key, value) {
      try { window.localStorage.setItem(key, value); } catch (e) { /* ignore */ }
    }
    function all(sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); }

    /* ---- side by side / unified ---- */
    /* The server writes side-by-side tables only; the unified table of each is built from it
       (cloned nodes, nothing re-parsed) the first time the unified view is shown. */
    function cell(cls, node) {
      var td = document.createElement("td");
      td.className = cls;
      if (typeof node === "string") { td.textContent = node; } else if (node) {
        Array.prototype.forEach.call(node.childNodes, function (c) { td.appendChild(c.cloneNode(true)); });
      }
      return td;
    }
    function row(cls, oldNo, newNo, sign, text) {
      var tr = document.createElement("tr");
      if (cls) { tr.className = cls; }
      [cell("n", oldNo), cell("n", newNo), cell("s", sign), cell("t", text)].forEach(function (td) { tr.appendChild(td); });
      return tr;
    }
    function buildUnified(split) {
      var table = document.createElement("table");
      table.className = split.className.replace("split", "unified");
      var cols = document.createElement("colgroup");
      ["cn", "cn", "cs", "ct"].forEach(function (c) {
        var col = document.createElement("col"); col.className = c; cols.appendChild(col);
      });
      table.appendChild(cols);
      var body = document.createElement("tbody");
      var dels = [], inss = [];
      function flush() {
        dels.concat(inss).forEach(function (r) { body.appendChild(r); });
        dels = []; inss = [];
      }
      all("tbody > tr", split).forEach(function (tr) {
        var c = tr.children;
        if (tr.classList.contains("thr")) { return; }  /* a review thread (threads.js moves it itself) */
        if (tr.classList.contains("skip")) {
          flush();
          body.appendChild(tr.cloneNode(true));
          return;
        }
        if (!tr.classList.contains("chg")) {
          flush();
          body.appendChild(row(tr.className, c[0].textContent, c[2].textContent, " ", c[3]));
          return;
        }
        if (!c[0].classList.contains("e")) { dels.push(row("del", c[0].textContent, "", "-", c[1])); }
        if (!c[2].classList.contains("e")) { inss.push(row("ins", "", c[2].textContent, "+", c[3])); }
      });
      flush();
      table.appendChild(body);
      split.setAttribute("data-unified", "1");
      split.parentNode.insertBefore(table, split.nextSibling);
    }
    function ensureUnified() {
      all("table.diff.split:not([data-unified])").forEach(buildUnified);
    }
    function setView(view) {
      if (view === "unified") { ensureUnified(); }
      root.classList.toggle("unified", view === "unified");
      store("nbreview.view", view);
      all("[data-view]").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b.getAttribute("data-view") === view));
      });
    }
    function toggleView() { setView(root.classList.contains("unified") ? "split" : "unified"); }
    setView(root.classList.contains("unified") ? "unified" : "split");
    all("[data-view]").forEach(function (b) {
      b.addEventListener("click", function () { setView(b.getAttribute("data-view")); });
    });

    /* ---- show unchanged / outputs / metadata ---- */
    var unchangedBox = document.getElementById("show-unchanged");
    function setUnchanged(open) {
      all("details.fold").forEach(function (d) { d.open = open; });
      if (unchangedBox) { unchangedBox.checked = open; }
    }
    if (unchangedBox) {
      unchangedBox.addEventListener("change", function () { setUnchanged(unchangedBox.checked); });
    }
    function bindClass(id, cls) {
      var box = document.getElementById(id);
      if (box) { box.addEventListener("change", function () { root.classList.toggle(cls, !box.checked); }); }
    }
    bindClass("show-outputs", "no-outputs");
    bindClass("show-metadata", "no-meta");

    /* ---- markdown rendered / source ---- */
    document.addEventListener("click", function (ev) {
      var t = ev.target;
      if (!(t instanceof Element)) { return; }
      var sw = t.closest(".mdswitch");
      if (sw) {
        var cell = sw.closest(".cell");
        var on = cell.classList.toggle("show-src");
        sw.setAttribute("aria-pressed", String(on));
        sw.textContent = on ? "rendered" : "source";
        return;
      }
      var more = t.closest("tr.skip .more");
      if (more) {
        /* Show the unchanged lines folded behind this row. */
        var skip = more.closest("tr");
        for (var r = skip.nextElementSibling; r && r.classList.contains("hid"); r = r.nextElementSibling) {
          r.classList.remove("hid");
        }
        skip.remove();
        return;
      }
      var tab = t.closest(".imgdiff .tabs button");
      if (tab) { setMode(tab.closest(".imgdiff"), tab.getAttribute("data-mode")); }
    });

    /* ---- image diff: 2-up, swipe, onion skin, difference ---- */
    var MODES = ["2up", "swipe", "onion", "diff"];
    function applySlider(w) {
      var slider = w.querySelector(".slider");
      var img = w.querySelector("figure.new img");
      if (!slider || !img) { return; }
      var v = Number(slider.value);
      img.style.clipPath = w.classList.contains("mode-swipe") ? "inset(0 0 0 " + v + "%)" : "";
      img.style.opacity = w.classList.contains("mode-onion") ? String(v / 100) : "";
    }
    function setMode(w, mode) {
      if (!w || MODES.indexOf(mode) < 0) { return; }
      MODES.forEach(function (m) { w.classList.toggle("mode-" + m, m === mode); });
      all(".tabs button", w).forEach(function (b) {
        b.classList.toggle("on", b.getAttribute("data-mode") === mode);
      });
      if (mode === "diff") {
        var d = w.querySelector("figure.diffimg img");
        if (d && !d.getAttribute("src") && d.getAttribute("data-src")) { d.setAttribute("src", d.getAttribute("data-src")); }
      }
      applySlider(w);
    }
    document.addEventListener("input", function (ev) {
      var t = ev.target;
      if (t instanceof Element && t.classList.contains("slider")) { applySlider(t.closest(".imgdiff")); }
    });

    /* ---- permalinks ---- */
    function reveal(el) {
      for (var p = el.parentElement; p; p = p.parentElement) {
        if (p.tagName === "DETAILS") { p.open = true; }
      }
    }
    function mark(el) {
      all(".cell.cur").forEach(function (c) { c.classList.remove("cur"); });
      el.classList.add("cur");
    }
    function go(el, updateHash) {
      reveal(el);
      mark(el);
      el.scrollIntoView({ block: "start" });
      if (updateHash && el.id) { history.replaceState(null, "", "#" + el.id); }
    }
    function fromHash() {
      var id = decodeURIComponent(location.hash.slice(1));
      var el = id ? document.getElementById(id) : null;
      if (el) { go(el, false); }
    }
    window.addEventListener("hashchange", fromHash);
    fromHash();

    /* ---- keys ---- */
    function topOffset() {
      var bar = document.querySelector("header.top");
      return bar ? bar.getBoundingClientRect().height : 0;
    }
    function step(items, dir) {
      if (!items.length) { return null; }
      var cur = items.indexOf(document.querySelector(".cell.cur"));
      var off = topOffset() + 4;
      var i;
      if (cur >= 0) {
        i = cur + dir;
      } else if (dir > 0) {
        i = items.findIndex(function (el) { return el.getBoundingClientRect().top > off + 24; });
      } else {
        i = -1;
        items.forEach(function (el, k) { if (el.getBoundingClientRect().top < off - 8) { i = k; } });
      }
      if (i < 0 || i >= items.length) { return null; }
      return items[i];
    }
    function nextChange(dir) {
      var el = step(all(".cell.chg"), dir);
      if (el) { go(el, true); }
    }
    function nextFile(dir) {
      var link = document.querySelector(dir > 0 ? "link[rel=next]" : "link[rel=prev]");
      if (link) { location.href = link.getAttribute("href"); return; }
      var nbs = all("article.nb");
      var off = topOffset() + 24;  /* an article scrolled to sits just under the top bar */
      var i = 0;
      nbs.forEach(function (el, k) { if (el.getBoundingClientRect().top <= off) { i = k; } });
      var target = nbs[i + dir];
      if (target) {
        target.scrollIntoView({ block: "start" });
        history.replaceState(null, "", "#" + target.id);
      }
    }
    var help = document.getElementById("help");
    function toggleHelp() {
      if (!help) { return; }
      if (help.open) { help.close(); } else { help.showModal(); }
    }
    var helpButton = document.getElementById("help-button");
    if (helpButton) { helpButton.addEventListener("click", toggleHelp); }
    var helpClose = document.getElementById("help-close");
    if (helpClose) { helpClose.addEventListener("click", function () { help.close(); }); }

    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
      var t = ev.target;
      if (t instanceof Element && t.closest("input[type=text], textarea, select, [contenteditable]")) { return; }
      var key = ev.key;
      if (key === "j") { nextChange(1); }
      else if (key === "k") { nextChange(-1); }
      else if (key === "n") { nextFile(1); }
      else if (key === "p") { nextFile(-1); }
      else if (key === "t") { toggleView(); }
      else if (key === "u") { setUnchanged(!(unchangedBox && unchangedBox.checked)); }
      else if (key === "?") { toggleHelp(); }
      else { return; }
      ev.preventDefault();
    });

    /* ---- difftool: tell the server when the page goes away ---- */
    if (body.getAttribute("data-difftool") === "1") {
      window.nbreview.stayAlive(); /* api.js: the one heartbeat, with the token header every write needs */
    }
    root.classList.add("ready");
  }
}());
