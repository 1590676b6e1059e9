"""safetykg/tokens.py and ``safetykg token …``: printed once, stored hashed, compared in
constant time, revocable while the service runs, never readable through SPARQL."""

from __future__ import annotations

import hmac
import json
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Store
from typer.testing import CliRunner

from api.app import create_app
from safetykg.access import Kind
from safetykg.audit import history
from safetykg.cli import app as cli
from safetykg.errors import BadParameter, NotFound
from safetykg.tokens import PREFIX, TokenFile, hash_token, resolve_scope
from tests.security.conftest import make_app
from tests.security.fixtures import DEPT, HAZARD, REGION, auth, data_quads


def test_file_holds_hashes_only_with_owner_only_permissions(tmp_path: Path) -> None:
    tokens = TokenFile(tmp_path / "t.json")
    secret = tokens.create("gas", Kind.DEPARTMENT, DEPT + "urban-management")
    raw = (tmp_path / "t.json").read_text()
    assert secret not in raw and secret[len(PREFIX) :] not in raw
    assert hash_token(secret) in raw
    assert stat.S_IMODE((tmp_path / "t.json").stat().st_mode) == 0o600
    assert len(secret) >= len(PREFIX) + 43  # 32 random bytes, base64url


def test_verify_compares_every_hash_in_constant_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = TokenFile(tmp_path / "t.json")
    secrets = [tokens.create(f"t{i}", Kind.ADMIN) for i in range(3)]
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    principal = tokens.verify(secrets[0])
    assert principal is not None and principal.name == "t0"
    assert len(calls) == 3  # no early exit at the match


def test_list_shows_no_secret_and_revoke_is_final(tmp_path: Path) -> None:
    tokens = TokenFile(tmp_path / "t.json")
    secret = tokens.create("qc", Kind.REGION, REGION + "qiaocheng")
    listed = [r.public() for r in tokens.list()]
    assert listed == [
        {
            "name": "qc",
            "kind": "region",
            "scope": REGION + "qiaocheng",
            "created": listed[0]["created"],
            "revoked": None,
        }
    ]
    first = tokens.revoke("qc").revoked
    assert first is not None and tokens.verify(secret) is None
    assert tokens.revoke("qc").revoked == first
    with pytest.raises(BadParameter, match="not reused"):
        tokens.create("qc", Kind.ADMIN)
    with pytest.raises(NotFound):
        tokens.revoke("nobody")


@pytest.mark.parametrize(
    ("name", "kind", "scope"),
    [
        ("Has Space", Kind.ADMIN, None),
        ("../x", Kind.ADMIN, None),
        ("x" * 65, Kind.ADMIN, None),
        ("dept", Kind.DEPARTMENT, None),
        ("dept", Kind.DEPARTMENT, REGION + "qiaocheng"),
        ("reg", Kind.REGION, DEPT + "transport"),
        ("adm", Kind.ADMIN, DEPT + "transport"),
    ],
)
def test_bad_tokens_are_refused(tmp_path: Path, name: str, kind: Kind, scope: str | None) -> None:
    with pytest.raises(BadParameter):
        TokenFile(tmp_path / "t.json").create(name, kind, scope)
    assert not (tmp_path / "t.json").exists()


def test_scope_is_resolved_against_the_store(hazard_store: Store) -> None:
    assert resolve_scope(Kind.DEPARTMENT, "transport", hazard_store) == DEPT + "transport"
    assert resolve_scope(Kind.DEPARTMENT, "bozhou/transport", hazard_store) == DEPT + "transport"
    assert resolve_scope(Kind.REGION, "谯城区", hazard_store) == REGION + "qiaocheng"
    assert resolve_scope(Kind.REGION, "qiaocheng", None) == REGION + "qiaocheng"
    with pytest.raises(BadParameter, match="No department"):
        resolve_scope(Kind.DEPARTMENT, "ministry-of-magic", hazard_store)
    with pytest.raises(BadParameter):
        resolve_scope(Kind.DEPARTMENT, "市教育局> <x", None)


def test_revoked_token_stops_working_in_a_running_service(
    hazard_store: Store, security_dir: Path, tmp_path: Path
) -> None:
    tokens_file = tmp_path / "tokens.json"
    secret = TokenFile(tokens_file).create("temp", Kind.DEPARTMENT, DEPT + "urban-management")
    app = make_app(hazard_store, security_dir / "data", tokens_file)
    request = {
        "url": "/api/hazards/H-SEC-GAS/transitions",
        "json": {"to": "closed", "actor": DEPT + "urban-management"},
        "headers": auth(secret),
    }
    with TestClient(app) as client:
        assert client.post(**request).status_code == 422  # through the scope check
        TokenFile(tokens_file).revoke("temp")  # another process, as the CLI would
        refused = client.post(**request)
    assert refused.status_code == 403
    assert "revoked" in refused.json()["detail"]


def test_the_store_and_sparql_never_see_a_secret_or_hash(
    client: TestClient, hazard_store: Store, tokens: dict[str, str]
) -> None:
    client.post(  # an audited write, so the audit graph has this token's name in it
        "/api/hazards/H-SEC-GAS/transitions",
        json={"to": "closed", "actor": DEPT + "urban-management"},
        headers=auth(tokens["gas-office"]),
    )
    needles = {s for secret in tokens.values() for s in (secret, hash_token(secret))}
    dumped = hazard_store.dump(format=__import__("pyoxigraph").RdfFormat.N_QUADS).decode()
    assert not any(n in dumped for n in needles)
    response = client.get(
        "/sparql",
        params={"query": "SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isLiteral(?o)) }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    assert not any(n in response.text for n in needles)
    assert "gas-office" in response.text  # the name is there, for the audit trail


# --------------------------------------------------------------------------- the CLI


def test_cli_create_list_revoke(hazard_store: Store, tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "cli-tokens.json"
    common = ["--tokens-file", str(path), "--data-dir", str(tmp_path / "nowhere")]
    made = runner.invoke(
        cli, ["token", "create", "--name", "roads", "--region", "guoyang", *common]
    )
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[0]
    assert secret.startswith(PREFIX)
    assert "shown only this once" in made.stderr
    assert "not checked against the store" in made.stderr  # no store in --data-dir
    listed = runner.invoke(cli, ["token", "list", "--json", *common])
    assert json.loads(listed.stdout)[0]["scope"] == REGION + "guoyang"
    assert secret not in listed.stdout and hash_token(secret) not in listed.stdout
    assert runner.invoke(cli, ["token", "revoke", "roads", *common]).exit_code == 0
    assert TokenFile(path).verify(secret) is None
    both = runner.invoke(
        cli, ["token", "create", "--name", "x", "--admin", "--region", "guoyang", *common]
    )
    assert both.exit_code == 2 and "exactly one" in both.stderr
    again = runner.invoke(cli, ["token", "create", "--name", "roads", "--admin", *common])
    assert again.exit_code == 1 and "not reused" in again.stderr


def test_env_write_token_is_admin_and_audited(hazard_store: Store, security_dir: Path) -> None:
    from safetykg.settings import Settings

    app = make_app(hazard_store, security_dir / "data", security_dir / "none.json")
    app.state.settings = Settings(
        data_dir=security_dir / "data", write_token="env-secret", rate_limit=0
    )
    before = data_quads(hazard_store)
    with TestClient(app) as client:
        response = client.post(
            "/api/hazards/H-SEC-DUST/transitions",
            json={"to": "closed", "actor": DEPT + "emergency-management"},
            headers=auth("env-secret"),
        )
    assert response.status_code == 422  # admin passes scope; the lifecycle refuses the jump
    assert data_quads(hazard_store) == before


def test_unreadable_token_file_fails_closed_without_leaking_its_path(
    hazard_store: Store, security_dir: Path, tmp_path: Path
) -> None:
    tokens_file = tmp_path / "tokens.json"
    tokens_file.write_text("{not json")
    app = make_app(hazard_store, security_dir / "data", tokens_file)
    with TestClient(app) as client:
        response = client.post(
            "/api/hazards/H-SEC-GAS/transitions",
            json={"to": "closed", "actor": DEPT + "urban-management"},
            headers=auth("skg_whatever"),
        )
    assert response.status_code == 403
    assert "unreadable" in response.json()["detail"]
    assert str(tmp_path) not in response.text


# --------------------------------------------------------------------------- writes switched on


def test_a_token_file_switches_writes_on(tmp_path: Path) -> None:
    from safetykg.settings import Settings

    settings = Settings(data_dir=tmp_path)
    assert settings.tokens_path == tmp_path / "tokens.json"
    assert not settings.writes_enabled  # no file: read-only
    TokenFile(settings.tokens_path).create("ops", Kind.ADMIN)
    assert settings.writes_enabled
    TokenFile(settings.tokens_path).revoke("ops")
    assert settings.writes_enabled  # a token may be made again while the service runs


@pytest.mark.parametrize(
    ("content", "enabled"),
    [
        ('{"format": 1, "tokens": []}', False),  # made, then emptied by hand
        ("{not json", True),  # unreadable: the service refuses writes, but opens read-write
    ],
)
def test_a_token_file_counts_only_when_it_may_hold_a_token(
    tmp_path: Path, content: str, enabled: bool
) -> None:
    from safetykg.settings import Settings

    path = tmp_path / "elsewhere" / "t.json"
    path.parent.mkdir()
    path.write_text(content)
    assert Settings(data_dir=tmp_path, tokens_file=path).writes_enabled is enabled
    assert not Settings(data_dir=tmp_path).writes_enabled  # the default file does not exist


def test_service_with_only_file_tokens_opens_the_store_read_write(
    tmp_path: Path, project_root: Path
) -> None:
    """`safetykg token create`, then `safetykg serve` (no SAFETYKG_WRITE_TOKEN): a token write
    succeeds. Before, the store was opened read-only and the write failed."""
    from safetykg.settings import Settings
    from safetykg.tokens import default_path
    from tests.security.fixtures import build_hazard_store

    data_dir = tmp_path / "data"
    store = build_hazard_store(data_dir, project_root)
    del store  # closed: the app opens it itself, as `safetykg serve` does
    secret = TokenFile(default_path(data_dir)).create(
        "gas", Kind.DEPARTMENT, DEPT + "urban-management"
    )
    app = create_app(Settings(data_dir=data_dir, rate_limit=0))
    with TestClient(app) as client:
        response = client.post(
            "/api/hazards/H-SEC-GAS/transitions",
            json={"to": "rectifying", "actor": DEPT + "urban-management"},
            headers=auth(secret),
        )
        assert response.status_code == 201, response.text
        [entry] = history(app.state.store, hazard=f"{HAZARD}H-SEC-GAS")
    assert (entry["agent"], entry["outcome"]) == ("gas", "succeeded")


def test_workers_are_limited_when_file_tokens_switch_writes_on(tmp_path: Path) -> None:
    from safetykg.errors import SafetyKGError
    from safetykg.serving import check_workers
    from safetykg.settings import Settings

    check_workers(Settings(data_dir=tmp_path), 4)  # read-only: any number
    TokenFile(tmp_path / "tokens.json").create("ops", Kind.ADMIN)
    with pytest.raises(SafetyKGError, match="one writing process"):
        check_workers(Settings(data_dir=tmp_path), 4)
