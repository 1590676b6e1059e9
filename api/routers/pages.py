"""The pages people look at: home, graph explorer, matrix, timeline, dashboard, ontology.

Each page is a Jinja2 template in ``api/templates/`` filled from one library
call (:mod:`safetykg.analysis`, :mod:`safetykg.timeline`,
:mod:`safetykg.ontology_docs`) or, for the explorer and the dashboard, a
shell whose script asks the JSON API (``/api/export``, ``/api/lookup``,
``/api/stats``, ``/api/goals``). Tables (the matrix, the timeline's deadline
list, the ontology) are rendered on the server, so they read without
JavaScript.

Nothing is loaded from elsewhere: our scripts and styles come from
``api/static/pages/`` and Cytoscape.js from ``node_modules`` (``npm ci``), both
through :func:`asset`, which serves only the files it lists. Every page is sent
with a Content-Security-Policy that allows only this origin, no inline script,
no inline style attribute and no framing. The language is ``lang=zh|en``
(or ``Accept-Language``); every page links to itself in the other language.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import SettingsDep, StoreDep
from api.language import LangDep
from api.negotiate import Form, choose, prefers_html
from api.vendor import npm_file
from safetykg.analysis import responsibility_matrix
from safetykg.errors import NotFound
from safetykg.export import FORMATS
from safetykg.labels import Labels, other_language
from safetykg.ontology_docs import ontology_doc, ontology_rdf
from safetykg.timeline import timeline

router = APIRouter(tags=["pages"], include_in_schema=False)

API = Path(__file__).resolve().parents[1]
STATIC = API / "static" / "pages"
templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(API / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
)

_VENDOR = {"cytoscape.min.js": Path("cytoscape") / "dist" / "cytoscape.min.js"}
"""npm files the pages use, by the name they are served under."""
_MEDIA = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


def _t(lang: str) -> Any:
    def pick(zh: str, en: str) -> str:
        return zh if lang == "zh" else en

    return pick


def _label(lang: str) -> Any:
    def label(labels: Labels | Any, iri: str = "") -> str:
        if isinstance(labels, Labels):
            return labels.get(lang, iri)  # type: ignore[arg-type]
        zh, en = getattr(labels, "label_zh", ""), getattr(labels, "label_en", "")
        return (zh if lang == "zh" else en) or zh or en or iri

    return label


def render(
    request: Request, name: str, lang: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page from ``api/templates/<name>`` with the shared context and security headers."""
    other = other_language(lang)  # type: ignore[arg-type]
    toggle = request.url.include_query_params(lang=other)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "other_lang": other,
            "toggle_url": f"{toggle.path}?{toggle.query}",
            "t": _t(lang),
            "label": _label(lang),
            "path": request.url.path,
            "export_formats": list(FORMATS.values()),
            "date_type": date,
            **context,
        },
        status_code=status_code,
    )
    return response  # type: ignore[return-value]  # api/security.py adds the CSP and headers


@router.get("/", name="page_home")
def home(request: Request, lang: LangDep) -> HTMLResponse:
    return render(request, "home.html", lang)


@router.get("/graph", name="page_graph")
def graph(
    request: Request,
    lang: LangDep,
    scope: Annotated[str, Query(max_length=300)] = "responsibility",
) -> HTMLResponse:
    return render(request, "graph.html", lang, scope=scope)


@router.get("/matrix", name="page_matrix")
def matrix(request: Request, lang: LangDep, store: StoreDep) -> HTMLResponse:
    return render(request, "matrix.html", lang, m=responsibility_matrix(store))


@router.get("/timeline", name="page_timeline")
def timeline_page(
    request: Request,
    lang: LangDep,
    store: StoreDep,
    plan: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)] = "bozhou-2024",
    today: Annotated[date | None, Query(description="The date to mark (default today)")] = None,
) -> HTMLResponse:
    return render(
        request, "timeline.html", lang, tl=timeline(store, plan), today=today or date.today()
    )


@router.get("/dashboard", name="page_dashboard")
def dashboard(
    request: Request, lang: LangDep, as_of: Annotated[date | None, Query()] = None
) -> HTMLResponse:
    return render(request, "dashboard.html", lang, as_of=(as_of or date.today()).isoformat())


@router.get("/ontology", name="page_ontology")
def ontology(
    request: Request,
    lang: LangDep,
    store: StoreDep,
    accept: Annotated[str | None, Header()] = None,
    format: Annotated[str | None, Query(description="turtle, rdfxml, jsonld, ntriples")] = None,
) -> Response:
    """HTML for browsers; Turtle, RDF/XML, JSON-LD or N-Triples by ``Accept`` or ``format=``."""
    if format is None and (prefers_html(accept) or not accept):
        return render(request, "ontology.html", lang, doc=ontology_doc(store))
    chosen = choose(accept, Form.GRAPH, format)
    return Response(
        ontology_rdf(store, chosen.format),  # type: ignore[arg-type]
        media_type=chosen.media_type,
        headers={"Vary": "Accept"},
    )


@router.get("/static/pages/{name}", name="page_asset")
def asset(name: str, settings: SettingsDep) -> FileResponse:
    """Our page scripts and styles, and the npm libraries they use; nothing else."""
    if name in _VENDOR:
        path = npm_file(Path(settings.project_root), _VENDOR[name])
    else:
        path = _static_files().get(name)  # type: ignore[assignment]
        if path is None:
            raise NotFound(f"No page asset {name!r}.")
    return FileResponse(
        path,
        media_type=_MEDIA.get(path.suffix, "application/octet-stream"),
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@lru_cache(maxsize=1)
def _static_files() -> dict[str, Path]:
    return {p.name: p for p in STATIC.iterdir() if p.is_file() and p.suffix in _MEDIA}
