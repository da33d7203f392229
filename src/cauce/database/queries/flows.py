"""Flows: one row per flow name."""

from __future__ import annotations

from sqlalchemy import Connection, select

from cauce.database.tables import flows
from cauce.schemas.flows import Flow


def select_flows(connection: Connection, limit: int = 200) -> list[Flow]:
    """Flows by name."""
    rows = connection.execute(
        select(flows.c.id, flows.c.name, flows.c.created).order_by(flows.c.name).limit(limit)
    )
    return [Flow(id=r.id, name=r.name, created=r.created) for r in rows]
