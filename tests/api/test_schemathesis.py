"""The REST API against its own OpenAPI schema (schemathesis): no 5xx, no response that the
schema does not describe, over the real app and the built store.

The schema is read from an app created at import (the OpenAPI document does not need a
store); the ``serve_built_store`` fixture then hands that app the session's store
(``dependency_overrides``).
Bounded: 10 generated requests per operation, read-only routes only (the write routes
need a token and a writable store; tests/api/test_hazards_api.py covers them).
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

OURS = (
    r"^/(api/(lookup|plans|actions|phases|deadlines|tasks|departments|sectors|regions|hazards"
    r"|enterprises|stats|goals|context\.jsonld)|id/)"
)

# no rate limit: a fast run sends more than its burst, and 429s are tested in tests/security
app = create_app(Settings(data_dir="/nonexistent", rate_limit=0))
schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex=OURS, method="GET")


@pytest.fixture(autouse=True, scope="module")
def serve_built_store(built_store: Store) -> Iterator[None]:
    app.dependency_overrides[get_store] = lambda: built_store
    yield
    app.dependency_overrides.clear()


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    )
