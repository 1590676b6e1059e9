"""``/docs``: the OpenAPI explorer, with Swagger UI from npm instead of FastAPI's CDN default."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.deps import SettingsDep
from api.security import CSP_INLINE_STYLES
from api.vendor import npm_file
from safetykg.errors import NotFound

router = APIRouter(tags=["docs"], include_in_schema=False)

STATIC = Path(__file__).resolve().parents[1] / "static" / "docs"
_ASSETS = {  # name -> (npm path or None for ours, media type)
    "swagger-ui.css": ("swagger-ui-dist/swagger-ui.css", "text/css"),
    "swagger-ui-bundle.js": ("swagger-ui-dist/swagger-ui-bundle.js", "text/javascript"),
    "docs.js": (None, "text/javascript"),
}


@router.get("/docs")
def docs_page() -> FileResponse:
    return FileResponse(
        STATIC / "index.html",
        media_type="text/html",
        headers={"Content-Security-Policy": CSP_INLINE_STYLES},
    )


@router.get("/docs/assets/{name}")
def docs_asset(name: str, settings: SettingsDep) -> FileResponse:
    if name not in _ASSETS:
        raise NotFound(f"No docs asset {name!r}.")
    npm_path, media_type = _ASSETS[name]
    path = npm_file(Path(settings.project_root), npm_path) if npm_path else STATIC / name
    return FileResponse(
        path, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"}
    )
