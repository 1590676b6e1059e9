"""Session-wide fixtures: one store built from the repository, shared read-only.

``built_store`` is built once per session (extraction, loading and reasoning
take seconds) into a temporary ``data_dir`` from a temporary copy of the
repository (see ``tests/helpers/project.py``), and opened read-only. Tests
that write must build or create their own store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Store

from safetykg.store import BuildReport, build, open_store
from tests.helpers.project import extractor, make_project


@pytest.fixture(scope="session")
def project_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary copy of the repository's ontology/ and graph_data/."""
    return make_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="session")
def build_report(tmp_path_factory: pytest.TempPathFactory, project_root: Path) -> BuildReport:
    """The report of the one session build (into ``data_dir``)."""
    data_dir = tmp_path_factory.mktemp("data")
    return build(data_dir, project_root, extract=extractor(), progress=False)


@pytest.fixture(scope="session")
def data_dir(build_report: BuildReport) -> Path:
    """The data directory holding the session's built store."""
    return build_report.store_path.parent


@pytest.fixture(scope="session")
def built_store(data_dir: Path) -> Iterator[Store]:
    """The session's store, opened read-only (do not write to it)."""
    store = open_store(data_dir, read_only=True)
    yield store
    del store
