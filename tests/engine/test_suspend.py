"""suspend_flow_run, as Prefect documents it: a deployment's run is Suspended and its
process stops with no final state; resumed, it is Scheduled and runs again from the start,
going past the suspends it took already; past its timeout it ends Failed. Here the rerun
is taken over in this process, as a worker's process would (tests/workers for the worker)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from cauce import flow, suspend_flow_run, task
from cauce.client.base import ClientError
from cauce.database.connections import create_engine
from cauce.engine.flow_run import run_existing_flow_run
from cauce.flow_runs import asuspend_flow_run, resume_flow_run
from cauce.schemas.deployments import Deployment, WorkPool
from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.services.crashes import crashes_pass
from cauce.states import Running, StateType, Suspended, now_utc
from tests.conftest import Store
from tests.engine.records import names, recorded

after_suspends: list[str] = []


@flow
def aprobacion() -> str:
    after_suspends.append("start")
    suspend_flow_run(timeout=600)
    after_suspends.append("after first")
    suspend_flow_run(timeout=600, key="segunda")
    after_suspends.append("after second")
    return "aprobado"


@flow
async def aprobacion_async() -> str:
    await suspend_flow_run(timeout=600)
    after_suspends.append("async after")
    return "aprobado"


def _deployment_run(store: Store, flow_name: str, runs: int = 1) -> FlowRun:
    """A Scheduled run (the last of `runs`) of a new deployment of `flow_name`, in a
    pool no worker polls: the test runs it."""
    store.client.create_work_pool(WorkPool("aprobaciones"))
    deployment = store.client.apply_deployment(
        Deployment(
            flow_name=flow_name,
            name="prod",
            entrypoint="unused.py:unused",
            work_pool_name="aprobaciones",
            source=str(Path.cwd()),
        )
    )
    made = [store.client.create_flow_run_from_deployment(deployment.id, {}) for _ in range(runs)]
    return made[-1]


class TestSuspendAndResume:
    def test_each_suspend_is_taken_once_and_the_rerun_completes(self, store: Store) -> None:
        after_suspends.clear()
        flow_run = _deployment_run(store, "aprobacion")

        first = run_existing_flow_run(aprobacion, flow_run)
        assert first.name == "Suspended" and first.type is StateType.PAUSED
        run = recorded(store, flow_run.id)
        assert run.flow_run.state.name == "Suspended"
        assert run.flow_run.state.state_details.pause_timeout is not None
        assert after_suspends == ["start"]

        resume_flow_run(flow_run.id)
        resumed = store.client.read_flow_run(flow_run.id)
        assert resumed.state.type is StateType.SCHEDULED
        assert resumed.state.message == "Resumed."
        assert resumed.state.scheduled_time is not None
        assert resumed.state.scheduled_time <= now_utc()

        second = run_existing_flow_run(aprobacion, resumed)
        assert second.name == "Suspended"
        store.client.resume_flow_run(flow_run.id)
        final = run_existing_flow_run(aprobacion, store.client.read_flow_run(flow_run.id))

        assert final.is_completed() and final.result() == "aprobado"
        assert after_suspends == [
            *["start"],
            *["start", "after first"],
            *["start", "after first", "after second"],
        ]
        run = recorded(store, flow_run.id)
        assert names(run.states) == [
            "Scheduled",
            *["Pending", "Running", "Suspended", "Scheduled"],
            *["Pending", "Running", "Suspended", "Scheduled"],
            *["Pending", "Running", "Completed"],
        ]
        assert [s.message for s in run.states if s.name == "Suspended"] == [
            'Suspended until resumed (pause key "1").',
            'Suspended until resumed (pause key "segunda").',
        ]

    def test_an_async_flow_awaits_it(self, store: Store) -> None:
        after_suspends.clear()
        flow_run = _deployment_run(store, "aprobacion-async")

        assert run_existing_flow_run(aprobacion_async, flow_run).name == "Suspended"
        store.client.resume_flow_run(flow_run.id)
        final = run_existing_flow_run(aprobacion_async, store.client.read_flow_run(flow_run.id))

        assert final.is_completed()
        assert after_suspends == ["async after"]
        assert asyncio.iscoroutinefunction(asuspend_flow_run)


class TestSuspendForInput:
    def test_the_rerun_gets_the_input_the_run_was_resumed_with(self, store: Store) -> None:
        @flow
        def con_entrada() -> str:
            nombre = suspend_flow_run(wait_for_input=str, timeout=600)
            return f"hola {nombre}"

        flow_run = _deployment_run(store, "con-entrada")
        assert run_existing_flow_run(con_entrada, flow_run).name == "Suspended"
        with pytest.raises(ClientError, match="input field 'value' must be a string, got 3"):
            store.client.resume_flow_run(flow_run.id, {"value": 3})
        assert store.client.read_flow_run(flow_run.id).state.name == "Suspended"

        resume_flow_run(flow_run.id, run_input={"value": "Ana"})
        final = run_existing_flow_run(con_entrada, store.client.read_flow_run(flow_run.id))

        assert final.is_completed() and final.result() == "hola Ana"


class TestRefused:
    def test_a_run_not_from_a_deployment_is_refused(self, store: Store) -> None:
        @flow
        def suelta() -> None:
            suspend_flow_run()

        state = suelta(return_state=True)

        assert state.is_failed()
        with pytest.raises(RuntimeError, match="not associated with a deployment"):
            state.result()

    def test_tasks_and_other_runs_are_refused(self, store: Store) -> None:
        @task
        def en_tarea() -> None:
            suspend_flow_run()

        @flow
        def otra_corrida() -> None:
            suspend_flow_run(flow_run_id=uuid.uuid4())

        @flow
        def desde_tarea() -> None:
            en_tarea()

        with pytest.raises(NotImplementedError, match="only the current flow run"):
            otra_corrida()
        with pytest.raises(RuntimeError, match="Cannot suspend task runs"):
            desde_tarea()

    def test_outside_a_flow_run_it_is_refused(self) -> None:
        with pytest.raises(RuntimeError, match="inside a flow run"):
            suspend_flow_run()


class TestTimeout:
    def _suspend(self, store: Store, flow_run: FlowRun, seconds: float) -> uuid.UUID:
        running = Running()
        store.client.set_flow_run_state(flow_run.id, running)
        store.client.set_flow_run_state(
            flow_run.id,
            Suspended("Waiting.", timeout_seconds=seconds),
            expected_state_id=running.id,
        )
        return flow_run.id

    def test_a_resume_past_the_timeout_ends_the_run_failed(self, store: Store) -> None:
        flow_run_id = self._suspend(store, _deployment_run(store, "caducada"), 0.0)

        run = store.client.resume_flow_run(flow_run_id)

        assert run.state.is_failed()
        assert store.client.read_flow_run(flow_run_id).state.message == (
            "Flow run was paused and never resumed: its pause timed out."
        )

    @pytest.mark.store_kinds("the service pass runs on the database itself", "sqlite")
    def test_the_crash_service_fails_runs_paused_past_their_timeout(self, store: Store) -> None:
        waiting = self._suspend(store, _deployment_run(store, "caducada"), 600.0)
        runs = store.client.read_flow_runs(FlowRunFilter(flow_name="caducada"))
        expired = self._suspend(
            store, store.client.create_flow_run_from_deployment(runs[0].deployment_id, {}), 0.0
        )
        engine = create_engine(store.url)
        try:
            with engine.begin() as connection:
                said = crashes_pass(30.0)(connection, now_utc() + timedelta(seconds=1))
        finally:
            engine.dispose()

        assert said == "failed 1 run(s) paused past their timeout"
        state = store.client.read_flow_run(expired).state
        assert state.is_failed()
        assert state.message == "Flow run was paused and never resumed: its pause timed out."
        assert store.client.read_flow_run(waiting).state.name == "Suspended"
