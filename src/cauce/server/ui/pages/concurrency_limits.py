"""The global concurrency limits page at /concurrency-limits: each limit's slots, how
many are held now, whether it is active and its slot decay (a rate limit's), as
`cauce global-concurrency-limit ls` shows them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cauce.server.database import DatabaseDep
from cauce.server.ui.pages.common import zone
from cauce.server.ui.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/concurrency-limits", response_class=HTMLResponse)
async def concurrency_limits_page(request: Request, database: DatabaseDep) -> Any:
    """Every global concurrency limit by name, its slots as held now."""
    import time

    from cauce.database.queries.concurrency_limits import select_limits

    now = time.time()
    limits = await database.read(lambda connection: select_limits(connection, now))
    return render("concurrency_limits.html", zone(request), limits=limits)
