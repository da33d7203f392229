"""CSRF protection for the UI's forms: every POST a page makes carries a token.

Double submit: each browser gets a random token in a cookie (`SameSite=Strict`,
`HttpOnly`, `Path=/`) and the same value in a hidden field of each form. Another
site can make a browser send the cookie's request, but cannot read the cookie to
put the token in the form. An `Origin` or `Referer` header, when the browser sends
one, must also name this server. A POST that fails either check is refused with a
403 and a one-line message before its route runs, so nothing changes. The API
(/api/...) does not use this: its clients send no cookies.

To protect a new UI action (a flow run's cancel, retry or delete):

1. The page that shows the form takes a token and hands it to its template, and
   sets the cookie on its response::

       token = csrf.token_for(request)
       response = render("flow_run.html", zone, csrf_token=token, ...)
       csrf.remember(request, response, token)
       return response

2. The template puts it in the form, in a hidden field:
   `<input type="hidden" name="csrf_token" value="{{ csrf_token }}">`.

3. The POST route takes `form: csrf.CheckedForm` as a parameter: the form's
   fields, read only once the token and the origin were checked.
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Annotated
from urllib.parse import parse_qsl, urlsplit

from fastapi import Depends, Request, Response
from fastapi.responses import PlainTextResponse

COOKIE = "cauce_csrf"
FIELD = "csrf_token"
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


class CsrfRefused(Exception):
    """A UI POST without a valid token or from another origin; its one-line reason."""


def token_for(request: Request) -> str:
    """The browser's token: the one its cookie holds, or a new one."""
    held = request.cookies.get(COOKIE, "")
    return held if _WELL_FORMED.fullmatch(held) else secrets.token_urlsafe(32)


def remember(request: Request, response: Response, token: str) -> None:
    """Set the token's cookie on `response` (Secure when the page came over HTTPS)."""
    response.set_cookie(
        COOKIE,
        token,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _host(url: str) -> str:
    # Host and port only: behind a proxy that ends TLS the server sees http while the
    # browser says https. "null" (a sandboxed page, a file) has none, so it never matches.
    return urlsplit(url).netloc.lower()


def origin_problem(request: Request) -> str | None:
    """Why the request's Origin or Referer is not this server's (its host and port), or
    None when it is (or the browser sent neither)."""
    own = _host(str(request.base_url))
    for header in ("origin", "referer"):
        value = request.headers.get(header)
        if value is not None and _host(value) != own:
            return f"Refused: this form was sent from {value!r}, not from this server."
    return None


async def checked_form(request: Request) -> dict[str, str]:
    """The POST's form fields, once its origin and token were checked; CsrfRefused if not."""
    problem = origin_problem(request)
    if problem is not None:
        raise CsrfRefused(problem)
    body = (await request.body()).decode("utf-8", errors="replace")
    form = dict(parse_qsl(body, keep_blank_values=True))
    cookie = request.cookies.get(COOKIE, "")
    sent = form.pop(FIELD, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise CsrfRefused(
            "Refused: the form's security token is missing or stale; reload the page and try again."
        )
    return form


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]
"""A UI route's parameter: the form's fields, after the CSRF checks."""


async def refused(request: Request, exc: Exception) -> Response:
    """The 403 of a refused form: its one-line reason, as text."""
    return PlainTextResponse(str(exc), status_code=403)
