"""api/problems.py: every error is application/problem+json, in one shape."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import problems
from safetykg.errors import NotFound, ValidationFailed


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    problems.install(app)

    @app.get("/missing")
    def missing() -> None:
        raise NotFound("No task id/task/bozhou-2024/99 in the plan.")

    @app.post("/import")
    def import_rows() -> None:
        raise ValidationFailed(
            "2 rows failed validation; nothing was written.",
            [{"row": 3, "focus": "id:hazard/H-1", "path": "sk:discoveredOn", "message": "x"}],
        )

    @app.get("/typed")
    def typed(n: int) -> int:
        return n

    @app.get("/bug")
    def bug() -> None:
        raise RuntimeError("secret internals")

    return TestClient(app, raise_server_exceptions=False)


def test_our_errors_become_problems(client: TestClient) -> None:
    response = client.get("/missing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://w3id.org/safetykg/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "No task id/task/bozhou-2024/99 in the plan.",
        "instance": "/missing",
    }


def test_validation_failures_carry_their_rows(client: TestClient) -> None:
    problem = client.post("/import").json()
    assert problem["status"] == 422
    assert problem["errors"][0]["row"] == 3


def test_framework_errors_use_the_same_shape(client: TestClient) -> None:
    problem = client.get("/typed", params={"n": "three"}).json()
    assert problem["type"] == "https://w3id.org/safetykg/problems/bad-parameter"
    assert problem["status"] == 400 and "query.n" in problem["detail"]
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.json()["title"] == "Not Found"


def test_bugs_are_a_bare_500(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    response = client.get("/bug")
    assert response.status_code == 500
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "instance": "/bug",
    }
    assert "secret" not in response.text
    assert "secret internals" in caplog.text  # logged with its traceback
