"""/api/events: record events as emitted, and read them back newest first.

Each route calls one function of orchestration/events.py; the core's refusals (an
event without a resource id, a related resource without a role, a bad limit) become
422 in app.py. Prefect receives events on a websocket (/events/in); cauce's clients
send them in one POST.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from cauce.schemas.api_events import EventFilterRequest, EventModel
from cauce.server.api.responses import REFUSED, UNREADABLE_BODY
from cauce.server.database import DatabaseDep

router = APIRouter(prefix="/events", tags=["events"])


@router.post(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**REFUSED, **UNREADABLE_BODY},
)
async def emit_events(body: list[EventModel], database: DatabaseDep) -> Response:
    """Record events; one sent again (the same id) is kept once."""
    from cauce.database.recording.executors import executor_for
    from cauce.orchestration.events import emit_events as emit

    emitted = [event.to_domain() for event in body]
    await database.transaction(lambda connection: emit(executor_for(connection), emitted))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/filter", responses={**REFUSED, **UNREADABLE_BODY})
async def read_events(
    database: DatabaseDep, body: EventFilterRequest | None = None
) -> list[EventModel]:
    """The events matching the filter, newest first."""
    from cauce.orchestration.events import read_events as read

    where = (body or EventFilterRequest()).to_domain()
    found = await database.read(lambda connection: read(connection, where))
    return [EventModel.from_domain(event) for event in found]
