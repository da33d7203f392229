"""HTTP basic auth for /api and the web UI when CAUCE_API_AUTH_STRING is set.

A middleware rather than a per-router dependency, so that no route (the OpenAPI
document and every UI page included) can be added without it: every path is
protected but the open ones. /api/health stays open for load balancers and
`cauce server start`'s own checks; /docs (Swagger UI's page and files, which show
nothing recorded) stays open so that its Authorize button can ask for the credentials.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

OPEN_PATHS = frozenset({"/api/health", "/docs"})
OPEN_PREFIXES = ("/docs/",)


def is_protected(path: str) -> bool:
    """Whether a request to `path` needs credentials: all but the open paths."""
    return path not in OPEN_PATHS and not path.startswith(OPEN_PREFIXES)


def credentials_problem(authorization: str | None, auth_string: str) -> str | None:
    """Why an Authorization header does not grant access, or None when it does."""
    if not authorization:
        return "Authentication required: send HTTP basic auth (CAUCE_API_AUTH_STRING)"
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return "Authentication must use the Basic scheme"
    try:
        given = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return "Malformed basic auth credentials"
    # Constant time: how far a guess matches must not show in the response time.
    if not secrets.compare_digest(given, auth_string.encode()):
        return "Wrong user or password"
    return None


class BasicAuthMiddleware:
    """Answers 401 with `WWW-Authenticate: Basic` to protected requests without the credentials."""

    def __init__(self, app: ASGIApp, auth_string: str) -> None:
        self.app = app
        self.auth_string = auth_string

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_protected(scope["path"]):
            authorization = Headers(scope=scope).get("authorization")
            problem = credentials_problem(authorization, self.auth_string)
            if problem is not None:
                response = JSONResponse(
                    {"detail": problem},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Basic realm="cauce"'},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
