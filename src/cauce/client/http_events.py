"""The HTTP client's verbs for events, under /events.

A mixin of HttpClient, kept apart so that each file stays about one thing. The core's
refusals (no resource id, a related resource without a role) arrive as ClientError
with the server's one-line reason.
"""

from __future__ import annotations

from typing import Any

from cauce.schemas.api_events import EventFilterRequest, EventModel
from cauce.schemas.events import EventFilter, StoredEvent


class HttpEventVerbs:
    """Events on the cauce server."""

    def _request(self, method: str, path: str, *, refusals: bool = False, **kwargs: Any) -> Any:
        raise NotImplementedError

    def emit_events(self, emitted: list[StoredEvent]) -> list[StoredEvent]:
        body = [EventModel.from_domain(event).model_dump(mode="json") for event in emitted]
        self._request("POST", "/events", json=body, refusals=True)
        return emitted

    def read_events(self, where: EventFilter | None = None) -> list[StoredEvent]:
        body = EventFilterRequest.from_domain(where or EventFilter())
        response = self._request(
            "POST", "/events/filter", json=body.model_dump(mode="json"), refusals=True
        )
        return [EventModel.model_validate(event).to_domain() for event in response.json()]
