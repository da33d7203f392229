"""Prefect's filters for `client.read_flow_runs(...)` and `client.read_logs(...)`, as
`prefect.client.schemas.filters`.

`FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[...])))`
and the like: each field narrows the runs read; fields left None do not. The client
asks the store for what it can filter on and checks the rest as it reads (see
`FlowRunFilter.matches`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from cauce.schemas.flow_runs import FlowRun
from cauce.states import StateType


@dataclass(kw_only=True)
class FilterId:
    """By id: one of `any_`."""

    any_: list[uuid.UUID] | None = None

    def accepts(self, value: uuid.UUID | None) -> bool:
        return self.any_ is None or value in {uuid.UUID(str(v)) for v in self.any_}


@dataclass(kw_only=True)
class FilterName:
    """By name: one of `any_`, and/or containing `like_` (ignoring case)."""

    any_: list[str] | None = None
    like_: str | None = None

    def accepts(self, value: str | None) -> bool:
        if self.any_ is not None and value not in self.any_:
            return False
        return self.like_ is None or (value is not None and self.like_.lower() in value.lower())


@dataclass(kw_only=True)
class FilterTags:
    """By tags: carrying all of `all_`; with `is_null_`, carrying none (True) or some (False)."""

    all_: list[str] | None = None
    is_null_: bool | None = None

    def accepts(self, tags: list[str]) -> bool:
        if self.all_ is not None and not set(self.all_) <= set(tags):
            return False
        return self.is_null_ is None or self.is_null_ == (not tags)


@dataclass(kw_only=True)
class FilterTime:
    """By a time: at or before `before_`, at or after `after_`; with `is_null_`, unset."""

    before_: datetime | None = None
    after_: datetime | None = None
    is_null_: bool | None = None

    def accepts(self, value: datetime | None) -> bool:
        if self.is_null_ is not None and self.is_null_ != (value is None):
            return False
        if value is None:
            return self.before_ is None and self.after_ is None
        if self.before_ is not None and value > self.before_:
            return False
        return self.after_ is None or value >= self.after_


@dataclass(kw_only=True)
class FlowRunFilterStateType:
    """By state type: one of `any_` (StateType or its name), none of `not_any_`."""

    any_: list[StateType | str] | None = None
    not_any_: list[StateType | str] | None = None

    def names(self, which: list[StateType | str] | None) -> set[str] | None:
        return None if which is None else {StateType(str(t).split(".")[-1]).value for t in which}


@dataclass(kw_only=True)
class FlowRunFilterStateName:
    """By state name ("Late", "AwaitingRetry"...): one of `any_`, none of `not_any_`."""

    any_: list[str] | None = None
    not_any_: list[str] | None = None


@dataclass(kw_only=True)
class FlowRunFilterState:
    """By the run's current state: its type and/or its name."""

    type: FlowRunFilterStateType | None = None
    name: FlowRunFilterStateName | None = None

    def accepts(self, run: FlowRun) -> bool:
        kind, name = run.state.type.value, run.state.name
        if self.type is not None:
            wanted, unwanted = self.type.names(self.type.any_), self.type.names(self.type.not_any_)
            if (wanted is not None and kind not in wanted) or (unwanted and kind in unwanted):
                return False
        if self.name is not None:
            if self.name.any_ is not None and name not in self.name.any_:
                return False
            if self.name.not_any_ and name in self.name.not_any_:
                return False
        return True


# Prefect's per-field filter classes, under the names its users import.
FlowRunFilterId = FlowFilterId = DeploymentFilterId = FlowRunFilterDeploymentId = FilterId
FlowRunFilterName = FlowFilterName = DeploymentFilterName = FilterName
FlowRunFilterTags = FlowFilterTags = DeploymentFilterTags = FilterTags
FlowRunFilterStartTime = FlowRunFilterExpectedStartTime = FlowRunFilterEndTime = FilterTime
FlowRunFilterParentTaskRunId = FilterId


@dataclass(kw_only=True)
class FlowRunFilter:
    """Which flow runs: every field given must hold."""

    id: FilterId | None = None
    name: FilterName | None = None
    tags: FilterTags | None = None
    deployment_id: FilterId | None = None
    state: FlowRunFilterState | None = None
    start_time: FilterTime | None = None
    end_time: FilterTime | None = None
    expected_start_time: FilterTime | None = None
    parent_task_run_id: FilterId | None = None

    def matches(self, run: FlowRun) -> bool:
        """Whether `run` passes every field of this filter."""
        expected = run.expected_start_time or run.created
        return (
            (self.id is None or self.id.accepts(run.id))
            and (self.name is None or self.name.accepts(run.name))
            and (self.tags is None or self.tags.accepts(run.tags))
            and (self.deployment_id is None or self.deployment_id.accepts(run.deployment_id))
            and (self.state is None or self.state.accepts(run))
            and (self.start_time is None or self.start_time.accepts(run.start_time))
            and (self.end_time is None or self.end_time.accepts(run.end_time))
            and (self.expected_start_time is None or self.expected_start_time.accepts(expected))
            and (
                self.parent_task_run_id is None
                or self.parent_task_run_id.accepts(run.parent_task_run_id)
            )
        )


@dataclass(kw_only=True)
class FlowFilter:
    """Which flows: by name (and id, tags, which cauce does not keep per flow)."""

    name: FilterName | None = None
    id: FilterId | None = None


@dataclass(kw_only=True)
class DeploymentFilter:
    """Which deployments: by id or name."""

    id: FilterId | None = None
    name: FilterName | None = None
    tags: FilterTags | None = None


@dataclass(kw_only=True)
class LogFilterLevel:
    """By level (logging.INFO is 20): at least `ge_`, at most `le_`."""

    ge_: int | None = None
    le_: int | None = None

    def accepts(self, level: int) -> bool:
        return (self.ge_ is None or level >= self.ge_) and (self.le_ is None or level <= self.le_)


LogFilterFlowRunId = LogFilterTaskRunId = FilterId
LogFilterTimestamp = FilterTime


@dataclass(kw_only=True)
class LogFilter:
    """Which log lines: of the flow runs `flow_run_id` names (cauce reads a flow run's
    lines, so it is needed), and of those, every other field given must hold."""

    flow_run_id: FilterId | None = None
    task_run_id: FilterId | None = None
    level: LogFilterLevel | None = None
    timestamp: FilterTime | None = None
