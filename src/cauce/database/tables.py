"""The tables, in SQLAlchemy Core: the only place column names are spelled.

A run's current state is kept on its row (state_* columns) for fast listing;
every state it ever had is a row of its *_states table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.types import DateTime, TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s__%(column_0_N_name)s",
        "uq": "uq_%(table_name)s__%(column_0_N_name)s",
        "fk": "fk_%(table_name)s__%(column_0_name)s__%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: cauce stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# BigInteger is a plain INTEGER on SQLite so that it becomes the rowid alias.
AutoId = BigInteger().with_variant(Integer(), "sqlite")


def _state_columns() -> list[Column[Any]]:
    """The current-state columns shared by flow runs and task runs."""
    return [
        Column("state_id", Uuid, nullable=True),
        Column("state_type", String(16), nullable=True),
        Column("state_name", String(64), nullable=True),
        Column("state_message", Text, nullable=True),
        Column("state_timestamp", UTCDateTime, nullable=True),
        Column("scheduled_time", UTCDateTime, nullable=True),
        Column("run_count", Integer, nullable=False, default=0),
        Column("start_time", UTCDateTime, nullable=True),
        Column("end_time", UTCDateTime, nullable=True),
        Column("created", UTCDateTime, nullable=False),
    ]


def _state_history_columns() -> list[Column[Any]]:
    return [
        Column("id", Uuid, primary_key=True),
        Column("type", String(16), nullable=False),
        Column("name", String(64), nullable=False),
        Column("message", Text, nullable=True),
        Column("timestamp", UTCDateTime, nullable=False),
        Column("scheduled_time", UTCDateTime, nullable=True),
    ]


flows = Table(
    "flows",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("created", UTCDateTime, nullable=False),
)

flow_runs = Table(
    "flow_runs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("flow_id", Uuid, ForeignKey("flows.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("parameters", JSON, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("parent_flow_run_id", Uuid, nullable=True, index=True),
    Column("parent_task_run_id", Uuid, nullable=True),
    *_state_columns(),
    Index(None, "flow_id"),
    Index(None, "state_type"),
    Index(None, "created"),
)

flow_run_states = Table(
    "flow_run_states",
    metadata,
    *_state_history_columns(),
    Column(
        "flow_run_id",
        Uuid,
        ForeignKey("flow_runs.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)

task_runs = Table(
    "task_runs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("flow_run_id", Uuid, ForeignKey("flow_runs.id", ondelete="CASCADE"), nullable=True),
    Column("task_name", String(255), nullable=False),
    Column("name", String(255), nullable=False),
    Column("cache_key", String(255), nullable=True),
    Column("tags", JSON, nullable=False),
    Column("task_inputs", JSON, nullable=False),
    *_state_columns(),
    Index(None, "flow_run_id"),
)

task_run_states = Table(
    "task_run_states",
    metadata,
    *_state_history_columns(),
    Column(
        "task_run_id",
        Uuid,
        ForeignKey("task_runs.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)

logs = Table(
    "logs",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("flow_run_id", Uuid, ForeignKey("flow_runs.id", ondelete="CASCADE"), nullable=True),
    Column("task_run_id", Uuid, nullable=True),
    Column("name", String(255), nullable=False),
    Column("level", Integer, nullable=False),
    Column("message", Text, nullable=False),
    Column("timestamp", UTCDateTime, nullable=False),
    # Chosen by the client: a retried batch inserts each line once. `id` orders and pages.
    Column("uid", Uuid, nullable=False, unique=True),
    Index(None, "flow_run_id", "timestamp"),
)
