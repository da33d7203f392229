"""What crosses HTTP for events: one copy for both sides.

Whether an event is acceptable (its name, a resource with an id, a role for each
related resource) is the core's decision (schemas/events.py), answered as a 422 in
Prefect's words; these models only read the body.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from cauce.schemas.api import UtcDatetime, _WireModel
from cauce.schemas.events import EventFilter, StoredEvent


class EventModel(_WireModel):
    """An event: as emitted (the server sets `received`) and as recorded."""

    id: uuid.UUID
    occurred: UtcDatetime
    event: str = Field(
        min_length=1, max_length=1024, description="The name of what happened, e.g. order.shipped."
    )
    resource: dict[str, Any] = Field(
        description="The resource's labels, its id under prefect.resource.id (or "
        "cauce.resource.id)."
    )
    related: list[dict[str, Any]] = Field(
        default_factory=list, description="Related resources' labels, each with a role."
    )
    payload: dict[str, Any] = Field(default_factory=dict)
    received: UtcDatetime | None = Field(default=None, description="Set by the server.")

    @classmethod
    def from_domain(cls, event: StoredEvent) -> EventModel:
        """The wire form of `event`."""
        return cls.model_validate(event)

    def to_domain(self) -> StoredEvent:
        """The event, with times in UTC (received now, when not given)."""
        if self.received is None:
            return self._to(StoredEvent, received=self.occurred)
        return self._to(StoredEvent)


class EventFilterRequest(_WireModel):
    """The body of POST /events/filter: names starting with `prefix`, occurred at or after
    `since`; newest first, at most `limit`."""

    prefix: str | None = None
    since: UtcDatetime | None = None
    limit: int = Field(default=100, strict=True)

    @classmethod
    def from_domain(cls, where: EventFilter) -> EventFilterRequest:
        """The request asking for `where`."""
        return cls(prefix=where.prefix, since=where.since, limit=where.limit)

    def to_domain(self) -> EventFilter:
        """The filter the core reads."""
        return EventFilter(prefix=self.prefix, since=self.since, limit=self.limit)
