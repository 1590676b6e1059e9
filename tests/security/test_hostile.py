"""The hostile-input corpus (``tests/security/hostile.py``): each case gets a 4xx with a
clear problem document, leaves the data untouched, and makes no outbound connection —
neither from Python (refused and recorded by the connection guard) nor from Rust code in
pyoxigraph (the canary on a loopback port records any connection)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import ASGITransport, AsyncClient
from pyoxigraph import Store

from tests.security.fixtures import Canary, ConnectionGuard, auth, data_quads
from tests.security.hostile import CORPUS, Hostile

LEAKS = ("root:x:0:0", "[build-system]", "from __future__", "[extensions]")


def test_the_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 100
    assert len({c.id for c in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=c.id, marks=[pytest.mark.xfail(reason=c.xfail, strict=False)])
        if c.xfail
        else pytest.param(c, id=c.id)
        for c in CORPUS
    ],
)
def test_hostile_input_is_refused(
    client: TestClient,
    hazard_store: Store,
    tokens: dict[str, str],
    canary: Canary,
    no_network: ConnectionGuard,
    case: Hostile,
) -> None:
    before = data_quads(hazard_store)
    kwargs = case.build(canary.url)
    headers = {**kwargs.pop("headers", {}), **(auth(tokens[case.token]) if case.token else {})}
    response = client.request(case.method, case.path, headers=headers, **kwargs)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    if case.statuses:
        assert response.status_code in case.statuses, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    message = f"{problem.get('title', '')} {problem.get('detail', '')}"
    assert problem.get("title"), problem
    if case.says:
        assert case.says.lower() in message.lower(), message
    assert not any(leak in response.text for leak in LEAKS)
    assert data_quads(hazard_store) == before, "a refused request wrote something"
    time.sleep(0.01 if not case.path.startswith("/sparql") else 0.1)  # a late fetch would land
    assert not canary.touched


def test_no_file_is_written_where_an_upload_name_points(client: TestClient) -> None:
    assert not Path("/tmp/safetykg-pwned.csv").exists()


def test_a_one_gigabyte_line_is_cut_off_at_the_limit(
    app: FastAPI, hazard_store: Store, tokens: dict[str, str], no_network: ConnectionGuard
) -> None:
    """A CSV upload whose one line is 1 GiB, generated lazily: the body limit (8 MiB in this
    app) stops reading it, so only the first few MiB are ever produced."""
    chunk = b"A" * (1 << 20)
    produced = 0

    async def body():  # type: ignore[no-untyped-def]
        nonlocal produced
        yield (
            b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\nhazard_id,description\r\nH-1,"
        )
        for _ in range(1024):  # 1 GiB, never held in memory
            produced += 1
            yield chunk
        yield b"\r\n--x--\r\n"

    async def send() -> tuple[int, dict]:
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://test") as c:
            r = await c.post(
                "/api/hazards/import",
                content=body(),
                headers={
                    **auth(tokens["ops"]),
                    "Content-Type": "multipart/form-data; boundary=x",
                },
            )
            return r.status_code, r.json()

    before = data_quads(hazard_store)
    status, problem = asyncio.run(send())
    assert status == 413, problem
    assert "SAFETYKG_MAX_BODY" in problem["detail"]
    assert produced <= 10, f"{produced} MiB were read past an 8 MiB limit"
    assert data_quads(hazard_store) == before


@pytest.mark.timeout(30)
@pytest.mark.parametrize("columns", [60_000, 1_000_000])
def test_many_duplicate_columns_are_refused_quickly(hazard_store: Store, columns: int) -> None:
    """A header of one column repeated (60,000 or a million times) is refused at once,
    naming the width and the limit, before any per-column check; nothing is written."""
    from safetykg.errors import ValidationFailed
    from safetykg.registry.ingest import ingest_text

    before = data_quads(hazard_store)
    started = time.monotonic()
    with pytest.raises(ValidationFailed) as caught:
        ingest_text(hazard_store, ",".join(["hazard_id"] * columns).encode() + b"\n", "csv")
    assert time.monotonic() - started < 3.0
    assert f"{columns:,} columns" in caught.value.detail
    assert "at most 25" in caught.value.detail
    (result,) = caught.value.results
    assert (result["row"], result["code"]) == (1, "too-many-columns")
    assert result["message_zh"] and result["message_zh"] != result["message"]
    assert data_quads(hazard_store) == before
