"""api/routers/exports.py against its own OpenAPI schema (schemathesis): no 5xx, and every
status, content type and JSON body as the schema says, over the session's store.

Bounded: 25 generated requests per operation. Kept apart from tests/api/test_schemathesis.py
(which covers the REST resources) so each router's owner can read its own failures.
"""

from __future__ import annotations

from collections.abc import Iterator

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

from api.app import create_app
from api.deps import get_store
from safetykg.settings import Settings

app = create_app(Settings(data_dir="/nonexistent"))
schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(
    path_regex=r"^/api/(export|analysis)", method="GET"
)


@pytest.fixture(autouse=True, scope="module")
def serve_built_store(built_store: Store) -> Iterator[None]:
    app.dependency_overrides[get_store] = lambda: built_store
    yield
    app.dependency_overrides.clear()


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_exports_conform_to_their_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    )
