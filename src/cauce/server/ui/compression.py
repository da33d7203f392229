"""Gzip for the UI's responses (pages, fragments htmx polls, CSS and htmx), not the API's.

Markup repeats itself (a row per run, a bar per task run), so a page or a live
refresh shrinks to a fifth or less on the wire; every browser asks for gzip. The
API is left alone: its answers are small and on the path of every recorded task run,
where compressing would cost CPU for nothing.
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

# Below this a response is sent as it is: gzip's header would eat most of the gain.
MINIMUM_SIZE = 1024


class UiCompression:
    """Gzips responses outside `api_prefix` for clients that accept it."""

    def __init__(self, app: ASGIApp, api_prefix: str) -> None:
        self.app = app
        self.api_prefix = api_prefix
        self.gzip = GZipMiddleware(app, minimum_size=MINIMUM_SIZE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(self.api_prefix):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
