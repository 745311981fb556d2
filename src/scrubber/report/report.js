// The report's documents and clusters, rendered a page at a time from the data blocks.
// Corpus text only ever enters the page as text nodes (el() below); nothing is fetched.
var readBlock = (function () {
  "use strict";
  var cache = {};
  function inflate(node) {
    // gzipped JSON in base64, inflated by the browser itself (large reports only)
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Error("this browser cannot inflate the embedded data; open the report in a current browser, or read report.json"));
    }
    var text = atob(node.textContent), bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
    var reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")).getReader();
    var decoder = new TextDecoder(), parts = [];
    function pump() {
      return reader.read().then(function (step) {
        if (step.done) { parts.push(decoder.decode()); return JSON.parse(parts.join("")); }
        parts.push(decoder.decode(step.value, { stream: true }));
        return pump();
      });
    }
    return pump();
  }
  return function (id) {
    if (!cache[id]) {
      var node = document.getElementById(id);
      cache[id] = node.dataset.encoding === "gzip+base64" ? inflate(node) : Promise.resolve(JSON.parse(node.textContent));
    }
    return cache[id];
  };
})();

readBlock("report-index").then(function (DATA) {
  "use strict";
  var PAGE = 50;
  var D = { input: 0, status: 1, where: 2, encoding: 3, lines: 4, cluster: 5, rules: 6 };
  var fmt = function (n) { return Number(n).toLocaleString("en-US"); };
  var byId = function (id) { return document.getElementById(id); };

  function el(tag, cls, children) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === "") { return; }
      node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    });
    return node;
  }
  function chip(rule) {
    var node = el("span", DATA.quiet.indexOf(rule) >= 0 ? "rule quiet" : "rule", [rule]);
    node.title = DATA.help[rule] || rule;
    return node;
  }
  function link(text, onClick, cls) {
    var node = el("a", cls || "link", [text]);
    node.href = "#";
    node.addEventListener("click", function (event) { event.preventDefault(); onClick(); });
    return node;
  }
  function badge(status) { return el("span", "badge " + status, [status]); }
  function button(text, enabled, onClick) {
    var node = el("button", "", [text]);
    node.disabled = !enabled;
    node.addEventListener("click", onClick);
    return node;
  }
  function lazy(box, load) {
    // fill a <details> with its body the first time it opens
    box.addEventListener("toggle", function () {
      if (!box.open || box.dataset.filled) { return; }
      box.dataset.filled = "1";
      var holder = el("div", "loading", ["Loading…"]);
      box.appendChild(holder);
      load().then(function (body) { box.replaceChild(body, holder); }, function (error) { holder.textContent = String(error); });
    });
  }

  // ---- views -----------------------------------------------------------------------------
  function show(view) {
    document.querySelectorAll(".view").forEach(function (s) { s.classList.toggle("active", s.id === view); });
    document.querySelectorAll(".tab").forEach(function (t) { t.classList.toggle("active", t.dataset.view === view); });
  }
  function route() {
    var hash = location.hash.slice(1), match = /^cluster-(\d+)$/.exec(hash);
    if (match) { openCluster(Number(match[1])); return; }
    show(["clusters", "documents"].indexOf(hash) >= 0 ? hash : "summary");
  }

  // ---- lists with pages ------------------------------------------------------------------
  function List(prefix, noun, total, filter, render) {
    this.prefix = prefix; this.noun = noun; this.total = total; this.filter = filter; this.render = render;
    this.page = 0; this.items = []; this.open = {};
  }
  List.prototype.refresh = function () { this.items = this.filter(); this.page = 0; this.draw(); };
  List.prototype.draw = function () {
    var self = this, pages = Math.max(1, Math.ceil(this.items.length / PAGE));
    this.page = Math.min(this.page, pages - 1);
    var start = this.page * PAGE, shown = this.items.slice(start, start + PAGE);
    var box = byId(this.prefix + "-list");
    box.textContent = "";
    shown.forEach(function (index) {
      var item = self.render(index);
      item.addEventListener("toggle", function () { self.open[index] = item.open; });
      box.appendChild(item);
      if (self.open[index]) { item.open = true; }
    });
    if (!shown.length) { box.appendChild(el("p", "empty", [this.total ? "No " + this.noun + " match." : "No " + this.noun + " in this run."])); }
    byId(this.prefix + "-status").textContent = this.items.length
      ? fmt(start + 1) + "–" + fmt(start + shown.length) + " of " + fmt(this.items.length) + " " + this.noun : "";
    var pager = byId(this.prefix + "-pager"), go = function (page) { self.page = page; self.draw(); box.scrollIntoView(); };
    pager.textContent = "";
    if (pages < 2) { return; }
    pager.appendChild(button("« first", this.page > 0, go.bind(null, 0)));
    pager.appendChild(button("‹ previous", this.page > 0, go.bind(null, this.page - 1)));
    pager.appendChild(el("span", "where", ["page " + fmt(this.page + 1) + " of " + fmt(pages)]));
    pager.appendChild(button("next ›", this.page < pages - 1, go.bind(null, this.page + 1)));
    pager.appendChild(button("last »", this.page < pages - 1, go.bind(null, pages - 1)));
  };

  // ---- documents -------------------------------------------------------------------------
  var docs = DATA.docs, lowerNames = null, removedCounts = null;
  var quiet = DATA.rules.map(function (r) { return DATA.quiet.indexOf(r) >= 0; });
  function removedCount(doc, empty) {
    // lines removed by content rules, or (empty = true) by the empty-line bookkeeping rules
    var n = 0;
    for (var k = 0; k < doc[D.rules].length; k += 2) { if (quiet[doc[D.rules][k]] === Boolean(empty)) { n += doc[D.rules][k + 1]; } }
    return n;
  }
  function hasRule(doc, rule) { for (var k = 0; k < doc[D.rules].length; k += 2) { if (doc[D.rules][k] === rule) { return true; } } return false; }
  function filterDocs() {
    var q = byId("doc-search").value.trim().toLowerCase(), status = byId("status-filter").value;
    var rule = DATA.rules.indexOf(byId("rule-filter").value), out = [];
    lowerNames = lowerNames || docs.map(function (d) { return d[D.input].toLowerCase(); });
    for (var i = 0; i < docs.length; i++) {
      if ((q && lowerNames[i].indexOf(q) < 0) || (status && docs[i][D.status] !== status) || (rule >= 0 && !hasRule(docs[i], rule))) { continue; }
      out.push(i);
    }
    if (byId("doc-sort").value === "removed") {
      removedCounts = removedCounts || docs.map(function (d) { return removedCount(d, false); });
      out.sort(function (a, b) { return removedCounts[b] - removedCounts[a] || a - b; });
    }
    return out;
  }
  function docSummary(doc) {
    var chips = [];
    for (var k = 0; k < doc[D.rules].length; k += 2) {
      var c = chip(DATA.rules[doc[D.rules][k]]); c.appendChild(el("b", "", [String(doc[D.rules][k + 1])])); chips.push(c);
    }
    var line = doc[D.status] === "failed" ? el("span", "reason", [doc[D.where]])
      : el("span", "removed-count", [removedText(doc)]);
    return el("summary", "", [el("code", "name", [doc[D.input]]), badge(doc[D.status]), line, el("span", "chips", chips)]);
  }
  function removedText(doc) {
    var empty = removedCount(doc, true);
    return fmt(removedCount(doc, false)) + " of " + fmt(doc[D.lines]) + " lines removed" + (empty ? " (and " + fmt(empty) + " empty)" : "");
  }
  function renderDoc(index) {
    var doc = docs[index], box = el("details", "doc", [docSummary(doc)]);
    box.dataset.index = String(index);
    lazy(box, function () {
      if (doc[D.status] === "failed") { return Promise.resolve(el("div", "doc-body", [el("p", "facts", ["not processed: " + doc[D.where]])])); }
      return readBlock("docs-" + Math.floor(index / DATA.docChunk)).then(function (chunk) {
        var detail = chunk.docs[index % DATA.docChunk];
        var body = el("div", "doc-body", [docFacts(doc)]);
        body.appendChild(detail[0].length ? linesTable(detail, chunk.texts) : el("p", "empty", ["No line was removed."]));
        return body;
      });
    });
    return box;
  }
  function docFacts(doc) {
    var facts = el("p", "facts", []);
    if (doc[D.status] === "merged") {
      facts.appendChild(el("span", "", ["merged into "]));
      facts.appendChild(link(doc[D.where], function () { searchDocs(doc[D.where]); }));
    } else {
      facts.appendChild(el("span", "", ["written to ", el("code", "", [doc[D.where] || doc[D.input]])]));
    }
    if (doc[D.cluster]) { facts.appendChild(el("span", "", [" · "])); facts.appendChild(link("cluster #" + doc[D.cluster], function () { location.hash = "cluster-" + doc[D.cluster]; })); }
    if (doc[D.encoding]) { facts.appendChild(el("span", "", [" · decoded as " + doc[D.encoding]])); }
    return facts;
  }
  function lineRows(detail, texts, showEmpty) {
    // removed lines (empty ones only when asked for), and the lines near those shown
    var removed = detail[0], context = detail[1], rows = [], near = {}, k, d;
    for (k = 0; k < removed.length; k += 3) {
      if (texts[removed[k + 2]] === "" && !showEmpty) { continue; }
      for (d = -2; d <= 2; d++) { near[removed[k] + d] = true; }
    }
    for (k = 0; k < removed.length; k += 3) {
      if (near[removed[k]]) { rows.push([removed[k], DATA.rules[removed[k + 1]] || "?", texts[removed[k + 2]]]); }
    }
    for (k = 0; k < context.length; k += 2) { if (near[context[k]]) { rows.push([context[k], null, context[k + 1]]); } }
    return rows.sort(function (a, b) { return a[0] - b[0]; });
  }
  function linesTable(detail, texts) {
    var active = byId("rule-filter").value, showEmpty = byId("show-empty").checked || DATA.quiet.indexOf(active) >= 0;
    var rows = lineRows(detail, texts, showEmpty), table = el("table", "lines", []), last = 0, visible = 0;
    rows.forEach(function (row) {
      var gap = row[0] - last - 1;
      if (last && gap > 0) { table.appendChild(el("tr", "gap", [el("td", "no", ["⋯"]), el("td", "", [fmt(gap) + (gap > 1 ? " lines" : " line") + " not shown"]), el("td", "", [])])); }
      last = row[0];
      if (row[2] === "" && !showEmpty) { return; } // an empty line, kept or removed: nothing to see
      visible++;
      var cls = row[1] === null ? "kept" : "removed" + (active && row[1] !== active ? " dim" : "");
      var text = row[2] === "" ? el("span", "blank", ["(empty line)"]) : row[2];
      table.appendChild(el("tr", cls, [el("td", "no", [String(row[0])]), el("td", "text", [text]), el("td", "rule-cell", [row[1] === null ? "" : chip(row[1])])]));
    });
    return visible ? table : el("p", "empty", ["Only empty lines were removed (tick “show empty lines” to see them)."]);
  }
  function searchDocs(name) {
    byId("doc-search").value = name; byId("rule-filter").value = ""; byId("status-filter").value = "";
    documentsList.refresh();
    var exact = documentsList.items.filter(function (i) { return docs[i][D.input] === name; });
    if (exact.length === 1) { documentsList.open[exact[0]] = true; documentsList.draw(); }
    location.hash = "documents";
  }
  var documentsList = new List("doc", "documents", docs.length, filterDocs, renderDoc);

  // ---- clusters --------------------------------------------------------------------------
  var clusters = DATA.clusters, statusByName = null;
  function lowest(c) { return c.pairs.reduce(function (m, p) { return Math.min(m, p[2]); }, 1); }
  function statusOf(name) {
    if (!statusByName) { statusByName = {}; docs.forEach(function (d) { statusByName[d[D.input]] = d[D.status]; }); }
    return statusByName[name] || "unknown";
  }
  function filterClusters() {
    var q = byId("cluster-search").value.trim().toLowerCase(), order = byId("cluster-sort").value, out = [];
    clusters.forEach(function (c, i) {
      if (!q || c.members.some(function (m) { return m.toLowerCase().indexOf(q) >= 0; })) { out.push(i); }
    });
    if (order === "size") { out.sort(function (a, b) { return clusters[b].members.length - clusters[a].members.length || a - b; }); }
    if (order === "low") { out.sort(function (a, b) { return lowest(clusters[a]) - lowest(clusters[b]) || a - b; }); }
    return out;
  }
  var helpers = { el: el, chip: chip, link: link, badge: badge, searchDocs: searchDocs, statusOf: statusOf };
  function renderCluster(index) {
    var c = clusters[index];
    var head = el("summary", "", [el("span", "cid", ["#" + c.id]), el("span", "size", [c.members.length + " documents"]),
      el("code", "name", [c.canonical]), el("span", "muted", [" + " + (c.members.length - 1) + " more"]),
      c.merged ? el("span", "merged-count", [c.merged + (c.merged > 1 ? " paragraphs" : " paragraph") + " merged"]) : null,
      el("span", "sim", ["similarity " + lowest(c).toFixed(3)])]);
    var box = el("details", "cluster", [head]);
    box.id = "cluster-" + c.id;
    lazy(box, function () {
      return readBlock("clusters-" + Math.floor(index / DATA.clusterChunk)).then(function (chunk) {
        return clusterBody(c, chunk[index % DATA.clusterChunk], helpers);
      });
    });
    return box;
  }
  var clustersList = new List("cluster", "clusters", clusters.length, filterClusters, renderCluster);
  function openCluster(id) {
    var index = clusters.findIndex(function (c) { return c.id === id; });
    show("clusters");
    if (index < 0) { return; }
    byId("cluster-search").value = "";
    clustersList.items = filterClusters();
    clustersList.page = Math.floor(clustersList.items.indexOf(index) / PAGE);
    clustersList.open[index] = true;
    clustersList.draw();
    byId("cluster-" + id).scrollIntoView();
  }

  // ---- wiring ----------------------------------------------------------------------------
  var debounce = function (fn) { var t; return function () { clearTimeout(t); t = setTimeout(fn, 120); }; };
  byId("doc-search").addEventListener("input", debounce(function () { documentsList.refresh(); }));
  ["rule-filter", "status-filter", "doc-sort", "show-empty"].forEach(function (id) { byId(id).addEventListener("change", function () { documentsList.refresh(); }); });
  byId("cluster-search").addEventListener("input", debounce(function () { clustersList.refresh(); }));
  byId("cluster-sort").addEventListener("change", function () { clustersList.refresh(); });
  document.querySelectorAll("g[data-rule]").forEach(function (bar) {
    bar.addEventListener("click", function () {
      byId("doc-search").value = ""; byId("status-filter").value = ""; byId("rule-filter").value = bar.dataset.rule;
      documentsList.refresh(); location.hash = "documents";
    });
  });
  document.querySelectorAll("a[data-doc]").forEach(function (a) {
    a.addEventListener("click", function (event) { event.preventDefault(); searchDocs(a.dataset.doc); });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || /INPUT|SELECT/.test(document.activeElement.tagName)) { return; }
    event.preventDefault();
    (document.querySelector("#clusters.active") ? byId("cluster-search") : byId("doc-search")).focus();
  });
  window.addEventListener("hashchange", route);
  document.documentElement.classList.add("js");
  documentsList.refresh();
  clustersList.refresh();
  route();
  document.documentElement.dataset.ready = "1";
}).catch(function (error) {
  "use strict";
  ["doc-list", "cluster-list"].forEach(function (id) {
    var note = document.createElement("p");
    note.className = "empty";
    note.textContent = "Could not show this list: " + error.message;
    document.getElementById(id).textContent = "";
    document.getElementById(id).appendChild(note);
  });
  document.documentElement.dataset.ready = "error";
});
