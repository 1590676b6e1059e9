"""What the registry needs to know from the rest of the graph: sectors, regions, departments.

A hazard record names its sector, region and departments by an id, an IRI or
a name in either language; the registry needs to turn those into IRIs, to
know which departments lead a sector (jointly or not), which sectors are
high-risk, which government governs a region and which regions contain it.
All of that is in the store already (the plan graph and ``graph/reference``),
so :meth:`Reference.load` reads it once per import or request in a few
queries and answers from memory after that.

It owns name resolution (:meth:`Reference.resolve`) and the responsibility
rules the registry applies:

* **sector responsibility** — the lead departments of the sector
  (``sk:leadDepartment``, several when the lead is joint);
* **fallback** — a sector the lead table does not list falls under the
  三管三必须 rule (``sk:ThreeManagesThreeMusts``): the department that manages
  the industry is responsible, and since the plan does not say which one that
  is, the registry holds the **government of the hazard's region** (属地)
  responsible for it, records it as the responsible department, and accepts
  its review for closing;
* **who may close** — a lead department of the hazard's sector, or the
  government of the hazard's region or of a region containing it.

It does not read enterprises or hazards (that is :mod:`~safetykg.registry.ingest`
and :mod:`~safetykg.registry.answers`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Store

from safetykg.namespaces import ID, SK
from safetykg.store import query

__all__ = ["Department", "Reference", "Region", "Sector", "normalise"]

_ID = str(ID)
_SK = str(SK)

_SECTORS = """
SELECT ?s ?label ?alt ?lead ?hr WHERE {
  { ?s a sk:Sector } UNION { ?s a sk:HighRiskSector }
  OPTIONAL { ?s rdfs:label ?label }
  OPTIONAL { ?s skos:altLabel ?alt }
  OPTIONAL { ?s sk:leadDepartment ?lead }
  BIND(EXISTS { ?s a sk:HighRiskSector } AS ?hr)
}"""

_REGIONS = """
SELECT ?r ?label ?alt ?gov ?parent ?code WHERE {
  VALUES ?type { sk:Region sk:City sk:County sk:District sk:Park }  # bound: no scan of every type
  ?r a ?type .
  OPTIONAL { ?r rdfs:label ?label }
  OPTIONAL { ?r skos:altLabel ?alt }
  OPTIONAL { ?r sk:government ?gov }
  OPTIONAL { ?r sk:partOfRegion ?parent }
  OPTIONAL { ?r dcterms:identifier ?code }
}"""

_DEPARTMENTS = """
SELECT ?d ?label ?alt ?gov WHERE {
  { ?d a sk:Department } UNION { ?d a sk:LocalGovernment }
  OPTIONAL { ?d rdfs:label ?label }
  OPTIONAL { ?d skos:altLabel ?alt }
  BIND(EXISTS { ?d a sk:LocalGovernment } AS ?gov)
}"""


def normalise(text: str) -> str:
    """The form names are compared in: NFKC (full-width → half-width), no spaces, lower case.

    >>> normalise(" 城镇 燃气 "), normalise("Ｕｒｂａｎ Gas")
    ('城镇燃气', 'urbangas')
    """
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


@dataclass
class _Named:
    iri: str
    zh: str | None = None
    en: str | None = None
    alt: set[str] = field(default_factory=set)

    @property
    def slug(self) -> str:
        """The IRI after ``id/<kind>/``."""
        return self.iri.removeprefix(_ID).split("/", 1)[-1]

    def names(self) -> set[str]:
        return {n for n in (self.zh, self.en, *self.alt) if n}


@dataclass
class Sector(_Named):
    leads: list[str] = field(default_factory=list)
    high_risk: bool = False


@dataclass
class Region(_Named):
    government: str | None = None
    parent: str | None = None
    code: str | None = None


@dataclass
class Department(_Named):
    is_government: bool = False


def _literal(term: object) -> tuple[str, str | None] | None:
    if isinstance(term, Literal):
        return term.value, term.language
    return None


def _label(item: _Named, term: object) -> None:
    lit = _literal(term)
    if lit is None:
        return
    value, lang = lit
    if lang and lang.startswith("zh") and not item.zh:
        item.zh = value
    elif lang and lang.startswith("en") and not item.en:
        item.en = value
    else:
        item.alt.add(value)


class Reference:
    """Sectors, regions and departments by IRI, with a name index for each kind."""

    def __init__(
        self,
        sectors: Iterable[Sector] = (),
        regions: Iterable[Region] = (),
        departments: Iterable[Department] = (),
    ) -> None:
        self.sectors = {s.iri: s for s in sectors}
        self.regions = {r.iri: r for r in regions}
        self.departments = {d.iri: d for d in departments}
        self._index = {
            "sector": self._build_index(self.sectors.values()),
            "region": self._build_index(self.regions.values()),
            "department": self._build_index(self.departments.values()),
        }

    @staticmethod
    def _build_index(items: Iterable[_Named]) -> dict[str, set[str]]:
        index: dict[str, set[str]] = {}
        for item in items:
            keys = {item.iri, item.slug, item.slug.rsplit("/", 1)[-1], *item.names()}
            if item.zh:  # 亳州市应急管理局 is also written 市应急管理局 / 应急管理局
                for prefix in ("亳州市", "亳州"):
                    if item.zh.startswith(prefix) and len(item.zh) > len(prefix) + 1:
                        keys.add(item.zh[len(prefix) :])
                        keys.add("市" + item.zh[len(prefix) :])
            for key in keys:
                index.setdefault(normalise(key), set()).add(item.iri)
        return index

    @classmethod
    def load(cls, store: Store) -> Reference:
        """Read sectors, regions and departments from every graph of ``store``."""
        from safetykg.namespaces import PREFIXES

        sectors: dict[str, Sector] = {}
        for row in query(store, _SECTORS, prefixes=PREFIXES):
            iri = row["s"].value
            sector = sectors.setdefault(iri, Sector(iri))
            _label(sector, row["label"])
            if isinstance(row["alt"], Literal):
                sector.alt.add(row["alt"].value)
            lead = row["lead"]
            if isinstance(lead, NamedNode) and lead.value not in sector.leads:
                sector.leads.append(lead.value)
            if row["hr"] is not None and row["hr"].value == "true":
                sector.high_risk = True
        regions: dict[str, Region] = {}
        for row in query(store, _REGIONS, prefixes=PREFIXES):
            iri = row["r"].value
            region = regions.setdefault(iri, Region(iri))
            _label(region, row["label"])
            if isinstance(row["alt"], Literal):
                region.alt.add(row["alt"].value)
            if isinstance(row["gov"], NamedNode):
                region.government = row["gov"].value
            if isinstance(row["parent"], NamedNode):
                region.parent = row["parent"].value
            if isinstance(row["code"], Literal):
                region.code = row["code"].value
        departments: dict[str, Department] = {}
        for row in query(store, _DEPARTMENTS, prefixes=PREFIXES):
            iri = row["d"].value
            dept = departments.setdefault(iri, Department(iri))
            _label(dept, row["label"])
            if isinstance(row["alt"], Literal):
                dept.alt.add(row["alt"].value)
            if row["gov"] is not None and row["gov"].value == "true":
                dept.is_government = True
        for s in sectors.values():
            s.leads.sort()
        return cls(sectors.values(), regions.values(), departments.values())

    # ------------------------------------------------------------------ names

    def resolve(self, kind: str, text: str) -> str:
        """The IRI of the ``kind`` (sector, region, department) that ``text`` names.

        ``text`` may be the IRI, the part after ``id/<kind>/``, the last path
        segment, or a ``@zh``/``@en`` label or ``skos:altLabel`` (compared
        after :func:`normalise`). Raises :class:`KeyError` with a message
        when nothing matches and :class:`LookupError` when several do.
        """
        hits = self._index[kind].get(normalise(text), set())
        if not hits and text.startswith(_ID + kind + "/"):
            hits = {text} if text in self._items(kind) else set()
        if len(hits) == 1:
            return next(iter(hits))
        if not hits:
            raise KeyError(text)
        raise LookupError(", ".join(sorted(hits)))

    def _items(self, kind: str) -> dict[str, _Named]:
        return {"sector": self.sectors, "region": self.regions, "department": self.departments}[
            kind
        ]  # type: ignore[return-value]

    def label(self, iri: str, lang: str = "zh") -> str:
        """The label of a sector, region or department (the IRI's slug when it has none)."""
        for items in (self.sectors, self.regions, self.departments):
            item = items.get(iri)
            if item is not None:
                return (item.zh if lang == "zh" else item.en) or item.en or item.zh or item.slug
        return iri.rsplit("/", 1)[-1]

    # ------------------------------------------------------------------ rules

    def region_chain(self, region: str) -> list[str]:
        """``region`` and every region containing it, innermost first."""
        chain: list[str] = []
        current: str | None = region
        while current and current not in chain:
            chain.append(current)
            item = self.regions.get(current)
            current = item.parent if item else None
        return chain

    def governments(self, region: str) -> list[str]:
        """The governments of ``region`` and of the regions containing it, innermost first."""
        out = []
        for r in self.region_chain(region):
            item = self.regions.get(r)
            if item and item.government:
                out.append(item.government)
        return out

    def leads(self, sector: str) -> list[str]:
        """The lead departments of ``sector`` (empty when the lead table does not list it)."""
        item = self.sectors.get(sector)
        return list(item.leads) if item else []

    def responsible(self, sector: str, region: str) -> tuple[list[str], bool]:
        """The departments responsible for a hazard in ``sector`` and ``region``, and whether
        the 三管三必须 fallback applied (no listed lead: the region's government)."""
        leads = self.leads(sector)
        if leads:
            return leads, False
        govs = self.governments(region)
        return govs[:1], True

    def may_close(self, sector: str, region: str) -> list[str]:
        """Who may review and close a hazard: the sector's leads, then the governments."""
        return [*self.leads(sector), *self.governments(region)]

    def is_high_risk(self, sectors: Iterable[str]) -> bool:
        return any(self.sectors[s].high_risk for s in sectors if s in self.sectors)
