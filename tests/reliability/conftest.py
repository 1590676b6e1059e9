"""Fixtures of the reliability suite: a freshly built, writable data directory per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from safetykg.store import build
from tests.helpers.project import extractor


@pytest.fixture(scope="session")
def built_template(tmp_path_factory: pytest.TempPathFactory, project_root: Path) -> Path:
    """One build, in N-Quads, that each test loads into a data directory of its own."""
    from safetykg.backup import dump

    data_dir = tmp_path_factory.mktemp("template")
    build(data_dir, project_root, extract=extractor(), progress=False)
    nquads = data_dir / "template.nq"
    dump(data_dir, nquads)
    return nquads


@pytest.fixture
def fresh_dir(tmp_path: Path, built_template: Path) -> Path:
    """A data directory with a current store made from the template (closed)."""
    from safetykg.backup import load

    target = tmp_path / "data"
    load(built_template, target)
    return target
