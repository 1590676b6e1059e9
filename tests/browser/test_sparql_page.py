"""The SPARQL query page in a real browser: Debian's Chromium driven by Playwright.

The page is opened on its own real server (uvicorn on loopback, over the small
SPARQL fixture store and one example query), through the shared
:func:`tests.browser.conftest.open_page`, which blocks and records any request
that would leave the server and collects console errors. The test runs the
example from the list and sees its rows in YASR's table.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import open_page, screenshot
from tests.helpers.sparql_server import Server, running_server
from tests.helpers.sparql_store import REPO_NODE_MODULES, make_data_dir

pytestmark = pytest.mark.browser

EXAMPLE = """# title: Tasks and their labels
# zh: 方案有哪些任务？
# en: Which tasks does the plan have?
SELECT ?task ?label WHERE { ?task a sk:Task ; rdfs:label ?label FILTER(lang(?label) = "zh") }
ORDER BY ?task
"""


@pytest.fixture(scope="module")
def sparql_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not (REPO_NODE_MODULES / "@zazuko" / "yasgui").is_dir():
        pytest.skip("YASGUI is not installed: run `npm ci` (make npm-deps)")
    data_dir = make_data_dir(tmp_path_factory.mktemp("page"))
    (data_dir / "queries").mkdir()
    (data_dir / "queries" / "tasks.rq").write_text(EXAMPLE, encoding="utf-8")
    with running_server(data_dir) as server:
        yield server


def test_page_runs_an_example_and_shows_rows(sparql_server: Server, browser: object) -> None:
    visit = open_page(browser, sparql_server.url, "/sparql")
    page = visit.page
    example = page.locator('button[data-example="tasks"]')  # type: ignore[attr-defined]
    example.wait_for(timeout=20_000)
    assert "Tasks and their labels" in example.inner_text()
    example.click()

    rows = page.locator(".yasr table tbody tr")  # type: ignore[attr-defined]
    rows.first.wait_for(timeout=20_000)
    assert rows.count() == 2
    table = page.locator(".yasr table").first.inner_text()  # type: ignore[attr-defined]
    assert "任务1" in table and "任务2" in table
    download = page.locator(".yasr .yasr_downloadIcon")  # type: ignore[attr-defined]
    assert download.count() >= 1  # YASR offers the results as a file
    screenshot(visit, "sparql-page")
    visit.assert_clean()
