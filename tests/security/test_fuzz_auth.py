"""schemathesis over the whole OpenAPI schema — reads and writes — without a token and with
an admin token: no 5xx, no response the schema does not describe, and no write accepted
without a token. (tests/api/test_schemathesis.py covers the read routes in depth.)

The app here serves a store of its own (built once for the module), so generated writes
that happen to be valid land somewhere harmless. Bounded: a few examples per operation by
default, more under ``slow``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pyoxigraph import Store
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import CoveragePhaseConfig, PhasesConfig

from api.app import create_app
from api.deps import get_settings, get_store
from safetykg.settings import Settings
from tests.security.fixtures import build_hazard_store, make_tokens

EXAMPLES = int(os.environ.get("SAFETYKG_FUZZ_EXAMPLES", "4"))
WRITES = {"POST", "PUT", "PATCH", "DELETE"}

app = create_app(Settings(data_dir="/nonexistent", rate_limit=0))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
if os.environ.get("SAFETYKG_FUZZ_COVERAGE") != "1":  # the coverage phase: thousands of cases
    schema.config.phases = PhasesConfig(coverage=CoveragePhaseConfig(enabled=False))
state: dict[str, str] = {}


@pytest.fixture(autouse=True, scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory, project_root: Path) -> Iterator[Store]:
    root = tmp_path_factory.mktemp("fuzz")
    store = build_hazard_store(root / "data", project_root)
    secrets = make_tokens(root / "tokens.json")
    state["admin"] = secrets["ops"]
    fuzz_settings = Settings(data_dir=root / "data", tokens_file=root / "tokens.json", rate_limit=0)
    app.state.settings = fuzz_settings
    app.dependency_overrides[get_store] = lambda: store
    app.dependency_overrides[get_settings] = lambda: fuzz_settings
    yield store
    app.dependency_overrides.clear()


def _is_write(case: schemathesis.Case) -> bool:
    return case.method.upper() in WRITES and case.path != "/sparql"


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_without_a_token(case: schemathesis.Case) -> None:
    response = case.call_and_validate(
        checks=[not_a_server_error, content_type_conformance, response_schema_conformance]
    )
    if _is_write(case):
        assert response.status_code >= 400, (case.method, case.path, response.status_code)
        assert response.status_code != 413 or case.body is not None


@schema.include(method=["POST"]).parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_with_an_admin_token(case: schemathesis.Case) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {state['admin']}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )


def test_write_operations_declare_the_bearer_scheme() -> None:
    document = app.openapi()
    assert document["components"]["securitySchemes"]["writeToken"]["scheme"] == "bearer"
    writes = [
        (path, method)
        for path, ops in document["paths"].items()
        for method in ops
        if method.upper() in WRITES and path != "/sparql"
    ]
    assert writes, "no write operations in the schema"
    for path, method in writes:
        assert {"writeToken": []} in document["paths"][path][method].get("security", []), path
