"""`cauce deployment ...` and `cauce deployment schedule ...` as a user types them.

Deployments are applied through the store's client (as `cauce deploy` will), then
each command runs in a fresh interpreter on every store (SQLite, PostgreSQL, HTTP);
the test checks what it printed against what the store then holds. Option variants
that do not depend on the store run through `main()` in this process, on SQLite.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cauce.client.base import CauceClient, ClientError, NotFound
from cauce.client.embedded import EmbeddedClient
from cauce.deployments.parameter_schema import schema_from_function
from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool
from cauce.schemas.flow_runs import FlowRunFilter
from cauce.schemas.logs import LogEntry
from cauce.schemas.states import SetStateStatus
from cauce.states import Completed, Failed, Late, Pending, Running, State, now_utc
from tests.cli.conftest import one_line_error

BUENOS_AIRES = "America/Argentina/Buenos_Aires"


def flujo(n: int = 1, nombre: str = "mundo") -> None:
    """The flow the deployment runs: its signature gives the parameter schema."""


def _deploy(
    client: CauceClient, *schedules: DeploymentSchedule, checked: bool = True
) -> Deployment:
    """`flujo/diario` in pool `principal`; with `checked`, runs are checked against flujo."""
    try:
        client.create_work_pool(WorkPool(name="principal"))
    except ClientError:
        pass  # a second deployment in the same test
    return client.apply_deployment(
        Deployment(
            flow_name="flujo",
            name="diario",
            entrypoint="flujos.py:flujo",
            work_pool_name="principal",
            parameters={"nombre": "equipo"},
            parameter_schema=schema_from_function(flujo) if checked else {},
            schedules=list(schedules),
            tags=["etl"],
            description="Carga diaria",
            version="1.2",
        )
    )


def _buenos_aires_cron() -> DeploymentSchedule:
    return DeploymentSchedule(cron="30 1,13,17 * * *", timezone=BUENOS_AIRES)


def _runs(client: CauceClient, deployment: Deployment) -> list[uuid.UUID]:
    return [r.id for r in client.read_flow_runs(FlowRunFilter(deployment_id=deployment.id))]


def _row(output: str, first_cell: str) -> list[str]:
    """The cells of the table row whose first cell is `first_cell`."""
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in:\n{output}")


def _created_run_id(output: str) -> uuid.UUID:
    [line] = [line for line in output.splitlines() if line.startswith("└── ID: ")]
    return uuid.UUID(line.removeprefix("└── ID: "))


class TestInspect:
    def test_next_five_runs_in_the_schedules_zone_and_the_upcoming_runs(
        self, cli, store, store_env
    ):
        deployment = _deploy(store.client, _buenos_aires_cron())
        [schedule] = deployment.schedules
        upcoming = store.client.read_flow_runs(
            FlowRunFilter(deployment_id=deployment.id, state_types=["SCHEDULED"])
        )

        result = cli(store_env, "deployment", "inspect", "flujo/diario")

        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert out.startswith("Deployment 'flujo/diario'\n")
        for label, value in [
            ("Entrypoint", "flujos.py:flujo"),
            ("Source", "."),
            ("Work pool", "principal"),
            ("Tags", "etl"),
            ("Version", "1.2"),
            ("Description", "Carga diaria"),
            ("Paused", "no"),
        ]:
            assert re.search(rf"^{label} +{re.escape(value)} *$", out, re.MULTILINE), label
        assert '"nombre": "equipo"' in out
        schedules = out[out.index("Schedules") : out.index("Upcoming runs")]
        row = _row(schedules, str(schedule.id))
        assert row[1:3] == [f"cron 30 1,13,17 * * * ({BUENOS_AIRES})", "yes"]
        times = re.findall(r"\d{4}-\d\d-\d\d (\d\d:\d\d:\d\d[+-]\d\d:\d\d)", schedules)
        assert len(times) == 5
        assert {"01:30:00-03:00", "13:30:00-03:00", "17:30:00-03:00"} == set(times)
        assert upcoming
        for run in upcoming:
            assert "Scheduled" in _row(out[out.index("Upcoming runs") :], str(run.id))

    def test_a_schedules_own_parameters_are_shown_under_it(self, run_main, store, store_env):
        schedule = replace(_buenos_aires_cron(), parameters={"n": 2})
        _deploy(store.client, schedule)
        result = run_main(store_env, "deployment", "inspect", "flujo/diario")
        out = result.stdout
        schedules = out[out.index("Schedules") : out.index("Upcoming runs")]
        assert 'parameters: {"n": 2}' in schedules, out

    def test_upcoming_runs_are_in_the_schedules_zone_on_a_utc_machine(self, cli, store, store_env):
        deployment = _deploy(store.client, _buenos_aires_cron())
        upcoming = store.client.read_flow_runs(
            FlowRunFilter(deployment_id=deployment.id, state_types=["SCHEDULED"])
        )

        result = cli({**store_env, "TZ": "UTC"}, "deployment", "inspect", "flujo/diario")

        assert result.returncode == 0, result.stderr
        runs = result.stdout[result.stdout.index("Upcoming runs") :]
        assert upcoming
        for run in upcoming:
            [*_, state, due] = _row(runs, str(run.id))
            assert state == "Scheduled"
            assert due.endswith("-03:00") and due[11:16] in {"01:30", "13:30", "17:30"}

    def test_the_watchdog_limit_is_the_deployments_own_or_the_default(
        self, run_main, store, store_env
    ):
        deployment = _deploy(store.client)
        six_hours = replace(
            deployment, id=uuid.uuid4(), name="seis", watchdog_running_after_seconds=21600
        )
        store.client.apply_deployment(six_hours)
        default = run_main(store_env, "deployment", "inspect", "flujo/diario")
        expected = r"the watchdog's default \(CAUCE_WATCHDOG_RUNNING_AFTER\)"
        assert re.search(rf"^Watchdog running after +{expected} *$", default.stdout, re.M)
        own = run_main(store_env, "deployment", "inspect", "flujo/seis")
        assert re.search(r"^Watchdog running after +6h *$", own.stdout, re.M), own.stdout

    def test_unknown_deployment_is_one_line(self, run_main, store, store_env):
        result = run_main(store_env, "deployment", "inspect", "flujo/ninguno")
        assert one_line_error(result) == "deployment 'flujo/ninguno' does not exist"

    def test_a_name_without_flow_is_one_line(self, run_main, env):
        result = run_main(env, "deployment", "inspect", "diario")
        assert one_line_error(result).startswith("deployment 'diario' must be named FLOW/NAME")


class TestList:
    def test_row_has_pool_schedule_paused_and_next_run_with_offset(self, cli, store, store_env):
        _deploy(store.client, _buenos_aires_cron())
        result = cli(store_env, "deployment", "ls")
        assert result.returncode == 0, result.stderr
        name, pool, schedules, paused, next_run = _row(result.stdout, "flujo/diario")
        assert (name, pool, paused) == ("flujo/diario", "principal", "no")
        assert schedules == f"cron 30 1,13,17 * * * ({BUENOS_AIRES})"
        assert re.fullmatch(r"\d{4}-\d\d-\d\d (01|13|17):30:00-03:00", next_run)

    def test_none(self, run_main, env):
        assert run_main(env, "deployment", "ls").stdout == "No deployments found.\n"


class TestRun:
    def test_param_values_are_json_when_they_parse_and_override_params(self, cli, store, store_env):
        deployment = _deploy(store.client, checked=False)
        result = cli(
            store_env,
            "deployment", "run", "flujo/diario",
            "--params", '{"n": 1, "lista": [1, 2]}',
            "--param", "n=3", "-p", "flag=true", "--param", "nombre=hola",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        run = store.client.read_flow_run(_created_run_id(result.stdout))
        assert run.parameters == {"n": 3, "flag": True, "nombre": "hola", "lista": [1, 2]}
        assert run.deployment_id == deployment.id
        assert run.state.is_scheduled()
        assert result.stdout.startswith(
            f"Created flow run {run.name!r} of deployment 'flujo/diario'.\n"
        )

    def test_wrong_type_is_one_line_naming_the_parameter_and_makes_no_run(
        self, cli, store, store_env
    ):
        deployment = _deploy(store.client)
        result = cli(store_env, "deployment", "run", "flujo/diario", "--param", "n=tres")
        assert one_line_error(result) == "parameter 'n' must be an integer, got 'tres'"
        assert _runs(store.client, deployment) == []

    def test_a_str_parameter_given_as_a_number_is_the_text_typed(self, cli, store, store_env):
        _deploy(store.client)
        result = cli(store_env, "deployment", "run", "flujo/diario", "--param", "nombre=42")
        assert result.returncode == 0, result.stderr
        run = store.client.read_flow_run(_created_run_id(result.stdout))
        assert run.parameters["nombre"] == "42"

    def test_it_says_when_no_worker_serves_the_pool(self, cli, store, store_env):
        _deploy(store.client)
        nobody = cli(store_env, "deployment", "run", "flujo/diario")
        assert nobody.returncode == 0, nobody.stderr
        assert nobody.stderr.splitlines() == [
            "No worker has ever polled work pool 'principal': the run waits until one "
            "starts (cauce worker start --pool principal)."
        ]
        beat = store.client.worker_heartbeat("principal", "w1", "maquina", 1, [])
        served = cli(store_env, "deployment", "run", "flujo/diario")
        assert served.returncode == 0 and served.stderr == ""
        store.client.worker_stopped(beat.worker_id)
        gone = cli(store_env, "deployment", "run", "flujo/diario")
        assert "No worker of work pool 'principal' has been heard from lately" in gone.stderr

    def test_start_in_schedules_the_run_that_far_ahead(self, cli, store, store_env):
        _deploy(store.client)
        before = now_utc()
        result = cli(store_env, "deployment", "run", "flujo/diario", "--start-in", "10m")
        after = now_utc()
        assert result.returncode == 0, result.stderr
        run = store.client.read_flow_run(_created_run_id(result.stdout))
        assert run.state.scheduled_time is not None
        assert before + timedelta(minutes=10) <= run.state.scheduled_time
        assert run.state.scheduled_time <= after + timedelta(minutes=10)
        assert "(in 10m 00s)" in result.stdout or "(in 9m 59s)" in result.stdout

    def test_naive_start_at_is_in_the_default_timezone(self, cli, store, store_env):
        _deploy(store.client)
        env = {**store_env, "CAUCE_DEFAULT_TIMEZONE": BUENOS_AIRES}
        result = cli(env, "deployment", "run", "flujo/diario", "--start-at", "2030-01-02T03:04")
        assert result.returncode == 0, result.stderr
        run = store.client.read_flow_run(_created_run_id(result.stdout))
        assert run.state.scheduled_time == datetime(2030, 1, 2, 6, 4, tzinfo=UTC)
        assert "└── Scheduled start time: 2030-01-02 03:04:00-03:00 (in " in result.stdout

    @pytest.mark.parametrize(
        ("args", "error"),
        [
            (["--param", "n"], "--param 'n': expected KEY=VALUE, such as n=3 or name=hola"),
            (["--params", "[1]"], "--params must be a JSON object"),
            (["--params", "{n"], "--params is not valid JSON: "),
            (["--start-in", "pronto"], "--start-in: expected a duration such as 90, 30m or 2h"),
            (["--start-at", "mañana"], "--start-at: expected an ISO date and time such as "),
            (["--start-in", "1m", "--start-at", "2030-01-01"], "give --start-in or --start-at"),
            (["--param", "desconocido=1"], "unknown parameter 'desconocido' (the flow takes:"),
        ],
    )  # fmt: skip
    def test_bad_options_are_one_line_and_make_no_run(self, run_main, env, home, args, error):
        client = EmbeddedClient(f"sqlite:///{home / 'cauce.db'}")
        try:
            deployment = _deploy(client)
            result = run_main(env, "deployment", "run", "flujo/diario", *args)
            assert one_line_error(result).startswith(error)
            assert _runs(client, deployment) == []
        finally:
            client.close()


def _run_as_a_worker(client: CauceClient, run_id: uuid.UUID, final: State) -> None:
    """What a worker would record: Pending, Running, one log line, the final state."""
    for state in (Pending(), Running()):
        assert client.set_flow_run_state(run_id, state).status is SetStateStatus.ACCEPT
    line = LogEntry(
        run_id, None, "cauce.flow_runs", logging.INFO, "hola desde el worker", now_utc()
    )
    client.write_batch([], [], [line])
    assert client.set_flow_run_state(run_id, final).status is SetStateStatus.ACCEPT


class TestWatch:
    @pytest.fixture
    def watch(self, cli, store, store_env) -> Iterator[Callable[[State], tuple[int, str, str]]]:
        """Start `deployment run --watch`, play the worker from another thread; the result."""
        processes = []

        def start(final: State) -> tuple[int, str, str]:
            _deploy(store.client)
            process = cli.start(store_env, "deployment", "run", "flujo/diario", "--watch")
            processes.append(process)
            assert process.stdout is not None
            head = [process.stdout.readline() for _ in range(5)]
            assert head[-1].startswith("└── Work pool: "), head
            run_id = _created_run_id("".join(head))
            with ThreadPoolExecutor(1) as worker:
                worker.submit(_run_as_a_worker, store.client, run_id, final).result(timeout=30)
            rest, errors = process.communicate(timeout=30)
            return process.returncode, "".join(head) + rest, errors

        yield start
        for process in processes:
            process.kill()
            process.communicate()

    def test_prints_the_runs_lines_and_exits_0_when_it_completes(self, watch):
        code, out, errors = watch(Completed())
        assert code == 0, errors
        name = re.search(r"^Created flow run '([^']+)'", out, re.MULTILINE)
        assert name is not None
        lines = out.splitlines()
        assert lines[-2].endswith(f"| INFO    | Flow run '{name[1]}' - hola desde el worker")
        assert lines[-1] == f"Flow run '{name[1]}' finished in state Completed"

    def test_exits_1_when_the_run_fails(self, watch):
        code, out, _ = watch(Failed("se rompio"))
        assert code == 1
        assert out.splitlines()[-1].endswith("finished in state Failed - se rompio")


class TestPauseResumeDelete:
    def test_pause_removes_waiting_runs_resume_remakes_them_delete_removes_it(
        self, cli, store, store_env
    ):
        deployment = _deploy(store.client, _buenos_aires_cron())
        assert _runs(store.client, deployment)

        paused = cli(store_env, "deployment", "pause", "flujo/diario")
        assert paused.returncode == 0, paused.stderr
        assert paused.stdout.startswith("Paused deployment 'flujo/diario'")
        assert store.client.read_deployment(deployment.id).is_paused
        assert _runs(store.client, deployment) == []
        listed = cli(store_env, "deployment", "ls")
        assert _row(listed.stdout, "flujo/diario")[3:] == ["yes", "-"]

        resumed = cli(store_env, "deployment", "resume", "flujo/diario")
        assert resumed.stdout.startswith("Resumed deployment 'flujo/diario'"), resumed.stderr
        assert not store.client.read_deployment(deployment.id).is_paused
        assert _runs(store.client, deployment)

        waiting = len(_runs(store.client, deployment))
        deleted = cli(store_env, "deployment", "delete", "flujo/diario", "--yes")
        assert deleted.stdout == (
            f"Deleted deployment 'flujo/diario': removed {waiting} scheduled runs; "
            "its past runs are kept.\n"
        ), deleted.stderr
        with pytest.raises(NotFound):
            store.client.read_deployment(deployment.id)


class TestSchedules:
    def test_add_list_pause_resume_delete(self, cli, store, store_env):
        deployment = _deploy(store.client)
        added = cli(
            store_env,
            "deployment", "schedule", "add", "flujo/diario",
            "--cron", "30 1,13,17 * * *", "--timezone", BUENOS_AIRES,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        [schedule] = store.client.read_deployment(deployment.id).schedules
        assert (schedule.cron, schedule.timezone, schedule.is_active) == (
            "30 1,13,17 * * *",
            BUENOS_AIRES,
            True,
        )
        assert added.stdout.startswith(f"Added schedule {schedule.id} to deployment 'flujo/diario'")
        assert "-03:00" in added.stdout.splitlines()[1]
        assert _runs(store.client, deployment)

        listed = cli(store_env, "deployment", "schedule", "ls", "flujo/diario")
        assert _row(listed.stdout, str(schedule.id))[1:3] == [
            f"cron 30 1,13,17 * * * ({BUENOS_AIRES})",
            "yes",
        ]

        short_id = str(schedule.id)[:8]
        paused = cli(store_env, "deployment", "schedule", "pause", "flujo/diario", short_id)
        assert paused.stdout.startswith(f"Paused schedule {schedule.id}"), paused.stderr
        assert not store.client.read_deployment(deployment.id).schedules[0].is_active
        assert _runs(store.client, deployment) == []

        resumed = cli(store_env, "deployment", "schedule", "resume", "flujo/diario", short_id)
        assert resumed.stdout.startswith(f"Resumed schedule {schedule.id}"), resumed.stderr
        assert store.client.read_deployment(deployment.id).schedules[0].is_active

        deleted = cli(
            store_env, "deployment", "schedule", "delete", "flujo/diario", str(schedule.id), "-y"
        )
        assert deleted.returncode == 0, deleted.stderr
        assert store.client.read_deployment(deployment.id).schedules == []
        assert _runs(store.client, deployment) == []

    def test_interval_with_anchor_in_the_schedules_zone(self, cli, store, store_env):
        deployment = _deploy(store.client)
        result = cli(
            store_env,
            "deployment", "schedule", "add", "flujo/diario",
            "--interval", "1d", "--anchor", "2026-01-01T09:00", "--timezone", "Europe/Madrid",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        [schedule] = store.client.read_deployment(deployment.id).schedules
        assert schedule.interval_seconds == 86400
        assert schedule.anchor == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
        assert re.search(r"Next runs: \d{4}-\d\d-\d\d 09:00:00\+0[12]:00", result.stdout)

    def test_bad_cron_names_the_field_and_adds_nothing(self, cli, store, store_env):
        deployment = _deploy(store.client)
        result = cli(
            store_env, "deployment", "schedule", "add", "flujo/diario", "--cron", "61 * * * *"
        )
        assert one_line_error(result) == "cron '61 * * * *': minute field: 61 is out of range 0-59"
        assert store.client.read_deployment(deployment.id).schedules == []

    def test_misspelt_timezone_gets_suggestions(self, cli, store, store_env):
        deployment = _deploy(store.client)
        result = cli(
            store_env,
            "deployment", "schedule", "add", "flujo/diario",
            "--cron", "0 9 * * *", "--timezone", "America/Buenos_Aire",
        )  # fmt: skip
        line = one_line_error(result)
        assert line.startswith("unknown timezone 'America/Buenos_Aire'; did you mean ")
        assert "America/Argentina/Buenos_Aires" in line
        assert store.client.read_deployment(deployment.id).schedules == []

    @pytest.mark.parametrize(
        ("env_zone", "expected"),
        [({"CAUCE_DEFAULT_TIMEZONE": "Europe/Madrid"}, "Europe/Madrid"), ({}, "Asia/Kolkata")],
    )
    def test_default_timezone_is_the_settings_never_utc(
        self, run_main, env, home, env_zone, expected
    ):
        client = EmbeddedClient(f"sqlite:///{home / 'cauce.db'}")
        try:
            deployment = _deploy(client)
            command_env = {**env, **env_zone, "TZ": "Asia/Kolkata"}
            result = run_main(
                command_env, "deployment", "schedule", "add", "flujo/diario", "--cron", "@daily"
            )
            assert result.returncode == 0, result.stderr
            [schedule] = client.read_deployment(deployment.id).schedules
            assert schedule.timezone == expected
        finally:
            client.close()

    @pytest.mark.parametrize(
        ("args", "error"),
        [
            ([], "give exactly one of --cron, --interval and --rrule"),
            (["--cron", "@daily", "--interval", "1h"], "give exactly one of --cron"),
            (["--cron", "@daily", "--anchor", "2026-01-01"], "--anchor goes with --interval"),
            (["--interval", "pronto"], "--interval: interval must be a positive, finite duration"),
            (["--interval", "0"], "--interval: interval must be a positive, finite duration"),
            (["--rrule", "BYDAY=MO"], "rrule 'BYDAY=MO': FREQ is missing"),
        ],
    )
    def test_bad_options_are_one_line(self, run_main, env, home, args, error):
        client = EmbeddedClient(f"sqlite:///{home / 'cauce.db'}")
        try:
            deployment = _deploy(client)
            result = run_main(env, "deployment", "schedule", "add", "flujo/diario", *args)
            assert one_line_error(result).startswith(error)
            assert client.read_deployment(deployment.id).schedules == []
        finally:
            client.close()

    def test_unknown_schedule_id_is_one_line(self, run_main, env, home):
        client = EmbeddedClient(f"sqlite:///{home / 'cauce.db'}")
        try:
            _deploy(client, _buenos_aires_cron())
        finally:
            client.close()
        result = run_main(env, "deployment", "schedule", "pause", "flujo/diario", "abc")
        assert one_line_error(result).startswith("deployment 'flujo/diario' has no schedule 'abc'")


class TestScheduledRunsInFlowRunList:
    def test_scheduled_and_late_runs_show_their_time_with_offset(self, cli, store, store_env):
        deployment = _deploy(store.client, _buenos_aires_cron())
        runs = store.client.read_flow_runs(FlowRunFilter(deployment_id=deployment.id))
        late = runs[0]
        assert late.state.scheduled_time is not None
        store.client.set_flow_run_state(late.id, Late(late.state.scheduled_time))
        env = {**store_env, "CAUCE_DEFAULT_TIMEZONE": BUENOS_AIRES}

        scheduled, late_only = cli.all(
            env, ["flow-run", "ls", "--state", "SCHEDULED"], ["flow-run", "ls", "--state", "LATE"]
        )

        assert scheduled.returncode == 0, scheduled.stderr
        for run in runs:
            row = _row(scheduled.stdout, str(run.id))
            assert row[3] == ("Late" if run.id == late.id else "Scheduled")
            assert re.fullmatch(r"\d{4}-\d\d-\d\d (01|13|17):30:00-03:00", row[4])
        assert _row(late_only.stdout, str(late.id))[3] == "Late"
        assert all(str(run.id) not in late_only.stdout for run in runs if run.id != late.id)
