/* nbreview review page on a pull request: review threads on cells, and writing them.
   Threads, the pending review (kept by the server on disk: it survives switching notebooks,
   reloads and restarts) and which lines take a line comment come from /api/threads (comment HTML
   already sanitised by the server); comments, drafts, replies and reviews go to /api/comment,
   /api/drafts, /api/reply and /api/review through nbreview.post and nbreview.get (api.js: secret
   prefix, token header, the page's own Origin; inside JupyterLab, jupyter.js: Jupyter's login and
   XSRF). Text typed is never lost: on an error the box stays with GitHub's message beside it, and
   reloading the threads keeps every open box and its text. */
(function () {
  "use strict";
  var root = document.documentElement;
  var file = parseInt(document.body.getAttribute("data-current") || "0", 10);
  var pending = [];   /* the pending review, every notebook's: {id, file, side, cell, lines, body, flag, remote} */
  var runs = {};      /* commentable source lines of this notebook: runs[side][cell] = [[first, last, hunk]] */
  var shownHead = ""; /* the head this page shows */
  var resolvable = false; /* the host says which threads are resolved (GitHub: GraphQL; REST alone cannot) */
  var host = { name: "GitHub", change: "pull request", ref: "#", events: null }; /* from /api/threads */
  var placed = [];    /* nodes under a line: {node, section, side, line} (moved when the view changes) */
  var selection = null; /* {section, side, line} where a click started (shift-click extends) */

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
    /* the cell's index on a side: the section's data-old / data-new (none when not on that side) */
    var index = section.getAttribute(side === "old" ? "data-old" : "data-new");
    return index === null ? null : parseInt(index, 10);
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
    var tagged = section.querySelector('.outs .orow[data-' + side + '="' + cell + ":" + output + '"]');
    if (tagged) { return tagged; }
    var imgs = all(".outs img[data-cell]", section); /* where each picture is: data-side/cell/output */
    for (var i = 0; i < imgs.length; i++) {
      var d = imgs[i].dataset;
      if (d.side === side && +d.cell === cell && +d.output === output) { return imgs[i].closest(".orow"); }
    }
    return null;
  }
  function placeAtOutput(section, side, cell, output, node, tableRow) {
    var row = outputRow(section, side, cell, output);
    if (!row) { return false; }
    /* written on a row of the output's table: under that row (the side's half of a changed output) */
    var half = row.querySelector(":scope > .oside." + side) || row;
    var trs = typeof tableRow === "number" ? all(".out.html tr:not(.thr)", half) : [];
    var tr = trs[tableRow];
    if (tr) {
      var holder = lineRow(node);
      holder.firstChild.colSpan = Math.max(1, tr.children.length);
      tr.parentNode.insertBefore(holder, tr.nextSibling);
      return true;
    }
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
    if (t.output !== null && t.output !== undefined) {
      parts.push("output " + (t.output + 1) + (typeof t.row === "number" ? ", table row " + (t.row + 1) : ""));
    }
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
    var box = el("div", "thread" + (t.outdated ? " outdated" : "") + (t.resolved ? " resolved" : ""));
    box.setAttribute("data-thread", t.comments[0].id);
    var head = el("div", "thead");
    var body = box;
    if (t.outdated || t.resolved) {
      /* collapsed, labelled, with the code it was written on (as GitHub shows outdated and resolved threads) */
      var det = el("details", "outdated-body");
      var sum = el("summary");
      if (t.outdated) { sum.appendChild(el("span", "badge outdated-label", "Outdated")); }
      if (t.resolved) { sum.appendChild(el("span", "badge resolved-label", "Resolved")); }
      sum.appendChild(el("span", "where", " " + where(t) + " · " + t.comments[0].author + ": " +
        t.comments.length + " comment" + (t.comments.length === 1 ? "" : "s")));
      det.appendChild(sum);
      if (t.comments[0].snippet) {
        var pre = el("pre", "snippet", t.comments[0].snippet);
        pre.setAttribute("aria-label", "the code this was written on (line " + t.comments[0].original_line + " of the file then)");
        det.appendChild(pre);
      }
      box.appendChild(det);
      body = det;
    } else {
      head.appendChild(el("span", "where", where(t)));
      box.appendChild(head);
    }
    t.comments.forEach(function (c, i) {
      var n = commentNode(c);
      if (i > 0) { n.classList.add("reply"); }
      body.appendChild(n);
    });
    var open = button("Reply…", "openreply");
    open.addEventListener("click", function () { open.replaceWith(replyBox(t.comments[0].id, "")); });
    body.appendChild(open);
    if (resolvable && t.resolved !== null && t.resolved !== undefined) {
      var toggle = button(t.resolved ? "Unresolve conversation" : "Resolve conversation", "resolve");
      toggle.addEventListener("click", function () {
        toggle.disabled = true;
        send("/api/resolve", { to: t.comments[0].id, resolved: !t.resolved }).then(loadThreads)
          .catch(function (e) { toggle.disabled = false; toggle.title = String(e.message || e); status.textContent = String(e.message || e); });
      });
      body.appendChild(toggle);
    }
    return box;
  }
  function replyBox(id, text) {
    var form = el("div", "replybox");
    var area = el("textarea");
    area.setAttribute("aria-label", "reply");
    area.placeholder = "Reply…";
    area.value = text;
    var go = button("Reply", "primary");
    var cancel = button("Cancel", "");
    var err = el("div", "err");
    err.setAttribute("role", "alert");
    err.hidden = true;
    cancel.addEventListener("click", function () {
      var open = button("Reply…", "openreply");
      open.addEventListener("click", function () { open.replaceWith(replyBox(id, "")); });
      form.replaceWith(open);
    });
    go.addEventListener("click", function () {
      if (!area.value.trim()) { return; }
      go.disabled = true;
      send("/api/reply", { to: id, body: area.value }).then(function () {
        area.value = "";
        showError(form, null);
        form.remove();
        return loadThreads();
      }).catch(function (e) { showError(form, e); }).then(function () { go.disabled = false; });
    });
    var row = el("div", "actions");
    row.appendChild(go);
    row.appendChild(cancel);
    form.appendChild(area);
    form.appendChild(row);
    form.appendChild(err);
    setTimeout(function () { area.focus(); }, 0);
    return form;
  }
  function clearThreads() {
    /* threads and pending comments are redrawn; boxes being written in stay, with their text */
    var typed = {};
    all(".thread:not(.draft)").forEach(function (n) {
      var reply = n.querySelector(".replybox textarea");
      if (reply && reply.value.trim()) { typed[n.getAttribute("data-thread")] = reply.value; }
      var edit = n.querySelector(".editbox textarea");
      if (edit) { typed["edit:" + n.getAttribute("data-draft")] = edit.value; }
      var tr = n.closest("tr.thr");
      (tr || n).remove();
    });
    placed = placed.filter(function (p) { return document.contains(p.node); });
    return typed;
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
    if (t.output !== null && t.output !== undefined && placeAtOutput(section, t.side, t.cell, t.output, node, t.row)) { return; }
    cellBox(section).appendChild(node);
  }
  var status = el("div", "threadstatus");
  status.setAttribute("role", "status");
  var context = el("div", "prcontext");
  function showContext(pr, last) {
    context.textContent = "";
    var link = el("a", "prtitle", pr.title + " " + host.ref + pr.number);
    link.href = pr.url;
    link.rel = "noopener noreferrer";
    context.appendChild(link);
    context.appendChild(el("span", "prmeta", " by " + pr.author + " · " + pr.base + " ← " + pr.head_ref +
      " @ " + pr.head.slice(0, 7) + " · signed in as " + (pr.user || "(unknown)")));
    if (pr.rate && pr.rate.limit && pr.rate.remaining < pr.rate.limit / 10) {
      context.appendChild(el("span", "ratelow", " · " + pr.rate.remaining + " of " + pr.rate.limit + " " + host.name + " API requests left"));
    }
    if (last) {
      var done = el("div", "submitted");
      done.setAttribute("role", "status");
      done.appendChild(document.createTextNode("Your review was submitted: " + last.label + " "));
      if (last.url) { var a = el("a", "", "view it on " + host.name); a.href = last.url; a.rel = "noopener noreferrer"; done.appendChild(a); }
      context.appendChild(done);
    }
    shownHead = shownHead || pr.head;
  }
  function fileCounts() {
    var counts = {};
    pending.forEach(function (d) { if (d.file !== null) { counts[d.file] = (counts[d.file] || 0) + 1; } });
    all("nav.files li").forEach(function (li, i) {
      var b = li.querySelector(".pendingcount");
      if (!b) { b = el("span", "pendingcount"); li.querySelector("a").appendChild(b); }
      b.textContent = counts[i] ? counts[i] + " pending" : "";
      b.hidden = !counts[i];
    });
  }
  function markCommentable() {
    /* GitHub takes line comments only inside the diff's hunks: the other line numbers are greyed */
    all("section.cell").forEach(function (section) {
      all(".cb table.diff > tbody > tr", section).forEach(function (tr) {
        var table = tr.closest("table");
        numberCells(tr).forEach(function (td, k) {
          var line = lineOf(td);
          if (isNaN(line)) { return; }
          var side = table.classList.contains("unified") ? (k === 0 ? "old" : "new") : rowSide(table, section, k);
          var cell = sectionCell(section, side);
          td.classList.toggle("nocomment", cell === null || hunkOf(side, cell, line) === null);
        });
      });
    });
  }
  function hunkOf(side, cell, line) {
    var r = (runs[side] || {})[cell] || [];
    for (var i = 0; i < r.length; i++) { if (line >= r[i][0] && line <= r[i][1]) { return r[i][2]; } }
    return null;
  }
  /* inside one hunk | outside the diff | crossing a hunk's edge */
  function lineStatus(side, cell, lines, output) {
    if (!lines) {  /* a whole cell goes on its lines when any is in the diff; an output is GitHub's to judge */
      return output !== null && output !== undefined || ((runs[side] || {})[cell] || []).length ? "inside" : "outside";
    }
    var hunks = {}, outside = 0, n = 0;
    for (var l = lines[0]; l <= lines[1]; l++) {
      var h = hunkOf(side, cell, l);
      n++;
      if (h === null) { outside++; } else { hunks[h] = 1; }
    }
    if (outside === n) { return "outside"; }
    return outside === 0 && Object.keys(hunks).length === 1 ? "inside" : "crosses";
  }
  function setHost(pr) {
    /* the host's own words (GitLab: merge request !12); review events it has no API for are not offered */
    host = { name: pr.host || "GitHub", change: pr.change_name || "pull request",
             ref: pr.host === "GitLab" ? "!" : "#", events: pr.events || null };
    panel.querySelectorAll("input[name=event]").forEach(function (input) {
      input.closest("label").hidden = !!host.events && host.events.indexOf(input.value) < 0;
    });
  }
  function loadThreads() {
    var typed = null;
    return window.nbreview.get("/api/threads?file=" + file)
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.error) { throw new Error(data.error); }
        typed = clearThreads();
        runs = data.commentable || {};
        resolvable = !!data.pr.resolvable;
        setHost(data.pr);
        markCommentable();
        showContext(data.pr, data.last_review);
        var mine = data.threads.filter(function (t) { return t.file === file; });
        mine.forEach(function (t) {
          placeThread(t);
          var text = typed[String(t.comments[0].id)];
          var node = document.querySelector(".thread[data-thread='" + t.comments[0].id + "'] .openreply");
          if (text && node) { node.replaceWith(replyBox(t.comments[0].id, text)); }
        });
        pending = data.pending;
        pending.filter(function (d) { return d.file === file; }).forEach(function (d) { placePending(d, typed["edit:" + d.id]); });
        updateCount();
        status.textContent = mine.length + " review thread" + (mine.length === 1 ? "" : "s") + " on this notebook";
        document.body.setAttribute("data-threads-loaded", "1");
      })
      .catch(function (e) { status.textContent = "Review threads could not be loaded: " + e.message; });
  }
  function placePending(d, editing) {
    var box = el("div", "thread pending" + (d.flag ? " flagged" : ""));
    box.setAttribute("data-draft", d.id);
    var label = el("div", "thead");
    label.appendChild(el("span", "badge", "Pending"));
    label.appendChild(el("span", "where", d.remote ? "in your pending review on " + host.name : where({ side: d.side, lines: d.lines, output: d.output, anchor: d.anchor, cell: d.cell })));
    box.appendChild(label);
    if (d.flag) { box.appendChild(el("div", "flag", "Moved by a push: " + d.flag + ". It will be posted as a file comment quoting the lines.")); }
    var text = el("div", "cbody pendingtext", d.body);
    box.appendChild(text);
    var row = el("div", "actions");
    var edit = button("Edit", "", "edit pending comment");
    var drop = button("Delete", "", "delete pending comment");
    row.appendChild(edit);
    row.appendChild(drop);
    box.appendChild(row);
    var err = el("div", "err");
    err.setAttribute("role", "alert");
    err.hidden = true;
    box.appendChild(err);
    function startEdit(value) {
      var form = el("div", "editbox");
      var area = el("textarea");
      area.setAttribute("aria-label", "edit comment");
      area.value = value;
      var save = button("Save", "primary");
      var cancel = button("Cancel", "");
      form.appendChild(area);
      form.appendChild(save);
      form.appendChild(cancel);
      text.hidden = true;
      row.hidden = true;
      box.insertBefore(form, err);
      cancel.addEventListener("click", function () { form.remove(); text.hidden = false; row.hidden = false; });
      save.addEventListener("click", function () {
        if (!area.value.trim()) { return; }
        save.disabled = true;
        send("/api/drafts/edit", { id: d.id, body: area.value }).then(function () {
          form.remove();
          return loadThreads();
        }).catch(function (e) { showError(box, e); save.disabled = false; });
      });
      area.focus();
    }
    edit.addEventListener("click", function () { startEdit(d.body); });
    drop.addEventListener("click", function () {
      drop.disabled = true;
      send("/api/drafts/delete", { id: d.id }).then(loadThreads).catch(function (e) { showError(box, e); drop.disabled = false; });
    });
    var section = d.anchor ? document.getElementById(d.anchor) : null;
    if (!section) { fileBox().appendChild(box); }
    else if (!(d.lines && placeUnder(section, d.side, d.lines[1], box)) &&
             !(d.output !== null && d.output !== undefined && placeAtOutput(section, d.side, d.cell, d.output, box))) {
      cellBox(section).appendChild(box);
    }
    if (editing !== undefined) { startEdit(editing); }
  }

  /* ---- a push while the page is open ---- */
  var banner = el("div", "pushbanner");
  banner.setAttribute("role", "status");
  banner.hidden = true;
  function pollHead() {
    window.nbreview.get("/api/head")
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.head || !shownHead || data.head === shownHead) { return; }
        banner.textContent = "New commits were pushed (head " + data.head.slice(0, 7) + "). ";
        var go = button("Reload", "primary", "reload the page at the new head");
        go.addEventListener("click", function () {
          /* nothing typed is dropped: open boxes with text are saved or cancelled first */
          var open = all(".thread.draft textarea, .replybox textarea, .editbox textarea").filter(function (a) { return a.value.trim(); });
          if (!open.length) { window.location.reload(); return; }
          go.textContent = "Reload (" + open.length + " open comment box" + (open.length === 1 ? "" : "es") + " with text: post or cancel first)";
          open[0].focus();
        });
        banner.appendChild(go);
        banner.appendChild(document.createTextNode(" Your pending comments are kept (lines that moved are carried along or flagged)."));
        banner.hidden = false;
        banner.scrollIntoView({ block: "nearest" });
      }).catch(function () { /* the server is gone or busy: try again at the next tick */ });
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
      review.disabled = true;
      send("/api/drafts", payload(chosen(), area.value)).then(function () {
        remove();
        return loadThreads();
      }).catch(function (e) { showError(box, e); review.disabled = false; });
    });
    /* before anything is written: where the comment will land on GitHub */
    var note = el("div", "where-note");
    box.insertBefore(note, area);
    function judge() {
      var t = chosen(), st = lineStatus(t.side, t.cell, t.lines, t.output);
      note.className = "where-note " + st;
      note.textContent = st === "outside" ? (t.lines ? "These lines are" : "This cell is") + " outside the " + host.change + "'s diff: " + host.name + " takes no line comment there, so this becomes a file-level comment that quotes " + (t.lines ? "them." : "it.") :
        st === "crosses" ? "These lines cross the edge of the " + host.change + "'s diff: " + host.name + " takes a line comment only inside one hunk. Choose lines inside it, or comment on each part." : "";
      note.hidden = !note.textContent;
      single.disabled = review.disabled = st === "crosses";
    }
    if (range) { range.addEventListener("input", judge); }
    judge();
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
      var p = ic.dataset;
      var row = ic.closest(".orow");
      draftBox({ side: p.side, cell: +p.cell, output: +p.output, mime: p.mime }, function (node) {
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
    var target = ns.length ? ns[ns.length - 1] : null;
    if (target && plus.parentNode !== target) { target.appendChild(plus); } /* moving it again would eat the click */
  });
  function addButtons() {
    all("section.cell > header.ch").forEach(function (h) {
      h.appendChild(button("Comment", "cellcomment", "comment on this cell"));
    });
    all("section.cell .outs img[data-cell]").forEach(function (img) {
      var d = img.dataset;
      var b = button("Comment on " + d.side + " image", "imgcomment");
      ["side", "cell", "output", "mime"].forEach(function (k) { b.setAttribute("data-" + k, d[k]); });
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
    fileCounts();
  }
  reviewButton.addEventListener("click", function () { showError(panel, null); panel.showModal(); });
  panel.querySelector(".close").addEventListener("click", function () { panel.close(); });
  panel.querySelector(".submit").addEventListener("click", function () {
    var sub = panel.querySelector(".submit");
    var event = panel.querySelector("input[name=event]:checked").value;
    var summary = panel.querySelector("textarea").value;
    sub.disabled = true;
    send("/api/review", { event: event, body: summary }).then(function () {
      panel.querySelector("textarea").value = "";
      panel.close();
      return loadThreads();
    }).catch(function (e) { showError(panel, e); }).then(function () { sub.disabled = false; });
  });

  function start() {
    var controls = document.querySelector("header.top .controls");
    if (controls) { controls.insertBefore(reviewButton, controls.firstChild); }
    document.body.appendChild(panel);
    var main = document.querySelector("main");
    if (main) { main.insertBefore(banner, main.firstChild); main.insertBefore(context, banner); }
    var art = document.querySelector("article.nb .nbhead");
    if (art) { art.appendChild(status); }
    addButtons();
    loadThreads();
    setInterval(pollHead, 30000);
    window.addEventListener("focus", pollHead);  /* back to the tab: look for a push at once */
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
