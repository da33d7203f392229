"""Claiming a pool's due runs, through `store.client` on all four stores: each run once,
soonest first, Pending afterwards; paused pools and deployments and concurrency limits
honoured; what is not due yet left for later."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest

from cauce.client.base import NotFound
from cauce.schemas.deployments import Deployment, WorkPool
from cauce.schemas.flow_runs import FlowRun
from cauce.states import Completed, Running, now_utc
from tests.conftest import Store


def _deploy(
    store: Store, name: str = "diaria", pool: str = "local", **fields: object
) -> Deployment:
    deployment = Deployment(
        flow_name="saludar",
        name=name,
        entrypoint="flows/saludo.py:saludar",
        work_pool_name=pool,
        **fields,  # type: ignore[arg-type]
    )
    return store.client.apply_deployment(deployment)


def _run_at(store: Store, deployment: Deployment, when: datetime) -> FlowRun:
    return store.client.create_flow_run_from_deployment(deployment.id, scheduled_time=when)


def _worker(store: Store, pool: str = "local", name: str = "w1") -> uuid.UUID:
    return store.client.worker_heartbeat(pool, name, "maquina", 4242, []).worker_id


@pytest.fixture
def pool(store: Store) -> str:
    store.client.create_work_pool(WorkPool("local"))
    return "local"


def _claim(store: Store, worker_id: uuid.UUID, most: int = 10, **options: float) -> list[FlowRun]:
    return store.client.claim_flow_runs("local", worker_id, most, **options)


class TestClaim:
    def test_due_runs_are_claimed_soonest_first_each_once(self, store: Store, pool: str):
        deployment = _deploy(store)
        now = now_utc()
        runs = [_run_at(store, deployment, now - timedelta(minutes=m)) for m in (1, 5, 3)]
        worker_id = _worker(store)

        claimed = _claim(store, worker_id)

        assert [r.id for r in claimed] == [runs[1].id, runs[2].id, runs[0].id]
        for flow_run in claimed:
            stored = store.client.read_flow_run(flow_run.id)
            assert stored.state.name == "Pending"
            assert stored.worker_id == worker_id
        assert _claim(store, worker_id) == []

    def test_a_second_worker_gets_only_what_the_first_left(self, store: Store, pool: str):
        deployment = _deploy(store)
        runs = [_run_at(store, deployment, now_utc() - timedelta(seconds=s)) for s in range(5)]
        first = _claim(store, _worker(store, name="w1"), most=2)
        second = _claim(store, _worker(store, name="w2"), most=10)
        assert len(first) == 2 and len(second) == 3
        assert {r.id for r in first} | {r.id for r in second} == {r.id for r in runs}

    def test_a_run_not_yet_due_waits_unless_prefetched(self, store: Store, pool: str):
        deployment = _deploy(store)
        soon = _run_at(store, deployment, now_utc() + timedelta(seconds=30))
        worker_id = _worker(store)
        assert _claim(store, worker_id) == []
        assert [r.id for r in _claim(store, worker_id, prefetch_seconds=60)] == [soon.id]

    def test_a_claim_for_some_deployments_leaves_the_others_runs(self, store: Store, pool: str):
        a, b, c = (_deploy(store, name) for name in ("a", "b", "c"))
        due = now_utc() - timedelta(minutes=1)
        runs = {d.name: _run_at(store, d, due) for d in (a, b, c)}
        worker_id = _worker(store)

        assert store.client.claim_flow_runs("local", worker_id, 10, 0.0, []) == []
        claimed = store.client.claim_flow_runs("local", worker_id, 10, 0.0, [a.id, c.id])

        assert {r.id for r in claimed} == {runs["a"].id, runs["c"].id}
        assert store.client.read_flow_run(runs["b"].id).state.name == "Scheduled"
        assert [r.id for r in _claim(store, worker_id)] == [runs["b"].id]

    def test_a_paused_pool_gives_nothing_until_resumed(self, store: Store, pool: str):
        deployment = _deploy(store)
        due = _run_at(store, deployment, now_utc())
        worker_id = _worker(store)
        store.client.update_work_pool("local", is_paused=True)
        assert _claim(store, worker_id) == []
        store.client.update_work_pool("local", is_paused=False)
        assert [r.id for r in _claim(store, worker_id)] == [due.id]

    def test_a_paused_deployment_gives_nothing(self, store: Store, pool: str):
        paused = _deploy(store, "pausada")
        active = _deploy(store, "activa")
        _run_at(store, paused, now_utc() - timedelta(minutes=1))
        due = _run_at(store, active, now_utc())
        store.client.set_deployment_paused(paused.id, True)
        assert [r.id for r in _claim(store, _worker(store))] == [due.id]

    def test_the_pools_concurrency_limit_counts_runs_not_ended(self, store: Store, pool: str):
        deployment = _deploy(store)
        for seconds in range(3):
            _run_at(store, deployment, now_utc() - timedelta(seconds=seconds))
        store.client.update_work_pool("local", concurrency_limit=1)
        worker_id = _worker(store)

        [first] = _claim(store, worker_id)
        assert _claim(store, _worker(store, name="w2")) == []
        store.client.set_flow_run_state(first.id, Running())
        assert _claim(store, worker_id) == []
        store.client.set_flow_run_state(first.id, Completed())
        assert len(_claim(store, worker_id)) == 1

    def test_a_deployments_concurrency_limit_leaves_room_for_the_others(
        self, store: Store, pool: str
    ):
        limited = _deploy(store, "limitada", concurrency_limit=1)
        free = _deploy(store, "libre")
        for seconds in range(3):
            _run_at(store, limited, now_utc() - timedelta(minutes=10, seconds=seconds))
        later = [_run_at(store, free, now_utc() - timedelta(seconds=s)) for s in range(2)]

        claimed = _claim(store, _worker(store))

        assert [r.deployment_id for r in claimed].count(limited.id) == 1
        assert {r.id for r in claimed if r.deployment_id == free.id} == {r.id for r in later}

    def test_a_worker_that_never_registered_in_the_pool_claims_nothing(
        self, store: Store, pool: str
    ):
        deployment = _deploy(store)
        waiting = _run_at(store, deployment, now_utc())
        ghost = uuid.uuid4()
        with pytest.raises(NotFound, match=f"worker {ghost} is not a worker of work pool 'local'"):
            store.client.claim_flow_runs("local", ghost, 1)
        assert store.client.read_flow_run(waiting.id).state.name == "Scheduled"

    def test_an_unknown_pool_is_named(self, store: Store, pool: str):
        worker_id = _worker(store)
        with pytest.raises(NotFound, match="work pool 'nada' does not exist"):
            store.client.claim_flow_runs("nada", worker_id, 1)
        with pytest.raises(NotFound, match="work pool 'nada' does not exist"):
            store.client.worker_heartbeat("nada", "w1", "maquina", 1, [])


class TestWorkers:
    def test_a_worker_is_listed_with_its_runs_in_progress(self, store: Store, pool: str):
        deployment = _deploy(store)
        _run_at(store, deployment, now_utc())
        worker_id = _worker(store)
        _claim(store, worker_id)
        [worker] = store.client.read_workers("local")
        assert (worker.id, worker.name, worker.pool_name, worker.host, worker.pid) == (
            worker_id,
            "w1",
            "local",
            "maquina",
            4242,
        )
        assert worker.runs_in_progress == 1 and worker.stopped is None
        assert worker.is_healthy(now_utc(), heartbeat_seconds=30)

        store.client.worker_stopped(worker_id)
        [stopped] = store.client.read_workers()
        assert stopped.stopped is not None
        assert not stopped.is_healthy(now_utc(), heartbeat_seconds=30)

    def test_a_heartbeat_names_the_runs_to_stop(self, store: Store, pool: str):
        deployment = _deploy(store)
        for seconds in range(2):
            _run_at(store, deployment, now_utc() - timedelta(seconds=seconds))
        worker_id = _worker(store)
        kept, cancelled = _claim(store, worker_id)
        store.client.cancel_flow_run(cancelled.id, "asked by ana")

        beat = store.client.worker_heartbeat(
            "local", "w1", "maquina", 4242, [kept.id, cancelled.id]
        )

        assert beat.worker_id == worker_id
        assert beat.stop == [cancelled.id]


class TestLongPoll:
    def test_a_waiting_claim_takes_a_run_made_while_it_waits(self, store: Store, pool: str):
        if not store.over_http:
            pytest.skip("the embedded store does not wait: its worker polls")
        deployment = _deploy(store)
        worker_id = _worker(store)
        found: list[FlowRun] = []
        waiting = threading.Thread(
            target=lambda: found.extend(
                store.client.claim_flow_runs("local", worker_id, 1, wait_seconds=10)
            )
        )
        waiting.start()
        time.sleep(0.5)  # the claim is waiting on the server by now (it found nothing)
        made = store.client.create_flow_run_from_deployment(deployment.id)
        waiting.join(15)
        assert [r.id for r in found] == [made.id]

    def test_with_nothing_made_it_returns_empty_after_its_wait(self, store: Store, pool: str):
        if not store.over_http:
            pytest.skip("the embedded store does not wait: its worker polls")
        worker_id = _worker(store)
        started = time.monotonic()
        assert store.client.claim_flow_runs("local", worker_id, 1, wait_seconds=0.5) == []
        assert time.monotonic() - started >= 0.5
