"""Repeated reads are answered from the response cache, and a write empties it.

Over a real uvicorn server with writes on (the embedded store, one process),
then the middleware on its own for what HTTP cannot stage on demand (an answer
computed while a write runs, eviction, the day changing).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from api import response_cache
from api.response_cache import ResponseCache
from safetykg.settings import Settings
from tests.helpers.sparql_server import Server, running_server
from tests.security.fixtures import build_hazard_store

TOKEN = "cache-test-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
DEPT = "https://w3id.org/safetykg/id/department/bozhou/"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, project_root: Path) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("cache") / "data"
    store = build_hazard_store(data_dir, project_root)
    del store
    gc.collect()  # closes RocksDB, so the server can open it read-write
    with running_server(data_dir, write_token=TOKEN, rate_limit=0) as s:
        yield s


def _get(server: Server, path: str, **headers: str) -> httpx.Response:
    return httpx.get(server.url + path, headers=headers, timeout=30, trust_env=False)


def _status(server: Server) -> str:
    return _get(server, "/api/hazards/H-SEC-GAS").json()["status"]["key"]


def test_a_repeated_read_is_reused_with_an_etag(server: Server) -> None:
    path = "/api/lookup?q=" + urllib.parse.quote("谁管燃气?")
    first = _get(server, path)
    second = _get(server, path)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    assert second.content == first.content
    assert "城镇燃气" in second.json()["best"]["label_zh"]
    # reused answers still pass through the security middleware, each with its own request id
    assert second.headers["x-content-type-options"] == "nosniff"
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    etag = second.headers["etag"]
    again = _get(server, path, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert _get(server, path, **{"If-None-Match": '"other"'}).status_code == 200


def test_no_cache_from_the_client_computes_the_answer_again(server: Server) -> None:
    path = "/api/departments/bozhou/urban-management?as_of=2025-06-30"
    _get(server, path)
    assert _get(server, path).headers["x-cache"] == "HIT"
    fresh = _get(server, path, **{"Cache-Control": "no-cache"})
    assert fresh.status_code == 200 and fresh.headers["x-cache"] == "MISS"


def test_answers_are_kept_per_language(server: Server) -> None:
    path = "/api/sectors/urban-gas"
    zh = _get(server, path, **{"Accept-Language": "zh"})
    en = _get(server, path, **{"Accept-Language": "en"})
    en_again = _get(server, path, **{"Accept-Language": "en"})
    assert zh.json()["sector"]["label"] == "城镇燃气"
    assert en.json()["sector"]["label"] == "Urban gas"
    assert en_again.headers["x-cache"] == "HIT"
    assert en_again.json()["sector"]["label"] == "Urban gas"


def test_a_write_empties_the_cache(server: Server) -> None:
    count = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?h <https://w3id.org/safetykg/ontology#status> "
        "<https://w3id.org/safetykg/ontology#StatusRectifying> }"
    )
    query = "/sparql?" + urllib.parse.urlencode({"query": count})
    accept = {"Accept": "application/sparql-results+json"}

    def rectifying() -> int:
        answer = _get(server, query, **accept)
        return int(answer.json()["results"]["bindings"][0]["n"]["value"])

    before = _status(server)
    assert _get(server, "/api/hazards/H-SEC-GAS").headers["x-cache"] == "HIT"
    counted = rectifying()
    assert _get(server, query, **accept).headers["x-cache"] == "HIT"
    body = {"to": "rectifying", "actor": DEPT + "urban-management"}
    moved = httpx.post(
        server.url + "/api/hazards/H-SEC-GAS/transitions",
        content=json.dumps(body),
        headers={**ADMIN, "Content-Type": "application/json"},
        timeout=30,
        trust_env=False,
    )
    assert moved.status_code == 201, moved.text
    assert "x-cache" not in moved.headers
    after = _get(server, "/api/hazards/H-SEC-GAS")
    assert after.headers["x-cache"] == "MISS"
    assert (before, after.json()["status"]["key"]) == ("reported", "rectifying")
    assert rectifying() == counted + 1


def test_a_refused_write_empties_it_too_and_unauthenticated_posts_do_not(server: Server) -> None:
    path = "/api/plans"
    _get(server, path)
    assert _get(server, path).headers["x-cache"] == "HIT"
    anonymous = httpx.post(server.url + "/api/hazards", json={}, timeout=30, trust_env=False)
    assert anonymous.status_code in (401, 403)
    assert _get(server, path).headers["x-cache"] == "HIT"
    refused = httpx.post(
        server.url + "/api/hazards/H-SEC-GAS/transitions",
        json={"to": "no-such-status"},
        headers=ADMIN,
        timeout=30,
        trust_env=False,
    )
    assert refused.status_code in (400, 422)
    assert _get(server, path).headers["x-cache"] == "MISS"


def test_what_is_never_kept(server: Server) -> None:
    missing = "/api/departments/bozhou/no-such-office"
    assert [_get(server, missing).status_code for _ in range(2)] == [404, 404]
    assert _get(server, missing).headers["x-cache"] == "MISS"
    authorised = _get(server, "/api/plans", **ADMIN)
    assert authorised.status_code == 200 and "x-cache" not in authorised.headers
    assert "x-cache" not in _get(server, "/health").headers
    now = "/sparql?" + urllib.parse.urlencode({"query": "SELECT (NOW() AS ?t) {}"})
    answers = [_get(server, now, Accept="application/sparql-results+json") for _ in range(2)]
    assert [a.headers["x-cache"] for a in answers] == ["MISS", "MISS"]
    assert answers[0].headers["cache-control"] == "no-store"


def test_the_cache_can_be_switched_off(tmp_path: Path, built_store: object) -> None:
    def kept(**settings: object) -> bool:
        app = FastAPI()
        response_cache.install(app, Settings(data_dir=tmp_path, **settings))  # type: ignore[arg-type]
        return any(m.cls is ResponseCache for m in app.user_middleware)

    assert kept()
    assert not kept(cache_mb=0)
    # a SPARQL server may be written by other workers: no reuse unless a time limit is set
    assert not kept(store="http://127.0.0.1:7878")
    assert kept(store="http://127.0.0.1:7878", cache_seconds=5)
    assert not kept(cache_seconds=0)


# --------------------------------------------------------------------------- the middleware alone


def _counting_app(release: asyncio.Event | None = None) -> tuple[ResponseCache, list[str]]:
    served: list[str] = []

    async def read(request: Request) -> PlainTextResponse:
        served.append(request.url.path)
        if release is not None and request.url.path == "/slow":
            await release.wait()
        return PlainTextResponse(request.url.path * 300)

    async def write(request: Request) -> PlainTextResponse:
        return PlainTextResponse("done")

    from starlette.applications import Starlette

    inner = Starlette(routes=[Route("/{name}", read), Route("/w", write, methods=["POST"])])
    return ResponseCache(inner, max_bytes=2_000), served


async def _fetch(app: ResponseCache, method: str, path: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, path, headers=headers)


def test_an_answer_computed_during_a_write_is_not_kept() -> None:
    async def scenario() -> list[str]:
        release = asyncio.Event()
        cache, served = _counting_app(release)
        slow = asyncio.create_task(_fetch(cache, "GET", "/slow"))
        await asyncio.sleep(0.05)  # the read is under way
        await _fetch(cache, "POST", "/w", Authorization="Bearer x")
        release.set()
        await slow
        await _fetch(cache, "GET", "/slow")
        return served

    assert asyncio.run(scenario()) == ["/slow", "/slow"]


def test_the_least_recently_used_answers_go_first_and_a_new_day_starts_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def scenario() -> list[str]:
        cache, served = _counting_app()
        for path in ("/a", "/b", "/a", "/c", "/a", "/b"):  # ~850 bytes each: two fit
            await _fetch(cache, "GET", path)
        assert cache.size <= cache.max_bytes
        monkeypatch.setattr(response_cache, "_today", lambda: dt.date.today() + dt.timedelta(1))
        await _fetch(cache, "GET", "/a")
        return served

    # /b is dropped when /c comes (/a was used more recently); tomorrow /a is worked out again
    assert asyncio.run(scenario()) == ["/a", "/b", "/c", "/b", "/a"]


def test_answers_older_than_the_time_limit_are_not_reused() -> None:
    async def scenario() -> list[str]:
        cache, served = _counting_app()
        cache.ttl = 0.2
        await _fetch(cache, "GET", "/a")
        await _fetch(cache, "GET", "/a")
        time.sleep(0.25)
        await _fetch(cache, "GET", "/a")
        return served

    assert asyncio.run(scenario()) == ["/a", "/a"]
