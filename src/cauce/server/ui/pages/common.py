"""What the deployment and flow run pages share: the server's zone, the 404 page, the
redirect after a POST, a page whose forms carry a fresh CSRF token, and a deployment
read by id."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request, Response, status
from fastapi.responses import RedirectResponse

from cauce.schemas.deployments import Deployment
from cauce.server.database import ServerDatabase
from cauce.server.ui import csrf
from cauce.server.ui.rendering import render


def zone(request: Request) -> str:
    """The zone the server shows times in (CAUCE_DEFAULT_TIMEZONE)."""
    shown: str = request.app.state.settings.default_timezone
    return shown


def not_found(request: Request, what: str) -> Response:
    """The 404 page, saying `what` is not there."""
    return render("not_found.html", zone(request), 404, what=what)


def see_other(path: str) -> RedirectResponse:
    """After a POST: the browser GETs `path`."""
    return RedirectResponse(path, status.HTTP_303_SEE_OTHER)


def with_token(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """`template` rendered with a CSRF token for its forms, which the response's cookie
    remembers."""
    token = csrf.token_for(request)
    response = render(template, zone(request), status_code, csrf_token=token, **context)
    csrf.remember(request, response, token)
    return response


async def read_deployment(database: ServerDatabase, deployment_id: uuid.UUID) -> Deployment | None:
    """The deployment, or None when there is none with that id."""
    from cauce.database.queries.deployments import select_deployment

    return await database.read(lambda connection: select_deployment(connection, deployment_id))
