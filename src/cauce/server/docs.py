"""The interactive API docs at /docs, served with their own scripts, no CDN.

FastAPI's default page loads Swagger UI from a CDN, so on a server without
internet access (a common place for a team's orchestrator) /docs stays blank.
The files come from the fastapi-offline package, used here only as a folder
of static assets: its code is never imported.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/docs"
ASSETS_PATH = f"{DOCS_PATH}/static"


def _assets_folder() -> Path:
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the fastapi-offline package (Swagger UI's files) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def mount_docs(app: FastAPI, openapi_url: str) -> None:
    """Serve Swagger UI for `openapi_url` at /docs, and its files under /docs/static."""
    app.mount(ASSETS_PATH, StaticFiles(directory=_assets_folder()), name="docs-assets")

    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        )

    app.get(DOCS_PATH, include_in_schema=False)(docs)
