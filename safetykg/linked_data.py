"""Linked data: what the service says when someone dereferences one of our IRIs.

Every resource ``https://w3id.org/safetykg/id/<kind>/<key>`` is served at
``/id/<kind>/<key>``. This module owns what that document contains and how it
is written; the router only negotiates the format.

The description of a resource (:func:`describe`) is a small graph:

- every triple with the resource as subject (from all named graphs,
  duplicates dropped), following blank nodes;
- the triples that point at it (capped at :data:`MAX_INCOMING`);
- the labels of every resource it links to or is linked from, so that a
  reader sees names rather than IRIs;
- for each ``sk:source`` span it cites: the quote and offsets, so that each
  fact arrives with the sentence that states it.

It reads the store with ``quads_for_pattern`` on terms (no query text at all).
Writing is left to the libraries: pyoxigraph for Turtle, N-Triples and
RDF/XML, rdflib for JSON-LD compacted with our local context (no remote
context is ever fetched). :func:`render_html` writes the page for people:
bilingual, self-contained, no external assets.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from typing import Any

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store, Triple, serialize

from safetykg.errors import NotFound
from safetykg.labels import Labels, Language, fetch_labels, local_name, other_language
from safetykg.namespaces import ID, PREFIXES, SK, curie

__all__ = [
    "MAX_INCOMING",
    "describe",
    "local_path",
    "page_labels",
    "render_html",
    "to_bytes",
    "to_json_ld",
]

MAX_INCOMING = 500
"""The most incoming links a description lists (a sector may be cited by many hazards)."""

_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
_SOURCE = NamedNode(f"{SK}source")
_SPAN_FACTS = [NamedNode(f"{SK}{p}") for p in ("quote", "startOffset", "endOffset")]
_ID = str(ID)


def describe(store: Store, iri: NamedNode) -> list[Triple]:
    """The description of ``iri`` (see the module docstring), as triples.

    Raises :class:`NotFound` when the store says nothing about it.

    >>> from pyoxigraph import Quad
    >>> s = Store()
    >>> a, b = NamedNode("https://w3id.org/safetykg/id/x/a"), NamedNode("https://w3id.org/safetykg/id/x/b")
    >>> s.add(Quad(a, NamedNode("http://ex/p"), b))
    >>> s.add(Quad(b, _LABEL, Literal("乙", language="zh")))
    >>> sorted(str(t.object) for t in describe(s, a))
    ['"乙"@zh', '<https://w3id.org/safetykg/id/x/b>']
    """
    own = _triples(store, iri, None, None)
    blanks = [t.object for t in own if isinstance(t.object, BlankNode)]
    seen: set[BlankNode] = set()
    while blanks:
        node = blanks.pop()
        if node in seen:
            continue
        seen.add(node)
        more = _triples(store, node, None, None)
        own += more
        blanks += [t.object for t in more if isinstance(t.object, BlankNode)]
    incoming = _triples(store, None, None, iri, limit=MAX_INCOMING)
    if not own and not incoming:
        raise NotFound(f"The store has nothing about {iri.value}.")
    graph = dict.fromkeys(own + incoming)
    neighbours = {t.object for t in own if isinstance(t.object, NamedNode)}
    neighbours |= {t.subject for t in incoming if isinstance(t.subject, NamedNode)}
    neighbours.discard(iri)
    for node in sorted(neighbours, key=lambda n: n.value):
        graph.update(dict.fromkeys(_triples(store, node, _LABEL, None)))
    for t in own:
        if t.predicate == _SOURCE and isinstance(t.object, NamedNode):
            for p in _SPAN_FACTS:
                graph.update(dict.fromkeys(_triples(store, t.object, p, None)))
    return list(graph)


def _triples(
    store: Store,
    subject: NamedNode | BlankNode | None,
    predicate: NamedNode | None,
    obj: NamedNode | Literal | None,
    limit: int | None = None,
) -> list[Triple]:
    out: dict[Triple, None] = {}
    for quad in store.quads_for_pattern(subject, predicate, obj, None):
        out[Triple(quad.subject, quad.predicate, quad.object)] = None
        if limit is not None and len(out) >= limit:
            break
    return list(out)


def to_bytes(triples: Iterable[Triple], format: RdfFormat) -> bytes:
    """Turtle, N-Triples or RDF/XML (with our prefixes where the format has them)."""
    # No ``id:`` prefix: its local names would need escaped slashes (id:sector\/gas).
    prefixes = {p: ns for p, ns in PREFIXES.items() if p != "id"}
    data = serialize(list(triples), format=format, prefixes=prefixes)
    assert data is not None
    return data


def to_json_ld(triples: Iterable[Triple], context: Mapping[str, Any]) -> bytes:
    """JSON-LD compacted with ``context`` (the ``@context`` object of our local
    context document); the output refers to the context by its local path
    ``/api/context.jsonld`` rather than inlining it."""
    graph = rdflib.Graph()
    for t in triples:
        graph.add((_rdflib(t.subject), _rdflib(t.predicate), _rdflib(t.object)))
    text = graph.serialize(format="json-ld", context=dict(context), auto_compact=True)
    doc = json.loads(text)
    if isinstance(doc, dict):
        doc["@context"] = "/api/context.jsonld"
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


def _rdflib(term: Any) -> rdflib.term.Node:
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def local_path(iri: str) -> str | None:
    """Where the service serves one of our IRIs (``/id/…``); None for other IRIs.

    >>> local_path("https://w3id.org/safetykg/id/sector/urban-gas")
    '/id/sector/urban-gas'
    >>> local_path("http://www.w3.org/2000/01/rdf-schema#label") is None
    True
    """
    return "/id/" + iri[len(_ID) :] if iri.startswith(_ID) else None


# --------------------------------------------------------------------------- HTML

_UI = {
    "zh": {
        "facts": "事实",
        "incoming": "引用它的资源",
        "sources": "原文出处",
        "formats": "其他格式",
        "property": "属性",
        "value": "值",
        "switch": "English",
    },
    "en": {
        "facts": "Facts",
        "incoming": "Linked from",
        "sources": "Source sentences",
        "formats": "Other formats",
        "property": "Property",
        "value": "Value",
        "switch": "中文",
    },
}

_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;max-width:60rem;
margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}
h1{font-size:1.5rem;margin-bottom:0}.alt{color:#555;margin-top:.2rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;
text-align:left;vertical-align:top}th{width:14rem;font-weight:600}
blockquote{border-left:3px solid #c33;margin:.5rem 0;padding:.2rem .8rem;background:#faf7f7}
code{font-size:.85em;color:#555}nav a{margin-right:1rem}
"""


def render_html(
    iri: str,
    triples: Iterable[Triple],
    labels: Mapping[str, Labels],
    lang: Language,
    *,
    formats: Mapping[str, str] | None = None,
) -> str:
    """A page for people: the resource's names in both languages, its facts with
    readable property names, the sentences it is sourced from, and what links to it.

    ``labels`` gives the labels of the predicates and linked resources (see
    :func:`page_labels`); ``formats`` maps format names to links (Turtle, JSON-LD…).
    """
    ui = _UI[lang]
    triples = list(triples)
    own = [t for t in triples if isinstance(t.subject, NamedNode) and t.subject.value == iri]
    incoming = [t for t in triples if isinstance(t.object, NamedNode) and t.object.value == iri]
    names = _labels_in(triples)
    names.update({k: v.merge(names.get(k, Labels())) for k, v in labels.items()})
    me = names.get(iri, Labels())
    title = me.get(lang, iri)
    other = me.get(other_language(lang), iri)
    esc = html.escape

    def name_of(predicate: str) -> str:
        return names.get(predicate, Labels()).get(lang, local_name(predicate))

    def link(term: Any) -> str:
        if isinstance(term, NamedNode):
            name = names.get(term.value, Labels()).get(lang, "") or curie(term.value)
            href = local_path(term.value) or term.value
            return f'<a href="{esc(href)}">{esc(name)}</a> <code>{esc(curie(term.value))}</code>'
        if isinstance(term, BlankNode):
            return f"<code>_:{esc(term.value)}</code>"
        tag = f" <code>@{esc(term.language)}</code>" if term.language else ""
        return f"{esc(term.value)}{tag}"

    rows = []
    for t in sorted(own, key=lambda t: (t.predicate.value, str(t.object))):
        if t.predicate == _LABEL:
            continue
        prop = esc(name_of(t.predicate.value))
        title_attr = esc(t.predicate.value)
        rows.append(f'<tr><th title="{title_attr}">{prop}</th><td>{link(t.object)}</td></tr>')
    quotes = []
    for t in own:
        if t.predicate == _SOURCE and isinstance(t.object, NamedNode):
            text = next(
                (
                    x.object.value
                    for x in triples
                    if x.subject == t.object and x.predicate == _SPAN_FACTS[0]
                ),
                None,
            )
            if text:
                quotes.append(f'<blockquote lang="zh">{esc(text)}</blockquote>')
    linked = [
        f"<li>{link(t.subject)} — {esc(name_of(t.predicate.value))}</li>"
        for t in sorted(incoming, key=lambda t: (t.predicate.value, t.subject.value))
    ]
    switch = "en" if lang == "zh" else "zh"
    nav = [f'<a href="?lang={switch}">{ui["switch"]}</a>']
    nav += [f'<a href="{esc(href)}">{esc(name)}</a>' for name, href in (formats or {}).items()]
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>",
        f"<nav>{' '.join(nav)}</nav>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="alt">{esc(other)}</p>' if other != title else "",
        f"<p><code>{esc(iri)}</code></p>",
        f"<h2>{ui['facts']}</h2>",
        f"<table><tr><th>{ui['property']}</th><th>{ui['value']}</th></tr>{''.join(rows)}</table>",
    ]
    if quotes:
        parts += [f"<h2>{ui['sources']}</h2>", *quotes]
    if linked:
        parts += [f"<h2>{ui['incoming']}</h2>", f"<ul>{''.join(linked)}</ul>"]
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p)


def _labels_in(triples: list[Triple]) -> dict[str, Labels]:
    found: dict[str, list[tuple[str, str | None]]] = {}
    for t in triples:
        if t.predicate == _LABEL and isinstance(t.object, Literal):
            found.setdefault(t.subject.value, []).append((t.object.value, t.object.language))
    return {k: Labels.from_literals(sorted(v)) for k, v in found.items()}


def page_labels(store: Store, triples: Iterable[Triple]) -> dict[str, Labels]:
    """Labels of the predicates used in ``triples`` (from the ontology), for the page."""
    predicates = sorted({t.predicate.value for t in triples})
    return fetch_labels(store, predicates)
