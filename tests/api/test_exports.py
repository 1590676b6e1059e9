"""api/routers/exports.py and api/routers/pages.py through the app (no browser)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store

from api.app import create_app
from safetykg.settings import Settings
from tests.helpers.project import REPO


@pytest.fixture(scope="module")
def client(built_store: Store, data_dir: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=data_dir, project_root=REPO), store=built_store)
    with TestClient(app) as c:
        yield c


def test_export_is_a_download_with_counts(client: TestClient) -> None:
    response = client.get("/api/export/graphml", params={"scope": "responsibility"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/graphml+xml"
    assert response.headers["content-disposition"] == (
        'attachment; filename="safetykg-responsibility.graphml"'
    )
    assert (response.headers["safetykg-nodes"], response.headers["safetykg-edges"]) == ("66", "48")
    assert response.headers["safetykg-truncated"] == "false"
    graph = nx.read_graphml(io.BytesIO(response.content))
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (66, 48)


def test_every_format_answers(client: TestClient) -> None:
    formats = {f["name"]: f for f in client.get("/api/export").json()}
    assert len(formats) == 10
    for name, fmt in formats.items():
        response = client.get(f"/api/export/{name}", params={"scope": "department:education"})
        assert response.status_code == 200, name
        assert response.headers["content-type"].split(";")[0] == fmt["media_type"].split(";")[0]
        assert response.content
    archive = zipfile.ZipFile(io.BytesIO(client.get("/api/export/csv?scope=action:1").content))
    assert archive.namelist() == ["nodes.csv", "edges.csv"]


@pytest.mark.parametrize(
    ("url", "status", "detail"),
    [
        ("/api/export/svg?scope=plan", 400, "Unknown export format 'svg'"),
        ("/api/export/gexf?scope=galaxy", 400, "Unknown scope"),
        ("/api/export/gexf?scope=sector:unobtainium", 404, "No sector 'unobtainium'"),
        ("/api/export/gexf?scope=hazards:region:guoyang&max_nodes=0", 400, "max_nodes"),
    ],
)
def test_bad_exports_are_problems(client: TestClient, url: str, status: int, detail: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in json.dumps(response.json(), ensure_ascii=False)


def test_analysis(client: TestClient) -> None:
    body = client.get("/api/analysis", params={"as_of": "2025-06-30"}).json()
    assert body["as_of"] == "2025-06-30"
    assert body["network"] == {"departments": 19, "sectors": 47, "lead_edges": 48}
    assert body["departments"][0]["label_zh"] == "亳州市城市管理局"
    assert client.get("/api/analysis", params={"as_of": "2025-02-30"}).status_code == 400


@pytest.mark.parametrize("path", ["/", "/graph", "/matrix", "/timeline", "/dashboard", "/ontology"])
def test_pages_are_html_with_a_strict_policy(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy
    assert "http://" not in response.text.replace("http://www.w3.org", "")
    assert "cdn" not in response.text.lower()


def test_matrix_is_readable_without_javascript(client: TestClient) -> None:
    html = client.get("/matrix?lang=en").text
    assert html.count('<td class="lead') == 48 and html.count('<td class="lead joint"') == 2
    assert "Municipal Fire and Rescue Detachment" in html


def test_ontology_formats(client: TestClient) -> None:
    assert "@prefix sk:" in client.get("/ontology?format=turtle").text
    assert client.get("/ontology", headers={"Accept": "application/rdf+xml"}).text.startswith(
        "<?xml"
    )
    assert client.get("/ontology", headers={"Accept": "text/csv"}).status_code == 406


def test_assets_are_listed_files_only(client: TestClient) -> None:
    assert (
        client.get("/static/pages/graph.js").headers["content-type"].startswith("text/javascript")
    )
    assert client.get("/static/pages/cytoscape.min.js").status_code == 200
    assert client.get("/static/pages/..%2F..%2Fapp.py").status_code == 404
    assert client.get("/static/pages/pages.py").status_code == 404
