"""pause_flow_run / resume_flow_run, as Prefect documents them: the run is Paused and its
process waits until someone resumes it, then goes on; past the timeout it fails."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from cauce import flow, pause_flow_run, resume_flow_run, task
from cauce.exceptions import NotPausedError
from cauce.schemas.flow_runs import FlowRunFilter
from cauce.states import StateType
from tests.conftest import Store
from tests.engine.records import names, only_run_of
from tests.workers.conftest import wait_for


def _paused_run(store: Store, flow_name: str) -> uuid.UUID | None:
    """The paused run of `flow_name`, or None yet. A read that fails (a busy database on a
    loaded machine) is a "not yet": the poll asks again, not the thread dies unseen."""
    try:
        runs = store.client.read_flow_runs(FlowRunFilter(flow_name=flow_name))
    except Exception:
        return None
    for run in runs:
        if run.state.type is StateType.PAUSED:
            return run.id
    return None


@contextmanager
def meanwhile(action: Callable[[], None]) -> Iterator[list[BaseException]]:
    """Run `action` in a thread while the block runs; what it raised, if anything."""
    raised: list[BaseException] = []

    def guarded() -> None:
        try:
            action()
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=guarded, daemon=True)
    thread.start()
    try:
        yield raised
    finally:
        thread.join(30)


@flow
def aprobacion() -> str:
    pause_flow_run(timeout=30, poll_interval=1)
    return "aprobado"


class TestPauseAndResume:
    def test_the_run_waits_paused_until_resumed_then_goes_on(self, store: Store) -> None:
        def resume_when_paused() -> None:
            run_id = wait_for(lambda: _paused_run(store, "aprobacion"), seconds=20)
            resume_flow_run(run_id)

        with meanwhile(resume_when_paused) as raised:
            assert aprobacion() == "aprobado"
        assert raised == []
        run = only_run_of(store, "aprobacion")
        assert names(run.states) == ["Pending", "Running", "Paused", "Running", "Completed"]
        assert run.states[3].message == "Resumed."
        assert "Pausing flow, execution will continue when this flow run is resumed." in (
            run.messages
        )
        assert "Resuming flow run execution!" in run.messages
        assert run.flow_run.run_count == 1

    def test_not_resumed_within_the_timeout_it_fails(self, store: Store) -> None:
        @flow
        def olvidada() -> None:
            pause_flow_run(timeout=1)

        state = olvidada(return_state=True)
        assert state.type is StateType.FAILED
        assert "Flow run was paused and never resumed." in (state.message or "")
        assert names(only_run_of(store, "olvidada").states)[-2:] == ["Paused", "Failed"]

    def test_cancelled_while_paused_it_ends_cancelled_and_stops(self, store: Store) -> None:
        @flow
        def cancelada() -> None:
            pause_flow_run(timeout=30)

        def cancel_when_paused() -> None:
            run_id = wait_for(lambda: _paused_run(store, "cancelada"), seconds=20)
            store.client.cancel_flow_run(run_id, "ya no hace falta")

        with meanwhile(cancel_when_paused), pytest.raises(SystemExit):
            cancelada()
        run = only_run_of(store, "cancelada")
        assert run.flow_run.state.type is StateType.CANCELLED
        assert run.flow_run.state.message == "ya no hace falta"

    def test_an_async_flow_awaits_it(self, store: Store) -> None:
        @flow
        async def asincrona() -> int:
            await pause_flow_run(timeout=30)
            return 7

        def resume_when_paused() -> None:
            resume_flow_run(wait_for(lambda: _paused_run(store, "asincrona"), seconds=20))

        with meanwhile(resume_when_paused) as raised:
            assert asyncio.run(asincrona()) == 7
        assert raised == []
        assert only_run_of(store, "asincrona").flow_run.state.type is StateType.COMPLETED

    def test_a_sync_flow_waits_even_when_called_where_an_event_loop_runs(
        self, store: Store
    ) -> None:
        def resume_when_paused() -> None:
            resume_flow_run(wait_for(lambda: _paused_run(store, "aprobacion"), seconds=20))

        async def caller() -> str:
            return aprobacion()

        with meanwhile(resume_when_paused):
            assert asyncio.run(caller()) == "aprobado"


class TestRefusals:
    def test_resuming_a_run_that_is_not_paused_says_so(self, store: Store) -> None:
        @flow
        def termina() -> None:
            pass

        termina()
        run = only_run_of(store, "termina").flow_run
        with pytest.raises(NotPausedError, match=f"Flow run {run.id} is not paused"):
            resume_flow_run(run.id)

    def test_a_task_cannot_pause(self, store: Store) -> None:
        @task
        def pausa() -> None:
            pause_flow_run(timeout=5)

        @flow
        def con_tarea() -> None:
            pausa()

        state = con_tarea(return_state=True)
        assert state.type is StateType.FAILED
        with pytest.raises(RuntimeError, match="Cannot pause task runs"):
            state.result()

    def test_outside_a_flow_it_says_so(self) -> None:
        with pytest.raises(RuntimeError, match="must be called from inside a flow run"):
            pause_flow_run(timeout=5)
