"""`cauce deploy`, as a user types it: the guide's §4 session at a terminal, and with flags.

The wizard is driven through a pseudo-terminal (pexpect), arrow keys and all; the
flag form runs with no terminal, as CI does. Each test checks what was printed,
what cauce.yaml holds and what the store holds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from cauce.client.base import CauceClient
from cauce.client.factory import get_client
from cauce.schemas.deployments import WorkPool
from cauce.schemas.flow_runs import FlowRunFilter
from tests.conftest import Store
from tests.engine.scripts import store_env

BASIC = """\
from cauce import flow, task


@task
def print_text(text):
    print(text)


@flow
def basic_flow(mensaje: str = "Hola mundo!"):
    print_text(mensaje)


if __name__ == "__main__":
    basic_flow()
"""
BUENOS_AIRES = "America/Argentina/Buenos_Aires"
DOWN = "\x1b[B"


@pytest.fixture
def local(cauce_home: Path) -> CauceClient:
    """The embedded store of a fresh CAUCE_HOME."""
    return get_client()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "basic.py").write_text(BASIC)
    (folder / "notes.py").write_text("print('not a flow')\n")
    return folder


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    env.pop("CAUCE_DEFAULT_TIMEZONE", None)
    return {**env, **store_env(), **extra}


def cauce(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`cauce ARGS` in the project folder, with no terminal."""
    return subprocess.run(
        [sys.executable, "-m", "cauce.cli.main", *args],
        cwd=project,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def _scheduled_local_times(store: Store, full_name: str) -> list[str]:
    from zoneinfo import ZoneInfo

    deployment = store.client.read_deployment_by_name(full_name)
    runs = store.client.read_flow_runs(FlowRunFilter(deployment_id=deployment.id))
    zone = ZoneInfo(BUENOS_AIRES)
    return sorted(
        r.expected_start_time.astimezone(zone).strftime("%H:%M")
        for r in runs
        if r.expected_start_time is not None
    )


class TestTheGuidesSession:
    def test_the_wizard_deploys_basic_flow_on_the_guides_schedule(
        self, store: Store, project: Path
    ) -> None:
        store.client.create_work_pool(WorkPool(name="compras-prod"))
        store.client.create_work_pool(WorkPool(name="compras-test"))
        child = _wizard(project)
        try:
            child.expect("Select a flow to deploy")
            child.expect("basic_flow +basic.py")
            child.expect("Enter a flow entrypoint manually")
            child.send("\r")
            child.expect("Deployment name")
            child.send("printear-mensaje\r")  # typing replaces the suggested name
            child.expect("configure a schedule")
            child.send(DOWN + "\r")  # No schedule -> Cron
            child.expect(r"Cron expression \(e\.g\. 30 1,13,17 \* \* \* = every day at 1:30")
            child.send("61 * * * *\r")  # a wrong answer is asked again, with the reason
            child.expect("minute field: 61 is out of range 0-59")
            child.send("\x15" + "30 1,13,17 * * *\r")
            child.expect("Timezone")
            child.send("America/Buenos_Aire\r")
            child.expect("did you mean")
            child.send("\x15" + BUENOS_AIRES + "\r")
            child.expect("default parameters")
            child.send("n\r")
            child.expect("Which work pool")
            child.expect("compras-prod")
            child.send("\r")
            child.expect("Saved in")
            child.expect(pexpect.EOF)
        finally:
            child.close()
        assert child.exitstatus == 0, child.before
        saved = (project / "cauce.yaml").read_text()
        assert "name: printear-mensaje" in saved and "entrypoint: basic.py:basic_flow" in saved
        assert 'cron: "30 1,13,17 * * *"' in saved and f"timezone: {BUENOS_AIRES}" in saved
        assert _scheduled_local_times(store, "basic-flow/printear-mensaje") == [
            "01:30",
            "13:30",
            "17:30",
        ]

        inspected = cauce(project, "deployment", "inspect", "basic-flow/printear-mensaje")
        assert inspected.returncode == 0, inspected.stderr
        assert "30 1,13,17 * * *" in inspected.stdout and BUENOS_AIRES in inspected.stdout
        for local in ("01:30:00-03:00", "13:30:00-03:00", "17:30:00-03:00"):
            assert local in inspected.stdout
        listed = cauce(project, "flow-run", "ls", "--state", "SCHEDULED")
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.count("basic-flow") == 3

    @pytest.mark.parametrize(
        ("typed", "name"), [("printear-mensaje", "printear-mensaje"), ("", "default")]
    )
    def test_the_suggested_name_is_a_hint_that_typing_replaces(
        self, store: Store, project: Path, typed: str, name: str
    ) -> None:
        store.client.create_work_pool(WorkPool(name="compras-prod"))
        child = _wizard(project, "basic.py:basic_flow")
        try:
            child.expect("Deployment name:")
            child.expect("default")  # the hint is shown
            child.send(typed + "\r")  # no Ctrl-U: nothing to clear
            child.expect("configure a schedule")
            child.send("\r")  # No schedule
            child.expect("default parameters")
            child.send("n\r")
            child.expect("Which work pool")
            child.send("\r")
            child.expect("Saved in")
            child.expect(pexpect.EOF)
        finally:
            child.close()
        assert child.exitstatus == 0, child.before
        assert store.client.read_deployment_by_name(f"basic-flow/{name}").name == name


class TestFlags:
    def test_every_answer_as_a_flag_then_all_again_without_a_question(
        self, store: Store, project: Path
    ) -> None:
        store.client.create_work_pool(WorkPool(name="compras-prod"))
        first = cauce(
            project,
            "deploy",
            "basic.py:basic_flow",
            "--name=printear-mensaje",
            "--pool=compras-prod",
            "--cron=30 1,13,17 * * *",
            f"--timezone={BUENOS_AIRES}",
            "--param=mensaje=hola",
            "--tag=compras",
            "--no-prompt",
        )
        assert first.returncode == 0, first.stderr
        assert "next runs" in first.stdout and "-03:00" in first.stdout
        deployment = store.client.read_deployment_by_name("basic-flow/printear-mensaje")
        assert deployment.parameters == {"mensaje": "hola"} and deployment.tags == ["compras"]
        assert deployment.parameter_schema["properties"]["mensaje"]["type"] == "string"
        assert Path(deployment.source) == project.resolve()

        again = cauce(project, "deploy", "--all", "--no-prompt")
        assert again.returncode == 0, again.stderr
        assert store.client.read_deployment_by_name("basic-flow/printear-mensaje").id == (
            deployment.id
        )
        assert _scheduled_local_times(store, "basic-flow/printear-mensaje") == [
            "01:30",
            "13:30",
            "17:30",
        ]

    def test_without_a_timezone_the_machines_zone_is_used_not_utc(
        self, store: Store, project: Path
    ) -> None:
        store.client.create_work_pool(WorkPool(name="compras-prod"))
        result = cauce(
            project,
            "deploy",
            "basic.py:basic_flow",
            "--name=n",
            "--pool=compras-prod",
            "--cron=30 1,13,17 * * *",
            "--no-prompt",
            TZ=BUENOS_AIRES,
        )
        assert result.returncode == 0, result.stderr
        [schedule] = store.client.read_deployment_by_name("basic-flow/n").schedules
        assert schedule.timezone == BUENOS_AIRES
        assert f"timezone: {BUENOS_AIRES}" in (project / "cauce.yaml").read_text()

    @pytest.mark.parametrize(
        ("flags", "env", "is_said"),
        [
            ([], {}, True),
            (["--timezone=Etc/UTC"], {}, False),
            ([], {"CAUCE_DEFAULT_TIMEZONE": "Etc/UTC"}, False),
        ],
    )
    def test_a_zone_taken_from_the_machine_is_said_in_one_line(
        self,
        local: CauceClient,
        project: Path,
        flags: list[str],
        env: dict[str, str],
        is_said: bool,
    ) -> None:
        local.create_work_pool(WorkPool(name="compras-prod"))
        args = ["basic.py:basic_flow", "--name=n", "--pool=compras-prod", "--cron=0 9 * * *"]
        result = cauce(project, "deploy", *args, *flags, "--no-prompt", TZ="Etc/UTC", **env)
        assert result.returncode == 0, result.stderr
        said = (
            "timezone: Etc/UTC (this machine's zone); pass --timezone or set "
            "CAUCE_DEFAULT_TIMEZONE for your team's"
        )
        assert result.stderr.splitlines() == ([said] if is_said else [])
        [schedule] = local.read_deployment_by_name("basic-flow/n").schedules
        assert schedule.timezone == "Etc/UTC"

    def test_a_cauce_yaml_schedule_without_a_zone_says_it_took_the_machines(
        self, local: CauceClient, project: Path
    ) -> None:
        local.create_work_pool(WorkPool(name="compras-prod"))
        (project / "cauce.yaml").write_text(
            "deployments:\n"
            "  - name: n\n"
            "    entrypoint: basic.py:basic_flow\n"
            "    work_pool: compras-prod\n"
            "    schedules:\n"
            '      - cron: "0 9 * * *"\n'
        )
        result = cauce(project, "deploy", "--all", "--no-prompt", TZ="Etc/UTC")
        assert result.returncode == 0, result.stderr
        assert result.stderr.splitlines() == [
            "timezone: Etc/UTC (this machine's zone); add timezone: to the schedule in "
            "cauce.yaml or set CAUCE_DEFAULT_TIMEZONE for your team's"
        ]


class TestBadInput:
    """The checks are the core's, the same on every store: these run on the embedded one."""

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--cron=61 * * * *"], "cron '61 * * * *': minute field: 61 is out of range 0-59"),
            (
                ["--cron=30 1,13,17 * *"],
                "cron '30 1,13,17 * *': expected 5 fields (minute hour day month weekday), got 4",
            ),
            (
                ["--cron=0 9 * * *", "--timezone=America/Buenos_Aire"],
                "unknown timezone 'America/Buenos_Aire'; did you mean America/Buenos_Aires",
            ),
            (["--pool=nowhere"], "work pool 'nowhere' does not exist"),
            (["--param=otro=1"], "unknown parameter 'otro' (the flow takes: mensaje)"),
        ],
    )
    def test_one_line_naming_what_is_wrong_and_nothing_written(
        self, local: CauceClient, project: Path, args: list[str], message: str
    ) -> None:
        local.create_work_pool(WorkPool(name="compras-prod"))
        flags = ["--name=n", "--pool=compras-prod", *args]
        result = cauce(project, "deploy", "basic.py:basic_flow", *flags, "--no-prompt")
        assert result.returncode == 1
        [line] = result.stderr.strip().splitlines()
        assert message in line
        assert "Traceback" not in result.stderr
        assert not (project / "cauce.yaml").exists()
        assert local.read_deployments() == []

    @pytest.mark.parametrize(
        ("entrypoint", "message"),
        [
            ("basic.py:nope", "basic.py has no function 'nope'"),
            ("basic.py:print_text", "'print_text' in basic.py is not a flow"),
            ("missing.py:f", "file missing.py not found"),
        ],
    )
    def test_an_entrypoint_that_is_not_a_flow(
        self, local: CauceClient, project: Path, entrypoint: str, message: str
    ) -> None:
        result = cauce(project, "deploy", entrypoint, "--name=n", "--pool=p", "--no-prompt")
        assert result.returncode == 1
        [line] = result.stderr.strip().splitlines()
        assert message in line and "--debug" not in line

    def test_with_no_terminal_a_missing_answer_names_its_flag(
        self, local: CauceClient, project: Path
    ) -> None:
        result = cauce(project, "deploy", "basic.py:basic_flow", "--name=n")
        assert result.returncode == 1
        assert result.stderr.strip() == (
            "cauce deploy: the work pool was not given and there is no terminal to ask; pass --pool"
        )

    def test_an_unknown_key_in_cauce_yaml_is_named_with_its_line(
        self, local: CauceClient, project: Path
    ) -> None:
        (project / "cauce.yaml").write_text(
            "deployments:\n"
            "  - name: n\n"
            "    entrypoint: basic.py:basic_flow\n"
            "    work_pool: compras-prod\n"
            "    schedules:\n"
            "      - crn: '0 9 * * *'\n"
        )
        result = cauce(project, "deploy", "--all", "--no-prompt")
        assert result.returncode == 1
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(f"{project / 'cauce.yaml'}:6:")
        assert "unknown key 'crn'" in line and "did you mean 'cron'" in line


POSITIVE_FINITE = "interval must be a positive, finite duration"


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr and "OverflowError" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    return line


class TestIntervalMustBePositiveAndFinite:
    """One message for a zero, negative, infinite or NaN interval, whichever door it
    came in by (flag, wizard, cauce.yaml, flow.deploy), and nothing written."""

    @pytest.mark.parametrize("interval", ["0", "-5", "inf", ".inf", "nan"])
    def test_the_interval_flag(self, local: CauceClient, project: Path, interval: str) -> None:
        local.create_work_pool(WorkPool(name="p"))
        flags = ["--name=n", "--pool=p", f"--interval={interval}", "--no-prompt"]
        line = _one_error_line(cauce(project, "deploy", "basic.py:basic_flow", *flags))
        assert line.startswith(f"--interval: {POSITIVE_FINITE}")
        assert not (project / "cauce.yaml").exists() and local.read_deployments() == []

    @pytest.mark.parametrize("interval", ["0", "-5", ".inf", "-.inf", ".nan", "nan"])
    def test_cauce_yaml(self, local: CauceClient, project: Path, interval: str) -> None:
        local.create_work_pool(WorkPool(name="p"))
        (project / "cauce.yaml").write_text(
            "deployments:\n"
            "  - name: n\n"
            "    entrypoint: basic.py:basic_flow\n"
            "    work_pool: p\n"
            "    schedules:\n"
            f"      - interval: {interval}\n"
        )
        line = _one_error_line(cauce(project, "deploy", "--all", "--no-prompt"))
        assert line.startswith(f"{project / 'cauce.yaml'}:6: schedule #1 of deployment 'n'")
        assert POSITIVE_FINITE in line
        assert local.read_deployments() == []

    @pytest.mark.parametrize(
        "interval", ["0", "-5", "float('inf')", "float('nan')", "timedelta(seconds=-1)"]
    )
    def test_flow_deploy(self, local: CauceClient, project: Path, interval: str) -> None:
        local.create_work_pool(WorkPool(name="p"))
        script = (
            "from datetime import timedelta\n"
            "from basic import basic_flow\n"
            f"basic_flow.deploy('n', work_pool_name='p', interval={interval})\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=project,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 1
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("cauce.deployments.from_code.DeploymentError: deployment 'n': ")
        assert POSITIVE_FINITE in last and "OverflowError" not in result.stderr
        assert local.read_deployments() == []

    @pytest.mark.parametrize("typed", ["0", "-5", "inf"])
    def test_the_wizard_asks_again_with_the_reason(
        self, local: CauceClient, project: Path, typed: str
    ) -> None:
        local.create_work_pool(WorkPool(name="p"))
        child = _wizard(project, "basic.py:basic_flow", "--name=n")
        try:
            child.expect("configure a schedule")
            child.send(DOWN + DOWN + "\r")  # No schedule -> Cron -> Interval
            child.expect("Run every")
            child.send(typed + "\r")
            child.expect(POSITIVE_FINITE)
            child.send("\x15" + "30m\r")
            child.expect("Timezone")
            child.send("\x03")  # Ctrl-C
            child.expect(pexpect.EOF)
        finally:
            child.close()
        assert not (project / "cauce.yaml").exists() and local.read_deployments() == []


def _wizard(project: Path, *args: str) -> pexpect.spawn:
    """`cauce deploy ARGS` at a terminal, in the project folder."""
    return pexpect.spawn(
        sys.executable,
        ["-m", "cauce.cli.main", "deploy", *args],
        cwd=str(project),
        env=_env(TZ="UTC"),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 160),
    )


class TestSavedEntriesRefuseFlagsTheyWouldIgnore:
    """`--all` and `NAME` apply cauce.yaml as it is: a flag beside them is refused by
    name, never dropped without a word."""

    SAVED = (
        "deployments:\n"
        "  - name: n\n"
        "    entrypoint: basic.py:basic_flow\n"
        "    work_pool: p\n"
        "    schedules:\n"
        '      - cron: "0 9 * * *"\n'
        "        timezone: Etc/UTC\n"
    )

    @pytest.mark.parametrize("which", [["--all"], ["n"]])
    @pytest.mark.parametrize(
        ("flags", "named"),
        [
            (["--cron=0 10 * * *"], "--cron"),
            (["--interval=30m"], "--interval"),
            (["--pool=otro"], "--pool"),
            (["--param=mensaje=hola", "--tag=t"], "--param, --tag"),
        ],
    )
    def test_one_line_naming_them_and_nothing_applied(
        self, local: CauceClient, project: Path, which: list[str], flags: list[str], named: str
    ) -> None:
        local.create_work_pool(WorkPool(name="p"))
        (project / "cauce.yaml").write_text(self.SAVED)
        line = _one_error_line(cauce(project, "deploy", *which, *flags, "--no-prompt"))
        assert line.startswith(f"cauce deploy {which[0]} applies cauce.yaml as it is")
        assert f"would ignore {named};" in line
        assert local.read_deployments() == []
        assert (project / "cauce.yaml").read_text() == self.SAVED

    def test_all_with_a_target_names_the_target(self, local: CauceClient, project: Path) -> None:
        (project / "cauce.yaml").write_text(self.SAVED)
        result = cauce(project, "deploy", "basic.py:basic_flow", "--all", "--no-prompt")
        assert "would ignore the target 'basic.py:basic_flow'" in _one_error_line(result)
        assert local.read_deployments() == []


class TestAStringParameterIsTheTextTyped:
    """`--param mensaje=42` for `mensaje: str` is "42": values are read as JSON only
    where the parameter's schema says it is not a string."""

    @pytest.mark.parametrize(("typed", "stored"), [("42", "42"), ('"42"', "42"), ("hola", "hola")])
    def test_the_param_flag(
        self, local: CauceClient, project: Path, typed: str, stored: str
    ) -> None:
        local.create_work_pool(WorkPool(name="p"))
        flags = ["--name=n", "--pool=p", f"--param=mensaje={typed}", "--no-prompt"]
        result = cauce(project, "deploy", "basic.py:basic_flow", *flags)
        assert result.returncode == 0, result.stderr
        assert local.read_deployment_by_name("basic-flow/n").parameters == {"mensaje": stored}
        again = cauce(project, "deploy", "--all", "--no-prompt")  # as cauce.yaml saved it
        assert again.returncode == 0, again.stderr
        assert local.read_deployment_by_name("basic-flow/n").parameters == {"mensaje": stored}

    def test_a_json_typed_parameter_is_still_read_as_json(
        self, local: CauceClient, project: Path
    ) -> None:
        (project / "counted.py").write_text(
            "from cauce import flow\n\n\n@flow\ndef counted(n: int = 1):\n    print(n)\n"
        )
        local.create_work_pool(WorkPool(name="p"))
        flags = ["--name=n", "--pool=p", "--param=n=42", "--no-prompt"]
        result = cauce(project, "deploy", "counted.py:counted", *flags)
        assert result.returncode == 0, result.stderr
        assert local.read_deployment_by_name("counted/n").parameters == {"n": 42}

    def test_the_wizard(self, local: CauceClient, project: Path) -> None:
        local.create_work_pool(WorkPool(name="p"))
        child = _wizard(project, "basic.py:basic_flow", "--name=n")
        try:
            child.expect("configure a schedule")
            child.send("\r")  # No schedule
            child.expect("default parameters")
            child.send("y")  # a confirm takes the key alone
            child.expect("mensaje:")
            child.send("\x15" + "42\r")
            child.expect("Which work pool")
            child.send("\r")
            child.expect("Saved in")
            child.expect(pexpect.EOF)
        finally:
            child.close()
        assert child.exitstatus == 0, child.before
        assert local.read_deployment_by_name("basic-flow/n").parameters == {"mensaje": "42"}


class TestANewPoolIsCreatedLast:
    def test_a_refused_answer_leaves_no_new_pool_behind(
        self, local: CauceClient, project: Path
    ) -> None:
        local.create_work_pool(WorkPool(name="p"))
        child = _wizard(project, "basic.py:basic_flow", "--name=n", "--param=otro=1")
        try:
            child.expect("configure a schedule")
            child.send("\r")  # No schedule
            child.expect("Which work pool")
            child.send(DOWN + "\r")  # p -> Create a new work pool
            child.expect("Name of the new work pool")
            child.send("nuevo\r")
            child.expect("unknown parameter 'otro'")
            child.expect(pexpect.EOF)
        finally:
            child.close()
        assert child.exitstatus == 1
        assert [pool.name for pool in local.read_work_pools()] == ["p"]
        assert local.read_deployments() == []

    def test_once_every_answer_passes_the_new_pool_is_created(
        self, local: CauceClient, project: Path
    ) -> None:
        child = _wizard(project, "basic.py:basic_flow", "--name=n")
        try:
            child.expect("configure a schedule")
            child.send("\r")  # No schedule
            child.expect("default parameters")
            child.send("n")
            child.expect("Name of the new work pool")  # no pool yet: asked straight away
            child.send("nuevo\r")
            child.expect("Created work pool 'nuevo'")
            child.expect("Saved in")
            child.expect(pexpect.EOF)
        finally:
            child.close()
        assert child.exitstatus == 0, child.before
        assert local.read_deployment_by_name("basic-flow/n").work_pool_name == "nuevo"


PREFECT_FLOW = BASIC.replace("from cauce import flow, task", "from prefect import flow, task")
IMPORTS_PREFECT = "imports prefect: change the import to cauce (`from cauce import flow`)"


class TestAFileThatImportsPrefectIsNotOffered:
    def test_the_wizard_lists_it_as_skipped_with_the_reason(
        self, local: CauceClient, project: Path
    ) -> None:
        (project / "migrating.py").write_text(PREFECT_FLOW)
        child = _wizard(project)
        try:
            child.expect_exact(f"Skipped migrating.py: {IMPORTS_PREFECT}")
            child.expect("Select a flow to deploy")
            child.expect("basic_flow +basic.py")
            child.expect("Enter a flow entrypoint manually")
            offered = child.before
            child.send("\x03")  # Ctrl-C
            child.expect(pexpect.EOF)
        finally:
            child.close()
        assert "migrating.py" not in offered

    def test_deploying_it_by_entrypoint_says_the_same_in_one_line(
        self, local: CauceClient, project: Path
    ) -> None:
        (project / "migrating.py").write_text(PREFECT_FLOW)
        flags = ["--name=n", "--pool=p", "--no-prompt"]
        line = _one_error_line(cauce(project, "deploy", "migrating.py:basic_flow", *flags))
        assert line == (f"entrypoint 'migrating.py:basic_flow': migrating.py {IMPORTS_PREFECT}")
