"""Global concurrency limits: create, read, change, delete, and take and give back slots.

Taking slots is all or nothing over the names given: each limit's slots are taken by
one conditional UPDATE (queries.take_slots), in name order; when one does not fit,
those already taken in this call are given back and the caller is told to wait. A
limit that does not exist or is inactive holds nobody back. `now` is seconds since
the epoch (the clock's when omitted): rate limits' slots decay with it.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import Connection

from cauce.database.queries import concurrency_limits as queries
from cauce.orchestration.errors import InvalidRequest, ObjectExists, ObjectNotFound
from cauce.schemas.concurrency_limits import SlotMode, StoredConcurrencyLimit, name_problem
from cauce.states import now_utc

_FIELDS = {"name", "limit", "active", "active_slots", "slot_decay_per_second"}
# Slots freed per second, at most: decay times decades of seconds stays a finite float.
MAX_SLOT_DECAY = 1e9


def _check(limit: StoredConcurrencyLimit) -> None:
    problem = name_problem(limit.name)
    if problem:
        raise InvalidRequest(problem)
    if limit.limit < 0 or limit.active_slots < 0 or limit.slot_decay_per_second < 0:
        raise InvalidRequest(
            f"concurrency limit {limit.name!r}: limit, active_slots and "
            "slot_decay_per_second cannot be negative"
        )
    if not limit.slot_decay_per_second <= MAX_SLOT_DECAY:
        raise InvalidRequest(
            f"concurrency limit {limit.name!r}: slot_decay_per_second is "
            f"{limit.slot_decay_per_second:g}; the most is {MAX_SLOT_DECAY:g}"
        )


def create_limit(
    connection: Connection, limit: StoredConcurrencyLimit, now: float | None = None
) -> StoredConcurrencyLimit:
    """Record a new limit; ObjectExists if the name is taken."""
    _check(limit)
    at = time.time() if now is None else now
    if queries.select_limit(connection, at, name=limit.name) is not None:
        raise ObjectExists(f"concurrency limit {limit.name!r} already exists")
    queries.insert_limit(connection, limit, at)
    return limit


def read_limit(
    connection: Connection, id_or_name: str, now: float | None = None
) -> StoredConcurrencyLimit:
    """The limit with this id or name; ObjectNotFound naming it."""
    at = time.time() if now is None else now
    try:
        found = queries.select_limit(connection, at, id=uuid.UUID(id_or_name))
    except ValueError:
        found = None
    found = found or queries.select_limit(connection, at, name=id_or_name)
    if found is None:
        raise ObjectNotFound(f"concurrency limit {id_or_name!r} does not exist")
    return found


def read_limits(
    connection: Connection, offset: int = 0, limit: int | None = None
) -> list[StoredConcurrencyLimit]:
    """The limits, by name, `offset` and `limit` paging them."""
    if offset < 0 or (limit is not None and limit < 0):
        raise InvalidRequest("offset and limit cannot be negative")
    return queries.select_limits(connection, time.time(), offset=offset, limit=limit)


def update_limit(connection: Connection, id_or_name: str, changes: dict[str, Any]) -> None:
    """Change the fields of the limit named in `changes` (name, limit, active,
    active_slots, slot_decay_per_second)."""
    unknown = set(changes) - _FIELDS
    if unknown:
        raise InvalidRequest(f"a concurrency limit has no field {sorted(unknown)[0]!r}")
    at = time.time()
    limit = read_limit(connection, id_or_name, at)
    new_name = changes.get("name", limit.name)
    if new_name != limit.name and queries.select_limit(connection, at, name=new_name):
        raise ObjectExists(f"concurrency limit {new_name!r} already exists")
    for key, value in changes.items():
        setattr(limit, key, value)
    _check(limit)
    limit.updated = now_utc()
    queries.update_limit(connection, limit, at)


def delete_limit(connection: Connection, id_or_name: str) -> None:
    """Delete the limit with this id or name; ObjectNotFound naming it."""
    queries.delete_limit(connection, read_limit(connection, id_or_name).id)


def acquire_slots(
    connection: Connection,
    names: list[str],
    slots: int,
    mode: SlotMode = SlotMode.CONCURRENCY,
    strict: bool = False,
    now: float | None = None,
) -> list[StoredConcurrencyLimit] | None:
    """Take `slots` of each active limit named; the limits named that exist, or None
    when some limit has no room now (nothing was taken then).

    With `strict`, a name with no limit is ObjectNotFound; asking for more slots than
    a limit has, or a rate limit of a limit without decay, is InvalidRequest."""
    if slots < 0:
        raise InvalidRequest("slots cannot be negative")
    at = time.time() if now is None else now
    found = queries.select_limits(connection, at, names=sorted(set(names)))
    missing = sorted(set(names) - {limit.name for limit in found})
    if missing and strict:
        raise ObjectNotFound(f"concurrency limits {missing} must be created before acquiring slots")
    active = [limit for limit in found if limit.active]
    for limit in active:
        if slots > limit.limit:
            raise InvalidRequest(
                f"{slots} slots requested of concurrency limit {limit.name!r}, "
                f"which has {limit.limit}"
            )
        if mode == SlotMode.RATE_LIMIT and not limit.slot_decay_per_second:
            raise InvalidRequest(
                f"concurrency limit {limit.name!r} has no slot decay, which a rate limit needs"
            )
    taken: list[uuid.UUID] = []
    for limit in active:
        if not queries.take_slots(connection, limit.id, slots, at):
            if taken:
                queries.give_back_slots(connection, taken, slots, at)
            return None
        taken.append(limit.id)
    return found


def release_slots(
    connection: Connection, names: list[str], slots: int, now: float | None = None
) -> list[StoredConcurrencyLimit]:
    """Give back `slots` of each active limit named; the limits named that exist."""
    if slots < 0:
        raise InvalidRequest("slots cannot be negative")
    at = time.time() if now is None else now
    found = queries.select_limits(connection, at, names=sorted(set(names)))
    active = [limit.id for limit in found if limit.active]
    if active:
        queries.give_back_slots(connection, active, slots, at)
    return found
