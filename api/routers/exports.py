"""``/api/export/{format}`` and ``/api/analysis``: the graph for other tools, and its analysis.

Each route parses its input and makes one call into :mod:`safetykg.export` or
:mod:`safetykg.analysis`; the scopes, the formats and the writers live there.
An export is sent as a download (``Content-Disposition: attachment``) with
``SafetyKG-Nodes`` and ``SafetyKG-Edges`` headers; when the node cap cut the
graph, ``SafetyKG-Truncated: true`` and ``SafetyKG-Note`` say so (the note is
also a graph attribute inside the file).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response

from api.deps import StoreDep
from api.rest import problems
from safetykg.analysis import analyse
from safetykg.export import DEFAULT_MAX_NODES, FORMATS, export

router = APIRouter(prefix="/api", tags=["exports"])

_FORMAT_NAMES = ", ".join(FORMATS)


@router.get("/export", summary="The export formats")
def export_formats() -> list[dict[str, str]]:
    """Each format's name (for ``/api/export/{format}``), media type and file extension."""
    return [
        {
            "name": f.name,
            "media_type": f.media_type,
            "extension": f.extension,
            "description": f.description,
        }
        for f in FORMATS.values()
    ]


@router.get(
    "/export/{format}",
    summary="Export a scope of the graph (GraphML, GEXF, Cytoscape.js, D3, DOT, CSV, RDF)",
    response_class=Response,
    responses={
        200: {
            "description": "The file, as a download",
            "content": {f.media_type.split(";")[0]: {} for f in FORMATS.values()},
        },
        **problems(400, 404),
    },
)
def export_graph(
    store: StoreDep,
    format: Annotated[str, Path(description=f"One of {_FORMAT_NAMES}.")],
    scope: Annotated[
        str,
        Query(
            max_length=300,
            description="plan[:ID], department:ID, sector:SLUG, node:IRI, action:N, "
            "responsibility[:PLAN], hazards:region|sector|department:ID[:overdue[:YYYY-MM-DD]]",
            examples=["responsibility"],
        ),
    ] = "plan",
    max_nodes: Annotated[
        int, Query(ge=1, le=50_000, description="Node cap of the hazard scopes.")
    ] = DEFAULT_MAX_NODES,
) -> Response:
    """The scope as a file for Gephi, yEd, Cytoscape, D3, Graphviz or an RDF tool."""
    data, result = export(store, format, scope, max_nodes=max_nodes)
    fmt = FORMATS[format]
    headers = {
        "Content-Disposition": (
            f'attachment; filename="safetykg-{result.scope.slug}.{fmt.extension}"'
        ),
        "SafetyKG-Nodes": str(result.graph.number_of_nodes()),
        "SafetyKG-Edges": str(result.graph.number_of_edges()),
        "SafetyKG-Truncated": "true" if result.truncated else "false",
    }
    if result.note:
        headers["SafetyKG-Note"] = quote(result.note, safe=" :;,.()[]=/'-")
    return Response(data, media_type=fmt.media_type, headers=headers)


@router.get(
    "/analysis",
    summary="Departments' load and centrality, shared and unled sectors",
    responses=problems(400),
)
def analysis(
    store: StoreDep,
    as_of: Annotated[
        date | None, Query(description="Date for the hazard counts (YYYY-MM-DD); default today.")
    ] = None,
) -> dict[str, Any]:
    """Each department's sectors, tasks and hazards (open and overdue as of the date), its
    degree and betweenness centrality in the department × sector network, the departments
    that lead a sector together, and the sectors the plan gives no lead (三管三必须)."""
    return analyse(store, as_of=as_of).as_dict()
