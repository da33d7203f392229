"""Rendering: one Jinja2 environment, autoescaped, with the filters the pages share.

The environment (and Jinja2 itself) is built at the first page rendered, so a server
only ever asked over /api never holds it.

Times are shown in the server's CAUCE_DEFAULT_TIMEZONE with their UTC offset, so a
reader in another zone can still tell when something happened.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse

if TYPE_CHECKING:
    import jinja2

STATIC_PATH = "/ui/static"


@cache
def _environment() -> jinja2.Environment:
    """The pages' one environment, built at the first page rendered."""
    import jinja2

    # Autoescape on for every template whatever its name: a log line is user text.
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["STATIC"] = STATIC_PATH
    environment.filters["level_name"] = level_name
    environment.filters["pretty_json"] = pretty_json
    return environment


def local_time(moment: datetime | None, zone: str) -> str:
    """`moment` in `zone` as 2026-12-05 02:22:01 -03:00; an empty string for None."""
    if moment is None:
        return ""
    if moment.tzinfo is None:  # stored as UTC without its zone (SQLite)
        moment = moment.replace(tzinfo=UTC)
    shown = moment.astimezone(ZoneInfo(zone))
    offset = shown.strftime("%z")
    return f"{shown:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"


def level_name(level: int) -> str:
    """INFO, WARNING... for a logging level number."""
    return logging.getLevelName(level)


def pretty_json(value: Any) -> str:
    """A run's parameters as indented JSON (values JSON cannot hold shown by str)."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str, sort_keys=True)


def render_text(template: str, zone: str, **context: Any) -> str:
    """`template` rendered with `context`, times shown in `zone`, as markup."""
    compiled = _environment().get_template(template)
    return compiled.render(local_time=lambda moment: local_time(moment, zone), zone=zone, **context)


def render(
    template: str,
    zone: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """`template` rendered with `context`, times shown in `zone`, as a response."""
    html = render_text(template, zone, **context)
    return HTMLResponse(html, status_code=status_code, headers={**_HEADERS, **(headers or {})})


# A second line behind escaping: no inline script runs, nothing but images (a run's
# image artifacts, on the web) loads from elsewhere, and no other site frames the pages.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' http: https:; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}
