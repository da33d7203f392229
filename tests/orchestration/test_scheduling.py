"""The scheduler's decisions on a real database: which runs exist, made once, in the zone.

Each test passes `now`, so times are exact and no test waits for a clock.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, func, select, text

from cauce.database.connections import create_engine, ensure_schema
from cauce.database.tables import flow_runs, work_pools
from cauce.orchestration import deployments as core
from cauce.orchestration import scheduling
from cauce.orchestration.work_pools import create_work_pool, update_work_pool
from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool
from cauce.services.loop import Outcome, Pass, run_once
from cauce.services.scheduler import scheduler_pass
from tests.conftest import Store

pytestmark = pytest.mark.embedded_only("the scheduler's core runs on the database itself")

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # 09:00 in Buenos Aires
BUENOS_AIRES = "America/Argentina/Buenos_Aires"


@pytest.fixture
def engine(store: Store) -> Iterator[Engine]:
    engine = create_engine(store.url)
    ensure_schema(engine)
    with engine.begin() as connection:
        create_work_pool(connection, WorkPool(name="compras-prod"))
    yield engine
    engine.dispose()


def _deployment(*schedules: DeploymentSchedule, name: str = "printear-mensaje") -> Deployment:
    return Deployment(
        flow_name="basic-flow",
        name=name,
        entrypoint="basic.py:basic_flow",
        work_pool_name="compras-prod",
        parameters={"mensaje": "hola"},
        schedules=list(schedules),
    )


def _cron(expression: str = "30 1,13,17 * * *", zone: str = BUENOS_AIRES) -> DeploymentSchedule:
    return DeploymentSchedule(timezone=zone, cron=expression)


def _apply(engine: Engine, deployment: Deployment, now: datetime = NOW) -> Deployment:
    with engine.begin() as connection:
        return core.apply_deployment(connection, deployment, now)


def _scheduled(engine: Engine, deployment_id: uuid.UUID) -> list[datetime]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(flow_runs.c.expected_start_time)
            .where(
                flow_runs.c.deployment_id == deployment_id, flow_runs.c.state_type == "SCHEDULED"
            )
            .order_by(flow_runs.c.expected_start_time)
        )
        return [row.expected_start_time for row in rows]


def _run(engine: Engine, job: Pass, now: datetime) -> str | None:
    """One pass of `job` as the server runs it: in a transaction, its memory kept once
    committed."""

    async def transaction(fn: Callable[[Connection], str | None | Outcome]) -> str | None | Outcome:
        with engine.begin() as connection:
            return fn(connection)

    return asyncio.run(run_once(transaction, "scheduler", job, now))


def _pass(engine: Engine, now: datetime) -> str | None:
    return _run(engine, scheduler_pass(timedelta(seconds=15)), now)


def _utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


class TestUpcomingRuns:
    def test_a_new_deployment_gets_its_next_day_of_runs_at_once_in_its_zone(self, engine):
        deployment = _apply(engine, _deployment(_cron()))
        # 13:30 and 17:30 today, 01:30 tomorrow, Buenos Aires time (UTC-3).
        assert _scheduled(engine, deployment.id) == [
            _utc(1, 16, 30),
            _utc(1, 20, 30),
            _utc(2, 4, 30),
        ]

    def test_a_sparse_schedule_still_has_its_next_three_runs(self, engine):
        weekly = _cron("0 9 * * 1")
        deployment = _apply(engine, _deployment(weekly))
        assert _scheduled(engine, deployment.id) == [_utc(7, 12), _utc(14, 12), _utc(21, 12)]

    def test_a_dense_schedule_is_bounded(self, engine):
        deployment = _apply(engine, _deployment(_cron("* * * * *")))
        assert len(_scheduled(engine, deployment.id)) == scheduling.MAX_RUNS

    def test_runs_carry_the_deployments_parameters_and_are_linked_to_it(self, engine):
        deployment = _apply(engine, _deployment(_cron()))
        with engine.connect() as connection:
            row = connection.execute(
                select(flow_runs).where(flow_runs.c.deployment_id == deployment.id).limit(1)
            ).one()
        assert row.parameters == {"mensaje": "hola"} and row.auto_scheduled
        assert row.state_name == "Scheduled" and row.scheduled_time == row.expected_start_time


class TestIdempotence:
    def test_passes_after_the_first_make_nothing_new(self, engine):
        deployment = _apply(engine, _deployment(_cron()))
        assert _pass(engine, NOW) is None
        assert _pass(engine, NOW + timedelta(seconds=10)) is None
        assert len(_scheduled(engine, deployment.id)) == 3

    def test_a_later_pass_adds_what_entered_the_window(self, engine):
        deployment = _apply(engine, _deployment(_cron()))
        later = NOW + timedelta(hours=5)  # 14:00 local: 13:30 has passed, 13:30 tomorrow enters
        assert _pass(engine, later) == "made 1 scheduled run(s), marked 1 run(s) Late"
        assert _scheduled(engine, deployment.id)[-1] == _utc(2, 16, 30)

    def test_two_schedulers_at_once_make_each_run_once(self, engine, store: Store):
        deployment = _apply(engine, _deployment(_cron()))
        with engine.begin() as connection:
            connection.execute(flow_runs.delete())
        _two_passes_at_once(engine, store)
        assert len(_scheduled(engine, deployment.id)) == 3


def _two_passes_at_once(engine: Engine, store: Store) -> None:
    """A scheduler pass at NOW on `engine` and one on a second engine (another server),
    started together."""
    other = create_engine(store.url)
    barrier = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def run(target: Engine) -> None:
        barrier.wait()
        try:
            _pass(target, NOW)
        except BaseException as exc:  # a lost race on SQLite is a lock wait, not an error
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in (engine, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.dispose()
    assert errors == []


class TestSchedulesDueAtOnce:
    """Two schedules due at the same instant make a run each, as in Prefect (whose key
    for a scheduled run is deployment, schedule and time): each with its own parameters."""

    def _two_hourly(self) -> Deployment:
        on_the_hour = DeploymentSchedule(timezone="UTC", cron="0 * * * *", parameters={"n": 1})
        every_hour = DeploymentSchedule(
            timezone="UTC", interval_seconds=3600, anchor=_utc(1, 0), parameters={"n": 2}
        )
        return _deployment(on_the_hour, every_hour)

    def _parameters_by_time(
        self, engine: Engine, deployment_id: uuid.UUID
    ) -> dict[datetime, list[int]]:
        with engine.connect() as connection:
            rows = connection.execute(
                select(flow_runs.c.expected_start_time, flow_runs.c.parameters).where(
                    flow_runs.c.deployment_id == deployment_id
                )
            )
            found: dict[datetime, list[int]] = {}
            for row in rows:
                found.setdefault(row.expected_start_time, []).append(row.parameters["n"])
        return {when: sorted(ns) for when, ns in found.items()}

    def test_each_schedule_makes_its_own_run_with_its_parameters(self, engine):
        deployment = _apply(engine, self._two_hourly())
        by_time = self._parameters_by_time(engine, deployment.id)
        assert len(by_time) == 24
        assert set(map(tuple, by_time.values())) == {(1, 2)}
        assert _pass(engine, NOW + timedelta(minutes=1)) is None

    def test_runs_made_before_they_named_their_schedule_are_not_made_again(self, engine):
        deployment = _apply(engine, _deployment(_cron()))
        with engine.begin() as connection:  # as migration 0013 leaves them
            connection.execute(flow_runs.update().values(deployment_schedule_id=None))
        assert _pass(engine, NOW + timedelta(minutes=1)) is None
        assert len(_scheduled(engine, deployment.id)) == 3

    def test_two_schedulers_at_once_make_each_schedules_run_once(self, engine, store: Store):
        deployment = _apply(engine, self._two_hourly())
        with engine.begin() as connection:
            connection.execute(flow_runs.delete())
        _two_passes_at_once(engine, store)
        by_time = self._parameters_by_time(engine, deployment.id)
        assert len(by_time) == 24
        assert set(map(tuple, by_time.values())) == {(1, 2)}


class TestChanges:
    def test_changing_the_schedule_replaces_the_future_runs(self, engine):
        deployment = _apply(engine, _deployment(_cron()))
        changed = _apply(engine, _deployment(_cron("0 22 * * *")))
        assert changed.id == deployment.id
        assert _scheduled(engine, deployment.id) == [_utc(2, 1), _utc(3, 1), _utc(4, 1)]

    def test_pausing_removes_future_runs_and_resuming_brings_them_back(self, engine):
        deployment = _apply(engine, _deployment(_cron()))
        with engine.begin() as connection:
            core.set_deployment_paused(connection, deployment.id, True, NOW)
        assert _scheduled(engine, deployment.id) == []
        assert _pass(engine, NOW) is None
        with engine.begin() as connection:
            core.set_deployment_paused(connection, deployment.id, False, NOW)
        assert len(_scheduled(engine, deployment.id)) == 3

    def test_a_paused_pool_gets_no_new_runs(self, engine):
        deployment = _apply(engine, _deployment(_cron()))
        with engine.begin() as connection:
            update_work_pool(connection, "compras-prod", is_paused=True, now=NOW)
            connection.execute(flow_runs.delete())
        assert _pass(engine, NOW) is None
        assert _scheduled(engine, deployment.id) == []


class TestPausedPool:
    """The README: a pause of the pool removes its deployments' future Scheduled runs,
    and a deployment in a paused pool gets none until the pool is resumed."""

    def _pause_pool(self, engine: Engine, is_paused: bool, now: datetime = NOW) -> None:
        with engine.begin() as connection:
            update_work_pool(connection, "compras-prod", is_paused=is_paused, now=now)

    def test_pausing_the_pool_removes_future_runs_and_resuming_brings_them_back(self, engine):
        deployment = _apply(engine, _deployment(_cron()))
        self._pause_pool(engine, True)
        assert _scheduled(engine, deployment.id) == []
        self._pause_pool(engine, False)
        assert len(_scheduled(engine, deployment.id)) == 3

    def test_a_deployment_applied_in_a_paused_pool_gets_no_runs(self, engine):
        self._pause_pool(engine, True)
        deployment = _apply(engine, _deployment(_cron()))
        assert _scheduled(engine, deployment.id) == []

    def test_the_pass_makes_no_runs_in_a_paused_pool_until_it_is_resumed(self, engine):
        scheduler = scheduler_pass(timedelta(seconds=15))
        deployment = _apply(engine, _deployment(_cron()))
        assert _run(engine, scheduler, NOW) is None
        self._pause_pool(engine, True)
        with engine.begin() as connection:  # as if the pause had kept them: only new runs count
            connection.execute(flow_runs.delete())
        later = NOW + timedelta(hours=5)
        assert _run(engine, scheduler, later) is None
        assert _scheduled(engine, deployment.id) == []
        with engine.begin() as connection:  # resumed behind the scheduler's back: no reschedule
            connection.execute(work_pools.update().values(is_paused=False))
        assert _run(engine, scheduler, later) == "made 3 scheduled run(s)"
        assert _scheduled(engine, deployment.id)[0] == _utc(1, 20, 30)

    def test_applying_and_the_pass_agree_on_what_is_active(self, engine):
        deployment = _apply(engine, _deployment(_cron()))
        with engine.connect() as connection:
            stored = core.read_deployment(connection, deployment.id)
        assert scheduling.active_schedules(stored, pool_is_paused=False) == stored.schedules
        assert scheduling.active_schedules(stored, pool_is_paused=True) == []
        stored.is_paused = True
        assert scheduling.active_schedules(stored, pool_is_paused=False) == []

    def test_a_run_asked_for_by_hand_is_kept_when_the_schedule_changes(self, engine):
        deployment = _apply(engine, _deployment(_cron()))
        with engine.begin() as connection:
            by_hand = core.create_flow_run_from_deployment(
                connection, deployment.id, {}, NOW, scheduled_time=_utc(1, 16, 30)
            )
        _apply(engine, _deployment())  # no schedules any more
        assert _scheduled(engine, deployment.id) == [by_hand.expected_start_time]


class TestLateRuns:
    def test_a_run_past_late_after_becomes_late_once(self, engine):
        deployment = _apply(engine, _deployment(_cron()))
        first = _utc(1, 16, 30)
        # 10 s after its time it is not late yet; tomorrow's 13:30 enters the next 24 h.
        assert _pass(engine, first + timedelta(seconds=10)) == "made 1 scheduled run(s)"
        assert _pass(engine, first + timedelta(seconds=20)) == "marked 1 run(s) Late"
        assert _pass(engine, first + timedelta(seconds=30)) is None
        with engine.connect() as connection:
            names = connection.execute(
                select(flow_runs.c.state_name, func.count())
                .where(flow_runs.c.deployment_id == deployment.id)
                .group_by(flow_runs.c.state_name)
            ).all()
        assert dict(names) == {"Late": 1, "Scheduled": 3}


class TestMemoisedPasses:
    """The server's passes share a memo: an idle pass computes nothing, and a deployment
    new or changed since (by any server) is scheduled at the next pass."""

    def _without_runs(self, engine: Engine, name: str) -> uuid.UUID:
        from cauce.database.queries import deployments as queries
        from cauce.database.recording.executors import executor_for
        from cauce.database.recording.writes import flow_id_for_name

        deployment = _deployment(_cron(), name=name)
        with engine.begin() as connection:
            flow_id = flow_id_for_name(executor_for(connection), deployment.flow_name)
            pool = connection.execute(select(work_pools.c.id)).scalar_one()
            queries.insert_deployment(connection, deployment, flow_id, pool)
            queries.insert_schedules(connection, deployment.id, deployment.schedules)
        return deployment.id

    def test_idle_passes_do_nothing_and_changes_are_seen(self, engine):
        from cauce.database.queries.deployments import touch_deployment

        scheduler = scheduler_pass(timedelta(seconds=15))

        def run(now: datetime) -> str | None:
            return _run(engine, scheduler, now)

        first = self._without_runs(engine, "uno")
        assert run(NOW) == "made 3 scheduled run(s)"
        second = self._without_runs(engine, "dos")
        assert run(NOW) == "made 3 scheduled run(s)"
        with engine.begin() as connection:
            connection.execute(
                flow_runs.delete().where(
                    flow_runs.c.deployment_id == first,
                    flow_runs.c.expected_start_time == _utc(1, 20, 30),
                )
            )
        assert run(NOW) is None  # nothing changed that the scheduler knows of
        with engine.begin() as connection:
            touch_deployment(connection, first, NOW)
        assert run(NOW) == "made 1 scheduled run(s)"
        assert _scheduled(engine, first) == _scheduled(engine, second)

    def test_a_pass_rolled_back_leaves_its_runs_to_the_next_one(self, engine):
        scheduler = scheduler_pass(timedelta(seconds=15))
        deployment = self._without_runs(engine, "uno")

        async def fails_after_the_pass(
            fn: Callable[[Connection], str | None | Outcome],
        ) -> str | None | Outcome:
            with engine.begin() as connection:
                fn(connection)
                raise RuntimeError("injected: the transaction fails after scheduling")

        with pytest.raises(RuntimeError, match="injected"):
            asyncio.run(run_once(fails_after_the_pass, "scheduler", scheduler, NOW))
        assert _scheduled(engine, deployment) == []
        assert _run(engine, scheduler, NOW) == "made 3 scheduled run(s)"
        assert len(_scheduled(engine, deployment)) == 3


class TestChangeAndPassSerialize:
    """On PostgreSQL a change to a deployment and a pass on another server take the
    deployment's row lock: the pass waits, then reads the new schedule."""

    def test_a_pass_during_a_change_keeps_no_run_of_the_old_schedule(self, engine, store):
        if store.kind != "postgres":
            pytest.skip("two servers on one database: PostgreSQL")
        deployment = _apply(engine, _deployment(_cron()))
        with engine.begin() as connection:
            connection.execute(flow_runs.delete())
        finished = threading.Event()

        def other_server_pass() -> None:
            with engine.begin() as connection:
                scheduling.schedule_upcoming_runs(connection, NOW)
            finished.set()

        with engine.connect() as changing:
            with changing.begin():
                core.apply_deployment(changing, _deployment(_cron("0 22 * * *")), NOW)
                other = threading.Thread(target=other_server_pass)
                other.start()
                _until_waiting_or(finished, engine)
            other.join(timeout=60)
        assert finished.is_set()
        assert _scheduled(engine, deployment.id) == [_utc(2, 1), _utc(3, 1), _utc(4, 1)]


def _until_waiting_or(finished: threading.Event, engine: Engine) -> None:
    """Until `finished`, or another session waits on a lock (then it waits for us)."""
    deadline = time.monotonic() + 60
    while not finished.is_set():
        with engine.connect() as connection:
            waiting = connection.execute(
                text("SELECT count(*) FROM pg_locks WHERE NOT granted")
            ).scalar_one()
        if waiting:
            return
        assert time.monotonic() < deadline, "the pass neither finished nor waited"
        time.sleep(0.05)
