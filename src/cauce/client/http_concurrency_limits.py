"""The HTTP client's verbs for global concurrency limits, at Prefect 3's paths under
/v2/concurrency_limits.

A mixin of HttpClient, kept apart so that each file stays about one thing. The core's
refusals arrive as ClientError with the server's one-line reason, an unknown limit as
NotFound, and no room for the slots as the 423 Prefect answers (SlotsTaken).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from cauce.client.base import SlotsTaken
from cauce.schemas.api_concurrency_limits import (
    ConcurrencyLimitCreate,
    ConcurrencyLimitModel,
    ConcurrencyLimitUpdate,
    MinimalConcurrencyLimit,
)
from cauce.schemas.concurrency_limits import SlotMode, StoredConcurrencyLimit

_PATH = "/v2/concurrency_limits"


class HttpConcurrencyLimitVerbs:
    """Global concurrency limits on the cauce server."""

    def _request(self, method: str, path: str, *, refusals: bool = False, **kwargs: Any) -> Any:
        raise NotImplementedError

    def create_concurrency_limit(self, limit: StoredConcurrencyLimit) -> StoredConcurrencyLimit:
        body = ConcurrencyLimitCreate.from_domain(limit)
        response = self._request(
            "POST", f"{_PATH}/", json=body.model_dump(mode="json"), refusals=True
        )
        return ConcurrencyLimitModel.model_validate(response.json()).to_domain()

    def read_concurrency_limit(self, id_or_name: str) -> StoredConcurrencyLimit:
        response = self._request("GET", f"{_PATH}/{_segment(id_or_name)}")
        return ConcurrencyLimitModel.model_validate(response.json()).to_domain()

    def read_concurrency_limits(
        self, offset: int = 0, limit: int | None = None
    ) -> list[StoredConcurrencyLimit]:
        body = {"offset": offset, **({} if limit is None else {"limit": limit})}
        response = self._request("POST", f"{_PATH}/filter", json=body, refusals=True)
        return [ConcurrencyLimitModel.model_validate(c).to_domain() for c in response.json()]

    def update_concurrency_limit(self, id_or_name: str, changes: dict[str, Any]) -> None:
        body = ConcurrencyLimitUpdate.model_validate(changes)
        self._request(
            "PATCH",
            f"{_PATH}/{_segment(id_or_name)}",
            json=body.model_dump(mode="json", include=set(changes)),
            refusals=True,
        )

    def delete_concurrency_limit(self, id_or_name: str) -> None:
        self._request("DELETE", f"{_PATH}/{_segment(id_or_name)}")

    def acquire_concurrency_slots(
        self, names: list[str], slots: int, mode: SlotMode, strict: bool
    ) -> list[str] | None:
        body = {"names": names, "slots": slots, "mode": str(mode), "strict": strict}
        try:
            response = self._request("POST", f"{_PATH}/increment", json=body, refusals=True)
        except SlotsTaken:
            return None
        return [MinimalConcurrencyLimit.model_validate(c).name for c in response.json()]

    def release_concurrency_slots(self, names: list[str], slots: int) -> None:
        body = {"names": names, "slots": slots}
        self._request("POST", f"{_PATH}/decrement", json=body, refusals=True)


def _segment(id_or_name: str) -> str:
    return quote(id_or_name, safe="")
