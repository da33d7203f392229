"""`get_client()`: the calls Prefect users script against (`prefect.get_client`), over
this process's store — the embedded database, or the server at CAUCE_API_URL.

    async with get_client() as client:
        runs = await client.read_flow_runs(flow_run_filter=FlowRunFilter(...), limit=10)
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(run.id, Cancelling(), force=True)

Flow runs are read with Prefect's filters (client/schemas/filters.py): what the store
can filter on is asked of it, the rest is checked as the pages arrive. The async client
runs the same calls in a worker thread.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import datetime
from typing import Any

from cauce.client.base import CauceClient
from cauce.client.orchestration_reads import RunReads
from cauce.client.orchestration_variables import VariableCalls
from cauce.client.schemas.filters import DeploymentFilter, FlowFilter, FlowRunFilter
from cauce.schemas.deployments import Deployment, WorkPool
from cauce.schemas.flow_runs import FlowRun, FlowRunSort
from cauce.schemas.flow_runs import FlowRunFilter as StoreFilter
from cauce.schemas.flows import Flow
from cauce.schemas.states import SetStateResult
from cauce.schemas.task_runs import TaskRun
from cauce.states import State, StateType

# Runs asked of the store at a time while the rest of a filter is checked here.
PAGE = 200
# What Prefect's API answers when no limit is given.
DEFAULT_LIMIT = 200
# Prefect's update_flow_run arguments that cauce keeps no field for.
_NOT_KEPT = ("flow_version", "parameters", "empirical_policy", "infrastructure_pid")


def get_client(httpx_settings: dict[str, Any] | None = None, sync_client: bool = False) -> Any:
    """The client of this process's store: async (awaitable calls) unless `sync_client`.
    `httpx_settings` is accepted and unused: CAUCE_API_* settings configure the client."""
    return SyncOrchestrationClient() if sync_client else OrchestrationClient()


class SyncOrchestrationClient(RunReads, VariableCalls):
    """Reads and changes flow runs, deployments, pools and variables, and reads log
    lines, as Prefect's SyncPrefectClient."""

    def __init__(self, store: CauceClient | None = None) -> None:
        if store is None:
            from cauce.client.factory import get_client as process_client

            store = process_client()
        self._store = store

    def __enter__(self) -> SyncOrchestrationClient:
        return self

    def __exit__(self, *_exc_info: object) -> None:
        """The process's client stays open for the runs that record through it."""

    def api_healthcheck(self) -> Exception | None:
        """None when the store answers, else what went wrong."""
        try:
            self._store.read_work_pools()
        except Exception as exc:
            return exc
        return None

    def read_flow_run(self, flow_run_id: uuid.UUID) -> FlowRun:
        return self._store.read_flow_run(uuid.UUID(str(flow_run_id)))

    def read_flow_runs(
        self,
        *,
        flow_filter: FlowFilter | None = None,
        flow_run_filter: FlowRunFilter | None = None,
        deployment_filter: DeploymentFilter | None = None,
        sort: FlowRunSort | str | None = None,
        limit: int | None = None,
        offset: int = 0,
        **other_filters: Any,
    ) -> list[FlowRun]:
        """The runs every given filter accepts, in `sort` order (newest first)."""
        _no_other_filters(other_filters)
        reading = _Reading(self._store, flow_filter, flow_run_filter, deployment_filter)
        wanted = offset + (limit if limit is not None else DEFAULT_LIMIT)
        if reading.ids is not None:
            return [run for run in self._read_each(reading.ids) if reading.accepts(run)][
                offset:wanted
            ]
        where = replace(reading.store_filter(), sort=_sort(sort))
        found: list[FlowRun] = []
        start = 0
        while len(found) < wanted:
            page = self._store.read_flow_runs(replace(where, limit=PAGE, offset=start))
            found += [run for run in page if reading.accepts(run)]
            if len(page) < PAGE:
                break
            start += PAGE
        return found[offset:wanted]

    def _read_each(self, flow_run_ids: list[uuid.UUID]) -> list[FlowRun]:
        from cauce.client.base import NotFound

        found = []
        for flow_run_id in flow_run_ids:
            try:
                found.append(self._store.read_flow_run(flow_run_id))
            except NotFound:
                continue
        return found

    def read_flow_run_states(self, flow_run_id: uuid.UUID) -> list[State]:
        return self._store.read_flow_run_states(uuid.UUID(str(flow_run_id)))

    def read_task_runs(
        self, *, flow_run_filter: FlowRunFilter | None = None, **other_filters: Any
    ) -> list[TaskRun]:
        """The task runs of the flow runs `flow_run_filter` accepts."""
        _no_other_filters(other_filters)
        runs = self.read_flow_runs(flow_run_filter=flow_run_filter)
        return [task_run for run in runs for task_run in self._store.read_task_runs(run.id)]

    def set_flow_run_state(
        self, flow_run_id: uuid.UUID, state: State, force: bool = False
    ) -> SetStateResult:
        """Propose `state`; the core's rules decide, unless `force`."""
        return self._store.set_flow_run_state(uuid.UUID(str(flow_run_id)), state, force=force)

    def update_flow_run(
        self,
        flow_run_id: uuid.UUID,
        name: str | None = None,
        tags: list[str] | None = None,
        job_variables: dict[str, Any] | None = None,
        **not_kept: Any,
    ) -> None:
        """Rename the run and/or replace its tags."""
        given = [key for key in _NOT_KEPT if not_kept.get(key) is not None]
        unknown = set(not_kept) - set(_NOT_KEPT)
        if given or unknown or job_variables:
            named = ", ".join(
                sorted([*given, *unknown, *(["job_variables"] * bool(job_variables))])
            )
            raise TypeError(f"update_flow_run: cauce changes only name and tags, not {named}")
        self._store.update_flow_run(uuid.UUID(str(flow_run_id)), name=name, tags=tags)

    def delete_flow_run(self, flow_run_id: uuid.UUID) -> None:
        self._store.delete_flow_run(uuid.UUID(str(flow_run_id)))

    def create_flow_run_from_deployment(
        self,
        deployment_id: uuid.UUID,
        *,
        parameters: dict[str, Any] | None = None,
        state: State | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
        **ignored: Any,
    ) -> FlowRun:
        """A run of the deployment, Scheduled for `state`'s time (now when None), for a
        worker of its pool. Idempotency keys, job variables and work queues are ignored."""
        when: datetime | None = None
        if state is not None:
            if state.type is not StateType.SCHEDULED:
                raise ValueError(f"a deployment's run starts Scheduled, not {state!r}")
            when = state.scheduled_time
        run_id = uuid.UUID(str(deployment_id))
        made = self._store.create_flow_run_from_deployment(run_id, parameters, when, tags)
        if name is not None:
            made = self._store.update_flow_run(made.id, name=name)
        return made

    def read_deployment(self, deployment_id: uuid.UUID) -> Deployment:
        return self._store.read_deployment(uuid.UUID(str(deployment_id)))

    def read_deployment_by_name(self, name: str) -> Deployment:
        """The deployment "flow-name/deployment-name"."""
        return self._store.read_deployment_by_name(name)

    def read_deployments(
        self, *, deployment_filter: DeploymentFilter | None = None, **other_filters: Any
    ) -> list[Deployment]:
        _no_other_filters(other_filters)
        return [
            d for d in self._store.read_deployments() if _deployment_accepted(d, deployment_filter)
        ]

    def pause_deployment(self, deployment_id: uuid.UUID | str) -> None:
        """Pause the deployment: its future scheduled runs go and no more are made."""
        self._store.set_deployment_paused(_deployment_id(deployment_id), True)

    def resume_deployment(self, deployment_id: uuid.UUID | str) -> None:
        """Resume the paused deployment: its schedules make runs again."""
        self._store.set_deployment_paused(_deployment_id(deployment_id), False)

    def delete_deployment(self, deployment_id: uuid.UUID) -> None:
        """Delete the deployment and its future scheduled runs; its past runs stay."""
        self._store.delete_deployment(_deployment_id(deployment_id))

    def read_flows(self, *, flow_filter: FlowFilter | None = None) -> list[Flow]:
        names = flow_filter.name if flow_filter is not None else None
        return [
            flow for flow in self._store.read_flows() if names is None or names.accepts(flow.name)
        ]

    def read_work_pool(self, work_pool_name: str) -> WorkPool:
        return self._store.read_work_pool(work_pool_name)

    def read_work_pools(self) -> list[WorkPool]:
        return self._store.read_work_pools()


class OrchestrationClient:
    """The async client (Prefect's PrefectClient): every call of SyncOrchestrationClient,
    awaited, run in a worker thread."""

    def __init__(self) -> None:
        self._sync = SyncOrchestrationClient()

    async def __aenter__(self) -> OrchestrationClient:
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        """The process's client stays open for the runs that record through it."""

    def __getattr__(self, name: str) -> Callable[..., Coroutine[Any, Any, Any]]:
        call = getattr(self._sync, name)

        async def in_thread(*args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(call, *args, **kwargs)

        return in_thread


PrefectClient = OrchestrationClient
SyncPrefectClient = SyncOrchestrationClient


class _Reading:
    """A read of flow runs: what the store filters, and what is checked here."""

    def __init__(
        self,
        store: CauceClient,
        flows: FlowFilter | None,
        runs: FlowRunFilter | None,
        deployments: DeploymentFilter | None,
    ) -> None:
        self.flow_names = flows.name if flows is not None else None
        self.runs = runs or FlowRunFilter()
        ids = self.runs.id.any_ if self.runs.id is not None else None
        self.ids = None if ids is None else [uuid.UUID(str(i)) for i in ids]
        """Runs asked for by id are read one by one."""
        self.deployment_ids: set[uuid.UUID] | None = None
        if deployments is not None:
            chosen = store.read_deployments()
            self.deployment_ids = {d.id for d in chosen if _deployment_accepted(d, deployments)}

    def store_filter(self) -> StoreFilter:
        runs, state = self.runs, self.runs.state
        types = state.type.names(state.type.any_) if state and state.type else None
        return StoreFilter(
            flow_name=_only(self.flow_names.any_ if self.flow_names else None),
            state_types=sorted(types) if types is not None else None,
            state_names=state.name.any_ if state and state.name else None,
            deployment_id=_only(runs.deployment_id.any_ if runs.deployment_id else None),
            tag=_only(runs.tags.all_ if runs.tags else None),
            name_like=runs.name.like_ if runs.name else None,
        )

    def accepts(self, run: FlowRun) -> bool:
        if self.flow_names is not None and not self.flow_names.accepts(run.flow_name):
            return False
        if self.deployment_ids is not None and run.deployment_id not in self.deployment_ids:
            return False
        return self.runs.matches(run)


def _only(values: list[Any] | None) -> Any:
    """The one value a store filter can take, when there is exactly one."""
    return values[0] if values is not None and len(values) == 1 else None


def _sort(sort: FlowRunSort | str | None) -> FlowRunSort:
    if sort is None:
        return FlowRunSort.CREATED_DESC
    try:
        return FlowRunSort(str(getattr(sort, "value", sort)))
    except ValueError:
        known = ", ".join(s.value for s in FlowRunSort)
        raise ValueError(f"cauce reads flow runs in these orders: {known}; not {sort}") from None


def _deployment_accepted(deployment: Deployment, where: DeploymentFilter | None) -> bool:
    if where is None:
        return True
    return (
        (where.id is None or where.id.accepts(deployment.id))
        and (where.name is None or where.name.accepts(deployment.name))
        and (where.tags is None or where.tags.accepts(deployment.tags))
    )


def _deployment_id(deployment_id: uuid.UUID | str) -> uuid.UUID:
    try:
        return uuid.UUID(str(deployment_id))
    except ValueError:
        raise ValueError(f"Invalid deployment ID: {deployment_id}") from None


def _no_other_filters(filters: dict[str, Any]) -> None:
    given = sorted(name for name, value in filters.items() if value is not None)
    if given:
        raise TypeError(f"cauce's client does not filter by {', '.join(given)}")
