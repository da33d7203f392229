"""Build the server's FastAPI app: /api (routers, health, OpenAPI), /docs, and the web UI at /.

The database (server/database.py) is opened and brought to the current schema
before the server takes requests, and closed at shutdown. What each route does
is in api/; the pages are in ui/.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from cauce.orchestration.errors import ObjectExists, ObjectNotFound, OrchestrationError
from cauce.server.api import ROUTERS
from cauce.server.auth import BasicAuthMiddleware, is_protected
from cauce.server.database import Conflict, SendAgain, ServerDatabase, Unstorable
from cauce.server.docs import mount_docs
from cauce.server.ui import mount_ui
from cauce.server.ui.compression import UiCompression
from cauce.server.wakeups import RunsMade
from cauce.services.leadership import Leadership
from cauce.settings import Settings
from cauce.version import __version__

API_PREFIX = "/api"
BASIC_AUTH = "basicAuth"
_UNAUTHORIZED = {
    "description": "Missing or wrong credentials (CAUCE_API_AUTH_STRING)",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"detail": {"type": "string", "title": "Detail"}},
                "required": ["detail"],
            }
        }
    },
}


def create_app(
    settings: Settings, database: ServerDatabase | None = None, run_services: bool = True
) -> FastAPI:
    """The server app for `settings` (database URL, auth string).

    `database`: already opened (`cauce server start` opens it first, so that a bad URL
    is one line), else the lifespan opens it. `run_services`: run the services too.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = database or ServerDatabase(settings.api.database_url)
        app.state.database = opened
        app.state.settings = settings
        app.state.runs_made = RunsMade()
        lead = Leadership(None if opened.is_sqlite else opened.url)
        services = start_services(opened, settings, lead) if run_services else []
        try:
            yield
        finally:
            for service in services:
                service.cancel()
            await asyncio.gather(*services, return_exceptions=True)
            lead.release()
            opened.close()

    app = FastAPI(
        title="cauce",
        version=__version__,
        description="Record and read flow runs, task runs, states and logs.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.get(f"{API_PREFIX}/health", tags=["health"])(health)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    mount_ui(app)
    mount_docs(app, f"{API_PREFIX}/openapi.json")
    _answer_errors(app)
    app.add_middleware(UiCompression, api_prefix=API_PREFIX)
    if settings.api.auth_string:
        app.add_middleware(BasicAuthMiddleware, auth_string=settings.api.auth_string)
        _document_basic_auth(app)
    return app


def _answer_errors(app: FastAPI) -> None:
    """What each refusal (the core's, the database's, a malformed request's) answers."""
    app.add_exception_handler(Conflict, _conflict)
    app.add_exception_handler(Unstorable, _unstorable)
    app.add_exception_handler(SendAgain, _send_again)
    app.add_exception_handler(UnicodeEncodeError, _not_unicode)
    app.add_exception_handler(HTTPException, _http_error)
    for refusal in _REFUSALS:
        app.add_exception_handler(refusal, _refused)


def start_services(
    database: ServerDatabase, settings: Settings, lead: Leadership
) -> list[asyncio.Task[None]]:
    """The server's background services, started in the running event loop."""
    from cauce.services.crashes import crashes_pass
    from cauce.services.loop import run_every
    from cauce.services.scheduler import scheduler_pass
    from cauce.services.watchdog import watchdog_pass

    every = partial(run_every, database.transaction, leadership=lead)
    interval = settings.server.scheduler_interval.total_seconds()
    heartbeat = settings.worker.heartbeat.total_seconds()
    services = {
        "scheduler": every("scheduler", interval, scheduler_pass(settings.late_after)),
        "crashes": every("crashes", heartbeat, crashes_pass(heartbeat)),
    }
    watchdog = settings.watchdog
    if watchdog.enabled:
        services["watchdog"] = every(
            "watchdog",
            watchdog.interval.total_seconds(),
            watchdog_pass(
                watchdog.late_after.total_seconds(), watchdog.running_after.total_seconds()
            ),
        )
    if settings.server.retention is not None:
        from cauce.services.retention import run_retention

        services["retention"] = run_retention(database.transaction, settings.server.retention, lead)
    loop = asyncio.get_running_loop()
    return [loop.create_task(job, name=f"cauce-{name}") for name, job in services.items()]


def _document_basic_auth(app: FastAPI) -> None:
    """Say in the OpenAPI document that /api needs basic auth, so /docs offers "Authorize".

    Documentation only: BasicAuthMiddleware is what refuses requests.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()  # FastAPI keeps it as app.openapi_schema: completed once, in place
        schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes[BASIC_AUTH] = {
            "type": "http",
            "scheme": "basic",
            "description": "The user:password of CAUCE_API_AUTH_STRING.",
        }
        for path, operations in document["paths"].items():
            if is_protected(path):
                for operation in operations.values():
                    operation["security"] = [{BASIC_AUTH: []}]
                    operation["responses"]["401"] = _UNAUTHORIZED
        return document

    app.openapi = openapi  # type: ignore[method-assign]


async def health() -> dict[str, str]:
    """Whether the server answers; open even when auth is on."""
    return {"status": "ok", "version": __version__}


async def _conflict(request: Request, exc: Exception) -> JSONResponse:
    # A constraint said no (an unknown flow run id in a batch, a run created twice at
    # once): the transaction was rolled back, so nothing of the request was written.
    return JSONResponse(
        {"detail": f"Conflicts with what is recorded: {exc}"},
        status_code=status.HTTP_409_CONFLICT,
    )


async def _unstorable(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": f"A value cannot be stored: {exc}"},
        status_code=422,
    )


async def _send_again(request: Request, exc: Exception) -> JSONResponse:
    # Nothing of the request was written; HTTP clients (cauce's too) retry a 503.
    return JSONResponse(
        {"detail": f"The database ended this write to let another through; send it again: {exc}"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "1"},
    )


async def _not_unicode(request: Request, exc: Exception) -> JSONResponse:
    # JSON's \ud800-style escapes can carry half a character, which no database (nor
    # UTF-8) can hold; the transaction it reached was rolled back.
    return JSONResponse(
        {"detail": "A text in the request is not valid Unicode: it holds a lone surrogate."},
        status_code=422,
    )


# The core's refusals (orchestration/errors.py), answered with its one-line reason. The
# most specific class wins; any other OrchestrationError is a value the core refused.
_REFUSALS: dict[type[OrchestrationError], int] = {
    ObjectNotFound: status.HTTP_404_NOT_FOUND,
    ObjectExists: status.HTTP_409_CONFLICT,
    OrchestrationError: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


async def _refused(request: Request, exc: Exception) -> JSONResponse:
    status_code = next(code for kind, code in _REFUSALS.items() if isinstance(exc, kind))
    return JSONResponse({"detail": str(exc)}, status_code=status_code)


async def _http_error(request: Request, exc: Exception) -> Response:
    # Starlette's 405 lists the methods of the first route whose path matched; a path
    # can be several routes (GET and DELETE /flow_runs/{id}), and /flow_runs/filter
    # also matches /flow_runs/{id}. List what the OpenAPI document lists: the methods
    # of the matching routes with the fewest path parameters (a literal path wins).
    assert isinstance(exc, HTTPException)
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        exc.headers = {**(exc.headers or {}), "Allow": ", ".join(_allowed_methods(request))}
    return await http_exception_handler(request, exc)


def _allowed_methods(request: Request) -> list[str]:
    """The methods the most literal routes matching the request's path answer."""
    by_params: dict[int, set[str]] = {}
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        methods = getattr(route, "methods", None)
        if match is not Match.NONE and methods:
            by_params.setdefault(route.path.count("{"), set()).update(methods)
    return sorted(by_params[min(by_params)]) if by_params else []
