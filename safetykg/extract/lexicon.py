"""The curated lexicon: sector and department names, their aliases and English labels.

The plan text names sectors and departments in many ways (``危化品`` and
``危险化学品``; ``城管局``, ``市城市管理局`` and ``城市管理``). The extractor
finds names by the genre's grammar; the lexicon only says which names mean the
same thing and how to say them in English. It holds no facts about any plan:
who leads what is read from the text.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Entry:
    slug: str
    zh: str
    en: str
    aliases: tuple[str, ...] = field(default=())


def _read(name: str) -> list[Entry]:
    text = resources.files(__package__).joinpath("lexicon", name).read_text(encoding="utf-8")
    rows = csv.reader((line for line in text.splitlines() if line and not line.startswith("#")),
                      delimiter="\t")
    return [Entry(slug, zh, en, tuple(a for a in aliases.split("|") if a))
            for slug, zh, en, aliases in rows]


@cache
def sectors() -> tuple[Entry, ...]:
    return tuple(_read("sectors.tsv"))


@cache
def departments() -> tuple[Entry, ...]:
    return tuple(_read("departments.tsv"))


def _index(entries: tuple[Entry, ...]) -> dict[str, Entry]:
    index: dict[str, Entry] = {}
    for e in entries:
        for name in (e.zh, e.en, *e.aliases):
            index.setdefault(name.lower(), e)
    return index


@cache
def _sector_index() -> dict[str, Entry]:
    return _index(sectors())


@cache
def _department_index() -> dict[str, Entry]:
    return _index(departments())


def find_sector(name: str) -> Entry | None:
    """The sector a name means, trying it with and without the suffix ``安全``.

    >>> find_sector("危险化学品").slug
    'hazardous-chemicals'
    >>> find_sector("体育场馆和设施安全").zh
    '体育场馆和设施'
    """
    name = name.strip()
    index = _sector_index()
    for candidate in (name, name.removesuffix("安全"), name.removesuffix("等")):
        if candidate.lower() in index:
            return index[candidate.lower()]
    return None


def find_department(core: str) -> Entry | None:
    """The department a name means once its jurisdiction prefix is removed.

    >>> find_department("城管局").slug
    'urban-management'
    """
    return _department_index().get(core.strip().lower())


def fallback_slug(zh: str) -> str:
    """A stable key for a name the lexicon does not know."""
    return "x-" + hashlib.sha1(zh.encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True)
class Concept:
    """An ontology individual (escalation measure, channel, rule) and how plans name it."""

    name: str  # sk: local name
    pattern: re.Pattern[str]
    zh: str
    en: str


@cache
def concepts() -> tuple[Concept, ...]:
    text = resources.files(__package__).joinpath("lexicon", "concepts.tsv").read_text("utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return tuple(Concept(name, re.compile(pattern), zh, en) for name, pattern, zh, en in rows)
