"""Shared fixtures: a fresh CAUCE_HOME per test, and the store on SQLite, PostgreSQL or HTTP.

`store` is parametrised: every test using it runs once on a fresh SQLite file,
once on the local PostgreSQL (tables emptied first), which is skipped with
the reason when no server answers on 127.0.0.1:5432, and twice over HTTP: on a
`cauce server start` subprocess shared by the session with its own SQLite
file, and on one whose database is that PostgreSQL (tables emptied first;
CAUCE_API_URL points at the server, so scripts the test runs record over HTTP
too). `-m "not http"` leaves the last two out.

With CAUCE_TEST_REQUIRE_POSTGRES=1 (CI sets it) an unusable PostgreSQL is no skip:
the session stops before the first test, with one line naming the cause.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cauce.client.base import CauceClient
from cauce.client.factory import get_batch_writer, get_client, reset_client
from cauce.settings import reset_settings

SERVER_URL = os.environ.get("CAUCE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
# Each test session gets a database of its own, so that two sessions on one server
# (two developers, or CI beside a developer) never empty each other's tables.
POSTGRES_URL = f"{SERVER_URL.rsplit('/', 1)[0]}/cauce_test_{os.getpid()}"
_postgres_problem: str | None = None
# pytest-xdist's workers export an 80x24 terminal: the CLI run by a test would cut its
# tables to it instead of the width piped output gets.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)
_postgres_checked = False


def postgres_unavailable() -> str | None:
    """Why the test PostgreSQL cannot be used, or None once this session's database exists."""
    global _postgres_checked, _postgres_problem
    if not _postgres_checked:
        _postgres_checked = True
        try:
            import psycopg

            with psycopg.connect(SERVER_URL, connect_timeout=3, autocommit=True) as connection:
                name = POSTGRES_URL.rsplit("/", 1)[1]
                connection.execute(f"DROP DATABASE IF EXISTS {name}")
                connection.execute(f"CREATE DATABASE {name}")
            atexit.register(_drop_session_database)
        except Exception as exc:
            cause = " ".join(str(exc).split()) or type(exc).__name__
            _postgres_problem = f"PostgreSQL not usable at {SERVER_URL}: {cause}"
    return _postgres_problem


def use_postgres() -> None:
    """Skip this test, saying why, when the test PostgreSQL cannot be used."""
    problem = postgres_unavailable()
    if problem:
        pytest.skip(problem)


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CAUCE_TEST_REQUIRE_POSTGRES", "") not in ("", "0"):
        problem = postgres_unavailable()
        if problem:
            raise pytest.UsageError(f"CAUCE_TEST_REQUIRE_POSTGRES is set: {problem}")


def _drop_session_database() -> None:
    import psycopg

    from cauce.client.factory import reset_client

    reset_client()
    try:
        with psycopg.connect(SERVER_URL, connect_timeout=3, autocommit=True) as connection:
            name = POSTGRES_URL.rsplit("/", 1)[1]
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except Exception:
        pass  # a database left behind is dropped by the next session with this pid


def empty_postgres() -> None:
    """Bring the test database to the current schema and delete every row."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from cauce.database.connections import create_engine, ensure_schema
    from cauce.database.tables import metadata

    engine = create_engine(POSTGRES_URL)
    ensure_schema(engine)
    names = ", ".join(t.name for t in metadata.sorted_tables)
    # The session's server on this database reads these tables in its services: a
    # TRUNCATE that deadlocks with one of those reads is made again.
    try:
        for attempt in range(3):
            try:
                with engine.begin() as connection:
                    connection.execute(text(f"TRUNCATE {names} CASCADE"))
                break
            except OperationalError as exc:
                if "deadlock detected" not in str(exc) or attempt == 2:
                    raise
    finally:
        engine.dispose()


@dataclass
class _LoggerState:
    handlers: list[logging.Handler]
    level: int
    propagate: bool
    disabled: bool

    @classmethod
    def of(cls, logger: logging.Logger) -> _LoggerState:
        return cls(logger.handlers[:], logger.level, logger.propagate, logger.disabled)

    def put_back(self, logger: logging.Logger) -> None:
        logger.handlers[:] = self.handlers
        logger.level, logger.propagate, logger.disabled = self.level, self.propagate, self.disabled


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Every test leaves stdlib logging (every logger's handlers, level, propagation) and
    cauce's record of its own setup as it found them, so no test depends on another's."""
    import cauce.logging.config as logging_config

    def loggers() -> dict[str, logging.Logger]:
        found = {
            name: logger
            for name, logger in logging.root.manager.loggerDict.items()
            if isinstance(logger, logging.Logger)
        }
        return {**found, "": logging.root}

    before = {name: _LoggerState.of(logger) for name, logger in loggers().items()}
    installed = logging_config._installed_handlers
    yield
    new_logger = _LoggerState([], logging.NOTSET, True, False)
    for name, logger in loggers().items():
        state = before.get(name, new_logger)
        if _LoggerState.of(logger) != state:
            state.put_back(logger)
    logging_config._installed_handlers = installed


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(home: Path, port: int, log: Path, **env: str) -> subprocess.Popen[bytes]:
    """`cauce server start --port PORT` on `home`, answering /api/health; its output in `log`."""
    import httpx

    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    full_env.update({"CAUCE_HOME": str(home), **env})
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "cauce.cli.main", "server", "start", "--port", str(port)],
            env=full_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited before answering:\n{log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    raise AssertionError(f"no answer from the server on port {port}:\n{log.read_text()}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, and SIGKILL if the server has not stopped within 10 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# The session's servers are shared by tests that run the scheduler's core at a time of
# their own choosing; a pass of the servers' own at the real time would change their runs
# (Late) in between. Deployments still get their runs when applied; the scheduler service
# is tested with servers of its own (tests/server/test_scheduler_service.py).
QUIET_SCHEDULER = {"CAUCE_SERVER_SCHEDULER_INTERVAL": "1000h"}


@dataclass
class HttpServer:
    """The session's `cauce server start`: its API URL and its SQLite file."""

    api_url: str
    database_url: str

    def empty(self) -> None:
        """Delete every row, children first (TRUNCATE is not SQLite)."""
        from sqlalchemy import text

        from cauce.database.connections import create_engine
        from cauce.database.tables import metadata

        engine = create_engine(self.database_url)
        with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                connection.execute(text(f"DELETE FROM {table.name}"))
        engine.dispose()


@pytest.fixture(scope="session")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """A `cauce server start` subprocess for the session, on its own CAUCE_HOME."""
    home = tmp_path_factory.mktemp("http-server") / "home"
    port = free_port()
    process = start_server(home, port, home.parent / "server.log", **QUIET_SCHEDULER)
    try:
        yield HttpServer(f"http://127.0.0.1:{port}/api", f"sqlite:///{home / 'cauce.db'}")
    finally:
        stop_server(process)


@pytest.fixture(scope="session")
def http_postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """A `cauce server start` subprocess for the session on the test PostgreSQL database."""
    use_postgres()
    empty_postgres()
    home = tmp_path_factory.mktemp("http-postgres-server") / "home"
    port = free_port()
    log = home.parent / "server.log"
    process = start_server(home, port, log, CAUCE_API_DATABASE_URL=POSTGRES_URL, **QUIET_SCHEDULER)
    try:
        yield HttpServer(f"http://127.0.0.1:{port}/api", POSTGRES_URL)
    finally:
        stop_server(process)


@pytest.fixture
def cauce_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh, empty CAUCE_HOME with no server and no database URL configured."""
    home = tmp_path / "cauce-home"
    for name in list(os.environ):
        if name.startswith("CAUCE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CAUCE_HOME", str(home))
    reset_settings()
    reset_client()
    yield home
    reset_client()
    reset_settings()


@dataclass
class Store:
    """Which database a test records to, and the client reading it.

    `url` is the database URL, or for kinds "http" and "http-postgres" the server's API URL.
    """

    kind: str
    url: str
    client: CauceClient

    @property
    def over_http(self) -> bool:
        """Whether runs are recorded through a server (on SQLite or on PostgreSQL)."""
        return self.kind.startswith("http")

    def flush(self) -> None:
        get_batch_writer().flush()


STORE_KINDS = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("http", marks=pytest.mark.http),
    pytest.param("http-postgres", marks=[pytest.mark.http, pytest.mark.postgres]),
]


@pytest.fixture(params=STORE_KINDS)
def store(
    request: pytest.FixtureRequest, cauce_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Store:
    """The run store of this test: SQLite under CAUCE_HOME, the local PostgreSQL, or HTTP
    to a server on SQLite or on PostgreSQL."""
    only = request.node.get_closest_marker("store_kinds")
    if only is not None and request.param not in only.args[1:]:
        pytest.skip(f"on {', '.join(only.args[1:])} only: {only.args[0]}")
    if request.param.startswith("http"):
        embedded_only = request.node.get_closest_marker("embedded_only")
        if embedded_only is not None:
            pytest.skip(f"embedded only: {embedded_only.args[0]}")
        server: HttpServer = request.getfixturevalue(f"{request.param.replace('-', '_')}_server")
        server.empty()
        monkeypatch.setenv("CAUCE_API_URL", server.api_url)
        url = server.api_url
    elif request.param == "postgres":
        use_postgres()
        empty_postgres()
        monkeypatch.setenv("CAUCE_API_DATABASE_URL", POSTGRES_URL)
        url = POSTGRES_URL
    else:
        url = f"sqlite:///{cauce_home / 'cauce.db'}"
    reset_settings()
    reset_client()
    return Store(request.param, url, get_client())


def json_printed_by(code: str) -> Any:
    """Run `code` in a fresh interpreter (what it imports is its own); the JSON value of the
    last line it prints."""
    import json

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return json.loads(out.splitlines()[-1])


def run_script(
    script: Path, env: dict[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run a Python script as a user would, in a fresh interpreter; its output and exit code."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, str(script), *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=script.parent,
    )
