/* nbreview review page on a pull request: review threads on cells, and writing them.
   Threads come from /api/threads (comment HTML already sanitised by the server); new comments,
   replies and reviews go to /api/comment, /api/reply and /api/review through nbreview.post
   (api.js: secret prefix, token header, the page's own Origin). Text typed is never lost on an
   error: the box stays, with GitHub's message beside it. */
(function () {
  "use strict";
  var root = document.documentElement;
  var file = parseInt(document.body.getAttribute("data-current") || "0", 10);
  var pending = [];   /* drafts of the pending review: {side, cell, lines, output, mime, body, node} */
  var placed = [];    /* nodes under a line: {node, section, side, line} (moved when the view changes) */
  var selection = null; /* {section, side, line} where a click started (shift-click extends) */
  var IMG = /\/f\/(\d+)\/img\/(old|new)\/(\d+)\/(\d+)\/(.+)$/;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function button(text, cls, label) {
    var b = el("button", cls, text);
    b.type = "button";
    if (label) { b.setAttribute("aria-label", label); }
    return b;
  }
  function all(sel, node) { return Array.prototype.slice.call((node || document).querySelectorAll(sel)); }
  function unified() { return root.classList.contains("unified"); }

  /* ---- where things are ---- */
  function sectionSide(section) { return section.id.charAt(0) === "o" ? "old" : "new"; }
  function sectionCell(section, side) {
    /* the cell's index on a side, from its header "[3] → [4]" (or the id for its own side) */
    var nums = (section.querySelector(".ch .num") || {}).textContent || "";
    var m = nums.match(/\[(\d+)\]\s*→\s*\[(\d+)\]/);
    if (m) { return parseInt(side === "old" ? m[1] : m[2], 10); }
    var own = parseInt(section.id.slice(1), 10);
    return sectionSide(section) === side ? own : null;
  }
  function sourceTable(section) {
    var tables = all(".cb > table.diff, .cb > .srcview > table.diff", section);
    var want = unified() ? "unified" : "split";
    return tables.filter(function (t) { return t.classList.contains(want); })[0] ||
      tables.filter(function (t) { return t.classList.contains("single"); })[0] || null;
  }
  function numberCells(tr) { return all(":scope > td.n", tr); }
  /* a line-number cell's number (the hover "+" button may sit inside it) */
  function lineOf(td) { return parseInt(td.firstChild && td.firstChild.nodeType === 3 ? td.firstChild.nodeValue : "", 10); }
  function rowSide(table, section, index) {
    if (table.classList.contains("single")) { return section.classList.contains("st-removed") ? "old" : "new"; }
    return index === 0 ? "old" : "new";
  }
  function findRow(section, side, line) {
    var table = sourceTable(section);
    if (!table) { return null; }
    var rows = all(":scope > tbody > tr", table);
    for (var i = 0; i < rows.length; i++) {
      var ns = numberCells(rows[i]);
      for (var k = 0; k < ns.length; k++) {
        if (rowSide(table, section, k) === side && lineOf(ns[k]) === line) { return rows[i]; }
      }
    }
    return null;
  }
  function visible(node) { return !!(node && node.getClientRects().length); }
  function reveal(node) {
    for (var p = node; p; p = p.parentElement) {
      if (p.tagName === "DETAILS") { p.open = true; }
      if (p.classList && p.classList.contains("hid")) { p.classList.remove("hid"); }
    }
  }
  function lineRow(node) {
    var tr = el("tr", "thr");
    var td = el("td");
    td.colSpan = 4;
    td.appendChild(node);
    tr.appendChild(td);
    return tr;
  }
  function placeUnder(section, side, line, node) {
    var row = findRow(section, side, line);
    if (row && row.closest(".srcview") && !section.classList.contains("show-src")) { row = null; }
    if (!row) { return false; }
    reveal(row);
    var tr = lineRow(node);
    row.parentNode.insertBefore(tr, row.nextSibling);
    placed.push({ node: tr, section: section, side: side, line: line });
    return true;
  }
  function cellBox(section) {
    var box = section.querySelector(":scope > .cb > .cthreads");
    if (!box) {
      box = el("div", "cthreads");
      var cb = section.querySelector(":scope > .cb");
      cb.insertBefore(box, cb.firstChild);
    }
    return box;
  }
  function outputRow(section, side, cell, output) {
    var imgs = all(".outs img[src]", section);
    for (var i = 0; i < imgs.length; i++) {
      var m = imgs[i].getAttribute("src").match(IMG);
      if (m && m[2] === side && +m[3] === cell && +m[4] === output) { return imgs[i].closest(".orow"); }
    }
    return null;
  }
  function placeAtOutput(section, side, cell, output, node) {
    var row = outputRow(section, side, cell, output);
    if (!row) { return false; }
    row.parentNode.insertBefore(node, row.nextSibling);
    return true;
  }
  /* the view switched (side by side / unified): move what sits under lines to the shown table */
  new MutationObserver(function () {
    placed.forEach(function (p) {
      var row = findRow(p.section, p.side, p.line);
      if (row) { reveal(row); row.parentNode.insertBefore(p.node, row.nextSibling); }
    });
  }).observe(root, { attributes: true, attributeFilter: ["class"] });

  /* ---- talking to the server ---- */
  function send(route, body) {
    return window.nbreview.post(route, body).then(function (r) {
      return r.json().catch(function () { return { error: "the server answered " + r.status }; }).then(function (data) {
        if (!r.ok || data.error) { throw new Error(data.error || ("the server answered " + r.status)); }
        return data;
      });
    }, function () { throw new Error("cannot reach nbreview's server: is it still running?"); });
  }
  function showError(box, err) {
    var e = box.querySelector(".err");
    e.textContent = err ? String(err.message || err) : "";
    e.hidden = !err;
  }

  /* ---- threads ---- */
  var ago = typeof Intl !== "undefined" && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat("en", { numeric: "auto" }) : null;
  function when(iso) {
    var t = Date.parse(iso);
    if (!ago || isNaN(t)) { return iso; }
    var s = (t - Date.now()) / 1000, steps = [[60, "second"], [60, "minute"], [24, "hour"], [30, "day"], [12, "month"]];
    for (var i = 0; i < steps.length; i++) {
      if (Math.abs(s) < steps[i][0]) { return ago.format(Math.round(s), steps[i][1]); }
      s /= steps[i][0];
    }
    return ago.format(Math.round(s), "year");
  }
  function where(t) {
    var parts = [];
    if (t.lines) { parts.push(t.lines[0] === t.lines[1] ? "line " + t.lines[0] : "lines " + t.lines[0] + "–" + t.lines[1]); }
    if (t.output !== null && t.output !== undefined) { parts.push("output " + (t.output + 1)); }
    if (t.side === "old") { parts.push("before the change"); }
    if (t.anchor === null) { parts.push(t.cell === null ? "on the file" : "cell [" + t.cell + "]"); }
    return parts.join(" · ");
  }
  function commentNode(c) {
    var div = el("div", "comment");
    div.setAttribute("data-id", c.id);
    var head = el("div", "who");
    head.appendChild(el("strong", "author", c.author));
    var time = el("time", "when", when(c.created_at));
    time.dateTime = c.created_at;
    time.title = c.created_at;
    head.appendChild(document.createTextNode(" "));
    head.appendChild(time);
    div.appendChild(head);
    var body = el("div", "md cbody");
    body.innerHTML = c.html;  /* rendered and sanitised (nh3) by the server; the page's CSP runs no inline script */
    div.appendChild(body);
    return div;
  }
  function threadNode(t) {
    var box = el("div", "thread" + (t.outdated ? " outdated" : ""));
    box.setAttribute("data-thread", t.comments[0].id);
    var head = el("div", "thead");
    if (t.outdated) { head.appendChild(el("span", "badge outdated-label", "Outdated")); }
    head.appendChild(el("span", "where", where(t)));
    box.appendChild(head);
    t.comments.forEach(function (c, i) {
      var n = commentNode(c);
      if (i > 0) { n.classList.add("reply"); }
      box.appendChild(n);
    });
    box.appendChild(replyBox(t.comments[0].id));
    return box;
  }
  function replyBox(id) {
    var form = el("div", "replybox");
    var area = el("textarea");
    area.setAttribute("aria-label", "reply");
    area.placeholder = "Reply…";
    var go = button("Reply", "primary");
    var err = el("div", "err");
    err.setAttribute("role", "alert");
    err.hidden = true;
    go.addEventListener("click", function () {
      if (!area.value.trim()) { return; }
      go.disabled = true;
      send("/api/reply", { to: id, body: area.value }).then(function () {
        area.value = "";
        showError(form, null);
        return loadThreads();
      }).catch(function (e) { showError(form, e); }).then(function () { go.disabled = false; });
    });
    form.appendChild(area);
    form.appendChild(go);
    form.appendChild(err);
    return form;
  }
  function clearThreads() {
    all(".thread:not(.pending)").forEach(function (n) {
      var tr = n.closest("tr.thr");
      (tr || n).remove();
    });
    placed = placed.filter(function (p) { return document.contains(p.node); });
  }
  function fileBox() {
    var art = document.querySelector("article.nb");
    var box = art.querySelector(".filethreads");
    if (!box) {
      box = el("div", "filethreads");
      var head = art.querySelector(".nbhead");
      head.parentNode.insertBefore(box, head.nextSibling);
    }
    return box;
  }
  function placeThread(t) {
    var node = threadNode(t);
    var section = t.anchor ? document.getElementById(t.anchor) : null;
    if (!section) { fileBox().appendChild(node); return; }
    reveal(section);
    if (!t.outdated && t.lines && placeUnder(section, t.side, t.lines[1], node)) { return; }
    if (t.output !== null && t.output !== undefined && placeAtOutput(section, t.side, t.cell, t.output, node)) { return; }
    cellBox(section).appendChild(node);
  }
  var status = el("div", "threadstatus");
  status.setAttribute("role", "status");
  function loadThreads() {
    return fetch(window.nbreview.base + "/api/threads", { credentials: "omit", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.error) { throw new Error(data.error); }
        clearThreads();
        var mine = data.threads.filter(function (t) { return t.file === file; });
        mine.forEach(placeThread);
        status.textContent = mine.length + " review thread" + (mine.length === 1 ? "" : "s") + " on this notebook";
        document.body.setAttribute("data-threads-loaded", "1");
      })
      .catch(function (e) { status.textContent = "Review threads could not be loaded: " + e.message; });
  }

  /* ---- writing ---- */
  function draftBox(target, place) {
    /* target: {side, cell, lines?, output?, mime?}; place(node) puts the box on the page */
    var box = el("div", "thread draft");
    var label = el("div", "thead");
    label.appendChild(el("span", "where", where({ side: target.side, lines: target.lines, output: target.output, anchor: "x" }) || "cell [" + target.cell + "]"));
    box.appendChild(label);
    var range = null;
    if (!target.lines && (target.output === undefined || target.output === null)) {
      /* a whole cell; from the keyboard, lines can be chosen here too */
      range = el("div", "range");
      [["from", "first line"], ["to", "last line"]].forEach(function (p) {
        var lab = el("label", "", p[0] + " line ");
        var inp = el("input");
        inp.type = "number";
        inp.min = "1";
        inp.className = p[0];
        inp.setAttribute("aria-label", p[1] + " (empty: the whole cell)");
        lab.appendChild(inp);
        range.appendChild(lab);
      });
      box.appendChild(range);
    }
    var area = el("textarea");
    area.setAttribute("aria-label", "comment");
    area.placeholder = "Leave a comment";
    box.appendChild(area);
    var row = el("div", "actions");
    var single = button("Add single comment", "");
    var review = button(pending.length ? "Add review comment" : "Start a review", "primary");
    var cancel = button("Cancel", "");
    [single, review, cancel].forEach(function (b) { row.appendChild(b); });
    box.appendChild(row);
    var err = el("div", "err");
    err.setAttribute("role", "alert");
    err.hidden = true;
    box.appendChild(err);
    function remove() { var tr = box.closest("tr.thr"); (tr || box).remove(); }
    function chosen() {
      if (!range) { return target; }
      var a = parseInt(range.querySelector(".from").value, 10), b = parseInt(range.querySelector(".to").value, 10);
      if (isNaN(a)) { return target; }
      if (isNaN(b)) { b = a; }
      return { side: target.side, cell: target.cell, lines: [Math.min(a, b), Math.max(a, b)] };
    }
    cancel.addEventListener("click", remove);
    single.addEventListener("click", function () {
      if (!area.value.trim()) { return; }
      single.disabled = true;
      send("/api/comment", payload(chosen(), area.value)).then(function () {
        remove();
        return loadThreads();
      }).catch(function (e) { showError(box, e); single.disabled = false; });
    });
    review.addEventListener("click", function () {
      if (!area.value.trim()) { return; }
      var d = payload(chosen(), area.value);
      if (range) { range.remove(); }
      box.classList.remove("draft");
      box.classList.add("pending");
      row.remove();
      area.remove();
      label.appendChild(el("span", "badge", "Pending"));
      var text = el("div", "cbody pendingtext", d.body);
      box.appendChild(text);
      var drop = button("Delete", "", "delete pending comment");
      box.appendChild(drop);
      d.node = box;
      pending.push(d);
      drop.addEventListener("click", function () {
        pending = pending.filter(function (p) { return p !== d; });
        remove();
        updateCount();
      });
      updateCount();
    });
    place(box);
    area.focus();
    return box;
  }
  function payload(target, body) {
    return { file: file, side: target.side, cell: target.cell, lines: target.lines || null,
             output: target.output === undefined ? null : target.output, mime: target.mime || null, body: body };
  }
  function openLineBox(section, side, first, last) {
    var cell = sectionCell(section, side);
    if (cell === null) { return null; }
    var a = Math.min(first, last), b = Math.max(first, last);
    return draftBox({ side: side, cell: cell, lines: [a, b] }, function (node) {
      if (!placeUnder(section, side, b, node)) { cellBox(section).appendChild(node); }
    });
  }
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) { return; }
    var n = t.closest("td.n");
    var add = t.closest("button.addc");
    if (add) { n = add.closest("td.n"); }
    if (n && !n.closest(".outs") && n.closest("section.cell") && !isNaN(lineOf(n))) {
      var section = n.closest("section.cell");
      var table = n.closest("table");
      var idx = numberCells(n.parentElement).indexOf(n);
      var side = table.classList.contains("unified") ? (idx === 0 ? "old" : "new") : rowSide(table, section, idx);
      var line = lineOf(n);
      if (isNaN(line)) { return; }
      if (ev.shiftKey && selection && selection.section === section && selection.side === side) {
        /* the box the first click opened gives way to the one for the whole range, unless typed in */
        if (selection.box && document.contains(selection.box) && !selection.box.querySelector("textarea").value.trim()) {
          var old = selection.box.closest("tr.thr");
          (old || selection.box).remove();
        }
        openLineBox(section, side, selection.line, line);
        selection = null;
      } else {
        selection = { section: section, side: side, line: line, box: null };
        if (!ev.shiftKey) { selection.box = openLineBox(section, side, line, line); }
      }
      return;
    }
    var cc = t.closest("button.cellcomment");
    if (cc) {
      var sec = cc.closest("section.cell");
      var s = sectionSide(sec);
      draftBox({ side: s, cell: sectionCell(sec, s) }, function (node) { cellBox(sec).appendChild(node); });
      return;
    }
    var ic = t.closest("button.imgcomment");
    if (ic) {
      var m = ic.getAttribute("data-src").match(IMG);
      var row = ic.closest(".orow");
      draftBox({ side: m[2], cell: +m[3], output: +m[4], mime: decodeURIComponent(m[5]) }, function (node) {
        row.parentNode.insertBefore(node, row.nextSibling);
      });
    }
  });
  /* a "+" on the hovered line's number (the number itself works too) */
  var plus = button("+", "addc", "comment on this line");
  document.addEventListener("mouseover", function (ev) {
    var t = ev.target instanceof Element ? ev.target.closest("section.cell .cb table.diff tr") : null;
    if (!t || t.closest(".outs") || t.classList.contains("thr")) { return; }
    var ns = numberCells(t).filter(function (n) { return !isNaN(lineOf(n)); });
    if (ns.length) { ns[ns.length - 1].appendChild(plus); }
  });
  function addButtons() {
    all("section.cell > header.ch").forEach(function (h) {
      h.appendChild(button("Comment", "cellcomment", "comment on this cell"));
    });
    all("section.cell .outs img[src]").forEach(function (img) {
      var src = img.getAttribute("src");
      if (!IMG.test(src)) { return; }
      var m = src.match(IMG);
      var b = button("Comment on " + m[2] + " image", "imgcomment");
      b.setAttribute("data-src", src);
      (img.closest("figure") || img.parentElement).appendChild(b);
    });
  }

  /* ---- the review panel ---- */
  var reviewButton = button("Review changes", "reviewbtn");
  var panel = el("dialog", "reviewpanel");
  panel.setAttribute("aria-label", "submit your review");
  panel.innerHTML = '<h2>Finish your review</h2><textarea aria-label="review summary" placeholder="Leave a comment"></textarea>' +
    '<fieldset><legend>Review</legend>' +
    '<label><input type="radio" name="event" value="COMMENT" checked> Comment</label>' +
    '<label><input type="radio" name="event" value="APPROVE"> Approve</label>' +
    '<label><input type="radio" name="event" value="REQUEST_CHANGES"> Request changes</label></fieldset>' +
    '<div class="err" role="alert" hidden></div>' +
    '<div class="actions"><button type="button" class="primary submit">Submit review</button> <button type="button" class="close">Cancel</button></div>';
  function updateCount() {
    reviewButton.textContent = pending.length ? "Review changes (" + pending.length + ")" : "Review changes";
    all(".thread.draft .actions .primary").forEach(function (b) { b.textContent = pending.length ? "Add review comment" : "Start a review"; });
  }
  reviewButton.addEventListener("click", function () { showError(panel, null); panel.showModal(); });
  panel.querySelector(".close").addEventListener("click", function () { panel.close(); });
  panel.querySelector(".submit").addEventListener("click", function () {
    var sub = panel.querySelector(".submit");
    var event = panel.querySelector("input[name=event]:checked").value;
    var summary = panel.querySelector("textarea").value;
    sub.disabled = true;
    send("/api/review", { event: event, body: summary, comments: pending.map(function (d) {
      return { file: d.file, side: d.side, cell: d.cell, lines: d.lines, output: d.output, mime: d.mime, body: d.body };
    }) }).then(function () {
      pending.forEach(function (d) { var tr = d.node.closest("tr.thr"); (tr || d.node).remove(); });
      pending = [];
      panel.querySelector("textarea").value = "";
      updateCount();
      panel.close();
      return loadThreads();
    }).catch(function (e) { showError(panel, e); }).then(function () { sub.disabled = false; });
  });

  function start() {
    var controls = document.querySelector("header.top .controls");
    if (controls) { controls.insertBefore(reviewButton, controls.firstChild); }
    document.body.appendChild(panel);
    var art = document.querySelector("article.nb .nbhead");
    if (art) { art.appendChild(status); }
    addButtons();
    loadThreads();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
