"""Front-end libraries: installed from npm at set-up time (``npm ci``), never committed.

Pages load nothing from the internet; every library file they use is served
from ``node_modules`` by the route that needs it, through :func:`npm_file`.
"""

from __future__ import annotations

from pathlib import Path

from safetykg.errors import NotFound

REPO_ROOT = Path(__file__).resolve().parents[1]


def npm_file(project_root: Path, path: str) -> Path:
    """The file ``path`` (``package/dir/file``) in the project's ``node_modules``.

    Raises :class:`NotFound` naming the set-up step when the package is missing.
    """
    for root in (Path(project_root), REPO_ROOT):
        candidate = root / "node_modules" / path
        if candidate.is_file():
            return candidate
    raise NotFound(f"{path} is not installed; run `npm ci` (make npm-deps) in the repository.")
