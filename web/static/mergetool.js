/* nbreview mergetool: choose per conflict, preview the result, save, and tell the server when the page closes. */
(function () {
  "use strict";
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.conflict"));
  var progress = document.getElementById("progress");
  var status = document.getElementById("status");
  var total = sections.length;
  var current = -1;

  function part(section, name) {
    var el = section.querySelector('pre[data-part="' + name + '"]');
    return el ? el.textContent : "";
  }

  function resultText(section, choice) {
    var kind = section.getAttribute("data-kind");
    if (kind === "delete" && choice === section.getAttribute("data-deleted")) { return "(the cell is deleted)"; }
    if (kind === "move") { return "the cell goes " + ({ local: "where local put it", remote: "where remote put it", base: "back where it was" })[choice]; }
    if (choice === "both") { return part(section, "both"); } /* joined by the server (merge.text.join_both) */
    return part(section, choice);
  }

  function choose(section, choice) {
    var preview = section.querySelector("pre.preview");
    var area = section.querySelector("textarea.edit");
    section.querySelectorAll("button[data-choice]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-choice") === choice ? "true" : "false");
    });
    if (choice === "edit") {
      if (!area.value) {
        var prior = section.getAttribute("data-choice");
        area.value = prior && prior !== "edit" ? resultText(section, prior) : part(section, "both");
      }
      area.hidden = false;
      preview.hidden = true;
      area.focus();
    } else {
      area.hidden = true;
      preview.hidden = false;
      preview.textContent = resultText(section, choice);
      preview.classList.remove("unresolved");
    }
    section.setAttribute("data-choice", choice);
    section.classList.add("resolved");
    update();
  }

  function update() {
    var done = sections.filter(function (s) { return s.hasAttribute("data-choice") || s.hasAttribute("data-hand"); }).length;
    progress.textContent = total + (total === 1 ? " conflict" : " conflicts") + " · " + done + " resolved";
  }

  function choices() {
    var out = {};
    sections.forEach(function (s) {
      var c = s.getAttribute("data-choice");
      if (!c) { return; }
      out[s.getAttribute("data-id")] = c === "edit" ? { edit: s.querySelector("textarea.edit").value } : c;
    });
    return out;
  }

  function say(text, cls) {
    status.textContent = text;
    status.className = cls;
  }

  function save() {
    say("saving…", "");
    window.nbreview.post("/merge/api/save", { choices: choices() }).then(function (resp) {
      return resp.text().then(function (text) {
        var data;
        try { data = JSON.parse(text); } catch (e) { data = { error: text || resp.statusText }; }
        return { ok: resp.ok, data: data };
      });
    }).then(function (r) {
      if (!r.ok) { say("not saved: " + (r.data.error || "error"), "err"); return; }
      if (r.data.unresolved === 0) {
        say("saved, no conflicts left: close this page to finish the merge", "ok");
      } else {
        say("saved with " + r.data.unresolved + " conflict(s) left, marked in the notebook", "warn");
      }
    }).catch(function () { say("not saved: the mergetool server is gone", "err"); });
  }

  function go(step) {
    if (!total) { return; }
    if (current >= 0) { sections[current].classList.remove("current"); }
    current = (current + step + total) % total;
    sections[current].classList.add("current");
    sections[current].scrollIntoView({ block: "center" });
  }

  sections.forEach(function (s) {
    s.querySelectorAll("button[data-choice]").forEach(function (b) {
      b.addEventListener("click", function () { choose(s, b.getAttribute("data-choice")); });
    });
  });
  document.getElementById("save").addEventListener("click", save);
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || (t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT"))) { return; }
    if (e.key === "j") { go(1); } else if (e.key === "k") { go(-1); }
  });
  update();
  window.nbreview.stayAlive(); /* api.js: the one heartbeat, and "closed" when the page goes */
}());
