"""What the deployment and flow run pages share: the server's zone, the 404 page, the
redirect after a POST, and a page whose forms carry a fresh CSRF token."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response, status
from fastapi.responses import RedirectResponse

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
