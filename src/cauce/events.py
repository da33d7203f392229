"""Events: `emit_event` records that something happened to a resource, as Prefect's does.

`emit_event(event="order.shipped", resource={"prefect.resource.id": "order.123"},
payload={...}, related=[...])` has Prefect 3's arguments and returns the `Event` as
recorded; `cauce event ls` lists them. A resource's id may be under Prefect's key
`prefect.resource.id` or cauce's `cauce.resource.id`. Inside a flow or task run the run
is added to `related` (role `flow-run` or `task-run`, id `cauce.flow-run.<id>`), as
Prefect adds its runs.

As in Prefect, a bad event (no resource id, a related resource without a role) is
logged as an error naming what is wrong and gives None; so does a store that cannot
record it now (busy, or a server that does not answer), with a warning: emitting
never fails the run that emits. `Event`, `Resource` and `RelatedResource` are
Prefect's models (pydantic), built directly they raise as Prefect's do.

What differs from Prefect: cauce has no automations or triggers, so an event is
recorded and listed only; and it is recorded before `emit_event` returns (Prefect
sends it from a background worker).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import ItemsView, KeysView
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticSerializationError

from cauce.context import FlowRunContext, TaskRunContext
from cauce.ids import new_id
from cauce.schemas.events import ROLE_KEY, StoredEvent, resource_id, resource_problem

__all__ = ["Event", "RelatedResource", "Resource", "emit_event"]

logger = logging.getLogger("cauce.events")


class Resource(RootModel[dict[str, str]]):
    """Something an event concerns, as labels; its id is the `prefect.resource.id` label
    (or `cauce.resource.id`)."""

    @model_validator(mode="after")
    def _requires_resource_id(self) -> Resource:
        problem = resource_problem(self.root)
        if problem:
            raise ValueError(problem)
        return self

    @property
    def id(self) -> str:
        """The resource's id."""
        return resource_id(self.root)

    @property
    def name(self) -> str | None:
        """Its `prefect.resource.name` label, if any."""
        return self.root.get("prefect.resource.name")

    def __getitem__(self, label: str) -> str:
        return self.root[label]

    def __contains__(self, label: object) -> bool:
        return label in self.root

    def get(self, label: str, default: str | None = None) -> str | None:
        """The label's value, or `default`."""
        return self.root.get(label, default)

    def keys(self) -> KeysView[str]:
        """The labels' names."""
        return self.root.keys()

    def items(self) -> ItemsView[str, str]:
        """The labels, as (name, value) pairs."""
        return self.root.items()


class RelatedResource(Resource):
    """A resource with a role in an event (its `prefect.resource.role` label)."""

    @model_validator(mode="after")
    def _requires_resource_role(self) -> RelatedResource:
        problem = resource_problem(self.root, related=True)
        if problem:
            raise ValueError(problem)
        return self

    @property
    def role(self) -> str:
        """The resource's role in the event."""
        return self.root[ROLE_KEY]


def _utc_if_naive(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# A time without a zone is taken as UTC, as Prefect takes it.
EventTime = Annotated[datetime, AfterValidator(_utc_if_naive)]


class Event(BaseModel):
    """Something that happened to a resource: its name, when, what (payload), and the
    resources related to it."""

    model_config = ConfigDict(extra="ignore")

    occurred: EventTime = Field(
        default_factory=lambda: datetime.now(UTC),
        description="When the event happened from the sender's perspective",
    )
    event: str = Field(description="The name of the event that happened")
    resource: Resource = Field(description="The primary Resource this event concerns")
    related: list[RelatedResource] = Field(
        default_factory=list, description="A list of additional Resources involved"
    )
    payload: dict[str, Any] = Field(
        default_factory=dict, description="An open-ended set of data describing what happened"
    )
    id: uuid.UUID = Field(
        default_factory=new_id, description="The client-provided identifier of this event"
    )
    follows: uuid.UUID | None = Field(
        default=None, description="The id of an event known to have occurred before this one"
    )

    @property
    def involved_resources(self) -> list[Resource]:
        """The resource and the related ones."""
        return [self.resource, *self.related]


def emit_event(
    event: str,
    resource: dict[str, str],
    occurred: datetime | None = None,
    related: list[dict[str, str]] | list[RelatedResource] | None = None,
    payload: dict[str, Any] | None = None,
    id: uuid.UUID | None = None,
    follows: Event | None = None,
    **kwargs: Any,
) -> Event | None:
    """Record an event; the Event, or None (logged) when it is bad or cannot be stored."""
    fields: dict[str, Any] = {"event": event, "resource": resource, **kwargs}
    fields["occurred"] = occurred or datetime.now(UTC)
    for name, value in (("related", related), ("payload", payload), ("id", id)):
        if value is not None:
            fields[name] = value
    if follows is not None:
        fields["follows"] = follows.id
    try:
        made = Event(**fields)
        made.related.extend(_run_resources(made))
        stored = _stored(made)
    except ValidationError as exc:
        reasons = "; ".join(error["msg"].removeprefix("Value error, ") for error in exc.errors())
        logger.error("Error emitting event %s: %s", event, reasons)
        return None
    except PydanticSerializationError as exc:
        logger.error("Error emitting event %s: its payload is not JSON: %s", event, exc)
        return None
    return made if _record(stored) else None


def _run_resources(event: Event) -> list[RelatedResource]:
    """The flow and task run this code runs in, unless the event names them already."""
    runs: list[dict[str, str]] = []
    flow_context = FlowRunContext.get()
    if flow_context is not None:
        run = flow_context.flow_run
        runs.append(_run_labels("flow-run", str(run.id), run.name))
    task_context = TaskRunContext.get()
    if task_context is not None:
        task_run = task_context.task_run
        runs.append(_run_labels("task-run", str(task_run.id), task_run.name))
    named = {resource.id for resource in event.involved_resources}
    return [
        RelatedResource(labels) for labels in runs if labels["prefect.resource.id"] not in named
    ]


def _run_labels(role: str, run_id: str, name: str) -> dict[str, str]:
    return {
        "prefect.resource.id": f"cauce.{role}.{run_id}",
        ROLE_KEY: role,
        "prefect.resource.name": name,
    }


def _stored(event: Event) -> StoredEvent:
    """The event as the store keeps it: labels and payload as JSON (times as text)."""
    as_json = event.model_dump(mode="json")
    return StoredEvent(
        event=event.event,
        resource=as_json["resource"],
        related=as_json["related"],
        payload=as_json["payload"],
        occurred=event.occurred.astimezone(UTC),
        id=event.id,
    )


def _record(stored: StoredEvent) -> bool:
    """Whether the store recorded the event. A store that cannot (busy, down, or anything
    else) is a warning, not an error: the run that emits goes on."""
    from cauce.client.factory import get_client

    try:
        get_client().emit_events([stored])
    except Exception as exc:
        logger.warning("Event %s was not recorded: %s: %s", stored.event, type(exc).__name__, exc)
        return False
    return True
