"""``/id/{kind}/{key}``: our IRIs, dereferenced; ``/api/context.jsonld``: the local context.

A browser gets a page (bilingual, no external assets); a program gets Turtle,
N-Triples, JSON-LD or RDF/XML by its ``Accept`` header or ``format=``. What
the description holds and how it is written is :mod:`safetykg.linked_data`;
the format tables are :mod:`api.negotiate`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response
from pyoxigraph import RdfFormat

from api.deps import StoreDep
from api.language import LangDep
from api.negotiate import Form, choose, prefers_html
from api.rest import CONTEXT_PATH, JSON_LD, problems
from safetykg import linked_data
from safetykg.resources import resource_iri

router = APIRouter(tags=["linked data"])

CONTEXT_FILE = FilePath(__file__).resolve().parents[1] / "jsonld" / "context.jsonld"

_RDF_TYPES = ("text/turtle", "application/n-triples", JSON_LD, "application/rdf+xml")
_FORMAT_LINKS = {"Turtle": "turtle", "JSON-LD": "jsonld", "N-Triples": "nt", "RDF/XML": "rdfxml"}


@lru_cache(maxsize=1)
def context_document() -> dict[str, Any]:
    """The JSON-LD context document, read once."""
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@router.get(
    CONTEXT_PATH,
    summary="The JSON-LD context of the API's JSON and of /id/ documents",
    response_class=Response,
    responses={200: {"content": {JSON_LD: {"schema": {"type": "object"}}}}},
)
def context() -> Response:
    """Maps the API's JSON keys (``iri``, ``label_zh``, ``due_date``, ``source`` …) to
    the ontology, so every JSON answer reads as JSON-LD. Served locally: nothing
    here refers to a remote context."""
    body = json.dumps(context_document(), ensure_ascii=False, indent=2).encode("utf-8")
    return Response(body, media_type=JSON_LD, headers={"Cache-Control": "public, max-age=3600"})


@router.get(
    "/id/{kind}/{key:path}",
    summary="Dereference a resource IRI (HTML, Turtle, JSON-LD, N-Triples, RDF/XML)",
    response_class=Response,
    responses={
        200: {
            "description": "The resource described as a graph, or a page for people.",
            "content": {"text/html": {"schema": {"type": "string"}}}
            | {t: {"schema": {"type": "string"}} for t in _RDF_TYPES},
        },
        **problems(400, 404, 406),
    },
)
def dereference(
    kind: Annotated[
        str, Path(pattern=r"^[a-z][a-z-]*$", max_length=40, description="e.g. sector, task")
    ],
    key: Annotated[str, Path(max_length=300, description="e.g. urban-gas, bozhou-2024/17")],
    store: StoreDep,
    lang: LangDep,
    accept: Annotated[str | None, Header()] = None,
    format: Annotated[
        str | None,
        Query(
            max_length=40,
            description="html, turtle, nt, jsonld or rdfxml (wins over Accept; for links).",
        ),
    ] = None,
) -> Response:
    """``https://w3id.org/safetykg/id/<kind>/<key>`` described: its own triples, what
    links to it, the labels of its neighbours and the sentences it is sourced from."""
    iri = resource_iri(key, kind, parameter="key")
    triples = linked_data.describe(store, iri)
    headers = {"Vary": "Accept, Accept-Language"}
    if (format or "").lower() == "html" or (format is None and prefers_html(accept)):
        links = {name: f"?format={short}" for name, short in _FORMAT_LINKS.items()}
        page = linked_data.render_html(
            iri.value, triples, linked_data.page_labels(store, triples), lang, formats=links
        )
        return Response(page, media_type="text/html; charset=utf-8", headers=headers)
    chosen = choose(accept, Form.GRAPH, [format] if format else ())
    if chosen.format == RdfFormat.JSON_LD:
        body = linked_data.to_json_ld(triples, context_document()["@context"])
    else:
        body = linked_data.to_bytes(triples, chosen.format)  # type: ignore[arg-type]
    return Response(body, media_type=chosen.media_type, headers=headers)
