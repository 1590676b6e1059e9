"""api/security.py: CORS (off by default), security headers, the body size limit, the
per-client rate limit and request ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store

from api.security import CSP, TokenBucket
from safetykg.settings import Settings
from tests.security.conftest import make_app
from tests.security.fixtures import auth


@pytest.fixture
def build(hazard_store: Store, security_dir: Path):  # type: ignore[no-untyped-def]
    def make(**settings: object) -> TestClient:
        app = make_app(
            hazard_store, security_dir / "data", security_dir / "tokens.json", **settings
        )
        return TestClient(app, raise_server_exceptions=False)

    return make


# --------------------------------------------------------------------------- CORS


def test_cors_is_off_by_default(client: TestClient) -> None:
    simple = client.get("/api/regions", headers={"Origin": "https://evil.example"})
    assert simple.status_code == 200
    assert "access-control-allow-origin" not in simple.headers
    preflight = client.options(
        "/api/hazards",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_only_listed_origins(build) -> None:  # type: ignore[no-untyped-def]
    client = build(cors_origins=["https://portal.example.gov.cn"])
    ok = client.get("/api/regions", headers={"Origin": "https://portal.example.gov.cn"})
    assert ok.headers["access-control-allow-origin"] == "https://portal.example.gov.cn"
    other = client.get("/api/regions", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = client.options(
        "/api/hazards/import",
        headers={
            "Origin": "https://portal.example.gov.cn",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in preflight.headers  # bearer, not cookies


@pytest.mark.parametrize("value", ["*", "https://a.example/path", "ftp://a.example", "a.example"])
def test_cors_allow_list_refuses_wildcards_and_non_origins(value: str) -> None:
    with pytest.raises(ValueError, match="CORS_ORIGINS"):
        Settings(cors_origins=value)


def test_cors_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYKG_CORS_ORIGINS", "https://a.example, http://localhost:3000")
    assert Settings().cors_origins == ["https://a.example", "http://localhost:3000"]


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    "path", ["/", "/sparql", "/ontology", "/docs", "/api/regions", "/no-such-page"]
)
def test_security_headers_everywhere(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"
    if response.headers.get("content-type", "").startswith("text/html"):
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        # no origin but our own: every source is a keyword, data: or blob:; inline code
        # never, inline styles only where a page's library needs them (YASGUI, Swagger UI)
        directives = {d.split()[0]: set(d.split()[1:]) for d in csp.split(";") if d.strip()}
        for name, sources in directives.items():
            allowed = {"'self'", "'none'", "data:", "blob:"}
            if name == "style-src":
                allowed.add("'unsafe-inline'")
            assert sources <= allowed, (name, sources)
        assert directives["script-src"] == {"'self'"}


def test_default_csp_names_no_other_origin() -> None:
    assert not re.search(r"https?:", CSP) and "'unsafe-inline'" not in CSP


# --------------------------------------------------------------------------- body size


def test_declared_oversized_body_is_refused_unread(build) -> None:  # type: ignore[no-untyped-def]
    client = build(max_body=1000)
    response = client.post(
        "/sparql",
        content=b"x" * 1001,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "SAFETYKG_MAX_BODY" in response.json()["detail"]


def test_streamed_oversized_body_is_cut_off(build, tokens: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    client = build(max_body=10_000)

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):
            yield b"a" * 1000

    response = client.post(
        "/api/hazards/import",
        content=chunks(),
        headers={**auth(tokens["ops"]), "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code == 413, response.text
    assert "nothing was written" in response.json()["detail"]


def test_bad_content_length_is_a_bad_request(build) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from httpx import ASGITransport, AsyncClient

    app = build().app

    async def go() -> int:
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as c:
            r = await c.post("/sparql", content=b"x", headers={"Content-Length": "-5"})
            return r.status_code

    assert asyncio.run(go()) == 400


# --------------------------------------------------------------------------- rate limit


def test_rate_limit_answers_429_with_retry_after(build) -> None:  # type: ignore[no-untyped-def]
    client = build(rate_limit=0.01, rate_burst=3)
    statuses = [client.get("/api/regions").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    limited = client.get("/api/regions")
    assert limited.headers["content-type"] == "application/problem+json"
    assert int(limited.headers["retry-after"]) >= 1
    assert "try again" in limited.json()["detail"]
    assert limited.headers["x-content-type-options"] == "nosniff"
    assert client.get("/health").status_code in (200, 503)  # exempt


def test_rate_limit_is_per_client() -> None:
    bucket = TokenBucket(rate=1, burst=1)
    assert bucket.take("10.0.0.1", now=0) == 0 and bucket.take("10.0.0.1", now=0) > 0
    assert bucket.take("10.0.0.2", now=0) == 0
    assert bucket.take("10.0.0.1", now=1.0) == 0  # refilled


def test_rate_limit_table_is_bounded() -> None:
    bucket = TokenBucket(rate=1, burst=1, max_keys=100)
    for i in range(1000):
        bucket.take(f"client-{i}", now=0)
    assert len(bucket._buckets) == 100


# --------------------------------------------------------------------------- request ids


@pytest.mark.parametrize(
    ("given", "kept"),
    [("abc-123", True), ("x" * 65, False), ("a b", False), ("<script>", False), ("", False)],
)
def test_request_id_is_echoed_only_when_safe(client: TestClient, given: str, kept: bool) -> None:
    response = client.get("/api/regions", headers={"X-Request-ID": given})
    echoed = response.headers["x-request-id"]
    assert (echoed == given) is kept
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,64}", echoed)
