"""api/routers/docs.py: the OpenAPI explorer served from npm, not from a CDN."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store

from api.app import create_app
from safetykg.settings import Settings


@pytest.fixture(scope="module")
def client(built_store: Store, data_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data_dir=data_dir), store=built_store)) as c:
        yield c


def test_docs_page_loads_only_local_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/docs/assets/swagger-ui-bundle.js" in urls
    assert all(u.startswith("/") or u.startswith("data:") for u in urls), urls
    for url in urls:
        if url.startswith("/docs/assets/"):
            assert client.get(url).status_code == 200, url


def test_swagger_bundle_comes_from_node_modules(client: TestClient) -> None:
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert b"SwaggerUIBundle" in bundle.content


def test_unknown_docs_asset_is_a_problem_404(client: TestClient) -> None:
    response = client.get("/docs/assets/index.html")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_cdn_defaults_are_off(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "safetykg"
