"""safetykg: a knowledge graph of work-safety plans, with the tools to build and query it.

The public names below are what the CLI, the API and other programs use; the
modules they come from say what each one owns.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from safetykg.check import CheckReport, check
from safetykg.errors import (
    BadParameter,
    NotFound,
    QueryError,
    QuerySyntaxError,
    QueryTimeout,
    SafetyKGError,
    StoreUnavailable,
    UnknownQuery,
    ValidationFailed,
    WriteForbidden,
)
from safetykg.reason import materialise
from safetykg.settings import Settings
from safetykg.store import BuildReport, build, graph_sizes, open_store, query, rdflib_graph

try:
    __version__ = version("safetykg")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0.0.0"

__all__ = [
    "BadParameter",
    "BuildReport",
    "CheckReport",
    "NotFound",
    "QueryError",
    "QuerySyntaxError",
    "QueryTimeout",
    "SafetyKGError",
    "Settings",
    "StoreUnavailable",
    "UnknownQuery",
    "ValidationFailed",
    "WriteForbidden",
    "__version__",
    "build",
    "check",
    "graph_sizes",
    "materialise",
    "open_store",
    "query",
    "rdflib_graph",
]
