"""safetykg/__init__.py: ``__all__`` lists exactly the public names it defines."""

from __future__ import annotations

import safetykg


def test_all_is_honest() -> None:
    public = {n for n in vars(safetykg) if not n.startswith("_") and n not in {"annotations"}}
    modules = {n for n in public if type(getattr(safetykg, n)).__name__ == "module"}
    assert set(safetykg.__all__) - {"__version__"} == public - modules - {
        "version",
        "PackageNotFoundError",
    }
    assert all(hasattr(safetykg, n) for n in safetykg.__all__)
