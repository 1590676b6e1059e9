"""safetykg/access.py and the scope checks of api/deps.py: who may change which hazard.

Every (hazard, principal, action) combination is checked in the library, and every
(hazard, principal) pair over HTTP; the expected answers are written out by hand in
:data:`tests.security.fixtures.ALLOWED`, not computed by the code under test.
"""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store

from api.deps import ScopedWriterDep
from safetykg.access import (
    Action,
    Kind,
    Principal,
    actor_for,
    authorise,
    check_actor,
    record_guard,
)
from safetykg.errors import NotFound, WriteForbidden
from safetykg.registry.records import HazardRecord
from tests.security.fixtures import (
    ALLOWED,
    DEPT,
    HAZARD,
    PRINCIPALS,
    REGION,
    auth,
    data_quads,
    hazard_csv,
    hazard_row,
)

CASES = list(itertools.product(sorted(ALLOWED), sorted(PRINCIPALS)))
ACTIONS = [Action.REVIEW, Action.CLOSE, Action.ESCALATE]


def principal(name: str) -> Principal:
    kind, scope = PRINCIPALS[name]
    return Principal(name, kind, scope)


@pytest.mark.parametrize("action", ACTIONS, ids=str)
@pytest.mark.parametrize(("hazard", "who"), CASES, ids=[f"{h}-{p}" for h, p in CASES])
def test_scope_of_each_principal(
    hazard_store: Store, hazard: str, who: str, action: Action
) -> None:
    if who in ALLOWED[hazard]:
        authorise(principal(who), action, HAZARD + hazard, hazard_store)
        return
    with pytest.raises(WriteForbidden) as refused:
        authorise(principal(who), action, HAZARD + hazard, hazard_store)
    detail = refused.value.detail
    assert who in detail and hazard in detail and str(action) in detail
    kind = PRINCIPALS[who][0]
    assert ("does not lead" in detail) if kind is Kind.DEPARTMENT else ("outside" in detail)


def test_joint_leadership_lets_either_department_close(hazard_store: Store) -> None:
    for who in ("transport", "police"):
        authorise(principal(who), Action.CLOSE, HAZARD + "H-SEC-RAIL", hazard_store)


def test_unled_sector_is_for_governments_only(hazard_store: Store) -> None:
    with pytest.raises(WriteForbidden, match="dust-explosion|粉尘"):
        authorise(principal("gas-office"), Action.CLOSE, HAZARD + "H-SEC-DUST", hazard_store)
    authorise(principal("city"), Action.CLOSE, HAZARD + "H-SEC-DUST", hazard_store)


def test_unknown_hazard_is_not_found_for_scoped_tokens(hazard_store: Store) -> None:
    with pytest.raises(NotFound):
        authorise(principal("gas-office"), Action.CLOSE, HAZARD + "H-NOPE", hazard_store)
    with pytest.raises(NotFound):
        authorise(principal("city"), Action.CLOSE, "https://example.org/x> <y", hazard_store)


def test_admin_needs_no_lookup() -> None:
    authorise(principal("ops"), Action.CLOSE, HAZARD + "H-ANY", Store())


def test_principals_validate_their_scope() -> None:
    with pytest.raises(ValueError):
        Principal("x", Kind.REGION, DEPT + "transport")
    with pytest.raises(ValueError):
        Principal("x", Kind.DEPARTMENT, DEPT + "a> <b")
    with pytest.raises(ValueError):
        Principal("Bad Name", Kind.ADMIN)
    with pytest.raises(ValueError):
        Principal("x", Kind.ADMIN, DEPT + "transport")


def test_actor_is_the_department_or_the_regions_government(hazard_store: Store) -> None:
    assert actor_for(principal("gas-office"), hazard_store) == DEPT + "urban-management"
    gov = actor_for(principal("qiaocheng"), hazard_store)
    assert gov is not None and gov.endswith("qiaocheng/government")
    assert actor_for(principal("ops"), hazard_store) is None
    with pytest.raises(WriteForbidden, match="acts as"):
        check_actor(principal("gas-office"), DEPT + "transport", hazard_store)
    assert check_actor(principal("ops"), DEPT + "transport", hazard_store) == DEPT + "transport"
    assert check_actor(principal("transport"), None, hazard_store) == DEPT + "transport"


def _record(hazard_id: str, sector: str, region: str) -> HazardRecord:
    import datetime as dt

    from safetykg.registry.vocabulary import Channel, Status

    return HazardRecord(
        id=hazard_id,
        description="x",
        enterprise="91341602MA2T00010X",
        sector=f"https://w3id.org/safetykg/id/sector/{sector}",
        region=REGION + region,
        major=False,
        discovered_on=dt.date(2025, 3, 1),
        channel=Channel.INSPECTION,
        deadline=dt.date(2025, 4, 30),
        status=Status.REPORTED,
    )


def test_record_guard_checks_new_and_old_state(hazard_store: Store) -> None:
    guard = record_guard(principal("gas-office"), hazard_store)
    gas = _record("H-NEW-1", "urban-gas", "lixin")
    guard(gas)
    with pytest.raises(WriteForbidden, match="H-NEW-2"):
        guard(_record("H-NEW-2", "fireworks", "lixin"))
    with pytest.raises(WriteForbidden):  # moving another department's hazard into gas
        guard(gas, _record("H-NEW-1", "fireworks", "lixin"))
    region_guard = record_guard(principal("qiaocheng"), hazard_store)
    region_guard(_record("H-NEW-3", "fireworks", "qiaocheng"))
    with pytest.raises(WriteForbidden, match="outside"):
        region_guard(_record("H-NEW-4", "fireworks", "lixin"))


# --------------------------------------------------------------------------- over HTTP


@pytest.mark.parametrize(("hazard", "who"), CASES, ids=[f"{h}-{p}" for h, p in CASES])
def test_transition_route_enforces_scope(
    client: TestClient, hazard_store: Store, tokens: dict[str, str], hazard: str, who: str
) -> None:
    """A skipped step (reported → closed) is what the lifecycle refuses: so a 422 shows the
    scope check let the request through, a 403 that it did not; neither writes."""
    before = data_quads(hazard_store)
    actor = actor_for(principal(who), hazard_store) or DEPT + "urban-management"
    response = client.post(
        f"/api/hazards/{hazard}/transitions",
        json={"to": "closed", "actor": actor},
        headers=auth(tokens[who]),
    )
    body = response.json()
    if who in ALLOWED[hazard]:
        assert response.status_code == 422, body
        assert body["type"].endswith("/validation-failed")
    else:
        assert response.status_code == 403, body
        assert body["type"].endswith("/write-forbidden")
        assert hazard in body["detail"] and who in body["detail"]
    assert data_quads(hazard_store) == before


def test_department_cannot_act_as_another(
    client: TestClient, hazard_store: Store, tokens: dict[str, str]
) -> None:
    before = data_quads(hazard_store)
    response = client.post(
        "/api/hazards/H-SEC-RAIL/transitions",
        json={"to": "rectifying", "actor": DEPT + "public-security"},
        headers=auth(tokens["transport"]),
    )
    assert response.status_code == 403
    assert "acts as" in response.json()["detail"]
    assert data_quads(hazard_store) == before


@pytest.mark.parametrize("who", ["gas-office", "qiaocheng"])
def test_scoped_tokens_cannot_create_or_import_outside_their_scope(
    client: TestClient, hazard_store: Store, tokens: dict[str, str], who: str
) -> None:
    """A railway hazard in Guoyang is neither the gas office's sector nor Qiaocheng's region:
    create and import are refused, naming the record, and nothing is written.
    (tests/security/test_scoped_import.py has the records inside the scope.)"""
    before = data_quads(hazard_store)
    row = hazard_row("H-SEC-NEW", "rail")
    assert "H-SEC-NEW" not in ALLOWED and who not in ALLOWED["H-SEC-RAIL"]
    created = client.post("/api/hazards", json=row, headers=auth(tokens[who]))
    imported = client.post(
        "/api/hazards/import",
        files={"file": ("h.csv", hazard_csv([row]), "text/csv")},
        headers=auth(tokens[who]),
    )
    for response in (created, imported):
        assert response.status_code == 403, response.text
        assert "H-SEC-NEW" in response.json()["detail"]
    assert data_quads(hazard_store) == before


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, "Authorization: Bearer"),
        ({"Authorization": "Bearer skg_not-a-token"}, "not a valid write token"),
        ({"Authorization": "Basic b3BzOm9wcw=="}, "Authorization: Bearer"),
        ({"Authorization": "Bearer"}, "Authorization: Bearer"),
    ],
)
def test_unauthenticated_writes_are_refused(
    client: TestClient, hazard_store: Store, headers: dict[str, str], fragment: str
) -> None:
    before = data_quads(hazard_store)
    response = client.post(
        "/api/hazards/H-SEC-GAS/transitions",
        json={"to": "rectifying", "actor": DEPT + "urban-management"},
        headers=headers,
    )
    assert response.status_code == 403
    assert fragment in response.json()["detail"]
    assert data_quads(hazard_store) == before


def test_scoped_writer_lets_a_route_check_each_record(
    hazard_store: Store,
    security_dir,
    tokens: dict[str, str],  # type: ignore[no-untyped-def]
) -> None:
    """The contract for import routes: with ScopedWriterDep, scoped tokens get in, and the
    route's per-record check (Writer.guard, which the import calls for each hazard) decides."""
    from types import SimpleNamespace

    from tests.security.conftest import make_app

    app = make_app(hazard_store, security_dir / "data", security_dir / "tokens.json")

    @app.post("/test/scoped-import")
    def scoped_import(records: list[dict[str, str]], writer: ScopedWriterDep) -> dict[str, int]:
        guard = writer.guard()
        for r in records:
            guard(SimpleNamespace(id=r["id"], sector=r["sector"], region=REGION + r["region"]))
        return {"checked": len(records)}

    gas = {"id": "H-NEW-GAS", "sector": "https://w3id.org/safetykg/id/sector/urban-gas"}
    fireworks = {"id": "H-NEW-FW", "sector": "https://w3id.org/safetykg/id/sector/fireworks"}
    with TestClient(app) as client:

        def post(who: str, *records: dict[str, str]) -> int:
            body = [{**r, "region": "lixin"} for r in records]
            response = client.post("/test/scoped-import", json=body, headers=auth(tokens[who]))
            assert response.status_code in (200, 403), response.text
            return response.status_code

        assert post("gas-office", gas) == 200
        assert post("gas-office", gas, fireworks) == 403
        assert post("qiaocheng", gas) == 403  # lixin is not in qiaocheng
        assert post("city", gas, fireworks) == 200  # lixin is in bozhou
        assert post("ops", fireworks) == 200
