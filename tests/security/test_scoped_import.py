"""Scoped writes of new records (``POST /api/hazards`` and ``/api/hazards/import``): a
department or region token creates and imports hazards within its scope; one record
outside it is a 403 naming the record, and then nothing is written.

The routes take ``ScopedWriterDep`` and pass ``Writer.guard()`` to the import as its
``authorise`` check (see ``test_access.py::test_scoped_writer_lets_a_route_check_each_record``
for the contract). These tests write, so they have a store of their own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store

from safetykg.registry.stored import load_enterprises, load_hazards
from tests.security.conftest import make_app
from tests.security.fixtures import (
    auth,
    build_hazard_store,
    data_quads,
    hazard_csv,
    hazard_row,
    make_tokens,
)

# token -> (an enterprise whose hazards it may write, one whose hazards it may not)
SCOPES = {
    "gas-office": ("gas", "rail"),  # leads urban-gas, not railway-line
    "transport": ("rail", "gas"),  # jointly leads railway-line
    "qiaocheng": ("gas", "rail"),  # region: qiaocheng, not guoyang
    "guoyang": ("rail", "dust"),  # region: guoyang, not mengcheng
    "city": ("dust", None),  # the city contains every region
}


@pytest.fixture(scope="module")
def scoped(
    tmp_path_factory: pytest.TempPathFactory, project_root: Path
) -> Iterator[tuple[TestClient, Store, dict[str, str]]]:
    root = tmp_path_factory.mktemp("scoped-import")
    store = build_hazard_store(root / "data", project_root)
    secrets = make_tokens(root / "tokens.json")
    app = make_app(store, root / "data", root / "tokens.json")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, store, secrets


def _import(client: TestClient, secret: str, rows: list[dict[str, str]], fmt: str) -> object:
    if fmt == "csv":
        data, name, media = hazard_csv(rows), "h.csv", "text/csv"
    else:
        data, name, media = json.dumps(rows, ensure_ascii=False).encode(), "h.json", "text/json"
    return client.post(
        "/api/hazards/import", files={"file": (name, data, media)}, headers=auth(secret)
    )


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("who", list(SCOPES))
def test_a_scoped_token_imports_within_its_scope_and_nothing_outside(
    scoped: tuple[TestClient, Store, dict[str, str]], who: str, fmt: str
) -> None:
    client, store, secrets = scoped
    mine, other = SCOPES[who]
    inside = hazard_row(f"H-IMP-{who}-{fmt}-1", mine)
    if other is not None:
        outside = hazard_row(f"H-IMP-{who}-{fmt}-2", other)
        before = data_quads(store)
        refused = _import(client, secrets[who], [inside, outside], fmt)
        assert refused.status_code == 403, refused.text
        problem = refused.json()
        assert problem["type"].endswith("/write-forbidden")
        assert outside["hazard_id"] in problem["detail"]
        assert data_quads(store) == before, "a refused import wrote something"
        assert not load_hazards(store, [inside["hazard_id"], outside["hazard_id"]])
    accepted = _import(client, secrets[who], [inside], fmt)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["hazards_added"] == 1
    assert inside["hazard_id"] in load_hazards(store, [inside["hazard_id"]])


@pytest.mark.parametrize("who", list(SCOPES))
def test_a_scoped_token_creates_within_its_scope_and_nothing_outside(
    scoped: tuple[TestClient, Store, dict[str, str]], who: str
) -> None:
    client, store, secrets = scoped
    mine, other = SCOPES[who]
    if other is not None:
        outside = hazard_row(f"H-NEW-{who}-2", other)
        before = data_quads(store)
        refused = client.post("/api/hazards", json=outside, headers=auth(secrets[who]))
        assert refused.status_code == 403, refused.text
        assert outside["hazard_id"] in refused.json()["detail"]
        assert data_quads(store) == before
    inside = hazard_row(f"H-NEW-{who}-1", mine)
    created = client.post("/api/hazards", json=inside, headers=auth(secrets[who]))
    assert created.status_code == 201, created.text
    assert created.json()["hazards_added"] == 1
    assert inside["hazard_id"] in load_hazards(store, [inside["hazard_id"]])


def test_a_department_cannot_take_over_a_hazard_by_moving_it(
    scoped: tuple[TestClient, Store, dict[str, str]],
) -> None:
    """Re-importing another department's hazard with the sector changed to one's own:
    the stored record is checked too, so it is refused and nothing changes."""
    client, store, secrets = scoped
    before = data_quads(store)
    moved = hazard_row("H-SEC-RAIL", "rail", sector="urban-gas")
    response = _import(client, secrets["gas-office"], [moved], "csv")
    assert response.status_code == 403, response.text
    assert "H-SEC-RAIL" in response.json()["detail"]
    assert data_quads(store) == before
    stored = load_hazards(store, ["H-SEC-RAIL"])["H-SEC-RAIL"]
    assert stored.sector.endswith("/railway-line")


def _enterprise_only(enterprise: str, **cells: str) -> dict[str, str]:
    """A row with no hazard: it only registers or updates its enterprise."""
    row = hazard_row("", enterprise, **cells)
    return {k: (v if k in {"credit_code", "enterprise_name", "enterprise_sectors",
                           "enterprise_region"} else "") for k, v in row.items()}  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_enterprise_rows_are_scoped_too(
    scoped: tuple[TestClient, Store, dict[str, str]], fmt: str
) -> None:
    """The gas office may update a gas enterprise, not the railway logistics company, nor
    move that company into its own sector; Qiaocheng may not touch an enterprise of Guoyang."""
    client, store, secrets = scoped
    before = data_quads(store)
    for who, row in [
        ("gas-office", _enterprise_only("rail", enterprise_sectors="railway-line|urban-gas")),
        ("gas-office", _enterprise_only("rail", enterprise_sectors="urban-gas")),
        ("qiaocheng", _enterprise_only("rail", enterprise_sectors="railway-line|urban-gas")),
    ]:
        response = _import(client, secrets[who], [row], fmt)
        assert response.status_code == 403, (who, response.text)
        assert "enterprise" in response.json()["detail"], response.text
        assert data_quads(store) == before
    mine = _enterprise_only("gas", enterprise_sectors="urban-gas|fireworks")
    allowed = _import(client, secrets["gas-office"], [mine], fmt)
    assert allowed.status_code in (200, 201), allowed.text
    stored = load_enterprises(store, [mine["credit_code"]])[mine["credit_code"]]
    assert [s.rsplit("/", 1)[-1] for s in stored.sectors] == ["urban-gas", "fireworks"]
