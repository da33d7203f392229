"""Run `cauce` as a user does: a flow script in a fresh interpreter, then the command.

`cli(env, *args)` runs `cauce ARGS...` in a fresh interpreter. `recorded` runs
one script per session into its own CAUCE_HOME (a completed flow with a task
and a subflow, then a failing flow) for the tests that only read. Tests that
change the store record their own runs with `record_runs`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cauce.client.factory import reset_client
from cauce.settings import reset_settings

if TYPE_CHECKING:
    from tests.conftest import Store

# A zone far from UTC and without DST, so local times are visibly not UTC times.
LOCAL_ZONE = "Asia/Kolkata"

SCRIPT = """
from cauce import flow, get_run_logger, runtime, task


@task
def mi_tarea(mensaje_tarea: str = ""):
    get_run_logger().info("Hola %s desde la tarea", mensaje_tarea)


@flow
def subflujo():
    print(f"subflow={runtime.flow_run.id}")


@flow
def mi_flujo(mensaje_flujo: str = ""):
    print(f"completed={runtime.flow_run.id}")
    get_run_logger().info("Hola %s desde el flujo", mensaje_flujo)
    mi_tarea(mensaje_flujo)
    subflujo()


@flow
def falla():
    print(f"failed={runtime.flow_run.id}")
    raise ValueError("se rompio [a proposito]")


if __name__ == "__main__":
    mi_flujo("mundo")
    try:
        falla()
    except ValueError:
        pass
"""


def _env(env: dict[str, str]) -> dict[str, str]:
    """This process's environment without its CAUCE_* variables, plus `env`."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    full_env.update(env)
    return full_env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # No terminal, wherever pytest was started: a deleting command asks on one (confirm.py).
    return subprocess.run(
        args, env=_env(env), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60
    )


class Cli:
    """Runs `cauce` in fresh interpreters, as a user's shell would."""

    def __call__(self, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        """`cauce ARGS...` with `env`; its output and exit code."""
        return _run([sys.executable, "-m", "cauce.cli.main", *args], env)

    def start(self, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
        """`cauce ARGS...` started in the background, its stdout and stderr piped."""
        return subprocess.Popen(
            [sys.executable, "-m", "cauce.cli.main", *args],
            env=_env(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def all(
        self, env: dict[str, str], *commands: list[str]
    ) -> list[subprocess.CompletedProcess[str]]:
        """Several independent `cauce` commands at once (each pays its own start-up)."""
        processes = [self.start(env, *args) for args in commands]
        results = []
        for args, process in zip(commands, processes, strict=True):
            stdout, stderr = process.communicate(timeout=60)
            results.append(subprocess.CompletedProcess(args, process.returncode, stdout, stderr))
        return results


@dataclass
class Recorded:
    """Runs recorded by SCRIPT: their ids, its terminal output, and the env to read them."""

    env: dict[str, str]
    completed: str
    subflow: str
    failed: str
    terminal: str


def _record(tmp_path: Path, env: dict[str, str]) -> Recorded:
    """Run SCRIPT with `env` as a user would (`python script.py`) and collect its run ids."""
    script = tmp_path / "flujos.py"
    script.write_text(SCRIPT)
    result = _run([sys.executable, str(script)], env)
    assert result.returncode == 0, result.stderr
    ids = dict(line.split("=", 1) for line in result.stdout.split())
    return Recorded(env, ids["completed"], ids["subflow"], ids["failed"], result.stderr)


@pytest.fixture(scope="session")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """SCRIPT's runs in a SQLite store shared by the tests that only read; TZ is LOCAL_ZONE."""
    tmp_path = tmp_path_factory.mktemp("recorded")
    return _record(tmp_path, {"CAUCE_HOME": str(tmp_path / "home"), "TZ": LOCAL_ZONE})


@pytest.fixture
def start_script() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """`start_script(env, script, *args)`: a script started in the background; killed at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str], script: Path, *args: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, str(script), *args],
            env=_env(env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
        process.wait()


@pytest.fixture
def record_runs(tmp_path: Path) -> Callable[[dict[str, str]], Recorded]:
    """Record SCRIPT's runs with the given env, for a test that needs its own store."""
    return lambda env: _record(tmp_path, env)


@pytest.fixture(scope="session")
def cli() -> Cli:
    """`cli(env, *args)` runs `cauce ARGS...`; `cli.all(env, [...], [...])` runs several at once."""
    return Cli()


@pytest.fixture
def store_env(store: Store, cauce_home: Path) -> dict[str, str]:
    """The env that makes a `cauce` or script subprocess use this test's store."""
    env = {"CAUCE_HOME": str(cauce_home)}
    if store.kind == "postgres":
        env["CAUCE_API_DATABASE_URL"] = store.url
    elif store.over_http:
        env["CAUCE_API_URL"] = store.url
    return env


@pytest.fixture
def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., subprocess.CompletedProcess[str]]]:
    """`run_main(env, *args)`: `cauce ARGS...` through `main()` in this process.

    For the many small variants of a command, where a fresh interpreter per
    case would cost a second each; the user journeys use `cli`.
    """
    from cauce.cli.main import main

    saved_tz = os.environ.get("TZ")
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # Typer replaces it

    def invoke(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        for name in [n for n in os.environ if n.startswith("CAUCE_")]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            if name != "TZ":
                monkeypatch.setenv(name, value)
        _set_tz(env.get("TZ", saved_tz))
        monkeypatch.setattr(sys, "argv", ["cauce", *args])
        reset_settings()
        reset_client()
        try:
            main()
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
        finally:
            reset_client()
            reset_settings()
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out, err)

    yield invoke
    _set_tz(saved_tz)


def _set_tz(zone: str | None) -> None:
    """Make `zone` this process's local timezone (None: the machine's)."""
    if zone is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = zone
    time.tzset()


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a failed command printed on stderr (exit 1, nothing on stdout)."""
    assert result.returncode == 1, result.stdout
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    return line


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A CAUCE_HOME that does not exist yet."""
    return tmp_path / "home"


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    """The environment of a command using `home`."""
    return {"CAUCE_HOME": str(home)}
