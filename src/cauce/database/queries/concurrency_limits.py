"""Global concurrency limits: one row per name; slots taken and given back by one
UPDATE each, whose WHERE decides whether they fit, so two writers never both take
the last slot."""

from __future__ import annotations

import math
import uuid
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Row,
    case,
    delete,
    insert,
    literal,
    select,
    update,
)

from cauce.database.tables import concurrency_limits as limits
from cauce.schemas.concurrency_limits import StoredConcurrencyLimit

# A slot that has decayed to within this of free counts as free (float rounding).
_EPSILON = 1e-9


def _held(now: float) -> ColumnElement[float]:
    """The slots a row holds at `now`: what it held at `slots_at`, less what decayed since."""
    left = limits.c.active_slots - (
        (literal(now, Float) - limits.c.slots_at) * limits.c.slot_decay_per_second
    )
    return case((left > 0, left), else_=literal(0.0, Float))


def _limit_from_row(row: Row[Any], now: float) -> StoredConcurrencyLimit:
    left = row.active_slots - max(0.0, now - row.slots_at) * row.slot_decay_per_second
    return StoredConcurrencyLimit(
        id=row.id,
        name=row.name,
        limit=row.limit,
        active=row.active,
        active_slots=math.ceil(left - _EPSILON) if left > _EPSILON else 0,
        slot_decay_per_second=row.slot_decay_per_second,
        created=row.created,
        updated=row.updated,
    )


def insert_limit(connection: Connection, limit: StoredConcurrencyLimit, now: float) -> None:
    """Record a new limit (its name must be new), holding its `active_slots` at `now`."""
    connection.execute(
        insert(limits).values(id=limit.id, created=limit.created, **_columns(limit, now))
    )


def select_limit(
    connection: Connection, now: float, *, name: str | None = None, id: uuid.UUID | None = None
) -> StoredConcurrencyLimit | None:
    """The limit with this name (or id), as held at `now`; None if there is none."""
    where = limits.c.name == name if id is None else limits.c.id == id
    row = connection.execute(select(limits).where(where)).first()
    return None if row is None else _limit_from_row(row, now)


def select_limits(
    connection: Connection,
    now: float,
    names: list[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[StoredConcurrencyLimit]:
    """The limits (only those named, if `names`), by name, as held at `now`."""
    query = select(limits).order_by(limits.c.name)
    if names is not None:
        query = query.where(limits.c.name.in_(names))
    found = [_limit_from_row(row, now) for row in connection.execute(query)]
    # Paged here, not in SQL: limits are few, and a page bound past 64 bits is no error.
    return found[offset : None if limit is None else offset + limit]


def update_limit(connection: Connection, limit: StoredConcurrencyLimit, now: float) -> None:
    """Store the limit's fields; its held slots become `active_slots` as of `now`."""
    connection.execute(update(limits).where(limits.c.id == limit.id).values(**_columns(limit, now)))


def _columns(limit: StoredConcurrencyLimit, now: float) -> dict[str, Any]:
    """The columns a limit's fields set, its held slots counted from `now`."""
    return {
        "name": limit.name,
        "limit": limit.limit,
        "active": limit.active,
        "active_slots": float(limit.active_slots),
        "slots_at": now,
        "slot_decay_per_second": limit.slot_decay_per_second,
        "updated": limit.updated,
    }


def delete_limit(connection: Connection, limit_id: uuid.UUID) -> None:
    """Delete the limit."""
    connection.execute(delete(limits).where(limits.c.id == limit_id))


def take_slots(connection: Connection, limit_id: uuid.UUID, slots: int, now: float) -> bool:
    """Take `slots` of the limit if they fit under it at `now`; whether they did."""
    held = _held(now)
    result = connection.execute(
        update(limits)
        .where(limits.c.id == limit_id, held + slots <= limits.c.limit + _EPSILON)
        .values(active_slots=held + slots, slots_at=now)
    )
    return result.rowcount == 1


def give_back_slots(
    connection: Connection, limit_ids: list[uuid.UUID], slots: int, now: float
) -> None:
    """Give back `slots` of each limit (never below none held)."""
    left = _held(now) - slots
    connection.execute(
        update(limits)
        .where(limits.c.id.in_(limit_ids))
        .values(active_slots=case((left > 0, left), else_=literal(0.0, Float)), slots_at=now)
    )
