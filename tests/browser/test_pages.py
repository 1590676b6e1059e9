"""The pages, in a real browser against a real server (``pytest -m browser``).

Each page must load with no console error and no request leaving 127.0.0.1,
and show what the API and the library say: the explorer's node count for a
scope, the 48 lead cells of the matrix (also without JavaScript), a search
that finds 消防安全, the dashboard's numbers. Screenshots are written to
``tests/artifacts/`` to be looked at.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from pyoxigraph import Store

from safetykg.export import scope_graph
from safetykg.store import open_store
from tests.browser.conftest import open_page, screenshot

pytestmark = pytest.mark.browser

PAGES = [
    ("/", "home"),
    ("/graph?scope=responsibility", "graph"),
    ("/matrix", "matrix"),
    ("/timeline?today=2025-06-30", "timeline"),
    ("/dashboard?as_of=2025-06-30", "dashboard"),
    ("/ontology", "ontology"),
]


def wait_for_graph(page: object) -> None:
    """Wait until the explorer has drawn its scope (a CSS wait: the CSP forbids eval)."""
    page.locator("#status[data-nodes]:not([data-nodes=''])").wait_for(state="attached")  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("path", "name"), PAGES, ids=[n for _, n in PAGES])
def test_page_loads_clean(browser: object, server: str, path: str, name: str, lang: str) -> None:
    sep = "&" if "?" in path else "?"
    visit = open_page(browser, server, f"{path}{sep}lang={lang}")
    page = visit.page
    if name == "graph":
        wait_for_graph(page)
    screenshot(visit, f"{name}-{lang}", full_page=name != "ontology")
    visit.assert_clean()
    assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
    toggle = page.locator("#lang-toggle")
    assert f"lang={'en' if lang == 'zh' else 'zh'}" in (toggle.get_attribute("href") or "")
    csp = httpx.get(f"{server}{path}", headers={"Accept": "text/html"}).headers[
        "content-security-policy"
    ]
    assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp


@pytest.mark.parametrize("scope", ["responsibility", "action:1", "department:urban-management"])
def test_explorer_shows_the_scope(
    browser: object, server: str, built_store: Store, scope: str
) -> None:
    expected = scope_graph(built_store, scope).graph
    visit = open_page(browser, server, f"/graph?scope={scope}")
    status = visit.page.locator("#status")
    wait_for_graph(visit.page)
    assert int(status.get_attribute("data-nodes") or -1) == expected.number_of_nodes()
    assert int(status.get_attribute("data-edges") or -1) == expected.number_of_edges()
    if scope == "responsibility":
        assert expected.number_of_nodes() == 66 and expected.number_of_edges() == 48
    visit.assert_clean()


def test_explorer_search_finds_fire_safety_and_shows_its_source(
    browser: object, server: str
) -> None:
    visit = open_page(browser, server, "/graph?scope=responsibility")
    page = visit.page
    wait_for_graph(page)
    page.fill("#node-search", "消防安全")
    results = page.locator("#search-results button")
    results.first.wait_for()
    assert results.count() == 1 and results.first.inner_text() == "消防"
    results.first.click()
    details = page.locator("#details")
    assert "https://w3id.org/safetykg/id/sector/fire-safety" in details.inner_text()
    assert "市消防救援支队牵头负责消防安全" in details.inner_text()
    page.fill("#node-search", "fire and rescue")  # an English alias of 市消防救援支队
    assert page.locator("#search-results button").first.inner_text() == "亳州市消防救援支队"
    screenshot(visit, "graph-search")
    visit.assert_clean()


def test_explorer_expands_neighbours(browser: object, server: str, built_store: Store) -> None:
    visit = open_page(browser, server, "/graph?scope=responsibility")
    page = visit.page
    wait_for_graph(page)
    page.fill("#node-search", "城镇燃气")
    page.locator("#search-results button").first.click()
    page.get_by_role("button", name="展开相邻节点").click()
    extra = scope_graph(built_store, "node:sector/urban-gas").graph
    new = set(extra.nodes) - set(scope_graph(built_store, "responsibility").graph.nodes)
    page.locator(f"#status[data-nodes='{66 + len(new)}']").wait_for()
    assert new  # the tasks about urban gas were not in the network
    visit.assert_clean()


def test_home_search_finds_fire_safety(browser: object, server: str) -> None:
    visit = open_page(browser, server, "/")
    page = visit.page
    page.fill("#lookup-q", "消防安全")
    page.click("#lookup-form button[type=submit]")
    page.locator("#lookup-result .answer").first.wait_for()
    text = page.locator("#lookup-result").inner_text()
    assert "消防" in text and "消防救援支队" in text
    screenshot(visit, "home-search")
    visit.assert_clean()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_matrix_has_all_48_lead_cells(browser: object, server: str, javascript: bool) -> None:
    visit = open_page(browser, server, "/matrix", javascript=javascript)
    page = visit.page
    cells = page.locator("table.matrix td.lead")
    assert cells.count() == 48
    assert page.locator("table.matrix td.lead.joint").count() == 2
    anchors = {a.get_attribute("href") for a in cells.locator("a").all()}
    for anchor in anchors:
        assert page.locator(f"ol.sources li[id='{anchor[1:]}']").count() == 1
    page.locator("td.lead[data-sector$='/fire-safety'] a").click()
    assert "市消防救援支队牵头负责消防安全" in page.locator("ol.sources li:target").inner_text()
    if not javascript:
        screenshot(visit, "matrix-no-js")
    visit.assert_clean()


def test_timeline_marks_today_and_every_deadline(
    browser: object, server: str, built_store: Store
) -> None:
    visit = open_page(browser, server, "/timeline?today=2025-06-30")
    page = visit.page
    deadlines = int(page.locator("#deadline-count").inner_text())
    assert (
        deadlines
        == page.locator("circle.deadline").count()
        == page.locator("#deadlines tbody tr").count()
    )
    assert deadlines == 21
    assert page.locator("polygon.goal").count() == 3 and page.locator("rect.phase").count() == 4
    assert (page.locator(".today-label").text_content() or "").endswith("2025-06-30")
    visit.assert_clean()


def test_ontology_negotiates(server: str) -> None:
    html = httpx.get(f"{server}/ontology", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html") and "sk:leadDepartment" in html.text
    for accept, marker in [
        ("text/turtle", "@prefix"),
        ("application/rdf+xml", "<rdf:RDF"),
        ("application/ld+json", "@id"),
    ]:
        answer = httpx.get(f"{server}/ontology", headers={"Accept": accept})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(accept)
        assert marker in answer.text


def _api(base: str, path: str, **params: str) -> dict:  # type: ignore[type-arg]
    response = httpx.get(f"{base}{path}", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_dashboard_numbers_equal_the_api(browser: object, hazard_server: str) -> None:
    day = "2025-06-30"
    visit = open_page(browser, hazard_server, f"/dashboard?as_of={day}")
    page = visit.page
    page.locator("body[data-ready]").wait_for(state="attached", timeout=30_000)
    assert page.locator("body").get_attribute("data-ready") == "true"
    screenshot(visit, "dashboard-data")
    visit.assert_clean()

    def kpi(name: str) -> int:
        return int(page.locator(f"[data-kpi='{name}']").inner_text())

    by_status = _api(hazard_server, "/api/stats", as_of=day, by="status")
    open_ = sum(r["count"] for r in by_status["rows"] if r["status"]["key"] != "closed")
    overdue = _api(hazard_server, "/api/hazards", overdue="true", as_of=day, limit="1")["total"]
    assert (kpi("total"), kpi("open"), kpi("overdue")) == (by_status["total"], open_, overdue)
    assert kpi("total") > 0 and overdue > 0

    cells = _api(hazard_server, "/api/stats", as_of=day, by="region,sector,status")["rows"]
    expected: dict[tuple[str, str], int] = {}
    for row in cells:
        key = (row["region"]["id"], row["sector"]["id"])
        expected[key] = expected.get(key, 0) + (
            row["count"] if row["status"]["key"] != "closed" else 0
        )
    shown = {
        (td.get_attribute("data-region"), td.get_attribute("data-sector")): int(td.inner_text())
        for td in page.locator("#heat-table td[data-region][data-sector]").all()
        if td.inner_text().strip()
    }
    assert shown == expected
    sector_overdue = {
        td.get_attribute("data-sector-overdue"): int(td.inner_text())
        for td in page.locator("#heat-table td[data-sector-overdue]").all()
    }
    for sector, count in sector_overdue.items():
        assert (
            count
            == _api(
                hazard_server,
                "/api/hazards",
                overdue="true",
                as_of=day,
                sector=str(sector),
                limit="1",
            )["total"]
        )
    region_overdue = sum(
        int(td.inner_text()) for td in page.locator("#heat-table td[data-region-overdue]").all()
    )
    assert region_overdue == overdue  # each region's own hazards add up to the city's

    months = json.loads(page.locator("#trend").get_attribute("data-months") or "[]")
    assert len(months) == 12 and months[-1]["day"] == day
    for month in (months[0], months[-1]):
        stats = _api(hazard_server, "/api/stats", as_of=month["day"], by="status")
        assert month["total"] == stats["total"]
        assert month["open"] == sum(
            r["count"] for r in stats["rows"] if r["status"]["key"] != "closed"
        )

    goals = _api(hazard_server, "/api/goals", as_of=day)["items"]
    for goal in goals:
        card = page.locator(f"[data-goal='{goal['number']}']")
        assert card.count() == 1
        if goal["status"]:
            assert card.locator("[data-met]").get_attribute("data-met") == str(
                goal["status"]["met"]
            ).lower().replace("none", "null")


def test_explorer_draws_overdue_hazards(
    browser: object, hazard_server: str, hazard_data_dir: Path
) -> None:
    scope = "hazards:region:guoyang:overdue:2025-06-30"
    store = open_store(hazard_data_dir, read_only=True)
    expected = scope_graph(store, scope).graph
    del store
    overdue = _api(
        hazard_server,
        "/api/hazards",
        overdue="true",
        as_of="2025-06-30",
        region="guoyang",
        limit="1",
    )["total"]
    hazards = [
        n for n, d in expected.nodes(data=True) if d["type"] in ("sk:Hazard", "sk:MajorHazard")
    ]
    assert len(hazards) == overdue
    visit = open_page(browser, hazard_server, f"/graph?scope={scope}&lang=en")
    wait_for_graph(visit.page)
    status = visit.page.locator("#status")
    assert int(status.get_attribute("data-nodes") or -1) == expected.number_of_nodes()
    assert int(status.get_attribute("data-edges") or -1) == expected.number_of_edges()
    screenshot(visit, "graph-hazards")
    visit.assert_clean()
