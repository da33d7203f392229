"""Start a framework's API server as a user would, and drive it over HTTP.

`cauce server start` and `prefect server start` each run in a fresh home on a
free port, with their default SQLite database unless a PostgreSQL URL is
given. `ServerApi` says how each framework spells the two requests measured
(create a flow run, set a flow run's state); `load` sends them over keep-alive
HTTP/1.1 connections from one asyncio loop, so the client costs little beside
the server on a small machine.

Process-tree memory is read from /proc (Linux only: the figures are None
elsewhere).
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _harness import Framework, WorkloadError, kill_group
from workloads._workload_support import process_tree_mb

HEALTH_TIMEOUT_S = 120.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_env(
    framework: Framework,
    home: Path,
    database_url: str | None,
    settings: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The server's environment: no framework setting of ours but `settings`, a fresh home."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CAUCE_", "PREFECT_", "BENCH_"))
    }
    # A user's installed package has its bytecode cached; let both write theirs.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env[framework.home_env] = str(home)
    if framework.name == "prefect":
        env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
        if database_url:
            env["PREFECT_API_DATABASE_CONNECTION_URL"] = database_url.replace(
                "postgresql://", "postgresql+asyncpg://", 1
            )
    elif database_url:
        env["CAUCE_API_DATABASE_URL"] = database_url
    env.update(settings or {})
    return env


def server_command(framework: Framework, python: str, port: int, processes: int = 1) -> list[str]:
    """`cauce server start` / `prefect server start` on 127.0.0.1:`port`: the command
    installed beside `python`, as a user types it; `--workers N` for N processes."""
    command = Path(python).parent / framework.name
    started = [str(command), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    if processes > 1:
        started += ["--workers", str(processes)]
    return started


@dataclass
class RunningServer:
    """A server process started by `running_server`."""

    framework: Framework
    process: subprocess.Popen[bytes]
    home: Path
    api_url: str
    start_to_health_s: float
    log_path: Path

    @property
    def sqlite_path(self) -> Path:
        """The server's default SQLite file in its home."""
        return self.home / self.framework.db_file

    def rss_mb(self) -> float | None:
        """Resident memory of the server and its child processes, now."""
        return tree_rss_mb(self.process.pid)


@contextmanager
def running_server(
    framework: Framework,
    python: str,
    home: Path | None = None,
    database_url: str | None = None,
    settings: Mapping[str, str] | None = None,
    processes: int = 1,
) -> Iterator[RunningServer]:
    """Start the server (in `processes` processes) on a free port and wait for
    /api/health; stop it on exit.

    `start_to_health_s` runs from just before the process is spawned to the first
    200 from /api/health. `home` defaults to a fresh directory, deleted after.
    `settings` are environment variables for the server (e.g. a service turned off).
    """
    with tempfile.TemporaryDirectory(prefix=f"bench-server-{framework.name}-") as tmp:
        home = home or Path(tmp) / "home"
        port = free_port()
        log_path = Path(tmp) / "server.log"
        api_url = f"http://127.0.0.1:{port}/api"
        with log_path.open("wb") as log:
            started = time.perf_counter()
            process = subprocess.Popen(
                server_command(framework, python, port, processes),
                env=server_env(framework, home, database_url, settings),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_for_health(process, api_url, log_path)
            server = RunningServer(
                framework, process, home, api_url, time.perf_counter() - started, log_path
            )
            yield server
        finally:
            _stop(process)


def _wait_for_health(process: subprocess.Popen[bytes], api_url: str, log_path: Path) -> None:
    deadline = time.perf_counter() + HEALTH_TIMEOUT_S
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise WorkloadError(f"the server exited with {process.returncode}:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.005)
    raise WorkloadError(f"no healthy /api/health within {HEALTH_TIMEOUT_S:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, then SIGKILL what is left of it (Prefect's
    CLI leaves its uvicorn child behind)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20.0)
    except (ProcessLookupError, PermissionError, subprocess.TimeoutExpired):
        pass
    kill_group(process.pid)
    process.wait()


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").strip().splitlines()[-lines:])


def tree_rss_mb(pid: int) -> float | None:
    """Current RSS of `pid` and all its descendants, summed. None off Linux."""
    return process_tree_mb(pid, "VmRSS")


# --- the requests measured -------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One HTTP request: method, path under the API URL, JSON body."""

    method: str
    path: str
    body: Any = None


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class ServerApi:
    """How a framework's API spells creating a flow run and setting its state."""

    framework: Framework
    flow_id: str | None = None

    def prepare(self, api_url: str) -> None:
        """Prefect needs its flow created first; cauce creates it with the first run."""
        if self.framework.name == "prefect":
            created = _post_json(f"{api_url}/flows/", {"name": "bench-flow"})
            self.flow_id = str(created["id"])

    def create_flow_run(self, i: int) -> Request:
        """A request creating a new Pending flow run."""
        if self.framework.name == "prefect":
            body = {
                "flow_id": self.flow_id,
                "name": f"bench-run-{i}",
                "state": {"type": "PENDING", "name": "Pending"},
            }
            return Request("POST", "/flow_runs/", body)
        run_id = str(uuid.uuid4())
        body = {
            "id": run_id,
            "flow_name": "bench-flow",
            "name": f"bench-run-{i}",
            "state": {"type": "PENDING", "name": "Pending", "timestamp": _now()},
        }
        return Request("POST", "/flow_runs", body)

    def set_running(self, flow_run_id: str) -> Request:
        """A request moving a Pending flow run to Running (allowed by both)."""
        if self.framework.name == "prefect":
            body: dict[str, Any] = {"state": {"type": "RUNNING", "name": "Running"}}
        else:
            state = {"type": "RUNNING", "name": "Running", "timestamp": _now()}
            body = {"state": {**state, "id": str(uuid.uuid4())}}
        return Request("POST", f"/flow_runs/{flow_run_id}/set_state", body)

    def created_id(self, response_body: bytes) -> str:
        """The id of the flow run a create request made."""
        return str(json.loads(response_body)["id"])


def _post_json(url: str, body: Any) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


# --- the load ------------------------------------------------------------------


@dataclass
class LoadResult:
    """What `load` measured: throughput, status codes, failures; `bodies` of the successes."""

    requests: int
    wall_s: float
    statuses: Counter[int]
    transport_errors: int
    bodies: list[bytes]

    @property
    def requests_per_s(self) -> float:
        """Successful requests per second of the whole load."""
        return (self.requests - self.errors) / self.wall_s

    @property
    def errors(self) -> int:
        """Responses that were not a success, plus requests that got no response."""
        failed = sum(n for status, n in self.statuses.items() if not 200 <= status < 300)
        return failed + self.transport_errors

    def figures(self, name: str) -> dict[str, Any]:
        return {
            f"{name}_req_per_s": round(self.requests_per_s, 1),
            f"{name}_errors": self.errors,
            f"{name}_503": self.statuses.get(503, 0),
            f"{name}_statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def load(
    api_url: str, requests: list[Request], clients: int, keep_bodies: bool = False
) -> LoadResult:
    """Send `requests` over `clients` keep-alive connections, each one request at a time."""
    return asyncio.run(_load(api_url, requests, clients, keep_bodies))


async def _load(
    api_url: str, requests: list[Request], clients: int, keep_bodies: bool
) -> LoadResult:
    host_port, _, base_path = api_url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    statuses: Counter[int] = Counter()
    bodies: list[bytes] = []
    errors = 0
    queue = list(reversed(requests))

    async def client() -> None:
        nonlocal errors
        connection = await _HttpConnection.open(host, int(port))
        try:
            while queue:
                request = queue.pop()
                # A kept-alive connection the server dropped fails the next request before
                # the server sees it: that request is sent again once, on a new connection,
                # as HTTP clients do. A second failure is an error.
                for attempt in (1, 2):
                    try:
                        status, body = await connection.send(request, f"/{base_path}", host_port)
                        break
                    except (OSError, asyncio.IncompleteReadError, ValueError):
                        await connection.close()
                        connection = await _HttpConnection.open(host, int(port))
                        if attempt == 2:
                            errors += 1
                else:
                    continue
                statuses[status] += 1
                if keep_bodies and 200 <= status < 300:
                    bodies.append(body)
                if connection.closed_by_server:
                    await connection.close()
                    connection = await _HttpConnection.open(host, int(port))
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall_s = time.perf_counter() - started
    return LoadResult(len(requests), wall_s, statuses, errors, bodies)


class _HttpConnection:
    """The smallest HTTP/1.1 keep-alive client both servers need (Content-Length bodies)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.closed_by_server = False

    @classmethod
    async def open(cls, host: str, port: int) -> "_HttpConnection":
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def send(self, request: Request, base_path: str, host: str) -> tuple[int, bytes]:
        payload = b"" if request.body is None else json.dumps(request.body).encode()
        head = (
            f"{request.method} {base_path}{request.path} HTTP/1.1\r\n"
            f"Host: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n"
        )
        self.writer.write(head.encode() + payload)
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                self.closed_by_server = True
            elif name.lower() == "transfer-encoding":
                raise ValueError("chunked responses are not expected")
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except OSError:
            pass
