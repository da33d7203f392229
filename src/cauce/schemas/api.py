"""What crosses HTTP between the client and the server: one copy for both.

Pydantic models for the wire, each with `from_domain` (from the dataclasses in
this package and `cauce.states.State`) and `to_domain` (back to them). The
server validates requests with them and the HTTP client parses responses with
them, so a field is spelled once. States travel without their result data:
values and exceptions stay in the process that ran the code.

Imported only by the server and the HTTP client: `import cauce` and a flow
recording into the embedded database never load pydantic through here.
Unknown fields are refused (`extra="forbid"`), so a misspelt filter is a 422
naming the field rather than a filter silently ignored. Nor are values of the
wrong JSON type converted: a number is not a time, a string not an integer,
`0` not a boolean. Numbers are bounded by their columns, and times must exist
in UTC, so what the database cannot store is a 422 naming the field rather
than a server error.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated, Any, TypeVar, cast

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
)

from cauce.ids import new_id
from cauce.schemas.flow_runs import FlowRun, FlowRunFilter, FlowRunSort
from cauce.schemas.flows import Flow
from cauce.schemas.logs import LogEntry
from cauce.schemas.states import SetStateResult, SetStateStatus
from cauce.schemas.task_runs import TaskRun
from cauce.states import State, StateType, now_utc

# Column widths in database/tables.py: longer values are a 422, not a database error.
_NAME = 255
_STATE_NAME = 64
# Integer columns are 32 bits on PostgreSQL. Log ids and offsets stop where JSON numbers
# stop being exact in every reader (2**53), far beyond any real count.
INT32_MAX = 2**31 - 1
JSON_SAFE_MAX = 2**53 - 1


def _iso_time(value: Any) -> Any:
    # Pydantic would read a number (or a string of digits) as seconds since the epoch.
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO 8601 date and time with its UTC offset") from None
    elif not isinstance(value, datetime):
        raise ValueError("must be an ISO 8601 date and time string")
    return value


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range once converted to UTC") from None


def _json_integer(value: Any) -> Any:
    # Pydantic would read "5" as 5 and True as 1; JSON's 5.0 is an integer all the same.
    if isinstance(value, bool | str | bytes):
        raise ValueError("must be a JSON integer")
    return value


WireInt = Annotated[int, BeforeValidator(_json_integer)]
"""An integer that was a JSON number on the wire (`5` or `5.0`, not `"5"`)."""

# The bounds come before the validator, so that they reach the JSON Schema of an optional field.
ProcessId = Annotated[int, Field(ge=0, le=INT32_MAX), BeforeValidator(_json_integer)]
"""A process id: a JSON integer."""

UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_time), AfterValidator(_in_utc)]


def _bound_in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # Past either end of what UTC can hold: the nearest end bounds the same runs.
        offset = value.utcoffset()
        ahead = offset is not None and offset > timedelta(0)
        return (datetime.min if ahead else datetime.max).replace(tzinfo=UTC)


UtcBound = Annotated[AwareDatetime, BeforeValidator(_iso_time), AfterValidator(_bound_in_utc)]
"""A time a filter compares with: one beyond UTC's range is read as its nearest end."""
"""An ISO 8601 time with an offset on the wire, in UTC once read."""


D = TypeVar("D")


class _WireModel(BaseModel):
    """Fields named as the domain dataclass's, read from it by attribute; times in UTC."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    def _to(self, domain: type[D], **replaced: Any) -> D:
        """An instance of the dataclass `domain` from the fields both have."""
        names = _shared_fields(type(self), cast(type, domain))
        values = {name: getattr(self, name) for name in names if name not in replaced}
        return domain(**values, **replaced)


@cache
def _shared_fields(model: type[BaseModel], domain: type) -> tuple[str, ...]:
    """The names of `domain`'s fields that `model` has too (a batch converts thousands)."""
    own = model.model_fields
    return tuple(f.name for f in fields(domain) if f.name in own)


class StateModel(_WireModel):
    """A state on the wire: everything but its result data."""

    id: uuid.UUID = Field(default_factory=new_id)
    type: StateType
    name: str = Field("", max_length=_STATE_NAME, description="Empty: the type's default name.")
    message: str | None = None
    timestamp: UtcDatetime = Field(default_factory=now_utc)
    scheduled_time: UtcDatetime | None = None

    @classmethod
    def from_domain(cls, state: State) -> StateModel:
        """The wire form of `state`, dropping its result data."""
        return cls.model_validate(state)

    def to_domain(self) -> State:
        """The state, with times in UTC and no result data."""
        return self._to(State)


class FlowRunCreate(_WireModel):
    """A new flow run, its id chosen by the client, with its first state."""

    id: uuid.UUID
    flow_name: str = Field(min_length=1, max_length=_NAME)
    name: str = Field(min_length=1, max_length=_NAME)
    state: StateModel
    parameters: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    parent_flow_run_id: uuid.UUID | None = None
    parent_task_run_id: uuid.UUID | None = None
    created: UtcDatetime = Field(default_factory=now_utc)
    host: str | None = Field(default=None, max_length=_NAME)
    pid: ProcessId | None = None

    @classmethod
    def from_domain(cls, flow_run: FlowRun, parent_flow_run_id: uuid.UUID | None) -> FlowRunCreate:
        """The request recording `flow_run` (a subflow of `parent_flow_run_id` if given)."""
        return cls(
            id=flow_run.id,
            flow_name=flow_run.flow_name,
            name=flow_run.name,
            state=StateModel.from_domain(flow_run.state),
            parameters=flow_run.parameters,
            tags=flow_run.tags,
            parent_flow_run_id=parent_flow_run_id,
            parent_task_run_id=flow_run.parent_task_run_id,
            created=flow_run.created,
            host=flow_run.host,
            pid=flow_run.pid,
        )

    def to_domain(self) -> FlowRun:
        """The flow run to record; `parent_flow_run_id` is passed beside it."""
        return self._to(FlowRun, state=self.state.to_domain())


class FlowRunModel(_WireModel):
    """A flow run as recorded."""

    id: uuid.UUID
    flow_name: str
    name: str
    state: StateModel
    parameters: dict[str, Any]
    tags: list[str]
    parent_task_run_id: uuid.UUID | None
    run_count: int
    start_time: UtcDatetime | None
    end_time: UtcDatetime | None
    created: UtcDatetime
    deployment_id: uuid.UUID | None = None
    expected_start_time: UtcDatetime | None = None
    auto_scheduled: bool = False
    host: str | None = None
    pid: int | None = None
    worker_id: uuid.UUID | None = None
    heartbeat: UtcDatetime | None = None

    @classmethod
    def from_domain(cls, flow_run: FlowRun) -> FlowRunModel:
        """The wire form of `flow_run`."""
        return cls.model_validate(flow_run)

    def to_domain(self) -> FlowRun:
        """The flow run, with times in UTC."""
        return self._to(FlowRun, state=self.state.to_domain())


class FlowRunUpdate(_WireModel):
    """What PATCH /api/flow_runs/{id} changes: a new name and/or the whole list of tags."""

    name: str | None = Field(default=None, min_length=1, max_length=_NAME)
    tags: list[Annotated[str, Field(min_length=1, max_length=_NAME)]] | None = None


class FlowRunFilterModel(_WireModel):
    """Which flow runs to read, and in which order (newest first by default)."""

    state_types: list[StateType] | None = None
    state_names: list[str] | None = None
    flow_name: str | None = None
    parent_task_run_id: uuid.UUID | None = None
    deployment_id: uuid.UUID | None = None
    limit: WireInt = Field(50, ge=1, le=1000)
    offset: WireInt = Field(0, ge=0, le=JSON_SAFE_MAX)
    sort: FlowRunSort = FlowRunSort.CREATED_DESC
    tag: str | None = None
    name_like: str | None = None
    start_after: UtcBound | None = None
    start_before: UtcBound | None = None
    before: tuple[UtcBound, uuid.UUID] | None = None
    after: tuple[UtcBound, uuid.UUID] | None = None

    @classmethod
    def from_domain(cls, where: FlowRunFilter) -> FlowRunFilterModel:
        """The wire form of `where`."""
        return cls(
            state_types=None if where.state_types is None else [*map(StateType, where.state_types)],
            state_names=where.state_names,
            flow_name=where.flow_name,
            parent_task_run_id=where.parent_task_run_id,
            deployment_id=where.deployment_id,
            limit=where.limit,
            offset=where.offset,
            sort=where.sort,
            tag=where.tag,
            name_like=where.name_like,
            start_after=where.start_after,
            start_before=where.start_before,
            before=where.before,
            after=where.after,
        )

    def to_domain(self) -> FlowRunFilter:
        """The filter the queries take."""
        return FlowRunFilter(
            state_types=None if self.state_types is None else [t.value for t in self.state_types],
            state_names=self.state_names,
            flow_name=self.flow_name,
            parent_task_run_id=self.parent_task_run_id,
            deployment_id=self.deployment_id,
            limit=self.limit,
            offset=self.offset,
            sort=self.sort,
            tag=self.tag,
            name_like=self.name_like,
            start_after=self.start_after,
            start_before=self.start_before,
            before=self.before,
            after=self.after,
        )


class TaskRunModel(_WireModel):
    """A task run as it is now; `task_inputs` maps parameters to upstream task-run ids."""

    id: uuid.UUID
    flow_run_id: uuid.UUID | None
    task_name: str = Field(min_length=1, max_length=_NAME)
    name: str = Field(min_length=1, max_length=_NAME)
    state: StateModel
    cache_key: str | None = Field(None, max_length=_NAME)
    tags: list[str] = Field(default_factory=list)
    task_inputs: dict[str, list[uuid.UUID]] = Field(default_factory=dict)
    run_count: WireInt = Field(0, ge=0, le=INT32_MAX)
    start_time: UtcDatetime | None = None
    end_time: UtcDatetime | None = None
    created: UtcDatetime = Field(default_factory=now_utc)

    @classmethod
    def from_domain(cls, task_run: TaskRun) -> TaskRunModel:
        """The wire form of `task_run`."""
        return cls.model_validate(task_run)

    def to_domain(self) -> TaskRun:
        """The task run, with times in UTC."""
        return self._to(TaskRun, state=self.state.to_domain())


class LogModel(_WireModel):
    """One log line of a run."""

    flow_run_id: uuid.UUID | None
    task_run_id: uuid.UUID | None = None
    name: str = Field(max_length=_NAME)
    level: WireInt = Field(ge=0, le=INT32_MAX)
    message: str
    timestamp: UtcDatetime
    uid: uuid.UUID = Field(
        default_factory=new_id,
        description="Chosen by the client: a line sent again with the same uid is recorded once.",
    )

    @classmethod
    def from_domain(cls, entry: LogEntry) -> LogModel:
        """The wire form of `entry`."""
        return cls.model_validate(entry)

    def to_domain(self) -> LogEntry:
        """The log entry, its time in UTC."""
        return self._to(LogEntry)


class LogLineModel(_WireModel):
    """A recorded log line with its id, for paging with `after_id`."""

    id: int
    log: LogModel

    @classmethod
    def from_domain(cls, line: tuple[int, LogEntry]) -> LogLineModel:
        """The wire form of one `(id, entry)` pair as the queries return them."""
        return cls(id=line[0], log=LogModel.from_domain(line[1]))

    def to_domain(self) -> tuple[int, LogEntry]:
        """The `(id, entry)` pair."""
        return self.id, self.log.to_domain()


class TaskRunStateModel(_WireModel):
    """A new state of a task run, already decided by the engine that runs it."""

    task_run_id: uuid.UUID
    state: StateModel


class BatchCreate(_WireModel):
    """Task runs as they are now, their new states and log lines: recorded all or nothing."""

    task_runs: list[TaskRunModel] = Field(default_factory=list)
    task_run_states: list[TaskRunStateModel] = Field(default_factory=list)
    logs: list[LogModel] = Field(default_factory=list)
    seen_state_ids: dict[uuid.UUID, uuid.UUID] = Field(
        default_factory=dict,
        description="For a task run already recorded, the state its first new state here "
        "was made from: a proposal made from a state no longer current is dropped.",
    )

    @classmethod
    def from_domain(
        cls,
        task_runs: list[TaskRun],
        task_run_states: list[tuple[uuid.UUID, State]],
        logs: list[LogEntry],
        seen_state_ids: Mapping[uuid.UUID, uuid.UUID] | None = None,
    ) -> BatchCreate:
        """The request recording one batch, as `CauceClient.write_batch` takes it."""
        return cls(
            seen_state_ids=dict(seen_state_ids or {}),
            task_runs=[TaskRunModel.from_domain(t) for t in task_runs],
            task_run_states=[
                TaskRunStateModel(task_run_id=i, state=StateModel.from_domain(s))
                for i, s in task_run_states
            ],
            logs=[LogModel.from_domain(e) for e in logs],
        )

    def to_domain(
        self,
    ) -> tuple[list[TaskRun], list[tuple[uuid.UUID, State]], list[LogEntry]]:
        """The three lists `recording.write_batch` takes."""
        return (
            [t.to_domain() for t in self.task_runs],
            [(s.task_run_id, s.state.to_domain()) for s in self.task_run_states],
            [e.to_domain() for e in self.logs],
        )


@dataclass
class _TaskRunStateItem:
    task_run_id: uuid.UUID
    state: State


@dataclass
class _BatchItems:
    task_runs: list[TaskRun]
    task_run_states: list[_TaskRunStateItem]
    logs: list[LogEntry]
    seen_state_ids: Mapping[uuid.UUID, uuid.UUID]


@cache
def _batch_items() -> TypeAdapter[_BatchItems]:
    # Built on first use: only the HTTP client writes batches, not the server.
    return TypeAdapter(_BatchItems)


_NO_RESULT_DATA = {"__all__": {"state": {"data", "run_ids"}}}


def batch_json(
    task_runs: list[TaskRun],
    task_run_states: list[tuple[uuid.UUID, State]],
    logs: list[LogEntry],
    seen_state_ids: Mapping[uuid.UUID, uuid.UUID],
) -> bytes:
    """The JSON body of a `BatchCreate`, written straight from the domain objects.

    The same document as `BatchCreate.from_domain(...).model_dump_json()` (a test
    compares them), without building and validating a model per item: the batch
    writer sends thousands of items a second, all made by the engine itself.
    """
    states = [_TaskRunStateItem(i, s) for i, s in task_run_states]
    items = _BatchItems(task_runs, states, logs, seen_state_ids)
    exclude = {"task_runs": _NO_RESULT_DATA, "task_run_states": _NO_RESULT_DATA}
    return _batch_items().dump_json(items, exclude=exclude)


class SetStateRequest(_WireModel):
    """A proposed state for a flow run; `force` skips the rules."""

    state: StateModel
    force: bool = Field(False, strict=True)
    expected_state_id: uuid.UUID | None = Field(
        None,
        description="The state the proposer saw the run in: if the run has moved on since, "
        "the proposal is stale and rejected.",
    )


class ErrorModel(BaseModel):
    """Why a request was refused (404, 409; 401 when auth is on): `detail` says it in words."""

    detail: str


class SetStateResultModel(_WireModel):
    """The core's verdict, the run's current state afterwards, and why."""

    status: SetStateStatus
    state: StateModel | None
    reason: str | None = None

    @classmethod
    def from_domain(cls, result: SetStateResult) -> SetStateResultModel:
        """The wire form of `result`."""
        state = None if result.state is None else StateModel.from_domain(result.state)
        return cls(status=result.status, state=state, reason=result.reason)

    def to_domain(self) -> SetStateResult:
        """The verdict as the core gives it."""
        state = None if self.state is None else self.state.to_domain()
        return SetStateResult(self.status, state, self.reason)


class FlowModel(_WireModel):
    """A recorded flow."""

    id: uuid.UUID
    name: str
    created: UtcDatetime

    @classmethod
    def from_domain(cls, flow: Flow) -> FlowModel:
        """The wire form of `flow`."""
        return cls.model_validate(flow)

    def to_domain(self) -> Flow:
        """The flow, its time in UTC."""
        return self._to(Flow)
