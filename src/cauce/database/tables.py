"""The tables, in SQLAlchemy Core: the only place column names are spelled.

A run's current state is kept on its row (state_* columns) for fast listing;
every state it ever had is a row of its *_states table. A deployment says where
a flow's code is, how to call it, when (its schedules) and where to run it (its
work pool); the flow runs it makes point back at it. A variable is a named JSON
value that flows read at run time (Prefect's Variables); a block document is a
block's fields saved under its type's slug and a name (Prefect's Blocks). An artifact is something a
run made for people to see (a report, a table, a link, a progress bar, an image). An
event is something that happened to a resource, as code emitted it (Prefect's events).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    true,
)
from sqlalchemy.sql.elements import ColumnElement
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


class JSONText(TypeDecorator[Any]):
    """Any JSON value, kept as its JSON text: in a JSON column SQLite's numeric affinity
    would store the text 2.0 as the integer 2, and a large integer as a float."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        return json.dumps(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


# BigInteger is a plain INTEGER on SQLite so that it becomes the rowid alias.
AutoId = BigInteger().with_variant(Integer(), "sqlite")


def _partial_unique_index(name: str, *columns: str, where: ColumnElement[bool]) -> Index:
    """A unique index of the rows matching `where`, on SQLite and on PostgreSQL.

    Index(postgresql_where=...) would import SQLAlchemy's PostgreSQL dialect (~2 MB,
    ~25 ms) to validate the option, in every process that imports the tables, on
    SQLite too. So the option is set when PostgreSQL's options of the index are
    first read: by that dialect compiling CREATE INDEX, or by Alembic comparing.
    """
    index = Index(name, *columns, unique=True, sqlite_where=where)
    options = index.dialect_options

    def options_for(dialect_name: str) -> Any:
        made = index._kw_reg_for_dialect_cls(dialect_name)
        if dialect_name == "postgresql":
            made["where"] = where
        return made

    options.creator = options_for
    return index


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

work_pools = Table(
    "work_pools",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("type", String(32), nullable=False),
    Column("description", Text, nullable=True),
    Column("is_paused", Boolean, nullable=False, server_default=false()),
    Column("concurrency_limit", Integer, nullable=True),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
)

deployments = Table(
    "deployments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("flow_id", Uuid, ForeignKey("flows.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    # path/to/file.py:function, relative to the source.
    Column("entrypoint", String(1024), nullable=False),
    # A local folder or a git URL; `branch` for git only.
    Column("source", String(2048), nullable=False),
    Column("branch", String(255), nullable=True),
    Column("parameters", JSON, nullable=False),
    Column("parameter_schema", JSON, nullable=False),
    # A pool that still has deployments cannot be deleted.
    Column("work_pool_id", Uuid, ForeignKey("work_pools.id"), nullable=False, index=True),
    Column("tags", JSON, nullable=False),
    Column("description", Text, nullable=True),
    Column("version", String(255), nullable=True),
    Column("is_paused", Boolean, nullable=False, server_default=false()),
    Column("concurrency_limit", Integer, nullable=True),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    # The watchdog's Running limit for this deployment's runs, over the global one.
    Column("watchdog_running_after_seconds", Float, nullable=True),
    UniqueConstraint("flow_id", "name"),
)

deployment_schedules = Table(
    "deployment_schedules",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "deployment_id",
        Uuid,
        ForeignKey("deployments.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # Exactly one of cron, interval_seconds (with its anchor) and rrule is set.
    Column("cron", String(255), nullable=True),
    Column("interval_seconds", Float, nullable=True),
    Column("anchor", UTCDateTime, nullable=True),
    Column("rrule", Text, nullable=True),
    # The IANA zone the schedule is computed in; never empty (no silent UTC).
    Column("timezone", String(64), nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("created", UTCDateTime, nullable=False),
    # Its runs' parameters over the deployment's; {} for schedules from before 0011.
    Column("parameters", JSON, nullable=False, server_default="{}"),
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
    Column(
        "deployment_id",
        Uuid,
        ForeignKey("deployments.id", ondelete="SET NULL"),
        nullable=True,
    ),
    # When the run was meant to start (set once, unlike the state's scheduled_time).
    Column("expected_start_time", UTCDateTime, nullable=True),
    # Made by the scheduler from a schedule (not asked for by hand).
    Column("auto_scheduled", Boolean, nullable=False, server_default=false()),
    # The schedule that made it (no foreign key: a run outlives its schedule's row,
    # which re-applying a deployment deletes and writes again); NULL before 0013.
    Column("deployment_schedule_id", Uuid, nullable=True),
    # Where the run's process is: a run whose process is gone, or whose worker or
    # process stopped heartbeating, is Crashed rather than left Running.
    Column("worker_id", Uuid, nullable=True, index=True),
    Column("host", String(255), nullable=True),
    Column("pid", Integer, nullable=True),
    Column("heartbeat", UTCDateTime, nullable=True),
    # The flow's retries as its process declared them, and the delay before the next
    # attempt: a deployment's run that crashes with retries left is scheduled again.
    Column("retries", Integer, nullable=True),
    Column("retry_delay_seconds", Float, nullable=True),
    *_state_columns(),
    # Lists are newest first: a flow's runs, a state's or a deployment's, read in that
    # order. A page past an offset reads the skipped runs' (created, id) from the index.
    Index(None, "flow_id", "created"),
    Index(None, "state_type", "created"),
    Index(None, "deployment_id", "created"),
    Index(None, "created", "id"),
    # One run per deployment, schedule and scheduled time, however many scheduler
    # passes, restarts or servers on one database make it (Prefect's idempotency key
    # for a scheduled run is the same three).
    _partial_unique_index(
        "uq_flow_runs__auto_scheduled",
        "deployment_id",
        "deployment_schedule_id",
        "expected_start_time",
        where=Column("auto_scheduled") == true(),
    ),
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

workers = Table(
    "workers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "work_pool_id",
        Uuid,
        ForeignKey("work_pools.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("name", String(255), nullable=False),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started", UTCDateTime, nullable=False),
    Column("last_heartbeat", UTCDateTime, nullable=False),
    # Set when the worker stopped on its own (SIGTERM, Ctrl-C); else it is healthy
    # while it heartbeats.
    Column("stopped", UTCDateTime, nullable=True),
    UniqueConstraint("work_pool_id", "name"),
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

variables = Table(
    "variables",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    # Any JSON value: a string, number, boolean, null, list or object.
    Column("value", JSONText, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
)

block_documents = Table(
    "block_documents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("slug", String(255), nullable=False),
    Column("name", String(255), nullable=False),
    # The block's fields as a JSON object, secret values as they are: loading needs them.
    Column("data", JSON, nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    UniqueConstraint("slug", "name"),
)

concurrency_limits = Table(
    "concurrency_limits",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("limit", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    # Slots held as of `slots_at` (seconds since the epoch): fractional while a rate
    # limit's slots decay, so what is held at a later time is one expression in SQL.
    Column("active_slots", Float, nullable=False),
    Column("slots_at", Float, nullable=False),
    Column("slot_decay_per_second", Float, nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
)

artifacts = Table(
    "artifacts",
    metadata,
    Column("id", Uuid, primary_key=True),
    # Artifacts with one key are versions of one thing; the newest is the one listed.
    Column("key", String(255), nullable=True),
    Column("type", String(64), nullable=False),
    Column("data", JSONText, nullable=False),
    Column("description", Text, nullable=True),
    Column("flow_run_id", Uuid, ForeignKey("flow_runs.id", ondelete="CASCADE"), nullable=True),
    # Not a foreign key: task runs are written in batches and may not be in the table yet.
    Column("task_run_id", Uuid, nullable=True),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    Index(None, "flow_run_id"),
    Index(None, "key", "created"),
    Index(None, "created", "id"),
)

events = Table(
    "events",
    metadata,
    # Chosen by the code that emitted it: the same event sent twice is kept once.
    Column("id", Uuid, primary_key=True),
    Column("occurred", UTCDateTime, nullable=False),
    Column("event", String(1024), nullable=False),
    # Labels as JSON objects of strings; the resource's id is one of them.
    Column("resource", JSON, nullable=False),
    Column("related", JSON, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("received", UTCDateTime, nullable=False),
    Index(None, "occurred"),
    Index(None, "event", "occurred"),
)
