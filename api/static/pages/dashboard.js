// Hazard dashboard: figures from /api/stats, /api/hazards and /api/goals, as of one date.
// Every number shown is one the API returned; nothing is computed here but sums of its rows.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("dashboard-config").textContent);
  const text = config.text;
  const lang = config.lang;
  const asOf = config.as_of;
  const SVG = "http://www.w3.org/2000/svg";

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  async function api(path, params) {
    const response = await fetch(path + "?" + new URLSearchParams({ lang: lang, ...params }),
      { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) throw new Error(body.detail || body.title || response.status);
    return body;
  }

  const overdueTotal = (params) =>
    api("/api/hazards", { overdue: "true", as_of: params.as_of, limit: "1", ...params })
      .then((page) => page.total);

  function isOpen(row) {
    return row.status && row.status.key !== "closed";
  }

  function kpi(name, label, value) {
    return el("div", { class: "kpi" }, el("div", { class: "label" }, label),
      el("div", { class: "value", "data-kpi": name }, value));
  }

  // The hazards route counts a region with the regions inside it (the city holds its
  // counties); the table's columns are each region's own hazards, so subtract the parts.
  async function regionOwnOverdue() {
    const regions = (await api("/api/regions", { limit: "200" })).items;
    const totals = await Promise.all(regions.map((r) => overdueTotal({ region: r.id, as_of: asOf })));
    const within = new Map(regions.map((r, i) => [r.id, totals[i]]));
    const own = new Map(within);
    for (const r of regions) {
      if (r.part_of && own.has(r.part_of.id)) {
        own.set(r.part_of.id, own.get(r.part_of.id) - within.get(r.id));
      }
    }
    return own;
  }

  async function heatmap(stats) {
    const regions = new Map();
    const sectors = new Map();
    const cells = new Map();
    for (const row of stats.rows) {
      regions.set(row.region.id, row.region);
      sectors.set(row.sector.id, row.sector);
      const key = row.region.id + "|" + row.sector.id;
      const cell = cells.get(key) || { open: 0, total: 0 };
      cell.total += row.count;
      if (isOpen(row)) cell.open += row.count;
      cells.set(key, cell);
    }
    const regionList = [...regions.values()].sort((a, b) => a.id.localeCompare(b.id));
    const sectorTotals = new Map();
    for (const [key, cell] of cells) {
      const sector = key.split("|")[1];
      sectorTotals.set(sector, (sectorTotals.get(sector) || 0) + cell.open);
    }
    const sectorList = [...sectors.values()].sort((a, b) =>
      (sectorTotals.get(b.id) || 0) - (sectorTotals.get(a.id) || 0) || a.id.localeCompare(b.id));
    const [ownOverdue, sectorOverdue] = await Promise.all([
      regionOwnOverdue(),
      Promise.all(sectorList.map((s) => overdueTotal({ sector: s.id, as_of: asOf }))),
    ]);
    const regionOverdue = regionList.map((r) => ownOverdue.get(r.id) || 0);
    const max = Math.max(1, ...[...cells.values()].map((c) => c.open));
    const table = el("table", { class: "heat", id: "heat-table" });
    const head = el("tr", {}, el("th", { scope: "col" }, text.sector + " \\ " + text.region));
    regionList.forEach((r) => head.append(el("th", { scope: "col" }, r.label)));
    head.append(el("th", { scope: "col" }, text.overdue));
    table.append(el("thead", {}, head));
    const body = el("tbody", {});
    sectorList.forEach((s, i) => {
      const tr = el("tr", {}, el("th", { scope: "row" }, s.label));
      for (const r of regionList) {
        const cell = cells.get(r.id + "|" + s.id);
        const td = el("td", { "data-region": r.id, "data-sector": s.id }, cell ? cell.open : "");
        if (cell) {
          td.title = text.open + " " + cell.open + " / " + text.total + " " + cell.total;
          const strength = cell.open / max;
          td.style.backgroundColor = "rgba(179, 38, 30, " + (0.08 + 0.72 * strength).toFixed(2) + ")";
          if (strength > 0.55) td.style.color = "#fff";
        }
        tr.append(td);
      }
      tr.append(el("td", { "data-sector-overdue": s.id }, el("span", { class: "overdue" }, sectorOverdue[i])));
      body.append(tr);
    });
    const foot = el("tr", {}, el("th", { scope: "row" }, text.overdue));
    regionList.forEach((r, i) => foot.append(el("td", { "data-region-overdue": r.id },
      el("span", { class: "overdue" }, regionOverdue[i]))));
    foot.append(el("td", {}));
    body.append(foot);
    table.append(body);
    const box = document.getElementById("heatmap");
    box.replaceChildren(stats.rows.length ? table : el("p", { class: "muted" }, text.none));
  }

  function monthEnds(last) {
    const out = [];
    const end = new Date(last + "T00:00:00Z");
    for (let back = 11; back >= 1; back--) {
      const d = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - back + 1, 0));
      out.push(d.toISOString().slice(0, 10));
    }
    out.push(last);
    return out;
  }

  async function trend() {
    const days = monthEnds(asOf);
    const rows = await Promise.all(days.map(async (day) => {
      const [stats, overdue] = await Promise.all([
        api("/api/stats", { as_of: day, by: "status" }),
        overdueTotal({ as_of: day }),
      ]);
      const open = stats.rows.filter(isOpen).reduce((n, r) => n + r.count, 0);
      return { day: day, total: stats.total, open: open, overdue: overdue };
    }));
    const W = 900, H = 240, left = 40, bottom = 40, top = 24;
    const max = Math.max(1, ...rows.map((r) => r.open));
    const step = (W - left - 10) / rows.length;
    const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", id: "trend-chart" },
      svg("title", {}, text.open + " / " + text.overdue));
    const y = (v) => H - bottom - (H - bottom - top) * (v / max);
    chart.append(svg("line", { x1: left, x2: W - 10, y1: H - bottom, y2: H - bottom, stroke: "#1d2733" }));
    rows.forEach((r, i) => {
      const x = left + i * step + 4;
      const w = step / 2 - 4;
      chart.append(
        svg("rect", { class: "bar-open", x: x, y: y(r.open), width: w, height: H - bottom - y(r.open) },
          svg("title", {}, `${r.day} ${text.open} ${r.open}`)),
        svg("rect", { class: "bar-overdue", x: x + w + 2, y: y(r.overdue), width: w,
          height: H - bottom - y(r.overdue) }, svg("title", {}, `${r.day} ${text.overdue} ${r.overdue}`)),
        svg("text", { x: x + w, y: H - bottom + 16, "text-anchor": "middle" }, r.day.slice(0, 7)),
        svg("text", { x: x + w / 2, y: y(r.open) - 4, "text-anchor": "middle" }, r.open),
      );
    });
    chart.append(
      svg("rect", { class: "bar-open", x: left, y: 4, width: 12, height: 10 }),
      svg("text", { x: left + 16, y: 13 }, text.open),
      svg("rect", { class: "bar-overdue", x: left + 90, y: 4, width: 12, height: 10 }),
      svg("text", { x: left + 106, y: 13 }, text.overdue),
    );
    const box = document.getElementById("trend");
    box.replaceChildren(chart);
    box.dataset.months = JSON.stringify(rows);
  }

  function goals(page) {
    const box = document.getElementById("goals");
    box.replaceChildren();
    for (const goal of page.items) {
      const card = el("div", { class: "goal-card", "data-goal": goal.number });
      const due = (goal.deadlines && goal.deadlines[0] && goal.deadlines[0].due_date) || "";
      const clause = (goal.deadlines && goal.deadlines[0] && goal.deadlines[0].clause) || goal.label_zh;
      card.append(el("strong", {}, text.goal + " " + goal.number + " · " + due));
      card.append(el("div", {}, clause));
      const s = goal.status;
      if (s) {
        const state = s.met === true ? text.met : s.met === false ? text.notMet : text.pending;
        card.append(el("div", { class: "state", "data-met": String(s.met) }, state));
        if (s.key === "stock" && s.stock_total !== null && s.stock_total !== undefined) {
          const done = s.stock_total ? (s.stock_total - (s.stock_open_now || 0)) / s.stock_total : 1;
          const bar = el("div", { class: "bar" }, el("span", {}));
          bar.firstChild.style.width = Math.round(done * 100) + "%";
          card.append(bar, el("div", { "data-figure": "stock" },
            `${s.stock_total - (s.stock_open_now || 0)} / ${s.stock_total}`));
        }
        if (s.key === "increment" && s.quarters.length) {
          const list = el("ul", {});
          for (const q of s.quarters) list.append(el("li", {}, `Q${q.quarter}: 2024 ${q.found_2024} → 2025 ${q.found_2025}`));
          card.append(list);
        }
        if (s.key === "dynamic-zero" && s.months.length) {
          const list = el("ul", {});
          for (const m of s.months) list.append(el("li", {}, `${m.month_end}: ${text.overdue} ${m.overdue}`));
          card.append(list);
        }
      }
      box.append(card);
    }
  }

  async function main() {
    const [byStatus, byCell, goalPage, overdue] = await Promise.all([
      api("/api/stats", { as_of: asOf, by: "status" }),
      api("/api/stats", { as_of: asOf, by: "region,sector,status" }),
      api("/api/goals", { as_of: asOf }),
      overdueTotal({ as_of: asOf }),
    ]);
    const open = byStatus.rows.filter(isOpen).reduce((n, r) => n + r.count, 0);
    document.getElementById("kpis").replaceChildren(
      kpi("total", text.total, byStatus.total),
      kpi("open", text.open, open),
      kpi("closed", text.closed, byStatus.total - open),
      kpi("overdue", text.overdue, overdue),
    );
    goals(goalPage);
    await Promise.all([heatmap(byCell), trend()]);
    document.body.dataset.ready = "true";
  }

  main().catch((err) => {
    const box = document.getElementById("dash-error");
    box.hidden = false;
    box.textContent = text.error + err.message;
    document.body.dataset.ready = "error";
  });
})();
