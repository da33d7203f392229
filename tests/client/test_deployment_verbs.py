"""The pool and deployment verbs of the client interface, end to end through `store.client`:
embedded on SQLite and PostgreSQL, and HTTP to a server on each; the same answers and
the same errors on all four."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cauce.client.base import ClientError, NotFound
from cauce.exceptions import ObjectAlreadyExists
from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool
from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.states import Completed, Late, Running, StateType
from tests.conftest import Store

ZONE = "America/Argentina/Buenos_Aires"
SCHEMA = {
    "type": "object",
    "properties": {"mensaje": {"type": "string", "default": "hola"}},
    "required": [],
}


def _deployment(**fields: object) -> Deployment:
    values: dict[str, object] = {
        "flow_name": "saludar",
        "name": "diaria",
        "entrypoint": "flows/saludo.py:saludar",
        "work_pool_name": "local",
        "parameters": {"mensaje": "hola"},
        "parameter_schema": SCHEMA,
        "schedules": [DeploymentSchedule(ZONE, cron="0 9 * * *")],
        "tags": ["etl"],
        **fields,
    }
    return Deployment(**values)  # type: ignore[arg-type]


def _copy(schedule: DeploymentSchedule) -> DeploymentSchedule:
    """The same schedule, as a new request would carry it (with an id of its own)."""
    return replace(schedule, id=uuid.uuid4())


def _runs(store: Store, deployment: Deployment) -> list[FlowRun]:
    runs = store.client.read_flow_runs(FlowRunFilter(deployment_id=deployment.id, limit=1000))
    return sorted(runs, key=lambda r: r.state.scheduled_time or r.created)


@pytest.fixture
def deployed(store: Store) -> Deployment:
    """A pool `local` and the deployment `saludar/diaria` in it, daily at 09:00 in Buenos Aires."""
    store.client.create_work_pool(WorkPool("local"))
    return store.client.apply_deployment(_deployment())


class TestWorkPoolVerbs:
    def test_create_read_update_and_delete_a_pool(self, store: Store):
        created = store.client.create_work_pool(WorkPool("local", description="la de casa"))
        assert (created.name, created.type, created.description) == (
            "local",
            "process",
            "la de casa",
        )
        assert store.client.read_work_pool("local") == created
        assert store.client.read_work_pools() == [created]

        paused = store.client.update_work_pool("local", is_paused=True, concurrency_limit=2)
        assert (paused.is_paused, paused.concurrency_limit) == (True, 2)
        cleared = store.client.update_work_pool("local", clear_concurrency_limit=True)
        assert (cleared.is_paused, cleared.concurrency_limit) == (True, None)
        assert store.client.read_work_pool("local") == cleared

        store.client.delete_work_pool("local")
        assert store.client.read_work_pools() == []

    def test_refusals_are_the_cores_words(self, store: Store):
        store.client.create_work_pool(WorkPool("local"))
        with pytest.raises(
            ObjectAlreadyExists, match="^work pool 'local' already exists$"
        ) as taken:
            store.client.create_work_pool(WorkPool("local"))
        assert isinstance(taken.value, ClientError)  # caught as before
        for call in (
            lambda: store.client.read_work_pool("nada"),
            lambda: store.client.update_work_pool("nada", is_paused=True),
            lambda: store.client.delete_work_pool("nada"),
        ):
            with pytest.raises(NotFound, match="^work pool 'nada' does not exist$"):
                call()

    def test_a_pool_in_use_is_not_deleted(self, store: Store, deployed: Deployment):
        with pytest.raises(ClientError, match="^work pool 'local' still has 1 deployment"):
            store.client.delete_work_pool("local")
        assert store.client.read_work_pool("local").name == "local"


class TestDeploymentVerbs:
    def test_applied_deployment_reads_back_by_id_and_by_name(
        self, store: Store, deployed: Deployment
    ):
        assert deployed.full_name == "saludar/diaria"
        [schedule] = deployed.schedules
        assert (schedule.cron, schedule.timezone, schedule.is_active) == ("0 9 * * *", ZONE, True)
        assert store.client.read_deployment(deployed.id) == deployed
        assert store.client.read_deployment_by_name("saludar/diaria") == deployed
        assert store.client.read_deployments() == [deployed]

    def test_applying_again_keeps_the_id(self, store: Store, deployed: Deployment):
        again = store.client.apply_deployment(_deployment(description="otra"))
        assert (again.id, again.created, again.description) == (
            deployed.id,
            deployed.created,
            "otra",
        )
        assert len(store.client.read_deployments()) == 1

    def test_its_upcoming_runs_are_scheduled_at_the_crons_times(
        self, store: Store, deployed: Deployment
    ):
        runs = _runs(store, deployed)
        assert len(runs) == 3
        assert {(r.state.type, r.state.name, r.auto_scheduled) for r in runs} == {
            (StateType.SCHEDULED, "Scheduled", True)
        }
        times = [r.state.scheduled_time for r in runs]
        assert times == [r.expected_start_time for r in runs]
        # 09:00 in Buenos Aires (UTC-3 all year) is 12:00 UTC, once a day from tomorrow at most.
        assert all(t is not None and (t.hour, t.minute) == (12, 0) for t in times)
        assert times[0] is not None and now() < times[0] <= now() + timedelta(days=1)
        assert [b - a for a, b in zip(times, times[1:], strict=False)] == [timedelta(days=1)] * 2

    def test_pausing_takes_the_runs_away_and_resuming_brings_them_back(
        self, store: Store, deployed: Deployment
    ):
        times = [r.expected_start_time for r in _runs(store, deployed)]
        assert store.client.set_deployment_paused(deployed.id, True).is_paused
        assert _runs(store, deployed) == []
        assert not store.client.set_deployment_paused(deployed.id, False).is_paused
        assert [r.expected_start_time for r in _runs(store, deployed)] == times

    def test_add_pause_and_delete_a_schedule(self, store: Store, deployed: Deployment):
        hourly = DeploymentSchedule(
            "UTC", interval_seconds=3600, anchor=datetime(2026, 1, 1, tzinfo=UTC)
        )
        added = store.client.add_deployment_schedule(deployed.id, hourly)
        assert [s.id for s in added.schedules] == [deployed.schedules[0].id, hourly.id]
        assert len(_runs(store, deployed)) > 20

        paused = store.client.set_deployment_schedule_active(deployed.id, hourly.id, False)
        assert [s.is_active for s in paused.schedules] == [True, False]
        assert len(_runs(store, deployed)) == 3
        store.client.set_deployment_schedule_active(deployed.id, hourly.id, True)
        assert len(_runs(store, deployed)) > 20

        left = store.client.delete_deployment_schedule(deployed.id, hourly.id)
        assert left.schedules == deployed.schedules
        assert len(_runs(store, deployed)) == 3

    def test_a_run_from_the_deployment_takes_its_parameters(
        self, store: Store, deployed: Deployment
    ):
        when = now() + timedelta(hours=1)
        run = store.client.create_flow_run_from_deployment(
            deployed.id, {"mensaje": "chau"}, scheduled_time=when, tags=["manual"]
        )
        assert (run.deployment_id, run.flow_name, run.auto_scheduled) == (
            deployed.id,
            "saludar",
            False,
        )
        assert (run.parameters, run.tags) == ({"mensaje": "chau"}, ["etl", "manual"])
        assert (run.state.type, run.state.scheduled_time) == (StateType.SCHEDULED, when)
        read = store.client.read_flow_run(run.id)
        assert (read.state.id, read.state.scheduled_time) == (run.state.id, when)
        assert replace(read, state=run.state) == run  # states compare by identity
        default = store.client.create_flow_run_from_deployment(deployed.id)
        assert default.parameters == {"mensaje": "hola"}

    def test_a_parameter_of_the_wrong_type_is_refused_naming_it(
        self, store: Store, deployed: Deployment
    ):
        with pytest.raises(ClientError, match="^parameter 'mensaje' must be a string, got 5$"):
            store.client.create_flow_run_from_deployment(deployed.id, {"mensaje": 5})

    def test_deleting_takes_its_schedules_and_waiting_runs(
        self, store: Store, deployed: Deployment
    ):
        waiting = len(_runs(store, deployed))
        assert store.client.delete_deployment(deployed.id) == waiting > 0
        assert store.client.read_deployments() == []
        assert _runs(store, deployed) == []
        store.client.delete_work_pool("local")

    def test_deleting_keeps_its_due_late_running_and_ended_runs_unlinked(
        self, store: Store, deployed: Deployment
    ):
        made = len(_runs(store, deployed))
        later = now() + timedelta(days=30)
        store.client.create_flow_run_from_deployment(deployed.id, scheduled_time=later)
        an_hour_ago = now() - timedelta(hours=1)
        due = store.client.create_flow_run_from_deployment(deployed.id, scheduled_time=an_hour_ago)
        late = store.client.create_flow_run_from_deployment(deployed.id, scheduled_time=an_hour_ago)
        store.client.set_flow_run_state(late.id, Late(an_hour_ago), force=True)
        running = store.client.create_flow_run_from_deployment(deployed.id)
        store.client.set_flow_run_state(running.id, Running(), force=True)
        ended = store.client.create_flow_run_from_deployment(deployed.id)
        store.client.set_flow_run_state(ended.id, Completed(), force=True)

        assert store.client.delete_deployment(deployed.id) == made + 1
        assert _runs(store, deployed) == []
        kept = [store.client.read_flow_run(run.id) for run in (due, late, running, ended)]
        states = [run.state.name for run in kept]
        assert states == ["Scheduled", "Late", "Running", "Completed"]
        assert {run.deployment_id for run in kept} == {None}


class TestIntervalPhase:
    """Re-applying an unchanged schedule keeps it, so an interval keeps its phase; a
    naive anchor is wall-clock time in the schedule's zone."""

    def test_reapplying_an_unchanged_interval_keeps_its_id_anchor_and_runs(self, store: Store):
        store.client.create_work_pool(WorkPool("local"))
        every_2h = [DeploymentSchedule(ZONE, interval_seconds=7200)]
        first = store.client.apply_deployment(_deployment(schedules=every_2h))
        times = [r.expected_start_time for r in _runs(store, first)]
        again_2h = [DeploymentSchedule(ZONE, interval_seconds=7200)]
        again = store.client.apply_deployment(_deployment(schedules=again_2h))
        [kept], [original] = again.schedules, first.schedules
        assert (kept.id, kept.created, kept.anchor) == (original.id, original.created, None)
        assert [r.expected_start_time for r in _runs(store, again)] == times

    def test_an_unchanged_deployment_applied_again_keeps_its_waiting_runs(self, store: Store):
        """`flow.serve()` applies its deployment every hour, `deploy --all` on every push:
        the runs already waiting are kept (same ids), only topped up."""
        store.client.create_work_pool(WorkPool("local"))
        first = store.client.apply_deployment(_deployment())
        waiting = {r.id for r in _runs(store, first)}
        assert waiting
        again = store.client.apply_deployment(_deployment())
        assert again.id == first.id
        assert {r.id for r in _runs(store, again)} == waiting
        changed = store.client.apply_deployment(_deployment(parameters={"mensaje": "chau"}))
        assert {r.id for r in _runs(store, changed)}.isdisjoint(waiting)
        assert {r.parameters["mensaje"] for r in _runs(store, changed)} == {"chau"}

    def test_a_changed_interval_timezone_or_anchor_is_a_new_schedule(self, store: Store):
        store.client.create_work_pool(WorkPool("local"))
        anchor = datetime(2026, 1, 1, 9, tzinfo=UTC)
        base = DeploymentSchedule(ZONE, interval_seconds=7200, anchor=anchor)
        changes = [
            replace(base, interval_seconds=3600),
            replace(base, timezone="UTC"),
            replace(base, anchor=anchor + timedelta(minutes=30)),
            replace(base, anchor=None),
        ]
        for changed in changes:
            before = store.client.apply_deployment(_deployment(schedules=[_copy(base)]))
            unchanged = store.client.apply_deployment(_deployment(schedules=[_copy(base)]))
            assert unchanged.schedules[0].id == before.schedules[0].id
            applied = store.client.apply_deployment(_deployment(schedules=[_copy(changed)]))
            assert applied.schedules[0].id != before.schedules[0].id, changed

    def test_a_naive_anchor_is_read_in_the_schedules_zone(self, store: Store):
        store.client.create_work_pool(WorkPool("local"))
        nine_in_madrid = DeploymentSchedule(
            "Europe/Madrid", interval_seconds=86400, anchor=datetime(2026, 1, 1, 9, 0)
        )
        first = store.client.apply_deployment(_deployment(schedules=[nine_in_madrid]))
        assert first.schedules[0].anchor == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
        runs = _runs(store, first)
        assert {(r.expected_start_time or now()).hour for r in runs} <= {7, 8}  # 09:00 CET/CEST
        again = store.client.apply_deployment(_deployment(schedules=[_copy(nine_in_madrid)]))
        assert again.schedules[0].id == first.schedules[0].id


class TestDeploymentRefusals:
    def test_unknown_pool_schedule_and_timezone_are_client_errors(self, store: Store):
        with pytest.raises(ClientError, match="^work pool 'local' does not exist"):
            store.client.apply_deployment(_deployment())
        store.client.create_work_pool(WorkPool("local"))
        bad_cron = [DeploymentSchedule("UTC", cron="61 * * * *")]
        with pytest.raises(
            ClientError,
            match="^deployment 'saludar/diaria': cron '61 \\* \\* \\* \\*': minute field: ",
        ):
            store.client.apply_deployment(_deployment(schedules=bad_cron))
        bad_zone = [DeploymentSchedule("America/Buenos_Aire", cron="0 9 * * *")]
        with pytest.raises(ClientError, match="did you mean America/Buenos_Aires"):
            store.client.apply_deployment(_deployment(schedules=bad_zone))
        assert store.client.read_deployments() == []

    def test_unknown_ids_and_names_are_not_found(self, store: Store, deployed: Deployment):
        missing = uuid.uuid4()
        gone = f"^deployment {missing} does not exist$"
        with pytest.raises(NotFound, match=gone):
            store.client.read_deployment(missing)
        with pytest.raises(NotFound, match="^deployment 'saludar/nada' does not exist$"):
            store.client.read_deployment_by_name("saludar/nada")
        with pytest.raises(NotFound, match=gone):
            store.client.set_deployment_paused(missing, True)
        with pytest.raises(NotFound, match=gone):
            store.client.delete_deployment(missing)
        with pytest.raises(NotFound, match=gone):
            store.client.create_flow_run_from_deployment(missing)
        no_schedule = f"^deployment {deployed.id} has no schedule {missing}$"
        with pytest.raises(NotFound, match=no_schedule):
            store.client.set_deployment_schedule_active(deployed.id, missing, False)
        with pytest.raises(NotFound, match=no_schedule):
            store.client.delete_deployment_schedule(deployed.id, missing)

    def test_a_name_without_its_flow_is_refused(self, store: Store):
        with pytest.raises(
            ClientError, match="^deployment 'diaria' must be named FLOW/DEPLOYMENT$"
        ):
            store.client.read_deployment_by_name("diaria")


def now() -> datetime:
    return datetime.now(UTC)
