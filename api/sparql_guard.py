"""Keep the public SPARQL endpoint closed to the network: what a query may name.

pyoxigraph evaluates ``SERVICE`` by opening an HTTP connection to any IRI a
query names, and it cannot hand us a syntax tree to inspect. So before a query
reaches the engine, :func:`inspect_query` reads it with a lexer that follows
the terminals of the SPARQL 1.1 grammar (strings in all four quotings, IRIs,
comments, variables, prefixed names, language tags), and looks at keyword
tokens only. ``SERVICE`` is a reserved word that can only begin a federated
pattern, so its token is refused wherever it stands — in a subquery, in
``FILTER EXISTS`` — while the same letters in a string, an IRI, a comment, a
variable name (``?service``) or a prefixed name (``ex:SERVICE``) are left alone.
``FROM`` / ``FROM NAMED`` clauses are read with the ``PREFIX`` and ``BASE``
declarations that precede them, so the graphs a query names can be checked
against the store (the query worker does that; see :mod:`api.sparql_limits`).

**Nesting.** pyoxigraph's parser descends one Rust stack frame group per
bracket, so a query nested some thousands deep (``{{{{…}}}}``, ``((((…))))``,
``[ :p [ :p …`` or a collection ``((…))``) overflows the stack and kills the
process that parses it. :func:`check_nesting` refuses a query whose ``{``,
``(`` and ``[`` (counted together) nest deeper than :data:`MAX_NESTING`, from
the same tokens, so brackets in strings and comments do not count. Brackets
inside ``<…>`` *do* count, because ``<`` is also "less than": the lexer cannot
tell ``?a<(…)>0`` from an IRI; a real IRI's brackets are balanced and only
ever add a level or two. For the same reason a bracket-heavy query with an
apostrophe between ``<`` and ``>`` is refused (there the two readings pair
quotes differently, which could hide brackets inside a "string").

Updates (``LOAD`` included) never get here: the router refuses them by
protocol operation, and the query parser rejects update syntax anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

from safetykg.errors import QueryError
from safetykg.substitute import tokenize

__all__ = [
    "MAX_NESTING",
    "QueryRefused",
    "QueryShape",
    "check_nesting",
    "inspect_query",
    "nesting_depth",
    "tokens",
]

MAX_NESTING = 128
"""The deepest nesting of ``{``, ``(`` and ``[`` (together) a public query may have.

Hand-written and generated queries stay far below it (the query library's
deepest is under 10); pyoxigraph's parser overflows a default 8 MiB thread stack
at about 300 nested RDF collections and 2,000 nested groups."""


class QueryRefused(QueryError):
    """Raised when a query asks for something the public endpoint does not do:
    federation (``SERVICE``) or a ``FROM`` graph that is not in the store."""

    title = "Query refused"
    slug = "query-refused"


@dataclass(frozen=True)
class QueryShape:
    """What the guard learned about a query's dataset."""

    from_graphs: tuple[str, ...] = ()
    """IRIs named by ``FROM`` (the default graph), resolved against BASE/PREFIX."""
    from_named: tuple[str, ...] = ()
    """IRIs named by ``FROM NAMED``."""
    volatile: bool = False
    """True when the query calls ``NOW``, ``RAND``, ``UUID``, ``STRUUID`` or ``BNODE``: its
    answer may differ each time it runs, so it must not be reused."""

    @property
    def has_dataset(self) -> bool:
        """True when the query states its own dataset (so the union default is off)."""
        return bool(self.from_graphs or self.from_named)


# --------------------------------------------------------------------------- lexer

# The lexer is safetykg.substitute's (the same token kinds); this module only reads tokens.


def tokens(text: str) -> Iterator[tuple[str, str]]:
    """The (kind, text) tokens of a SPARQL string, whitespace and comments left out.

    Kinds: ``iri``, ``string``, ``var``, ``bnode``, ``langtag``, ``pname``,
    ``word`` (keywords and function names) and ``other`` (punctuation, numbers).

    >>> [t for t in tokens('SELECT * { ?s ?p "SERVICE" } # SERVICE')]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('word', 'SELECT'), ('other', '*'), ('other', '{'), ('var', '?s'), ('var', '?p'),
     ('string', '"SERVICE"'), ('other', '}')]
    """
    for token in tokenize(text):
        yield token.kind, token.text


_UCHAR_RE = re.compile(r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}")


def _iri_text(token: str) -> str:
    """The IRI inside ``<…>``, with ``\\u``/``\\U`` escapes decoded."""
    return _UCHAR_RE.sub(lambda m: chr(int(m.group()[2:], 16)), token[1:-1])


_LOCAL_ESCAPE = re.compile(r"\\(.)")


@dataclass
class _Prologue:
    base: str | None
    prefixes: dict[str, str] = field(default_factory=dict)

    def resolve(self, token: tuple[str, str]) -> str | None:
        kind, text = token
        if kind == "iri":
            iri = _iri_text(text)
            return urljoin(self.base, iri) if self.base else iri
        if kind == "pname":
            prefix, _, local = text.partition(":")
            namespace = self.prefixes.get(prefix)
            if namespace is None:
                return None  # undeclared: the engine reports the syntax error
            return namespace + _LOCAL_ESCAPE.sub(r"\1", local)
        return None


def inspect_query(
    text: str, base_iri: str | None = None, prefixes: Mapping[str, str] | None = None
) -> QueryShape:
    """Refuse federation and read the dataset clauses of a SPARQL query.

    ``base_iri`` and ``prefixes`` are the ones the engine will be given, so a
    relative or prefixed ``FROM`` IRI resolves here exactly as it will there.

    Raises :class:`QueryRefused` when the query contains ``SERVICE`` or nests
    deeper than :data:`MAX_NESTING` (:func:`check_nesting`).

    >>> inspect_query('SELECT * { ?s ?p "use SERVICE here" }')
    QueryShape(from_graphs=(), from_named=(), volatile=False)
    >>> inspect_query('SELECT (now() AS ?t) {}').volatile
    True
    >>> inspect_query("PREFIX g: <https://w3id.org/safetykg/graph/> "
    ...               "SELECT * FROM g:hazards FROM NAMED <plan/x> {}",
    ...               base_iri="https://w3id.org/safetykg/graph/").from_named
    ('https://w3id.org/safetykg/graph/plan/x',)
    >>> inspect_query("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    api.sparql_guard.QueryRefused: ...
    """
    check_nesting(text)
    if not _might_matter(text):
        return QueryShape()
    prologue = _Prologue(base_iri, dict(prefixes or {}))
    from_graphs: list[str] = []
    from_named: list[str] = []
    volatile = False
    toks = list(tokens(text))
    i = 0
    while i < len(toks):
        kind, value = toks[i]
        keyword = value.upper() if kind == "word" else ""
        if keyword == "SERVICE":
            raise QueryRefused(
                "SERVICE (federated query) is not available on this endpoint: it never "
                "contacts other servers. Query the data here, or run the federated part "
                "on your own SPARQL client."
            )
        if keyword in _VOLATILE and i + 1 < len(toks) and toks[i + 1] == ("other", "("):
            volatile = True
        if keyword == "BASE" and _kind_at(toks, i + 1) == "iri":
            prologue.base = prologue.resolve(toks[i + 1])
            i += 2
            continue
        if keyword == "PREFIX" and _kind_at(toks, i + 1) == "pname" and _kind_at(toks, i + 2):
            name = toks[i + 1][1]
            if name.endswith(":") and toks[i + 2][0] == "iri":
                prologue.prefixes[name[:-1]] = prologue.resolve(toks[i + 2]) or ""
                i += 3
                continue
        if keyword == "FROM":
            named = _kind_at(toks, i + 1) == "word" and toks[i + 1][1].upper() == "NAMED"
            j = i + 2 if named else i + 1
            iri = prologue.resolve(toks[j]) if j < len(toks) else None
            if iri is not None:
                (from_named if named else from_graphs).append(iri)
            i = j + 1
            continue
        i += 1
    return QueryShape(tuple(from_graphs), tuple(from_named), volatile)


def _kind_at(toks: list[tuple[str, str]], i: int) -> str:
    return toks[i][0] if i < len(toks) else ""


_VOLATILE = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE"})
_KEYWORDS = re.compile(r"service|from|now|rand|uuid|bnode", re.IGNORECASE)


def _might_matter(text: str) -> bool:
    """Cheap test first: a query without these letters has none of the keywords."""
    return _KEYWORDS.search(text) is not None


# --------------------------------------------------------------------------- nesting

_OPEN = "{(["
_CLOSE = "})]"


def nesting_depth(text: str, limit: int | None = None) -> int:
    """How deep ``{``, ``(`` and ``[`` nest in ``text``, counted together.

    Brackets in strings and comments do not count; brackets between ``<`` and
    ``>`` do (see the module docstring). A stray closing bracket does not make
    the depth negative. With ``limit``, counting stops as soon as the depth
    passes it (so a hostile query costs no more than it must).

    >>> nesting_depth('SELECT * { ?s ?p "{{{" FILTER((?o > 1)) } # (((')
    3
    >>> nesting_depth("SELECT * " + "{" * 500 + "}" * 500, limit=10)
    11
    """
    depth = deepest = 0
    for kind, value in tokens(text):
        if kind == "other":
            if value in _OPEN:
                depth += 1
            elif value in _CLOSE:
                depth = max(depth - 1, 0)
            else:
                continue
        elif kind == "iri":
            deepest = max(deepest, depth + _bracket_depth(value))
        if depth > deepest:
            deepest = depth
        if limit is not None and deepest > limit:
            break
    return deepest


def _bracket_depth(value: str) -> int:
    """The deepest nesting of the bare bracket characters in ``value`` (no lexing)."""
    depth = deepest = 0
    for char in value:
        if char in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif char in _CLOSE:
            depth = max(depth - 1, 0)
    return deepest


def check_nesting(text: str, limit: int = MAX_NESTING) -> None:
    """Refuse a query nested deeper than ``limit`` before any parser sees it.

    Cheap for ordinary queries: unless the text has more than ``limit``
    opening brackets in all, it cannot nest deeper, and nothing is lexed.

    Raises :class:`QueryRefused` (a 400 problem) naming the limit.

    >>> check_nesting("SELECT * { { ?s ?p ?o } }")
    >>> check_nesting("SELECT * WHERE " + "{" * 10_000 + "}" * 10_000)
    Traceback (most recent call last):
    ...
    api.sparql_guard.QueryRefused: ...
    """
    if sum(text.count(c) for c in _OPEN) <= limit:
        return
    depth = nesting_depth(text, limit=limit)
    if depth > limit:
        raise QueryRefused(
            f"The query nests {{ }}, ( ) and [ ] more than {limit} levels deep; this "
            f"endpoint accepts at most {limit} levels (deeper queries can crash the query "
            "parser). Write the nested part flatter, e.g. with fewer groups around it."
        )
    if any(kind == "iri" and "'" in value for kind, value in tokens(text)):
        raise QueryRefused(
            f"The query has more than {limit} brackets and an apostrophe between < and >; "
            "there the nesting cannot be checked before parsing. Write the apostrophe in the "
            "IRI as %27."
        )
