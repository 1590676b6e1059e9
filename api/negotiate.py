"""Content negotiation for the SPARQL endpoint: which format answers a request.

This module owns the tables that map media types (and the short names a browser
can pass as ``format=``) to pyoxigraph's :class:`~pyoxigraph.QueryResultsFormat`
for result sets (SELECT, ASK) and :class:`~pyoxigraph.RdfFormat` for graphs
(CONSTRUCT, DESCRIBE, the service description, VoID). :func:`choose` reads the
``Accept`` header with its q-values and picks a row; it is pure, so it is tested
against a table of real headers. Serialising is left to pyoxigraph.

Order in each table is our preference when the client leaves the choice to us
(``*/*`` or several types at the same q): JSON results, Turtle graphs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

from pyoxigraph import QueryResultsFormat, RdfFormat

from safetykg.errors import SafetyKGError

__all__ = [
    "GRAPH_FORMATS",
    "RESULT_FORMATS",
    "Form",
    "MediaRange",
    "Negotiated",
    "NotAcceptable",
    "choose",
    "parse_accept",
    "prefers_html",
]


class NotAcceptable(SafetyKGError):
    """Raised when no format we can write is acceptable to the client (HTTP 406)."""

    status = 406
    title = "Not acceptable"
    slug = "not-acceptable"


class Form(Enum):
    """What kind of answer is being negotiated: a result set or an RDF graph."""

    RESULTS = "results"
    """SELECT and ASK: SPARQL results in JSON, XML, CSV or TSV."""
    GRAPH = "graph"
    """CONSTRUCT, DESCRIBE and our RDF documents: Turtle, N-Triples, JSON-LD, RDF/XML."""


Format = QueryResultsFormat | RdfFormat


@dataclass(frozen=True)
class Negotiated:
    """The outcome of negotiation: what to write and what to call it."""

    media_type: str
    """The Content-Type to send (with ``charset`` for text types)."""
    format: Format


@dataclass(frozen=True)
class _Row:
    media_type: str
    format: Format
    names: tuple[str, ...] = ()
    """Values of the ``format`` parameter that select this row."""
    format_iri: str | None = None
    """The W3C ``ns/formats`` IRI, where pyoxigraph's ``format.iri`` differs from it."""

    @property
    def iri(self) -> str:
        """The format's IRI in http://www.w3.org/ns/formats/ (for SD and VoID)."""
        return self.format_iri or self.format.iri

    def content_type(self) -> str:
        text = self.media_type.startswith("text/")
        return f"{self.media_type}; charset=utf-8" if text else self.media_type


RESULT_FORMATS: tuple[_Row, ...] = (
    _Row("application/sparql-results+json", QueryResultsFormat.JSON, ("json", "srj")),
    _Row("application/json", QueryResultsFormat.JSON),
    _Row("application/sparql-results+xml", QueryResultsFormat.XML, ("xml", "srx")),
    _Row("application/xml", QueryResultsFormat.XML),
    _Row("text/csv", QueryResultsFormat.CSV, ("csv",)),
    _Row("text/tab-separated-values", QueryResultsFormat.TSV, ("tsv",)),
)
"""SELECT and ASK answers, in our order of preference."""

GRAPH_FORMATS: tuple[_Row, ...] = (
    _Row("text/turtle", RdfFormat.TURTLE, ("turtle", "ttl")),
    _Row("application/n-triples", RdfFormat.N_TRIPLES, ("ntriples", "n-triples", "nt")),
    _Row(
        "application/ld+json",
        RdfFormat.JSON_LD,
        ("jsonld", "json-ld", "json"),
        format_iri="http://www.w3.org/ns/formats/JSON-LD",
    ),
    _Row("application/rdf+xml", RdfFormat.RDF_XML, ("rdfxml", "rdf-xml", "rdf", "xml")),
)
"""CONSTRUCT, DESCRIBE and RDF documents, in our order of preference."""

_TABLES = {Form.RESULTS: RESULT_FORMATS, Form.GRAPH: GRAPH_FORMATS}


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header: ``type/subtype`` (either may be ``*``) and q."""

    type: str
    subtype: str
    q: float

    WILDCARD: ClassVar[str] = "*"

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.partition("/")
        return self.type in (self.WILDCARD, kind) and self.subtype in (self.WILDCARD, sub)

    @property
    def specificity(self) -> int:
        """2 for ``a/b``, 1 for ``a/*``, 0 for ``*/*``: the most specific match wins."""
        return (self.type != self.WILDCARD) + (self.subtype != self.WILDCARD)


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header; an absent or empty one accepts anything.

    Entries that are not ``type/subtype`` are ignored, as is a q that is not a
    number (such an entry keeps q=1, as most servers do); q is clamped to [0, 1].

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/csv;q=0.5, */*;q=0.1")]
    [('text', 'csv', 0.5), ('*', '*', 0.1)]
    >>> [(r.type, r.subtype, r.q) for r in parse_accept(None)]
    [('*', '*', 1.0)]
    """
    ranges: list[MediaRange] = []
    for entry in (header or "").split(","):
        media, *params = (part.strip() for part in entry.split(";"))
        kind, slash, sub = media.lower().partition("/")
        if not slash or not kind or not sub:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value.strip())))
                except ValueError:
                    q = 1.0
        ranges.append(MediaRange(kind, sub, q))
    return ranges or [MediaRange("*", "*", 1.0)]


def _quality(ranges: list[MediaRange], media_type: str) -> float:
    """q of ``media_type``: set by the most specific range that matches it (RFC 9110)."""
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    return best.q if best else 0.0


def choose(accept: str | None, form: Form, formats: str | Sequence[str] | None = ()) -> Negotiated:
    """Pick the format for an answer of kind ``form``.

    ``formats`` (the values of the ``format`` query parameter, for browsers,
    links and clients such as SPARQLWrapper that send one) win over the Accept
    header: the first value that fits is used (a single string is one value).
    A value is a short name
    (``json``, ``csv``, ``turtle`` …), a media type, or a list of media types
    read like an Accept header. Otherwise the offered type with the highest q
    wins, ties going to our order in the table.

    Raises :class:`NotAcceptable` when nothing fits.

    >>> choose("text/csv", Form.RESULTS).media_type
    'text/csv; charset=utf-8'
    >>> choose("*/*", Form.GRAPH).format
    <RdfFormat Turtle>
    >>> choose(None, Form.GRAPH, "jsonld").media_type
    'application/ld+json'
    >>> choose(None, Form.GRAPH, ["json-ld", "application/ld+json,application/x-json+ld"]).format
    <RdfFormat JSON-LD>
    >>> choose("text/csv", Form.GRAPH)
    Traceback (most recent call last):
    ...
    api.negotiate.NotAcceptable: ...
    """
    table = _TABLES[form]
    if isinstance(formats, str):
        formats = [formats]
    if formats:
        for value in formats:
            wanted = value.strip().lower()
            for row in table:
                if wanted in row.names or wanted == row.media_type:
                    return Negotiated(row.content_type(), row.format)
            if "/" in wanted and "*" not in wanted:
                try:
                    return choose(wanted, form)
                except NotAcceptable:
                    pass
        names = sorted({n for row in table for n in row.names})
        raise NotAcceptable(
            f"format={', '.join(formats)!r} is not available for this {form.value} answer; "
            f"use one of {', '.join(names)}."
        )
    ranges = parse_accept(accept)
    best: _Row | None = None
    best_q = 0.0
    for row in table:
        q = _quality(ranges, row.media_type)
        if q > best_q:
            best, best_q = row, q
    if best is None:
        offered = ", ".join(row.media_type for row in table)
        raise NotAcceptable(
            f"None of the media types in Accept: {accept!r} can be written for this "
            f"{form.value} answer. Available: {offered} (or pass format=…)."
        )
    return Negotiated(best.content_type(), best.format)


def prefers_html(accept: str | None) -> bool:
    """True when a client asks for HTML at least as much as for anything RDF.

    This is how the endpoint tells a browser (which gets the query page) from a
    SPARQL client (which gets the service description) on a GET without query.

    >>> prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    True
    >>> prefers_html("text/turtle, */*;q=0.1")
    False
    >>> prefers_html(None)
    False
    """
    if not accept:
        return False
    ranges = parse_accept(accept)
    html = _quality([r for r in ranges if r.specificity == 2], "text/html")
    if html == 0.0:
        return False
    rdf = max(_quality(ranges, row.media_type) for row in GRAPH_FORMATS)
    return html >= rdf
