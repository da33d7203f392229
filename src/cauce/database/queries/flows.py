"""Flows: one row per flow name."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, select

from cauce.database.dialects import insert_ignoring_conflicts
from cauce.database.tables import flows
from cauce.schemas.flows import Flow
from cauce.states import now_utc


def insert_flow_if_missing(connection: Connection, name: str) -> uuid.UUID:
    """The id of the flow named `name`, recording it first if it is new."""
    existing: uuid.UUID | None = connection.execute(
        select(flows.c.id).where(flows.c.name == name)
    ).scalar()
    if existing is not None:
        return existing
    insert_ignoring_conflicts(
        connection, flows, {"id": uuid.uuid4(), "name": name, "created": now_utc()}
    )
    flow_id: uuid.UUID = connection.execute(
        select(flows.c.id).where(flows.c.name == name)
    ).scalar_one()
    return flow_id


def select_flows(connection: Connection, limit: int = 200) -> list[Flow]:
    """Flows by name."""
    rows = connection.execute(
        select(flows.c.id, flows.c.name, flows.c.created).order_by(flows.c.name).limit(limit)
    )
    return [Flow(id=r.id, name=r.name, created=r.created) for r in rows]
