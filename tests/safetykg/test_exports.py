"""safetykg/__init__.py: the package's public names (imported on first use)."""

from __future__ import annotations

import subprocess
import sys

import safetykg


def test_every_public_name_resolves_to_what_its_module_defines() -> None:
    assert "__version__" in safetykg.__all__
    for name in set(safetykg.__all__) - {"__version__"}:
        value = getattr(safetykg, name)
        assert type(value).__name__ != "module", name  # not shadowed by a submodule
        assert value.__name__ == name, name


def test_unknown_names_are_attribute_errors() -> None:
    try:
        safetykg.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("safetykg.no_such_name resolved")


def test_importing_the_errors_does_not_load_the_store_or_rdflib() -> None:
    code = "import sys, safetykg.errors; print(sorted({'rdflib', 'pyoxigraph'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
