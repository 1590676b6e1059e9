"""safetykg: a knowledge graph of work-safety plans, with the tools to build and query it.

The public names below are what the CLI, the API and other programs use; the
modules they come from say what each one owns. They are imported on first use,
so that ``import safetykg.errors`` (as every command and worker does) does not
pay for rdflib, owlready2 and the store. (``check`` is not among them: a lazy name
would be shadowed by the submodule of that name; use ``safetykg.check.check``.)
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("safetykg")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0.0.0"

_ERRORS = (
    "BadParameter NotFound QueryError QuerySyntaxError QueryTimeout SafetyKGError "
    "StoreUnavailable UnknownQuery ValidationFailed WriteForbidden"
)
_PUBLIC: dict[str, str] = {
    **dict.fromkeys(_ERRORS.split(), "safetykg.errors"),
    "materialise": "safetykg.reason",
    "Settings": "safetykg.settings",
    **dict.fromkeys(
        ("BuildReport", "build", "graph_sizes", "open_store", "query", "rdflib_graph"),
        "safetykg.store",
    ),
}

__all__ = sorted([*_PUBLIC, "__version__"])


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'safetykg' has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name]), name)
