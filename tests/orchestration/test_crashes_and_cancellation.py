"""Crash is a state, cancellation ends a run, and the watchdog cancels what is stuck:
through `store.client` on all four stores, as workers, the CLI and the server use them."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from cauce.client.base import ClientError
from cauce.client.embedded import EmbeddedClient
from cauce.processes import process_is_alive, this_host
from cauce.schemas.deployments import Deployment, WorkPool
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.task_runs import TaskRun
from cauce.states import (
    Completed,
    Late,
    Pending,
    Running,
    Scheduled,
    State,
    now_utc,
)
from tests.conftest import Store


def _new_run(store: Store, state: State, **fields: object) -> FlowRun:
    flow_run = FlowRun(
        id=uuid.uuid4(),
        flow_name="atascada",
        name="run-atascada",
        state=state,
        created=now_utc(),
        **fields,  # type: ignore[arg-type]
    )
    store.client.create_flow_run(flow_run, None)
    return flow_run


def _with_task_run(store: Store, flow_run: FlowRun, state: State) -> TaskRun:
    task_run = TaskRun(
        id=uuid.uuid4(),
        flow_run_id=flow_run.id,
        task_name="t",
        name="t-0",
        state=state,
        created=now_utc(),
    )
    store.client.write_batch([task_run], [(task_run.id, state)], [])
    return task_run


class TestCrash:
    def test_a_running_run_and_its_unfinished_task_runs_end_crashed(self, store: Store):
        flow_run = _new_run(store, Pending())
        store.client.set_flow_run_state(flow_run.id, Running())
        going = _with_task_run(store, flow_run, Running())
        done = _with_task_run(store, flow_run, Completed())

        assert store.client.crash_flow_run(flow_run.id, "worker 'w1' is gone")

        crashed = store.client.read_flow_run(flow_run.id)
        assert (crashed.state.name, crashed.state.message) == ("Crashed", "worker 'w1' is gone")
        task_states = {t.id: t.state for t in store.client.read_task_runs(flow_run.id)}
        assert task_states[going.id].name == "Crashed"
        assert "worker 'w1' is gone" in (task_states[going.id].message or "")
        assert task_states[done.id].name == "Completed"

    def test_an_ended_run_is_left_as_it_is(self, store: Store):
        flow_run = _new_run(store, Pending())
        store.client.set_flow_run_state(flow_run.id, Running())
        store.client.set_flow_run_state(flow_run.id, Completed())
        assert not store.client.crash_flow_run(flow_run.id, "too late")
        assert store.client.read_flow_run(flow_run.id).state.name == "Completed"

    def test_a_run_being_cancelled_that_crashes_ends_cancelled(self, store: Store):
        flow_run = _new_run(store, Pending())
        store.client.set_flow_run_state(flow_run.id, Running())
        store.client.cancel_flow_run(flow_run.id, "asked by ana")
        assert store.client.crash_flow_run(flow_run.id, "stopped by its worker")
        ended = store.client.read_flow_run(flow_run.id)
        assert (ended.state.name, ended.state.message) == ("Cancelled", "asked by ana")


class TestCancel:
    @pytest.mark.parametrize(
        "waiting",
        [Scheduled, lambda: Late(now_utc() - timedelta(hours=1))],
        ids=["Scheduled", "Late"],
    )
    def test_a_run_not_started_is_cancelled_at_once(self, store: Store, waiting):  # type: ignore[no-untyped-def]
        flow_run = _new_run(store, waiting())
        cancelled = store.client.cancel_flow_run(flow_run.id, "no hace falta")
        assert (cancelled.state.name, cancelled.state.message) == ("Cancelled", "no hace falta")
        assert store.client.read_flow_run(flow_run.id).state.name == "Cancelled"

    def test_a_running_run_is_cancelling_until_its_process_stops(self, store: Store):
        flow_run = _new_run(store, Pending())
        store.client.set_flow_run_state(flow_run.id, Running())
        cancelling = store.client.cancel_flow_run(flow_run.id, "asked by ana")
        assert cancelling.state.name == "Cancelling"
        assert store.client.cancel_flow_run(flow_run.id, "again").state.name == "Cancelling"

    def test_an_ended_run_cannot_be_cancelled(self, store: Store):
        flow_run = _new_run(store, Pending())
        store.client.set_flow_run_state(flow_run.id, Running())
        store.client.set_flow_run_state(flow_run.id, Completed())
        with pytest.raises(ClientError, match="'run-atascada' has already ended: Completed()"):
            store.client.cancel_flow_run(flow_run.id, "late")


class TestWatchdog:
    """The server's (or, embedded, this process's) default limits: Late 4 h, Running 2 h."""

    def _stuck(self, store: Store) -> tuple[FlowRun, FlowRun, FlowRun]:
        late = _new_run(store, Late(now_utc() - timedelta(hours=5)))
        running = _new_run(store, Pending())
        three_hours_ago = Running()
        three_hours_ago.timestamp = now_utc() - timedelta(hours=3)
        store.client.set_flow_run_state(running.id, three_hours_ago, force=True)
        recent = _new_run(store, Pending())
        store.client.set_flow_run_state(recent.id, Running())
        return late, running, recent

    def test_a_dry_run_reports_and_changes_nothing(self, store: Store):
        late, running, recent = self._stuck(store)
        actions = store.client.run_watchdog(dry_run=True)
        assert {(a.flow_run_id, a.rule) for a in actions} == {
            (late.id, "late"),
            (running.id, "running"),
        }
        assert store.client.read_flow_run(late.id).state.name == "Late"
        assert store.client.read_flow_run(running.id).state.name == "Running"

    def test_stuck_runs_are_cancelled_saying_which_rule_and_how_late(self, store: Store):
        late, running, recent = self._stuck(store)
        store.client.run_watchdog()
        late_state = store.client.read_flow_run(late.id).state
        running_state = store.client.read_flow_run(running.id).state
        assert late_state.name == running_state.name == "Cancelled"
        assert late_state.message is not None and running_state.message is not None
        assert "Late for 5h" in late_state.message
        assert "CAUCE_WATCHDOG_LATE_AFTER" in late_state.message
        assert "Running for 3h" in running_state.message
        assert "past its limit of 2h" in running_state.message
        assert store.client.read_flow_run(recent.id).state.name == "Running"
        assert store.client.run_watchdog() == []

    def test_a_deployments_own_limit_replaces_the_default_for_its_runs(self, store: Store):
        store.client.create_work_pool(WorkPool("local"))
        six_hours = _deployment(store, "seis-horas", watchdog_running_after_seconds=6 * 3600)
        default = _deployment(store, "por-defecto")
        assert six_hours.watchdog_running_after_seconds == 6 * 3600
        spared = _running_for_three_hours(store, six_hours)
        cancelled = _running_for_three_hours(store, default)
        actions = store.client.run_watchdog()
        assert [(a.flow_run_id, a.rule) for a in actions] == [(cancelled.id, "running")]
        assert store.client.read_flow_run(spared.id).state.name == "Running"
        assert store.client.read_flow_run(cancelled.id).state.name == "Cancelled"


def _deployment(store: Store, name: str, **fields: object) -> Deployment:
    deployment = Deployment(
        flow_name="atascada", name=name, entrypoint="f.py:atascada", work_pool_name="local"
    )
    return store.client.apply_deployment(replace(deployment, **fields))


def _running_for_three_hours(store: Store, deployment: Deployment) -> FlowRun:
    flow_run = store.client.create_flow_run_from_deployment(deployment.id)
    three_hours_ago = Running()
    three_hours_ago.timestamp = now_utc() - timedelta(hours=3)
    store.client.set_flow_run_state(flow_run.id, three_hours_ago, force=True)
    return flow_run


@pytest.mark.embedded_only("a process on this machine is checked by whoever opens the store")
class TestKilledScript:
    def test_a_run_whose_process_is_gone_is_crashed_by_the_next_reader(self, store: Store):
        dead_pid = _a_dead_pid()
        killed = _new_run(store, Pending(), host=this_host(), pid=dead_pid)
        store.client.set_flow_run_state(killed.id, Running())
        alive = _new_run(store, Pending(), host=this_host(), pid=os.getpid())
        store.client.set_flow_run_state(alive.id, Running())
        elsewhere = _new_run(store, Pending(), host="otra-maquina", pid=dead_pid)
        store.client.set_flow_run_state(elsewhere.id, Running())

        crashed = _read_by_the_next_reader(store, killed.id)

        assert crashed.state.name == "Crashed"
        assert f"Its process ({dead_pid} on {this_host()}) is gone" in (crashed.state.message or "")
        assert store.client.read_flow_run(alive.id).state.name == "Running"
        assert store.client.read_flow_run(elsewhere.id).state.name == "Running"

    def test_a_run_claimed_by_a_worker_killed_before_its_process_started_is_crashed(
        self, store: Store
    ) -> None:
        dead_pid = _a_dead_pid()
        store.client.create_work_pool(WorkPool("p"))
        deployment = store.client.apply_deployment(
            Deployment(flow_name="f", name="d", entrypoint="f.py:f", work_pool_name="p")
        )
        flow_run = store.client.create_flow_run_from_deployment(deployment.id)
        worker_id = store.client.worker_heartbeat("p", "w", this_host(), dead_pid, []).worker_id
        [claimed] = store.client.claim_flow_runs("p", worker_id, 1)
        assert claimed.id == flow_run.id

        crashed = _read_by_the_next_reader(store, flow_run.id)

        assert crashed.state.name == "Crashed"
        assert f"Its process ({dead_pid} on {this_host()}) is gone" in (crashed.state.message or "")

    def test_a_run_whose_worker_is_alive_is_left_to_it(self, store: Store) -> None:
        # The worker reports how its run's process ended (its exit code); the reader cannot.
        store.client.create_work_pool(WorkPool("p"))
        deployment = store.client.apply_deployment(
            Deployment(flow_name="f", name="d", entrypoint="f.py:f", work_pool_name="p")
        )
        flow_run = store.client.create_flow_run_from_deployment(deployment.id)
        worker_id = store.client.worker_heartbeat("p", "w", this_host(), os.getpid(), []).worker_id
        store.client.claim_flow_runs("p", worker_id, 1)
        store.client.flow_run_heartbeat([flow_run.id], this_host(), _a_dead_pid())
        store.client.set_flow_run_state(flow_run.id, Running())

        assert _read_by_the_next_reader(store, flow_run.id).state.name == "Running"


def _read_by_the_next_reader(store: Store, flow_run_id: uuid.UUID) -> FlowRun:
    """The run as a new process opening the store reads it (which ends those left behind)."""
    reader = EmbeddedClient(store.url)
    try:
        return reader.read_flow_run(flow_run_id)
    finally:
        reader.close()


def _a_dead_pid() -> int:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    assert not process_is_alive(int(gone.stdout))
    return int(gone.stdout)
