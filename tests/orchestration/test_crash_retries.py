"""A deployment's run whose process dies with retries left is scheduled again, as the
flow's retries say, instead of Crashed: through `store.client` on all four stores."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from cauce.client.base import NotFound
from cauce.schemas.deployments import Deployment, WorkPool
from cauce.schemas.flow_runs import FlowRun
from cauce.states import Pending, Running, now_utc
from tests.conftest import Store


@pytest.fixture
def deployment(store: Store) -> Deployment:
    store.client.create_work_pool(WorkPool(name="local"))
    return store.client.apply_deployment(
        Deployment(
            flow_name="reintenta", name="d", entrypoint="f.py:reintenta", work_pool_name="local"
        )
    )


def _running(store: Store, flow_run_id: uuid.UUID) -> None:
    store.client.set_flow_run_state(flow_run_id, Pending())
    store.client.set_flow_run_state(flow_run_id, Running())


def _deployment_run(store: Store, deployment: Deployment) -> FlowRun:
    flow_run = store.client.create_flow_run_from_deployment(deployment.id)
    _running(store, flow_run.id)
    return flow_run


class TestACrashWithRetriesLeft:
    def test_is_scheduled_again_after_the_flows_delay(self, store: Store, deployment: Deployment):
        flow_run = _deployment_run(store, deployment)
        store.client.set_flow_run_retries(flow_run.id, 2, 30.0)
        before = now_utc()

        assert store.client.crash_flow_run(flow_run.id, "Its process exited with code -9.")

        again = store.client.read_flow_run(flow_run.id)
        assert (again.state.type.value, again.state.name) == ("SCHEDULED", "AwaitingRetry")
        assert again.state.message == (
            "Attempt 1 of 3 crashed: Its process exited with code -9. It will be run again."
        )
        assert again.state.scheduled_time is not None
        wait = again.state.scheduled_time - before
        assert timedelta(seconds=29) < wait < timedelta(seconds=40)

    def test_the_last_attempt_crashes(self, store: Store, deployment: Deployment):
        flow_run = _deployment_run(store, deployment)
        store.client.set_flow_run_retries(flow_run.id, 1, 0.0)
        assert store.client.crash_flow_run(flow_run.id, "gone")
        assert store.client.read_flow_run(flow_run.id).state.name == "AwaitingRetry"
        _running(store, flow_run.id)  # the second attempt, as a worker claims and starts it
        assert store.client.crash_flow_run(flow_run.id, "gone again")
        ended = store.client.read_flow_run(flow_run.id)
        assert (ended.state.name, ended.state.message, ended.run_count) == (
            "Crashed",
            "gone again",
            2,
        )


class TestCrashedAsBefore:
    def test_a_run_whose_flow_declared_no_retries(self, store: Store, deployment: Deployment):
        flow_run = _deployment_run(store, deployment)
        assert store.client.crash_flow_run(flow_run.id, "gone")
        assert store.client.read_flow_run(flow_run.id).state.name == "Crashed"

    def test_a_script_run_no_worker_would_run_again(self, store: Store):
        flow_run = FlowRun(id=uuid.uuid4(), flow_name="f", name="r", state=Pending())
        store.client.create_flow_run(flow_run, None)
        store.client.set_flow_run_state(flow_run.id, Running())
        store.client.set_flow_run_retries(flow_run.id, 3, 0.0)
        assert store.client.crash_flow_run(flow_run.id, "gone")
        assert store.client.read_flow_run(flow_run.id).state.name == "Crashed"

    def test_a_run_being_cancelled_ends_cancelled(self, store: Store, deployment: Deployment):
        flow_run = _deployment_run(store, deployment)
        store.client.set_flow_run_retries(flow_run.id, 3, 0.0)
        store.client.cancel_flow_run(flow_run.id, "stop it")
        assert store.client.crash_flow_run(flow_run.id, "gone")
        assert store.client.read_flow_run(flow_run.id).state.name == "Cancelled"


def test_declaring_retries_for_an_unknown_run_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.client.set_flow_run_retries(uuid.uuid4(), 1, 0.0)
