"""Workers (and the server) as OS services, as a user installs them: `cauce worker
install-service` in a subprocess with a fresh CAUCE_HOME, its unit written into a
temporary folder and `systemctl` replaced by a script that records its arguments."""

from __future__ import annotations

import configparser
import dataclasses
import os
import plistlib
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cauce.workers.service_install import (
    ServiceSpec,
    install_plan,
    nssm_install_commands,
    render_launchd_plist,
    sc_install_commands,
    uninstall_plan,
    worker_spec,
)
from cauce.workers.worker import WorkerOptions

API_URL = "http://127.0.0.1:4299"
UNIT = "cauce-worker-compras-prod.service"

# nssm's documented parameters (nssm.cc/usage) and the values this code sets.
NSSM_PARAMETERS = {
    "AppDirectory",
    "AppEnvironmentExtra",
    "AppExit",
    "AppStdout",
    "AppStderr",
    "AppStopMethodConsole",
    "Description",
    "Start",
}
NSSM_START_VALUES = {
    "SERVICE_AUTO_START",
    "SERVICE_DELAYED_AUTO_START",
    "SERVICE_DEMAND_START",
    "SERVICE_DISABLED",
}


def cauce(
    home: Path, *args: str, cwd: Path | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    env.update(CAUCE_HOME=str(home), COLUMNS="250", **extra)
    return subprocess.run(
        [sys.executable, "-m", "cauce.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def parsed_unit(text: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(text)
    return unit


def recording_systemctl(folder: Path) -> tuple[Path, Path]:
    """An executable that appends its arguments to a file, one call a line."""
    calls = folder / "calls.txt"
    script = folder / "systemctl"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"with open({str(calls)!r}, 'a') as f:\n"
        "    f.write(' '.join(sys.argv[1:]) + '\\n')\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, calls


def spec(tmp_path: Path) -> ServiceSpec:
    return worker_spec(
        "compras-prod",
        "w1",
        python=r"C:\Python311\python.exe",
        working_directory=r"C:\flujos",
        environment={"CAUCE_API_URL": API_URL, "CAUCE_PROFILE": "prod"},
        home=str(tmp_path),
    )


@pytest.mark.skipif(sys.platform != "linux", reason="the systemd unit is what Linux installs")
class TestPrintedSystemdUnit:
    def test_unit_runs_this_interpreter_with_the_pool_and_name(self, tmp_path: Path) -> None:
        done = cauce(
            tmp_path / "home",
            *("worker", "install-service", "--pool", "compras-prod", "--name", "w1", "--print"),
            cwd=tmp_path,
            CAUCE_API_URL=API_URL,
        )
        assert done.returncode == 0, done.stderr
        service = parsed_unit(done.stdout)["Service"]
        assert shlex.split(service["ExecStart"]) == [
            sys.executable,
            *("-m", "cauce.cli.main", "worker", "start", "--pool", "compras-prod"),
            *("--name", "w1"),
        ]
        assert service["Restart"] == "always"
        assert service["WorkingDirectory"] == str(tmp_path)
        assert service["KillSignal"] == "SIGTERM"
        grace = next(f for f in dataclasses.fields(WorkerOptions) if f.name == "stop_grace_seconds")
        assert int(service["TimeoutStopSec"]) > grace.default
        environment = dict(word.split("=", 1) for word in shlex.split(service["Environment"]))
        assert environment["CAUCE_API_URL"] == API_URL
        assert environment["CAUCE_HOME"] == str(tmp_path / "home")
        assert environment["CAUCE_PROFILE"] == "default"
        assert parsed_unit(done.stdout)["Install"]["WantedBy"] == "multi-user.target"
        assert "/etc/systemd/system/cauce-worker-compras-prod-w1.service" in done.stderr

    def test_unit_without_a_server_has_no_api_url(self, tmp_path: Path) -> None:
        done = cauce(tmp_path, "worker", "install-service", "--pool", "compras-prod", "--print")
        assert done.returncode == 0, done.stderr
        service = parsed_unit(done.stdout)["Service"]
        assert "CAUCE_API_URL" not in service["Environment"]
        assert shlex.split(service["ExecStart"])[-2] == "--name"  # this machine's name-POOL

    def test_secret_setting_is_left_out_of_the_unit_and_said_so(self, tmp_path: Path) -> None:
        done = cauce(
            tmp_path,
            *("worker", "install-service", "--pool", "compras-prod", "--print"),
            CAUCE_API_AUTH_STRING="admin:s3cret",
        )
        assert done.returncode == 0, done.stderr
        assert "s3cret" not in done.stdout
        assert "CAUCE_API_AUTH_STRING is not written into the service" in done.stderr

    def test_under_sudo_the_unit_is_the_invoking_users(self, tmp_path: Path) -> None:
        import pwd

        try:
            nobody = pwd.getpwnam("nobody")
        except KeyError:
            pytest.skip("this machine has no user `nobody` to stand for the one who ran sudo")
        environment = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
        environment.update(SUDO_USER="nobody", COLUMNS="250")
        done = subprocess.run(
            [sys.executable, "-m", "cauce.cli.main", "worker", "install-service"]
            + ["--pool", "compras-prod", "--print"],
            capture_output=True,
            text=True,
            env=environment,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        service = parsed_unit(done.stdout)["Service"]
        assert service["User"] == "nobody"
        environment = dict(word.split("=", 1) for word in shlex.split(service["Environment"]))
        assert environment["CAUCE_HOME"] == str(Path(nobody.pw_dir) / ".cauce")

    def test_unit_passes_systemd_analyze_verify(self, tmp_path: Path) -> None:
        if shutil.which("systemd-analyze") is None:
            pytest.skip("systemd-analyze is not on this machine; the unit is checked key by key")
        done = cauce(tmp_path, *("worker", "install-service", "--pool", "compras-prod", "--print"))
        assert done.returncode == 0, done.stderr
        unit = tmp_path / UNIT  # verify reads the unit's name from the file's
        unit.write_text(done.stdout)
        verified = subprocess.run(
            ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
        )
        assert verified.returncode == 0, verified.stderr

    def test_server_unit_runs_server_start(self, tmp_path: Path) -> None:
        done = cauce(tmp_path, "server", "install-service", "--print", "--user")
        assert done.returncode == 0, done.stderr
        unit = parsed_unit(done.stdout)
        assert shlex.split(unit["Service"]["ExecStart"])[1:] == [
            *("-m", "cauce.cli.main", "server", "start"),
        ]
        assert unit["Install"]["WantedBy"] == "default.target"
        assert ".config/systemd/user/cauce-server.service" in done.stderr
        assert "systemctl --user restart cauce-server.service" in done.stderr
        assert "network-online.target" not in done.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="installs a systemd unit or launchd plist")
class TestInstallThenUninstall:
    def test_leaves_nothing_behind_and_runs_systemctl(self, tmp_path: Path) -> None:
        units = tmp_path / "units"
        systemctl, calls = recording_systemctl(tmp_path)
        overrides = {"CAUCE_SERVICE_UNIT_DIR": str(units), "CAUCE_SERVICE_MANAGER": str(systemctl)}
        args = ("--pool", "compras-prod")
        installed = cauce(tmp_path / "home", "worker", "install-service", *args, **overrides)
        assert installed.returncode == 0, installed.stderr
        suffix = ".plist" if sys.platform == "darwin" else ".service"
        assert [p.name for p in units.iterdir()] == [f"cauce-worker-compras-prod{suffix}"]
        removed = cauce(tmp_path / "home", "worker", "uninstall-service", *args, **overrides)
        assert removed.returncode == 0, removed.stderr
        assert list(units.iterdir()) == []
        if sys.platform == "linux":
            assert calls.read_text().splitlines() == [
                "daemon-reload",
                f"enable {UNIT}",
                f"restart {UNIT}",
                f"disable --now {UNIT}",
                "daemon-reload",
            ]

    def test_print_writes_and_runs_nothing(self, tmp_path: Path) -> None:
        units = tmp_path / "units"
        systemctl, calls = recording_systemctl(tmp_path)
        overrides = {"CAUCE_SERVICE_UNIT_DIR": str(units), "CAUCE_SERVICE_MANAGER": str(systemctl)}
        for command in ("install-service", "uninstall-service"):
            done = cauce(
                tmp_path / "home", "worker", command, "--pool", "p", "--print", **overrides
            )
            assert done.returncode == 0, done.stderr
        assert not units.exists()
        assert not calls.exists()

    def test_uninstall_of_nothing_is_one_line(self, tmp_path: Path) -> None:
        done = cauce(
            tmp_path,
            *("worker", "uninstall-service", "--pool", "p"),
            CAUCE_SERVICE_UNIT_DIR=str(tmp_path / "units"),
            CAUCE_SERVICE_MANAGER="true",
        )
        assert done.returncode == 1
        assert done.stderr.strip() == (
            f"no service file at {tmp_path / 'units' / 'cauce-worker-p'}"
            f"{'.plist' if sys.platform == 'darwin' else '.service'}: nothing to uninstall"
        )

    def test_failing_systemctl_is_one_line(self, tmp_path: Path) -> None:
        done = cauce(
            tmp_path,
            *("worker", "install-service", "--pool", "p"),
            CAUCE_SERVICE_UNIT_DIR=str(tmp_path / "units"),
            CAUCE_SERVICE_MANAGER="false",
        )
        assert done.returncode == 1
        assert len(done.stderr.strip().splitlines()) == 1
        assert "failed (exit status 1)" in done.stderr


class TestBadInput:
    @pytest.mark.parametrize("pool", ["a b", "../etc", "-x", "compras/prod", ""])
    def test_bad_pool_name_is_one_line(self, tmp_path: Path, pool: str) -> None:
        done = cauce(tmp_path, "worker", "install-service", "--pool", pool, "--print")
        assert done.returncode == 1
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "--pool" in done.stderr
        assert done.stdout == ""

    def test_missing_pool_is_one_line(self, tmp_path: Path) -> None:
        done = cauce(tmp_path, "worker", "install-service", "--print")
        assert done.returncode == 1
        assert done.stderr.strip() == (
            "--pool is required: the work pool the service's worker takes runs from"
        )

    def test_bad_worker_name_is_one_line(self, tmp_path: Path) -> None:
        done = cauce(tmp_path, "worker", "uninstall-service", "--pool", "p", "--name", "a;b")
        assert done.returncode == 1
        assert done.stderr.strip().startswith("--name 'a;b': a service's name may hold only")


class TestWindowsCommands:
    """Rendered for win32 on any machine, and held to nssm's documented syntax:
    `nssm install <servicename> <application> [<options>]` and
    `nssm set <servicename> <parameter> <value>`."""

    def test_install_registers_this_command_started_at_boot(self, tmp_path: Path) -> None:
        service = spec(tmp_path)
        commands = install_plan(service, "win32", user=False).commands_after
        assert commands == nssm_install_commands(service)
        install, *sets, start = commands
        assert install == [
            *("nssm", "install", "cauce-worker-compras-prod-w1", r"C:\Python311\python.exe"),
            *("-m", "cauce.cli.main", "worker", "start", "--pool", "compras-prod"),
            *("--name", "w1"),
        ]
        for command in sets:
            program, verb, name, parameter, *values = command
            assert (program, verb, name) == ("nssm", "set", service.name)
            assert parameter in NSSM_PARAMETERS
            assert values, command
        by_parameter = {command[3]: command[4:] for command in sets}
        assert by_parameter["AppDirectory"] == [r"C:\flujos"]
        assert by_parameter["Start"][0] in NSSM_START_VALUES
        assert by_parameter["Start"] == ["SERVICE_AUTO_START"]
        assert by_parameter["AppExit"] == ["Default", "Restart"]
        assert int(by_parameter["AppStopMethodConsole"][0]) > 30_000
        # Each variable its own KEY=VALUE argument, as nssm documents.
        assert f"CAUCE_API_URL={API_URL}" in by_parameter["AppEnvironmentExtra"]
        assert all("=" in pair for pair in by_parameter["AppEnvironmentExtra"])
        assert start == ["nssm", "start", service.name]

    def test_uninstall_stops_and_removes(self, tmp_path: Path) -> None:
        plan = uninstall_plan(spec(tmp_path), "win32", user=False)
        assert plan.path is None
        # Stopping may fail (already stopped); removing must not.
        assert plan.commands_before == [["nssm", "stop", "cauce-worker-compras-prod-w1"]]
        assert plan.commands_after == [
            ["nssm", "remove", "cauce-worker-compras-prod-w1", "confirm"]
        ]

    def test_sc_alternative_starts_at_boot(self, tmp_path: Path) -> None:
        create = sc_install_commands(spec(tmp_path))[0]
        assert create[:3] == ["sc.exe", "create", "cauce-worker-compras-prod-w1"]
        assert create[create.index("start=") + 1] == "auto"
        assert create[create.index("binPath=") + 1].startswith(r"C:\Python311\python.exe -m")


class TestLaunchdPlist:
    def test_plist_runs_at_load_and_is_kept_alive(self, tmp_path: Path) -> None:
        service = spec(tmp_path)
        document = plistlib.loads(render_launchd_plist(service, user=True).encode())
        assert document["Label"] == service.name
        assert document["ProgramArguments"] == list(service.command)
        assert document["RunAtLoad"] is True
        assert document["KeepAlive"] is True
        assert document["WorkingDirectory"] == r"C:\flujos"
        assert document["EnvironmentVariables"]["CAUCE_API_URL"] == API_URL
        assert document["ExitTimeOut"] > 30
        assert "UserName" not in document  # an agent runs as its user already

    def test_daemon_runs_as_the_given_account(self, tmp_path: Path) -> None:
        service = dataclasses.replace(spec(tmp_path), run_as="ana")
        plan = install_plan(service, "darwin", user=False)
        assert plan.path == Path("/Library/LaunchDaemons/cauce-worker-compras-prod-w1.plist")
        assert plan.content is not None
        assert plistlib.loads(plan.content.encode())["UserName"] == "ana"

    def test_user_plist_goes_to_launch_agents(self, tmp_path: Path) -> None:
        plan = install_plan(spec(tmp_path), "darwin", user=True)
        assert plan.path == Path.home() / "Library/LaunchAgents/cauce-worker-compras-prod-w1.plist"
        assert plan.commands_after == [["launchctl", "load", "-w", str(plan.path)]]
