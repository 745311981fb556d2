// Word-level differences between two aligned paragraphs (an LCS over words).
// Returns segments [[text, op], ...] for each side: op is "=" (in both), "-" (only in the
// left paragraph) or "+" (only in the right one). Text is only ever put into the page as
// text nodes by report.js.
var wordDiff = (function () {
  "use strict";
  var MAX_CELLS = 4000000; // longer pairs are shown without word highlights

  function words(text) {
    // Each word keeps the whitespace after it, so the paragraph reads as it was written.
    var lead = /^\s*/.exec(text)[0];
    var list = text.slice(lead.length).match(/\S+\s*/g) || [];
    if (lead && list.length) { list[0] = lead + list[0]; }
    return list;
  }

  function key(word) { return word.trim(); }

  function lcsOps(a, b) {
    // ops for a[..] and b[..] after common prefix and suffix were trimmed
    var n = a.length, m = b.length, i, j;
    if (n * m > MAX_CELLS) { return null; }
    var table = new Uint32Array((n + 1) * (m + 1));
    for (i = n - 1; i >= 0; i--) {
      for (j = m - 1; j >= 0; j--) {
        table[i * (m + 1) + j] = key(a[i]) === key(b[j])
          ? table[(i + 1) * (m + 1) + j + 1] + 1
          : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
      }
    }
    var ops = [];
    i = 0; j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && key(a[i]) === key(b[j])) { ops.push(["=", a[i], b[j]]); i++; j++; }
      else if (j < m && (i === n || table[i * (m + 1) + j + 1] >= table[(i + 1) * (m + 1) + j])) {
        ops.push(["+", null, b[j]]); j++;
      } else { ops.push(["-", a[i], null]); i++; }
    }
    return ops;
  }

  function push(side, text, op) {
    var last = side[side.length - 1];
    if (last && last[1] === op) { last[0] += text; } else { side.push([text, op]); }
  }

  function spacesOutside(side) {
    // a highlight ends at its last word; the space after it is not part of the change
    var out = [];
    side.forEach(function (s) {
      var trail = s[1] === "=" ? "" : /\s*$/.exec(s[0])[0];
      if (trail) { push(out, s[0].slice(0, -trail.length), s[1]); push(out, trail, "="); } else { push(out, s[0], s[1]); }
    });
    return out;
  }

  return function (left, right) {
    var a = words(left), b = words(right);
    var head = 0, tail = 0;
    while (head < a.length && head < b.length && key(a[head]) === key(b[head])) { head++; }
    while (tail < a.length - head && tail < b.length - head &&
           key(a[a.length - 1 - tail]) === key(b[b.length - 1 - tail])) { tail++; }
    var middle = lcsOps(a.slice(head, a.length - tail), b.slice(head, b.length - tail));
    var out = { left: [], right: [], same: 0, words: Math.max(a.length, b.length) };
    if (middle === null) {
      out.left.push([left, "="]); out.right.push([right, "="]); out.tooLong = true;
      return out;
    }
    var ops = [], k;
    for (k = 0; k < head; k++) { ops.push(["=", a[k], b[k]]); }
    ops = ops.concat(middle);
    for (k = tail; k > 0; k--) { ops.push(["=", a[a.length - k], b[b.length - k]]); }
    ops.forEach(function (op) {
      if (op[1] !== null) { push(out.left, op[1], op[0] === "=" ? "=" : "-"); }
      if (op[2] !== null) { push(out.right, op[2], op[0] === "=" ? "=" : "+"); }
    });
    out.left = spacesOutside(out.left); out.right = spacesOutside(out.right);
    out.same = ops.filter(function (op) { return op[0] === "="; }).length;
    return out;
  };
})();
