"""The statements a run executes while it records itself, built once as SQLAlchemy constructs.

They are the single source of the recording path's SQL. On PostgreSQL
`postgres_compiled.py` compiles them once, at run time, with SQLAlchemy's
dialect; on SQLite `scripts/compile_sqlite_statements.py` compiles them into
`sqlite_compiled.py`, which runs on the sqlite3 driver with no SQLAlchemy
import at all (a test keeps that file current). Parameters are named
after the columns they fill.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Executable,
    String,
    Text,
    Uuid,
    any_,
    bindparam,
    column,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeDecorator

from cauce.database.recording.columns import (
    EVENT_COLUMNS,
    FLOW_RUN_COLUMNS,
    HISTORY_COLUMNS,
    LOG_COLUMNS,
    RUN_TIMES,
    STATE_COLUMNS,
    TASK_RUN_COLUMNS,
)
from cauce.database.tables import (
    artifacts,
    block_documents,
    events,
    flow_run_states,
    flow_runs,
    flows,
    logs,
    task_run_states,
    task_runs,
    variables,
)

UNFINISHED_TYPES = ("PENDING", "RUNNING", "CANCELLING")


class UuidList(TypeDecorator[list[uuid.UUID]]):
    """A list of ids bound as one JSON array of hex strings, as SQLite stores ids
    (read with json_each): one statement for any number of ids."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[uuid.UUID] | None, dialect: Any) -> Any:
        return None if value is None else [item.hex for item in value]


def _values(columns: tuple[str, ...]) -> dict[str, Any]:
    return {name: bindparam(name) for name in columns}


def build_statements(dialect: str) -> dict[str, Executable]:
    """Every statement of the recording path, by name, for "sqlite" or "postgresql".

    Long because it is the list of them, one entry each, side by side so that the
    names the executors use are all in one place."""
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    upsert_task_run = dialect_insert(task_runs).values(_values(TASK_RUN_COLUMNS))
    upsert_task_run = upsert_task_run.on_conflict_do_update(
        index_elements=["id"],
        set_={name: upsert_task_run.excluded[name] for name in TASK_RUN_COLUMNS if name != "id"},
    )
    if dialect == "postgresql":
        # One array parameter, not IN with one per id: compiled once for any number.
        ids_in = task_runs.c.id == any_(bindparam("ids", type_=postgresql.ARRAY(Uuid())))
    else:
        ids = func.json_each(bindparam("ids", type_=UuidList)).table_valued("value")
        ids_in = task_runs.c.id.in_(select(column("value")).select_from(ids))
    return {
        "select_schema_revision": text("SELECT version_num FROM alembic_version").columns(
            version_num=String
        ),
        "select_flow_id": select(flows.c.id).where(flows.c.name == bindparam("name")),
        # A new run's two questions in one statement (one round trip): its flow's id, if
        # the flow is recorded, and whether a run with its id already is.
        "select_new_flow_run": select(
            select(flows.c.id)
            .where(flows.c.name == bindparam("flow_name"))
            .scalar_subquery()
            .label("flow_id"),
            exists().where(flow_runs.c.id == bindparam("id")).label("run_exists"),
        ),
        "insert_flow": dialect_insert(flows)
        .values(_values(("id", "name", "created")))
        .on_conflict_do_nothing(),
        "insert_flow_run": insert(flow_runs).values(_values(FLOW_RUN_COLUMNS)),
        # A scheduled run already made (another pass, another server) is left as it is.
        # No conflict target: SQLite takes one only if its WHERE is spelt as the partial
        # index's, which is `= 1` in a new file and `= true` in a migrated one.
        "insert_scheduled_flow_run": dialect_insert(flow_runs)
        .values(_values(FLOW_RUN_COLUMNS))
        .on_conflict_do_nothing()
        .returning(flow_runs.c.id),
        # A state sent twice (a retried request whose answer was lost) is written once.
        "insert_flow_run_state": dialect_insert(flow_run_states)
        .values(_values((*HISTORY_COLUMNS, "flow_run_id")))
        .on_conflict_do_nothing(index_elements=["id"]),
        "select_flow_run_for_update": select(
            *(flow_runs.c[name] for name in (*STATE_COLUMNS, *RUN_TIMES))
        )
        .where(flow_runs.c.id == bindparam("id"))
        .with_for_update(),
        "update_flow_run_state": update(flow_runs)
        .where(flow_runs.c.id == bindparam("flow_run_id"))
        .values(_values((*STATE_COLUMNS, *RUN_TIMES))),
        # The current state of the task runs a batch changes, locked while the rules run.
        "select_task_run_states": select(
            task_runs.c.id, *(task_runs.c[name] for name in STATE_COLUMNS)
        )
        .where(ids_in)
        .with_for_update(),
        "upsert_task_run": upsert_task_run,
        "insert_task_run_state": dialect_insert(task_run_states)
        .values(_values((*HISTORY_COLUMNS, "task_run_id")))
        .on_conflict_do_nothing(index_elements=["id"]),
        # Runs a process on this machine left unfinished: crashed if the process is gone.
        "select_runs_on_host": select(flow_runs.c.id, flow_runs.c.pid).where(
            flow_runs.c.host == bindparam("host"),
            flow_runs.c.pid.is_not(None),
            or_(*(flow_runs.c.state_type == literal_column(f"'{t}'") for t in UNFINISHED_TYPES)),
        ),
        # A variable read by a flow's code (Variable.get): on SQLite, without SQLAlchemy.
        "select_variable": select(variables).where(variables.c.name == bindparam("name")),
        # So is a block a flow's code loads (Secret.load).
        "select_block_document": select(block_documents).where(
            block_documents.c.slug == bindparam("slug"), block_documents.c.name == bindparam("name")
        ),
        # So is a log line: its uid is chosen by the client that made it.
        "insert_log": dialect_insert(logs)
        .values(_values(LOG_COLUMNS))
        .on_conflict_do_nothing(index_elements=["uid"]),
        # So is an event a flow's code emits; its id too is the emitter's: sent twice, kept once.
        "insert_event": dialect_insert(events)
        .values(_values(EVENT_COLUMNS))
        .on_conflict_do_nothing(index_elements=["id"]),
        **_artifact_statements(),
    }


ARTIFACT_COLUMNS = (
    "id",
    "key",
    "type",
    "description",
    "flow_run_id",
    "task_run_id",
    "created",
    "updated",
)


def _artifact_statements() -> dict[str, Executable]:
    """An artifact made or moved by a flow's code (orchestration/artifacts.py): on SQLite,
    without SQLAlchemy. Its data is bound as the JSON text the column keeps."""
    data = bindparam("data", type_=Text())
    artifact_id = bindparam("artifact_id", type_=Uuid())
    updated = bindparam("updated", type_=artifacts.c.updated.type)
    by_id = artifacts.c.id == artifact_id
    return {
        "select_flow_run_exists": select(flow_runs.c.id).where(
            flow_runs.c.id == bindparam("flow_run_id", type_=Uuid())
        ),
        "select_newest_artifact_time": select(func.max(artifacts.c.created).label("created")).where(
            artifacts.c.key == bindparam("key")
        ),
        "select_artifact_type": select(artifacts.c.type).where(by_id),
        "insert_artifact": insert(artifacts).values({**_values(ARTIFACT_COLUMNS), "data": data}),
        "update_artifact_data": update(artifacts).where(by_id).values(data=data, updated=updated),
        "update_artifact_description": update(artifacts)
        .where(by_id)
        .values(description=bindparam("description", type_=Text()), updated=updated),
    }
