"""Global concurrency limits as stored and read back: a name, a number of slots, and
how many are held.

A limit with `slot_decay_per_second` is a rate limit: its slots free themselves at
that rate instead of being given back. What a name may be is Prefect's rule: any
text of at most 255 characters without `/ % & > <`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from cauce.ids import new_id
from cauce.states import now_utc

MAX_NAME_LENGTH = 255
_BANNED = "/%&><"


def name_problem(name: str) -> str | None:
    """What is wrong with `name` as a concurrency limit's name, in words; None if nothing."""
    if not name:
        return "a concurrency limit needs a name"
    if len(name) > MAX_NAME_LENGTH:
        return (
            f"concurrency limit name {name[:20]!r}... is {len(name)} characters long; "
            f"the most is {MAX_NAME_LENGTH}"
        )
    if any(c in name for c in _BANNED):
        return f"concurrency limit name {name!r} may not contain any of / % & > <"
    return None


class SlotMode(StrEnum):
    """How slots are taken: held until given back, or freed by decay (a rate limit)."""

    CONCURRENCY = "concurrency"
    RATE_LIMIT = "rate_limit"


@dataclass(slots=True)
class StoredConcurrencyLimit:
    """One limit: at most `limit` slots held at once; an inactive limit holds nobody back.

    `active_slots` is how many are held when read (a decaying slot counts until it is
    wholly free)."""

    name: str
    limit: int
    active: bool = True
    active_slots: int = 0
    slot_decay_per_second: float = 0.0
    id: uuid.UUID = field(default_factory=new_id)
    created: datetime = field(default_factory=now_utc)
    updated: datetime = field(default_factory=now_utc)
