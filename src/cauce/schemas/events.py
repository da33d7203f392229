"""Events as stored and read back: something that happened to a resource, as code said.

A resource is a set of string labels; one of them is its id, under Prefect's key
`prefect.resource.id` or cauce's `cauce.resource.id`. A related resource also says its
role in the event (`prefect.resource.role`). The rules here are Prefect's, in its words,
so that a refusal reads the same from `emit_event`, the client and the server.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cauce.ids import new_id
from cauce.states import now_utc

RESOURCE_ID_KEYS = ("prefect.resource.id", "cauce.resource.id")
ROLE_KEY = "prefect.resource.role"
MAX_EVENT_NAME_LENGTH = 1024


def resource_id(labels: dict[str, str]) -> str:
    """The resource's id: its `prefect.resource.id` label, else `cauce.resource.id`, else ""."""
    return next((labels[key] for key in RESOURCE_ID_KEYS if labels.get(key)), "")


def resource_problem(labels: Any, related: bool = False) -> str | None:
    """What is wrong with `labels` as a (related) resource; None if nothing."""
    if not isinstance(labels, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in labels.items()
    ):
        return "A resource's labels must be a dict of strings"
    if not any(key in labels for key in RESOURCE_ID_KEYS):
        return "Resources must include the prefect.resource.id label (or cauce.resource.id)"
    if not resource_id(labels):
        return "The prefect.resource.id label must be non-empty"
    if related and not labels.get(ROLE_KEY):
        return "Related Resources must include the prefect.resource.role label"
    return None


@dataclass(slots=True)
class StoredEvent:
    """One event: its name (`order.shipped`), the resource it concerns, the resources
    related to it, what happened (`payload`), when it `occurred` and was `received`."""

    event: str
    resource: dict[str, str]
    related: list[dict[str, str]] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)
    occurred: datetime = field(default_factory=now_utc)
    id: uuid.UUID = field(default_factory=new_id)
    received: datetime = field(default_factory=now_utc)

    @property
    def resource_id(self) -> str:
        """The id of the resource the event concerns."""
        return resource_id(self.resource)


def event_problem(event: StoredEvent) -> str | None:
    """What is wrong with `event`; None if nothing."""
    if not event.event or len(event.event) > MAX_EVENT_NAME_LENGTH:
        return f"an event's name must be 1 to {MAX_EVENT_NAME_LENGTH} characters"
    problem = resource_problem(event.resource)
    for related in event.related:
        problem = problem or resource_problem(related, related=True)
    if problem is None and not isinstance(event.payload, dict):
        problem = "an event's payload must be a dict"
    return problem


@dataclass(slots=True)
class EventFilter:
    """Which events to read: names starting with `prefix`, occurred at or after `since`;
    newest first, at most `limit`."""

    prefix: str | None = None
    since: datetime | None = None
    limit: int = 100
