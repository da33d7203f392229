"""The reads of `get_client()` beyond flow runs: a run's log lines, with Prefect's
`LogFilter` and `LogSort`, a task run's states, a flow by id or name.

    logs = await client.read_logs(
        log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])),
        sort=LogSort.TIMESTAMP_ASC,
    )

The store keeps log lines by flow run, so a LogFilter names its flow runs; the task
runs, levels and times it also gives are checked as the lines arrive.
"""

from __future__ import annotations

import uuid

from cauce.client.base import CauceClient, NotFound
from cauce.client.schemas.filters import LogFilter
from cauce.client.schemas.objects import Log
from cauce.client.schemas.sorting import LogSort
from cauce.schemas.flows import Flow
from cauce.schemas.logs import LogEntry
from cauce.states import State

# Log lines asked of the store at a time.
LOG_PAGE = 1000
# What Prefect's API answers when no limit is given.
DEFAULT_LIMIT = 200


class RunReads:
    """The SyncOrchestrationClient's reads of log lines, task run states and flows."""

    _store: CauceClient

    def read_logs(
        self,
        log_filter: LogFilter | None = None,
        limit: int | None = None,
        offset: int | None = None,
        sort: LogSort | str | None = None,
    ) -> list[Log]:
        """The log lines `log_filter` accepts, oldest first unless `sort` says otherwise."""
        where = log_filter or LogFilter()
        if where.flow_run_id is None or where.flow_run_id.any_ is None:
            raise TypeError(
                "cauce reads the log lines of given flow runs: "
                "log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[...]))"
            )
        order = LogSort(str(getattr(sort, "value", sort or LogSort.TIMESTAMP_ASC)))
        found: list[tuple[int, LogEntry]] = []
        for flow_run_id in dict.fromkeys(uuid.UUID(str(i)) for i in where.flow_run_id.any_):
            found += [line for line in self._lines_of(flow_run_id, where) if _accepts(where, line)]
        found.sort(key=lambda line: (line[1].timestamp, line[0]))
        if order is LogSort.TIMESTAMP_DESC:
            found.reverse()
        start = offset or 0
        chosen = found[start : start + (limit if limit is not None else DEFAULT_LIMIT)]
        return [_log(entry) for _id, entry in chosen]

    def _lines_of(self, flow_run_id: uuid.UUID, where: LogFilter) -> list[tuple[int, LogEntry]]:
        lowest = where.level.ge_ if where.level is not None and where.level.ge_ else 0
        lines: list[tuple[int, LogEntry]] = []
        while True:
            after = lines[-1][0] if lines else 0
            page = self._store.read_logs(flow_run_id, lowest, after, LOG_PAGE)
            lines += page
            if len(page) < LOG_PAGE:
                return lines

    def read_task_run_states(self, task_run_id: uuid.UUID) -> list[State]:
        """A task run's states, oldest first (none for an unknown id, as in Prefect)."""
        return self._store.read_task_run_states(uuid.UUID(str(task_run_id)))

    def read_flow(self, flow_id: uuid.UUID) -> Flow:
        """The flow with this id; ObjectNotFound if there is none."""
        wanted = uuid.UUID(str(flow_id))
        for flow in self._store.read_flows():
            if flow.id == wanted:
                return flow
        raise NotFound(f"no flow has id {wanted}")

    def read_flow_by_name(self, flow_name: str) -> Flow:
        """The flow named `flow_name`; ObjectNotFound if there is none."""
        for flow in self._store.read_flows():
            if flow.name == flow_name:
                return flow
        raise NotFound(f"no flow is named {flow_name!r}")


def _accepts(where: LogFilter, line: tuple[int, LogEntry]) -> bool:
    entry = line[1]
    return (
        (where.task_run_id is None or where.task_run_id.accepts(entry.task_run_id))
        and (where.level is None or where.level.accepts(entry.level))
        and (where.timestamp is None or where.timestamp.accepts(entry.timestamp))
    )


def _log(entry: LogEntry) -> Log:
    return Log(
        id=entry.uid,
        name=entry.name,
        level=entry.level,
        message=entry.message,
        timestamp=entry.timestamp,
        flow_run_id=entry.flow_run_id,
        task_run_id=entry.task_run_id,
    )
