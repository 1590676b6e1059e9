// Graph explorer: a scope from /api/export/cytoscape drawn with Cytoscape.js (served from npm).
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("explorer-config").textContent);
  const text = config.text;
  const lang = config.lang;
  const status = document.getElementById("status");
  const details = document.getElementById("details");
  const note = document.getElementById("note");
  const BASE = "https://w3id.org/safetykg";
  const HIDDEN = new Set(["id", "name", "value", "label", "label_zh", "label_en", "iri", "type",
    "quote", "source_span", "alt_labels", "fullText"]);

  const COLOURS = {
    "sk:Department": "#1f6f43", "sk:LocalGovernment": "#1f6f43", "sk:Sector": "#0b57a4",
    "sk:HighRiskSector": "#b3261e", "sk:Task": "#7a4fb3", "sk:Action": "#4a2c7a", "sk:Plan": "#1d2733",
    "sk:Deadline": "#a05a00", "sk:Goal": "#a05a00", "sk:Phase": "#a05a00",
    "sk:FrequencyRequirement": "#c28a2c", "sk:Hazard": "#c2185b", "sk:MajorHazard": "#880e4f",
    "sk:Enterprise": "#5b6675", "sk:City": "#00838f", "sk:County": "#00838f", "sk:District": "#00838f",
    "sk:Park": "#00838f", "sk:Region": "#00838f", "sk:SourceSpan": "#9aa6b4", "sk:Mention": "#b8c4d4",
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  function display(data) {
    return (lang === "zh" ? data.label_zh || data.label_en : data.label_en || data.label_zh) ||
      data.label || data.id;
  }

  const cy = cytoscape({
    container: document.getElementById("cy"),
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: {
        "label": "data(display)", "font-size": 12, "text-valign": "bottom", "text-margin-y": 3,
        "background-color": "data(colour)", "width": 18, "height": 18, "color": "#1d2733",
        "text-wrap": "ellipsis", "text-max-width": 140, "min-zoomed-font-size": 7 } },
      { selector: "node[type = 'sk:Department']", style: { "shape": "round-rectangle", "width": 26 } },
      { selector: "node[type = 'sk:Task'], node[type = 'sk:Action']", style: { "shape": "diamond" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#1d2733" } },
      { selector: "node.match", style: { "border-width": 3, "border-color": "#f2b705" } },
      { selector: "edge", style: {
        "width": 1.4, "line-color": "#9aa6b4", "target-arrow-color": "#9aa6b4",
        "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.8 } },
      { selector: "edge[role = 'lead']", style: { "line-color": "#1f6f43", "target-arrow-color": "#1f6f43", "width": 2 } },
      { selector: "edge[?joint]", style: { "line-style": "dashed", "line-color": "#a05a00", "target-arrow-color": "#a05a00" } },
      { selector: "edge:selected", style: { "width": 3, "line-color": "#1d2733" } },
    ],
  });

  function prepare(elements) {
    for (const node of elements.nodes) {
      node.data.display = display(node.data);
      node.data.colour = COLOURS[node.data.type] || "#5b6675";
    }
    for (const edge of elements.edges) {
      edge.data.id = edge.data.source + " " + edge.data.predicate_iri + " " + edge.data.target;
    }
    return elements;
  }

  function updateStatus() {
    const n = cy.nodes().length;
    const m = cy.edges().length;
    status.dataset.nodes = String(n);
    status.dataset.edges = String(m);
    status.textContent = n + " " + text.nodes + " · " + m + " " + text.edges + " · " + config.scope;
  }

  async function fetchScope(scope) {
    const response = await fetch("/api/export/cytoscape?" + new URLSearchParams({ scope: scope }));
    const body = await response.json();
    if (!response.ok) throw new Error(body.detail || body.title);
    return body;
  }

  function runLayout(name, eles) {
    const options = { name: name || document.getElementById("layout").value, animate: false, fit: true,
      padding: 30 };
    if (options.name === "cose") Object.assign(options, { nodeRepulsion: 9000, idealEdgeLength: 70 });
    if (options.name === "concentric") options.concentric = (n) => n.degree();
    (eles || cy.elements()).layout(options).run();
  }

  async function load(scope) {
    try {
      const body = await fetchScope(scope);
      cy.elements().remove();
      cy.add(prepare(body.elements));
      const graphData = Object.fromEntries(Array.isArray(body.data) ? body.data : []);
      if (graphData.note) {
        note.hidden = false;
        note.textContent = graphData.note;
      }
      runLayout();
      updateStatus();
    } catch (err) {
      status.textContent = text.error + err.message;
      status.classList.add("error");
    }
  }

  async function expand(node) {
    const body = await fetchScope("node:" + node.id());
    const fresh = prepare(body.elements);
    const added = cy.add({
      nodes: fresh.nodes.filter((n) => cy.getElementById(n.data.id).empty()),
      edges: fresh.edges.filter((e) => cy.getElementById(e.data.id).empty()),
    });
    if (added.nonempty()) {
      added.nodes().position(node.position());
      runLayout("cose", cy.elements());
    }
    updateStatus();
  }

  function localPath(iri) {
    return iri.startsWith(BASE) ? iri.slice(BASE.length) : iri;
  }

  function showNode(node) {
    const data = node.data();
    const box = el("div", {});
    box.append(el("h2", {}, display(data)));
    const other = lang === "zh" ? data.label_en : data.label_zh;
    if (other && other !== display(data)) box.append(el("p", { class: "muted" }, other));
    const dl = el("dl", {});
    dl.append(el("dt", {}, text.type), el("dd", {}, data.type || "—"));
    dl.append(el("dt", {}, text.iri), el("dd", {}, el("a", { href: localPath(data.iri) }, data.iri)));
    for (const [key, value] of Object.entries(data)) {
      if (HIDDEN.has(key) || key === "display" || key === "colour" || value === "") continue;
      dl.append(el("dt", {}, key), el("dd", {}, String(value)));
    }
    if (data.alt_labels) dl.append(el("dt", {}, "alt_labels"), el("dd", {}, data.alt_labels));
    box.append(el("h3", {}, text.facts), dl);
    if (data.quote) {
      box.append(el("h3", {}, text.source), el("blockquote", { class: "quote" }, data.quote));
      if (data.source_span) {
        for (const span of String(data.source_span).split("; ")) {
          box.append(el("a", { href: localPath(span) }, localPath(span)), el("br", {}));
        }
      }
    }
    const links = el("ul", {});
    node.connectedEdges().forEach((edge) => {
      const e = edge.data();
      const out = e.source === node.id();
      const far = cy.getElementById(out ? e.target : e.source);
      const label = (lang === "zh" ? e.label_zh || e.label_en : e.label_en || e.label_zh) || e.predicate;
      const item = el("li", {}, (out ? "→ " : "← ") + label + " " + display(far.data()) +
        (e.joint ? " (" + text.joint + ")" : ""));
      if (e.quote) item.append(el("blockquote", {}, e.quote));
      links.append(item);
    });
    if (links.children.length) box.append(el("h3", {}, text.edgesOf), links);
    const tools = el("div", { class: "tools" });
    const expandButton = el("button", { type: "button" }, text.expand);
    expandButton.addEventListener("click", () => expand(node));
    const focus = el("a", { class: "button", href: "/graph?" + new URLSearchParams({ lang: lang, scope: "node:" + data.iri }) }, text.focus);
    tools.append(expandButton, focus);
    box.append(tools);
    details.replaceChildren(box);
  }

  function search(query) {
    const results = document.getElementById("search-results");
    results.replaceChildren();
    cy.nodes().removeClass("match");
    const q = query.trim().toLowerCase();
    if (!q) return;
    const found = cy.nodes().filter((n) => {
      const d = n.data();
      return [d.label_zh, d.label_en, d.alt_labels, d.iri].some((v) => v && String(v).toLowerCase().includes(q));
    });
    found.addClass("match");
    found.slice(0, 50).forEach((n) => {
      const button = el("button", { type: "button" }, display(n.data()));
      button.addEventListener("click", () => {
        cy.nodes().unselect();
        n.select();
        cy.animate({ center: { eles: n }, zoom: Math.max(cy.zoom(), 1.2) }, { duration: 200 });
        showNode(n);
      });
      results.append(el("li", {}, button));
    });
    if (found.empty()) {
      results.append(el("li", { class: "muted" }, text.none));
      lookupEverywhere(query, results);
    }
  }

  async function lookupEverywhere(query, results) {
    const response = await fetch("/api/lookup?" + new URLSearchParams({ q: query, lang: lang }));
    if (!response.ok) return;
    const body = await response.json();
    const hits = body.best ? [body.best] : body.candidates || [];
    if (!hits.length) return;
    results.append(el("li", { class: "muted" }, text.searchAll));
    for (const hit of hits) {
      const link = el("a", { href: "/graph?" + new URLSearchParams({ lang: lang, scope: "node:" + hit.iri }) }, hit.label);
      results.append(el("li", {}, link));
    }
  }

  cy.on("tap", "node", (event) => showNode(event.target));
  cy.on("dbltap", "node", (event) => expand(event.target));
  document.getElementById("layout").addEventListener("change", () => runLayout());
  document.getElementById("fit").addEventListener("click", () => cy.fit(undefined, 30));
  document.getElementById("node-search").addEventListener("input", (event) => search(event.target.value));
  document.getElementById("save-png").addEventListener("click", () => {
    const blob = cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff" });
    const link = el("a", { href: URL.createObjectURL(blob), download: "safetykg-graph.png" });
    document.body.append(link);
    link.click();
    link.remove();
  });

  load(config.scope);
})();
