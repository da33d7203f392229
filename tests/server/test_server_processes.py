"""`cauce server start --workers N`: N processes answer on one port of a PostgreSQL
server, the services run in one of them, a process that dies is replaced, and SIGTERM
stops them all; on SQLite the option is refused in one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import POSTGRES_URL, free_port, use_postgres


def _server_env(home: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    return {**env, "CAUCE_HOME": str(home), **settings}


def _start_command(port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "cauce.cli.main", "server", "start",
        "--port", str(port), "--workers", str(workers),
    ]  # fmt: skip


def _server_processes(parent: int) -> set[int]:
    """The pids of `parent`'s children that serve requests (not multiprocessing's tracker)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    serving = set()
    for pid in children:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"spawn_main" in command:
            serving.add(int(pid))
    return serving


def _wait_for(condition: object, seconds: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():  # type: ignore[operator]
                return
        except (httpx.TransportError, OSError):
            pass
        time.sleep(0.1)
    printed = f"; the server printed:\n{log.read_text()}" if log else ""
    raise AssertionError(f"not within {seconds} s: {what}{printed}")


@pytest.fixture
def own_database() -> Iterator[str]:
    """A PostgreSQL database of this test's alone: in the shared test database a session's
    server holds the services' lead, and these two processes would both stand by."""
    import psycopg

    use_postgres()
    server, _, name = POSTGRES_URL.rpartition("/")
    name = f"{name}_processes"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_workers_on_sqlite_is_one_line_and_exit_1(cauce_home: Path) -> None:
    result = subprocess.run(
        _start_command(free_port(), 2),
        env=_server_env(cauce_home),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "--workers above 1 needs PostgreSQL (CAUCE_API_DATABASE_URL): SQLite takes one "
        "writer at a time, so more server processes would only wait on each other"
    ]
    assert "cauce server on" not in result.stdout


@pytest.mark.postgres
@pytest.mark.skipif(sys.platform != "linux", reason="reads the process tree from /proc")
@pytest.mark.timeout(240)
def test_two_processes_serve_one_port_lead_once_survive_a_kill_and_stop_on_sigterm(
    cauce_home: Path, tmp_path: Path, own_database: str
) -> None:
    use_postgres()
    port = free_port()
    base = f"http://127.0.0.1:{port}/api"
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            _start_command(port, 2),
            env=_server_env(cauce_home, CAUCE_API_DATABASE_URL=own_database),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for(lambda: len(_server_processes(server.pid)) == 2, 60, "two server processes", log)
        first = _server_processes(server.pid)
        leads, stands_by = "this server runs them (it leads)", "this one stands by"
        _wait_for(
            lambda: leads in log.read_text() and stands_by in log.read_text(),
            90,
            "one process's services leading, the other's standing by",
            log,
        )
        printed = log.read_text()
        assert "(database postgresql://" in printed and ", 2 processes)" in printed
        assert printed.count(leads) == 1, printed

        def create(i: int) -> int:
            body = {"flow_name": "por-procesos", "name": f"run-{i}", "state": {"type": "PENDING"}}
            body["id"] = f"00000000-0000-4000-8000-{i:012d}"
            return httpx.post(f"{base}/flow_runs", json=body, timeout=30).status_code

        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(create, range(40))) == [201] * 40
        listed = httpx.post(f"{base}/flow_runs/filter", json={"limit": 100}, timeout=30).json()
        assert len(listed) == 40

        killed = min(first)
        os.kill(killed, signal.SIGKILL)
        _wait_for(
            lambda: (
                len(_server_processes(server.pid) - first) == 1
                and len(_server_processes(server.pid)) == 2
            ),
            60,
            "the killed process replaced",
        )
        _wait_for(lambda: httpx.get(f"{base}/health", timeout=2).status_code == 200, 30, "health")
        assert create(40) == 201

        serving = _server_processes(server.pid)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        for pid in serving:
            assert not Path(f"/proc/{pid}").exists() or b"zombie" in _status(pid)
    finally:
        # The whole group: a process left behind by a failed assertion must not outlive the test.
        try:
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        server.wait()


def _status(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/status").read_bytes().lower()
    except FileNotFoundError:
        return b"zombie"
