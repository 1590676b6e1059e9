// Home page: the lookup box asks /api/lookup and shows who is responsible, with the source.
"use strict";
(function () {
  const text = JSON.parse(document.getElementById("i18n").textContent);
  const form = document.getElementById("lookup-form");
  const out = document.getElementById("lookup-result");

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  function explore(iri) {
    return el("a", { href: "/graph?lang=" + text.lang + "&scope=" + encodeURIComponent("node:" + iri) },
      text.explore);
  }

  function answerBlock(candidate) {
    const box = el("article", { class: "answer" });
    box.append(el("h3", {}, candidate.label, " ", el("small", {}, candidate.kind)));
    const answer = candidate.answer;
    if (answer && answer.summary) box.append(el("p", {}, answer.summary));
    if (answer && answer.leads && answer.leads.length) {
      const list = el("ul", { class: "leads" });
      for (const lead of answer.leads) {
        const item = el("li", {}, lead.department.label + " → " + lead.sector.label);
        if (lead.joint) item.append(" (" + text.joint + ")");
        if (lead.source) item.append(el("blockquote", {}, lead.source.text));
        list.append(item);
      }
      box.append(list);
    }
    box.append(explore(candidate.iri));
    return box;
  }

  async function lookup(q) {
    out.replaceChildren();
    const url = "/api/lookup?" + new URLSearchParams({ q: q, lang: text.lang });
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) {
      out.append(el("p", { class: "error" }, text.error + (body.detail || body.title)));
      return;
    }
    if (body.status === "match" && body.best) {
      out.append(answerBlock(body.best));
    } else if (body.status === "ambiguous") {
      out.append(el("p", {}, text.ambiguous));
      for (const c of body.candidates) out.append(answerBlock(c));
    } else {
      out.append(el("p", {}, text.none));
      const list = el("ul", { class: "suggestions" });
      for (const s of body.suggestions || []) list.append(el("li", {}, s.label));
      out.append(list);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = document.getElementById("lookup-q").value.trim();
    if (q) lookup(q).catch((err) => out.replaceChildren(el("p", { class: "error" }, text.error + err)));
  });
})();
