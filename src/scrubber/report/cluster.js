// One cluster's details: members, why the canonical won, and the aligned side-by-side diff
// of the canonical against each member, with word highlights and merged paragraphs marked.
var clusterBody = (function () {
  "use strict";
  var COLLAPSE = 3; // runs of at least this many identical paragraphs fold into one row

  function similarityTo(c, a, b) {
    for (var k = 0; k < c.pairs.length; k++) {
      var p = c.pairs[k];
      if ((p[0] === a && p[1] === b) || (p[0] === b && p[1] === a)) { return p[2].toFixed(3); }
    }
    return "–";
  }

  function membersTable(c, h) {
    var table = h.el("table", "members", [h.el("tr", "", [h.el("th", "", ["member"]), h.el("th", "", ["became"]), h.el("th", "num", ["similarity to canonical"]), h.el("th", "", [""])])]);
    c.members.forEach(function (m) {
      var canonical = m === c.canonical;
      table.appendChild(h.el("tr", canonical ? "canonical" : "", [
        h.el("td", "", [h.el("code", "", [m])]),
        h.el("td", "", [h.badge(h.statusOf(m))]),
        h.el("td", "num", [canonical ? "" : similarityTo(c, c.canonical, m)]),
        h.el("td", "", [h.link("lines removed ›", function () { h.searchDocs(m); })])]));
    });
    return table;
  }

  function pairsTable(c, h) {
    var table = h.el("table", "pairs", [h.el("tr", "", [h.el("th", "", ["a"]), h.el("th", "", ["b"]), h.el("th", "num", ["similarity"])])]);
    c.pairs.forEach(function (p) {
      table.appendChild(h.el("tr", "", [h.el("td", "", [h.el("code", "", [p[0]])]), h.el("td", "", [h.el("code", "", [p[1]])]), h.el("td", "num", [p[2].toFixed(3)])]));
    });
    return h.el("details", "pairs-box", [h.el("summary", "", ["All " + c.pairs.length + " verified pairs"]), table]);
  }

  function segments(h, list, tag) {
    var cell = h.el("td", "text", []);
    list.forEach(function (s) { cell.appendChild(s[1] === "=" ? document.createTextNode(s[0]) : h.el(tag, "", [s[0]])); });
    return cell;
  }

  function changedRow(h, left, right, score) {
    var diff = wordDiff(left, right);
    var reworded = diff.tooLong || diff.same < 0.25 * diff.words;
    var note = h.el("td", "score", [score.toFixed(2), reworded ? h.el("div", "tag", ["reworded"]) : null]);
    if (reworded) { return h.el("tr", "reworded", [h.el("td", "text", [left]), note, h.el("td", "text", [right])]); }
    return h.el("tr", "changed", [segments(h, diff.left, "del"), note, segments(h, diff.right, "ins")]);
  }

  function onlyRow(h, text, side, merged) {
    var filled = h.el("td", "text", [text]);
    var hole = h.el("td", "hole", [side === "left" ? "not in this member" : "not in the canonical"]);
    if (side === "left") { return h.el("tr", "only-left", [filled, h.el("td", "score", []), hole]); }
    if (merged) {
      filled.insertBefore(h.el("div", "merged-tag", ["merged into the output at line " + merged[2] + " (from line " + merged[1] + ")"]), filled.firstChild);
    }
    return h.el("tr", merged ? "only-right merged" : "only-right", [hole, h.el("td", "score", []), filled]);
  }

  function foldRow(h, hidden) {
    var row = h.el("tr", "fold", [h.el("td", "", [hidden.length + " identical paragraphs — show"]), h.el("td", "score", ["1.00"]), h.el("td", "", [""])]);
    row.firstChild.colSpan = 1;
    row.addEventListener("click", function () {
      hidden.forEach(function (r) { row.parentNode.insertBefore(r, row); });
      row.remove();
    });
    return row;
  }

  function sideBySide(c, d, member, h) {
    var merged = {};
    d.merged.forEach(function (m) { if (m[0] === member) { merged[m[3]] = m; } });
    var table = h.el("table", "sbs", [h.el("colgroup", "", [h.el("col", "side", []), h.el("col", "mid", []), h.el("col", "side", [])]),
      h.el("tr", "", [h.el("th", "", [h.el("span", "star", ["★ "]), c.canonical]), h.el("th", "score", [""]), h.el("th", "", [member])])]);
    var run = [];
    var flush = function () {
      if (run.length >= COLLAPSE) { table.appendChild(foldRow(h, run)); } else { run.forEach(function (r) { table.appendChild(r); }); }
      run = [];
    };
    (d.rows[member] || []).forEach(function (r) {
      // r: [canonical para, member para, score]; null where that side has no counterpart
      var left = r[0] === null ? null : d.paras[r[0]], right = r[1] === null ? null : d.paras[r[1]];
      if (left !== null && left === right) {
        run.push(h.el("tr", "same", [h.el("td", "text", [left]), h.el("td", "score", [r[2].toFixed(2)]), h.el("td", "text", [right])]));
        return;
      }
      flush();
      if (left !== null && right !== null) { table.appendChild(changedRow(h, left, right, r[2])); }
      else if (left !== null) { table.appendChild(onlyRow(h, left, "left", null)); }
      else { table.appendChild(onlyRow(h, right, "right", merged[r[1]])); }
    });
    flush();
    return table;
  }

  function legend(h) {
    return h.el("p", "legend", [h.el("del", "", ["only in the canonical"]), " ", h.el("ins", "", ["only in the member"]), " ",
      h.el("span", "key merged", ["merged into the output"]), " ", h.el("span", "key reworded", ["reworded: too different for word highlights"])]);
  }

  function diffs(c, d, h) {
    var others = c.members.filter(function (m) { return m !== c.canonical && d.rows[m]; });
    var holder = h.el("div", "diff-holder", []);
    var pick = function (m) {
      holder.textContent = ""; holder.appendChild(sideBySide(c, d, m, h));
      tabs.querySelectorAll("button").forEach(function (b) { b.classList.toggle("active", b.dataset.member === m); });
    };
    var tabs = h.el("div", "member-tabs", others.length > 1 ? others.map(function (m) {
      var b = h.el("button", "", ["★ vs " + m]); b.dataset.member = m; b.addEventListener("click", function () { pick(m); }); return b;
    }) : []);
    if (others.length) { pick(others[0]); } else { holder.appendChild(h.el("p", "empty", ["No alignment was recorded for this cluster."])); }
    return h.el("div", "diffs", [h.el("h4", "", ["Aligned paragraphs"]), legend(h), tabs, holder]);
  }

  function mergedList(d, h) {
    // every paragraph the canonical output took from another member, with where it came from
    var list = h.el("ol", "merged-list", d.merged.map(function (m) {
      var text = d.paras[m[3]];
      return h.el("li", "", [h.el("span", "where", ["output line " + m[2] + " ← ", h.el("code", "", [m[0]]), " line " + m[1]]),
        h.el("span", "snippet", [text.length > 160 ? text.slice(0, 159) + "…" : text])]);
    }));
    return h.el("div", "merged-box", [h.el("h4", "", ["Paragraphs merged into the output (" + d.merged.length + ")"]), list]);
  }

  return function (c, d, h) {
    var why = h.el("p", "why", [h.el("span", "star", ["★ "]), h.el("code", "", [c.canonical]), " is canonical: " + c.reason]);
    var body = h.el("div", "cluster-body", [why, membersTable(c, h)]);
    if (c.pairs.length > 1) { body.appendChild(pairsTable(c, h)); }
    if (d.merged.length) { body.appendChild(mergedList(d, h)); }
    body.appendChild(diffs(c, d, h));
    return body;
  };
})();
