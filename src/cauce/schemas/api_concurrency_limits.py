"""What crosses HTTP for global concurrency limits, in Prefect's shapes (its /v2 API):
one copy for both sides.

Whether a name or number is acceptable is the core's decision
(orchestration/concurrency_limits.py), answered as a 422 naming what is wrong.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from cauce.schemas.api import INT32_MAX, UtcDatetime, _WireModel
from cauce.schemas.api_deployments import _json_number
from cauce.schemas.concurrency_limits import SlotMode, StoredConcurrencyLimit

Count = Annotated[int, Field(ge=0, le=INT32_MAX), BeforeValidator(_json_number)]
"""A whole JSON number, not negative, that an integer column holds."""

Rate = Annotated[float, Field(ge=0, strict=True)]
"""Slots freed per second, not negative."""


class ConcurrencyLimitCreate(_WireModel):
    """A new limit; the server chooses its id. `denied_slots` is Prefect's, and ignored."""

    name: str = Field(max_length=255, description="Any text without / % & > <.")
    limit: Count
    active: StrictBool = True
    active_slots: Count = 0
    denied_slots: Count = 0
    slot_decay_per_second: Rate = 0.0

    @classmethod
    def from_domain(cls, limit: StoredConcurrencyLimit) -> ConcurrencyLimitCreate:
        """The request creating `limit`."""
        return cls.model_validate(limit)

    def to_domain(self) -> StoredConcurrencyLimit:
        """The limit to record, with a new id."""
        return self._to(StoredConcurrencyLimit)


class ConcurrencyLimitUpdate(_WireModel):
    """What to change in a limit: the fields given and not null."""

    name: str | None = Field(default=None, max_length=255)
    limit: Count | None = None
    active: StrictBool | None = None
    active_slots: Count | None = None
    denied_slots: Count | None = None
    slot_decay_per_second: Rate | None = None

    def changes(self) -> dict[str, object]:
        """The fields the request set to a value (`denied_slots` is not kept)."""
        given = {name: getattr(self, name) for name in self.model_fields_set}
        return {k: v for k, v in given.items() if v is not None and k != "denied_slots"}


class ConcurrencyLimitModel(_WireModel):
    """A limit as recorded, its `active_slots` as held now."""

    id: uuid.UUID
    name: str
    limit: int
    active: bool
    active_slots: int
    denied_slots: int = 0
    slot_decay_per_second: float
    created: UtcDatetime
    updated: UtcDatetime

    @classmethod
    def from_domain(cls, limit: StoredConcurrencyLimit) -> ConcurrencyLimitModel:
        """The wire form of `limit`."""
        return cls.model_validate(limit)

    def to_domain(self) -> StoredConcurrencyLimit:
        """The limit, with times in UTC."""
        return self._to(StoredConcurrencyLimit)


class MinimalConcurrencyLimit(_WireModel):
    """A limit named in an increment or decrement."""

    id: uuid.UUID
    name: str
    limit: int


class _Lenient(BaseModel):
    # Prefect's clients send fields cauce does not keep (create_if_missing, holder...).
    model_config = ConfigDict(extra="ignore")


class ConcurrencyLimitFilter(_Lenient):
    """The body of POST /v2/concurrency_limits/filter."""

    offset: Count = 0
    limit: Count | None = None


class SlotsRequest(_Lenient):
    """The body of /increment: take `slots` of each limit in `names`, all or none."""

    names: list[str] = Field(min_length=1)
    slots: Count
    mode: SlotMode = SlotMode.CONCURRENCY
    strict: StrictBool = False


class SlotsRelease(_Lenient):
    """The body of /decrement: give back `slots` of each limit in `names`."""

    names: list[str] = Field(min_length=1)
    slots: Count
    occupancy_seconds: Annotated[float, Field(strict=True)] | None = None
