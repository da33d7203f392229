"""The columns each recording statement writes, in the order its values are given.

Apart from statements.py so that the batch writer can build rows in this order
without importing SQLAlchemy (a flow's process on SQLite never does).
"""

from __future__ import annotations

STATE_COLUMNS = (
    "state_id",
    "state_type",
    "state_name",
    "state_message",
    "state_timestamp",
    "scheduled_time",
)
HISTORY_COLUMNS = ("id", "type", "name", "message", "timestamp", "scheduled_time")
FLOW_RUN_COLUMNS = (
    "id",
    "flow_id",
    "name",
    "parameters",
    "tags",
    "parent_flow_run_id",
    "parent_task_run_id",
    "run_count",
    "created",
    "deployment_id",
    "expected_start_time",
    "auto_scheduled",
    "deployment_schedule_id",
    "host",
    "pid",
    *STATE_COLUMNS,
)
TASK_RUN_COLUMNS = (
    "id",
    "flow_run_id",
    "task_name",
    "name",
    "cache_key",
    "tags",
    "task_inputs",
    "run_count",
    "start_time",
    "end_time",
    "created",
    *STATE_COLUMNS,
)
LOG_COLUMNS = ("flow_run_id", "task_run_id", "name", "level", "message", "timestamp", "uid")
EVENT_COLUMNS = ("id", "occurred", "event", "resource", "related", "payload", "received")
RUN_TIMES = ("run_count", "start_time", "end_time")
