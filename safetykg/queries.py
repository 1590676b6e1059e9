"""The query library: named, documented, parameterised SPARQL queries read from ``queries/*.rq``.

Each file is plain SPARQL after a comment header::

    # title: overdue-hazards
    # zh: 截至某日，某部门负责的逾期未整改隐患有哪些？
    # en: Which hazards a department is responsible for are overdue as of a date?
    # param: ?scope  IRI (required)
    # param: ?asOf   xsd:date (default: today)
    # param: ?slots  IRI list (required)
    SELECT …

A ``param`` line names a variable, its type and either ``(required)`` or
``(default: …)``; a parameter with neither is optional (left unbound when not
given). Types are ``IRI`` (optionally after a class, ``sk:Department IRI``),
``xsd:date``, ``xsd:dateTime``, ``xsd:integer``, ``xsd:decimal``,
``xsd:boolean``, ``xsd:string`` and ``rdf:langString``; ``… list`` makes a list
parameter. The default ``today`` means the current date (or the ``today``
passed to :meth:`NamedQuery.bind`).

This module owns reading the files, checking them, and turning parameters
into RDF terms: every file is parsed when the library loads, so a broken file
stops the service from starting (:class:`QuerySyntaxError` naming the file).
Values are bound with pyoxigraph ``substitutions``; a list parameter fills the
one ``VALUES ?name { }`` block its query must contain with terms that checked
themselves (``str()`` of a pyoxigraph term is N-Triples syntax); ``LIMIT`` and
``OFFSET`` are written from integers. No text from outside is pasted into a
query. Running goes through :func:`safetykg.store.query` (the union graph).

It leaves what the answers *mean* to the modules that call it (the registry's
answers, the REST routers, ``safetykg query``).

>>> lib = QueryLibrary.from_texts({"one": '''# title: One
... # zh: 一？
... # en: One?
... # param: ?d xsd:date (default: today)
... SELECT ?d WHERE { }'''})
>>> q = lib.get("one")
>>> (q.title, q.params[0].name, q.params[0].datatype, q.params[0].default)
('One', 'd', 'http://www.w3.org/2001/XMLSchema#date', 'today')
>>> import datetime
>>> q.bind({}, today=datetime.date(2025, 1, 31))
{<Variable value=d>: <Literal value=2025-01-31 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#date>>}
>>> q.bind({"d": "2025-02-30"})
Traceback (most recent call last):
...
safetykg.errors.BadParameter: ?d: '2025-02-30' is not a date (YYYY-MM-DD)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Store, Variable

from safetykg.errors import BadParameter, QuerySyntaxError, UnknownQuery
from safetykg.namespaces import ID, PREFIXES, SK
from safetykg.store import QueryResult, Term, query

__all__ = [
    "QUERY_DIR",
    "NamedQuery",
    "Param",
    "QueryLibrary",
    "default_library",
    "run",
]

QUERY_DIR = Path(__file__).resolve().parents[1] / "queries"
"""The repository's ``queries/`` folder (the package is installed editable)."""

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_OURS = (str(ID), str(SK))
MAX_LIMIT = 10_000

_HEADER = re.compile(r"^#\s*(?P<key>[A-Za-z-]+)\s*:\s*(?P<value>.*?)\s*$")
_PARAM = re.compile(
    r"^\?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[^()]+?)\s*"
    r"(?:\((?P<mode>required|default:\s*(?P<default>[^)]*?))\s*\))?\s*$"
)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_TAIL_LIMIT = re.compile(r"\b(LIMIT|OFFSET)\s+\d+\s*$", re.IGNORECASE)
_TYPES = {
    "xsd:date": XSD + "date",
    "xsd:datetime": XSD + "dateTime",
    "xsd:integer": XSD + "integer",
    "xsd:decimal": XSD + "decimal",
    "xsd:boolean": XSD + "boolean",
    "xsd:string": XSD + "string",
    "rdf:langstring": RDF_LANGSTRING,
}
# The resource kind (first path segment under id/) each class's IRIs have.
_KINDS = {
    "sk:Department": "department",
    "sk:LocalGovernment": "department",
    "sk:Sector": "sector",
    "sk:HighRiskSector": "sector",
    "sk:Region": "region",
    "sk:Enterprise": "enterprise",
    "sk:Hazard": "hazard",
    "sk:MajorHazard": "hazard",
    "sk:Plan": "plan",
    "sk:Task": "task",
    "sk:Goal": "goal",
    "sk:Action": "action",
    "sk:Phase": "phase",
}


@dataclass(frozen=True)
class Param:
    """One declared parameter of a named query."""

    name: str
    """The variable name, without ``?``."""
    type: str
    """The type as written in the header (``sk:Department IRI``, ``xsd:date`` …)."""
    datatype: str | None
    """The literal datatype IRI, or ``None`` for an IRI parameter."""
    required: bool = False
    default: str | None = None
    """The default as written (``today`` for dates means the current date)."""
    is_list: bool = False
    kind: str | None = None
    """For an IRI of a known class: the resource kind its IRI must have (``department`` …)."""

    @property
    def is_iri(self) -> bool:
        return self.datatype is None

    def convert(self, value: Any, today: dt.date | None = None) -> Term:
        """One value as an RDF term of this parameter's type.

        Accepts pyoxigraph terms, rdflib terms, Python values (``date``, ``int``,
        ``bool`` …) and strings (as typed at the CLI or in a URL). Raises
        :class:`BadParameter` saying what was expected.
        """
        if isinstance(value, str) and value == "today" and self.datatype == XSD + "date":
            value = today or dt.date.today()
        if self.is_iri:
            return self._iri(value)
        return self._literal(value)

    def _iri(self, value: Any) -> NamedNode:
        text = value.value if isinstance(value, NamedNode) else str(value)
        if not text.startswith(_OURS):
            raise BadParameter(
                f"?{self.name}: {text!r} is not one of our IRIs "
                f"(they start with {_OURS[0]} or {_OURS[1]})"
            )
        try:
            node = NamedNode(text)
        except ValueError as exc:
            raise BadParameter(f"?{self.name}: {text!r} is not a valid IRI ({exc})") from exc
        if self.kind and not text.startswith(f"{ID}{self.kind}/"):
            raise BadParameter(
                f"?{self.name} must be a {self.type.replace(' IRI', '')} "
                f"(an IRI under {ID}{self.kind}/), got {text!r}"
            )
        return node

    def _literal(self, value: Any) -> Literal:
        dtype = self.datatype
        assert dtype is not None
        if isinstance(value, Literal):
            value = value.value
        elif hasattr(value, "toPython") and not isinstance(value, str | int | float):
            value = str(value)  # an rdflib Literal
        try:
            if dtype == XSD + "date":
                if isinstance(value, dt.datetime):
                    value = value.date()
                day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day.isoformat()):
                    raise ValueError
                return Literal(day.isoformat(), datatype=NamedNode(dtype))
            if dtype == XSD + "dateTime":
                moment = (
                    value
                    if isinstance(value, dt.datetime)
                    else dt.datetime.fromisoformat(str(value))
                )
                return Literal(moment.isoformat(), datatype=NamedNode(dtype))
            if dtype == XSD + "integer":
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                return Literal(str(int(str(value).strip())), datatype=NamedNode(dtype))
            if dtype == XSD + "decimal":
                return Literal(str(Decimal(str(value).strip())), datatype=NamedNode(dtype))
            if dtype == XSD + "boolean":
                text = str(value).strip().lower()
                if text not in {"true", "false", "1", "0"}:
                    raise ValueError
                return Literal(
                    "true" if text in {"true", "1"} else "false", datatype=NamedNode(dtype)
                )
            if dtype == RDF_LANGSTRING:
                return Literal(str(value), language="zh")
            return Literal(str(value))
        except (ValueError, InvalidOperation):
            what = {
                XSD + "date": "a date (YYYY-MM-DD)",
                XSD + "dateTime": "a date-time (YYYY-MM-DDThh:mm:ss)",
                XSD + "integer": "an integer",
                XSD + "decimal": "a decimal number",
                XSD + "boolean": "true or false",
            }.get(dtype, dtype)
            raise BadParameter(f"?{self.name}: {value!r} is not {what}") from None


@dataclass(frozen=True)
class NamedQuery:
    """One ``queries/<name>.rq`` file, parsed and checked."""

    name: str
    title: str
    zh: str
    en: str
    text: str
    """The whole file, header included (the header is a SPARQL comment)."""
    params: tuple[Param, ...] = ()
    form: str = "SELECT"
    path: Path | None = field(default=None, compare=False)

    def param(self, name: str) -> Param:
        """The parameter called ``name`` (with or without ``?``)."""
        key = name.removeprefix("?")
        for p in self.params:
            if p.name == key:
                return p
        raise BadParameter(f"query {self.name!r} has no parameter ?{key}")

    def bind(
        self, values: Mapping[str, Any] | None = None, *, today: dt.date | None = None
    ) -> dict[Variable, Term]:
        """The substitutions for ``values``: defaults filled in, types checked.

        List parameters are not in the result (see :meth:`sparql`). Raises
        :class:`BadParameter` for an unknown or missing parameter or a value
        of the wrong type.
        """
        values = {k.removeprefix("?"): v for k, v in (values or {}).items()}
        known = {p.name for p in self.params}
        unknown = sorted(set(values) - known)
        if unknown:
            raise BadParameter(
                f"query {self.name!r} has no parameter {', '.join('?' + u for u in unknown)}; "
                f"it takes {', '.join('?' + k for k in sorted(known)) or 'none'}"
            )
        bound: dict[Variable, Term] = {}
        for p in self.params:
            if p.is_list:
                continue
            value = values.get(p.name)
            if value is None or value == "":
                if p.required:
                    raise BadParameter(f"query {self.name!r} needs ?{p.name} ({p.type})")
                if p.default is None:
                    continue
                value = p.default
            bound[Variable(p.name)] = p.convert(value, today)
        return bound

    def sparql(
        self,
        values: Mapping[str, Any] | None = None,
        *,
        limit: int | None = None,
        offset: int | None = None,
    ) -> str:
        """The text to run: ``VALUES`` blocks of list parameters filled, ``LIMIT``/``OFFSET``
        added."""
        values = {k.removeprefix("?"): v for k, v in (values or {}).items()}
        text = self.text
        for p in self.params:
            if not p.is_list:
                continue
            items = values.get(p.name)
            if items is None:
                if p.required:
                    raise BadParameter(f"query {self.name!r} needs ?{p.name} ({p.type})")
                items = []
            if isinstance(items, str | bytes) or not isinstance(items, Sequence | set | frozenset):
                raise BadParameter(f"?{p.name} takes a list of values")
            terms = " ".join(str(p.convert(v)) for v in items)
            text = _values_block(p.name).sub(
                lambda _m, t=terms, n=p.name: f"VALUES ?{n} {{ {t} }}", text, count=1
            )
        if limit is not None or offset is not None:
            lim = _count("limit", limit, MAX_LIMIT) if limit is not None else None
            off = _count("offset", offset) if offset is not None else None
            text = text.rstrip() + "\n" + (f"LIMIT {lim} " if lim is not None else "")
            text += f"OFFSET {off}" if off else ""
        return text

    def run(
        self,
        store: Store,
        values: Mapping[str, Any] | None = None,
        *,
        limit: int | None = None,
        offset: int | None = None,
        today: dt.date | None = None,
    ) -> QueryResult:
        """Run over the store's union graph (see :func:`safetykg.store.query`)."""
        return query(
            store,
            self.sparql(values, limit=limit, offset=offset),
            self.bind(values, today=today),
            prefixes=PREFIXES,
        )

    def describe(self) -> dict[str, Any]:
        """The header as data, for ``GET /api/queries`` and the CLI's listing."""
        return {
            "name": self.name,
            "title": self.title,
            "zh": self.zh,
            "en": self.en,
            "form": self.form,
            "params": [
                {
                    "name": p.name,
                    "type": p.type,
                    "required": p.required,
                    "default": p.default,
                    "list": p.is_list,
                }
                for p in self.params
            ],
        }


def _values_block(name: str) -> re.Pattern[str]:
    return re.compile(r"VALUES\s+\?" + re.escape(name) + r"\s*\{\s*\}")


def _count(what: str, value: Any, maximum: int | None = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadParameter(f"{what} must be a whole number, got {value!r}") from None
    if number < 0 or (maximum is not None and number > maximum):
        raise BadParameter(f"{what} must be between 0 and {maximum or 'any'}, got {number}")
    return number


def parse_query(name: str, text: str, path: Path | None = None) -> NamedQuery:
    """Read one query file's header and check the query, raising :class:`QuerySyntaxError`.

    The check parses the SPARQL with pyoxigraph against an empty store, with
    every parameter bound to a value of its type, so that a wrong header (a
    list parameter without its ``VALUES`` block, a substituted variable that
    is not projected) fails here and not at request time.
    """
    where = str(path or name)
    header: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = _HEADER.match(line)
        if not match:
            continue
        key, value = match["key"].lower(), match["value"]
        if key == "param":
            params.append(_param(where, value))
        else:
            header.setdefault(key, value)
    missing = [k for k in ("title", "zh", "en") if not header.get(k)]
    if missing:
        raise QuerySyntaxError(f"{where}: the header lacks {', '.join('# ' + m for m in missing)}")
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise QuerySyntaxError(f"{where}: a parameter is declared twice")
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    form_match = _FORM.search(body)
    if not form_match:
        raise QuerySyntaxError(f"{where}: no SELECT, ASK, CONSTRUCT or DESCRIBE")
    for p in params:
        if p.is_list and len(_values_block(p.name).findall(text)) != 1:
            raise QuerySyntaxError(
                f"{where}: list parameter ?{p.name} needs exactly one 'VALUES ?{p.name} {{ }}'"
            )
    named = NamedQuery(
        name=name,
        title=header["title"],
        zh=header["zh"],
        en=header["en"],
        text=text,
        params=tuple(params),
        form=form_match.group(1).upper(),
        path=path,
    )
    _check(named, where)
    return named


def _param(where: str, spec: str) -> Param:
    match = _PARAM.match(spec)
    if not match:
        raise QuerySyntaxError(f"{where}: cannot read '# param: {spec}'")
    type_text = match["type"].strip()
    is_list = False
    if type_text.lower().endswith(" list"):
        is_list, type_text = True, type_text[: -len(" list")].strip()
    mode = match["mode"] or ""
    default = match["default"].strip() if match["default"] is not None else None
    if type_text.endswith("IRI"):
        cls = type_text[: -len("IRI")].strip()
        return Param(
            name=match["name"],
            type=type_text,
            datatype=None,
            required=mode == "required",
            default=default,
            is_list=is_list,
            kind=_KINDS.get(cls),
        )
    datatype = _TYPES.get(type_text.lower())
    if datatype is None:
        raise QuerySyntaxError(
            f"{where}: unknown parameter type {type_text!r} for ?{match['name']} "
            f"(use IRI, {', '.join(sorted(_TYPES))})"
        )
    return Param(
        name=match["name"],
        type=type_text,
        datatype=datatype,
        required=mode == "required",
        default=default,
        is_list=is_list,
    )


_SAMPLE = {
    XSD + "date": "2025-01-01",
    XSD + "dateTime": "2025-01-01T00:00:00",
    XSD + "integer": "1",
    XSD + "decimal": "1.0",
    XSD + "boolean": "true",
}


def _check(named: NamedQuery, where: str) -> None:
    sample: dict[str, Any] = {}
    for p in named.params:
        value: Any = (
            f"{ID}{p.kind or 'x'}/sample" if p.is_iri else _SAMPLE.get(p.datatype or "", "x")
        )
        sample[p.name] = [value] if p.is_list else value
    try:
        text = named.sparql(sample, limit=1 if named.form == "SELECT" else None)
        query(Store(), text, named.bind(sample), prefixes=PREFIXES)
    except QuerySyntaxError as exc:
        raise QuerySyntaxError(f"{where}: {exc.detail}") from exc
    except Exception as exc:  # noqa: BLE001 - any refusal here means the file is wrong
        detail = getattr(exc, "detail", str(exc))
        raise QuerySyntaxError(f"{where}: {detail}") from exc


class QueryLibrary(Mapping[str, NamedQuery]):
    """All named queries, by name; immutable once loaded."""

    def __init__(self, queries: Mapping[str, NamedQuery]) -> None:
        self._queries = dict(sorted(queries.items()))

    @classmethod
    def load(cls, folder: Path | str = QUERY_DIR) -> QueryLibrary:
        """Read and check every ``*.rq`` in ``folder`` (raises :class:`QuerySyntaxError`)."""
        folder = Path(folder)
        return cls(
            {
                p.stem: parse_query(p.stem, p.read_text(encoding="utf-8"), p)
                for p in sorted(folder.glob("*.rq"))
            }
        )

    @classmethod
    def from_texts(cls, texts: Mapping[str, str]) -> QueryLibrary:
        """A library from ``{name: text}`` (tests and doctests)."""
        return cls({name: parse_query(name, text) for name, text in texts.items()})

    def get(self, name: str, default: Any = None) -> NamedQuery:  # type: ignore[override]
        """The query called ``name``; raises :class:`UnknownQuery` (not ``default``)."""
        try:
            return self._queries[name]
        except KeyError:
            raise UnknownQuery(
                f"No query named {name!r}; known: {', '.join(self._queries) or 'none'}"
            ) from None

    def __getitem__(self, name: str) -> NamedQuery:
        return self.get(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._queries)

    def __len__(self) -> int:
        return len(self._queries)

    def run(
        self,
        store: Store,
        name: str,
        values: Mapping[str, Any] | None = None,
        *,
        limit: int | None = None,
        offset: int | None = None,
        today: dt.date | None = None,
    ) -> QueryResult:
        """Run the query ``name`` with ``values`` bound (see :meth:`NamedQuery.run`)."""
        return self.get(name).run(store, values, limit=limit, offset=offset, today=today)


@cache
def default_library() -> QueryLibrary:
    """The repository's ``queries/``, loaded once per process."""
    return QueryLibrary.load(QUERY_DIR)


def run(
    store: Store,
    name: str,
    values: Mapping[str, Any] | None = None,
    *,
    limit: int | None = None,
    offset: int | None = None,
    today: dt.date | None = None,
) -> QueryResult:
    """Run a query of :func:`default_library` by name."""
    return default_library().run(store, name, values, limit=limit, offset=offset, today=today)
