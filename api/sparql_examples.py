"""Example queries for the query page, read from ``queries/*.rq``.

Each file's header comment gives its title (``# title: …``) and, when present,
its question in English and Chinese (``# en: …``, ``# zh: …``). The page shows
them as examples and opens one in a new tab when clicked. This is only the
page's view of the folder; the query library itself (parsing, parameters,
running) belongs to :mod:`safetykg.queries`.

Queries may use our prefixes without declaring them (the endpoint predeclares
them); for the editor, whose syntax check does not know that, the missing
``PREFIX`` lines are put in front.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from safetykg.namespaces import PREFIXES

__all__ = ["Example", "load_examples"]

_HEADER = re.compile(r"^#\s*(?P<key>[A-Za-z-]+)\s*:\s*(?P<value>.*?)\s*$")


@dataclass(frozen=True)
class Example:
    """One example as the page gets it."""

    name: str
    title: str
    query: str
    en: str | None = None
    zh: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def load_examples(folder: Path) -> list[Example]:
    """The examples in ``folder``, by file name; an absent folder has none.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "tasks.rq").write_text("# title: All tasks\\n# en: Which tasks?\\n"
    ...                                 "SELECT ?t { ?t a sk:Task }\\n", encoding="utf-8")
    >>> [(e.name, e.title, e.en) for e in load_examples(d)]
    [('tasks', 'All tasks', 'Which tasks?')]
    >>> load_examples(d)[0].query.splitlines()[2]
    'PREFIX sk: <https://w3id.org/safetykg/ontology#>'
    """
    if not folder.is_dir():
        return []
    return [_read(path) for path in sorted(folder.glob("*.rq"))]


def _read(path: Path) -> Example:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = _HEADER.match(line)
        if match:
            header.setdefault(match["key"].lower(), match["value"])
    return Example(
        name=path.stem,
        title=header.get("title") or path.stem,
        query=_with_prefixes(text),
        en=header.get("en"),
        zh=header.get("zh"),
    )


def _with_prefixes(text: str) -> str:
    """Declare the prefixes of ours that ``text`` uses but does not declare."""
    missing = [
        f"PREFIX {prefix}: <{iri}>\n"
        for prefix, iri in PREFIXES.items()
        if re.search(rf"(?<![\w-]){re.escape(prefix)}:", text)
        and not re.search(rf"PREFIX\s+{re.escape(prefix)}:", text, re.IGNORECASE)
    ]
    lines = text.splitlines(keepends=True)
    head = 0
    while head < len(lines) and (lines[head].startswith("#") or not lines[head].strip()):
        head += 1
    return "".join(lines[:head] + missing + lines[head:])
