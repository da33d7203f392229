"""`cauce migrate --from-server`: against Prefect 3.9.1's recorded answers, served on loopback.

tests/migrate/recorded/ holds what a real Prefect 3.9.1 server (`prefect server start`,
PREFECT_HOME in a temporary folder) answered to POST /api/{work_pools,deployments,
variables}/filter and GET /api/admin/version, after a process pool, a cron deployment in
America/Argentina/Buenos_Aires, an interval deployment and two variables were created.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cauce.migrate.prefect_server import PrefectServerError, api_url, read
from tests.migrate.test_cli_migrate import _migrate, _run

RECORDED = Path(__file__).with_name("recorded")
FLOW = """\
from cauce import flow


@flow
def ventas(dias: int = 1) -> int:
    return dias
"""


class _Prefect(BaseHTTPRequestHandler):
    """Answers as the recorded Prefect server did; remembers each filter request's body."""

    bodies: list[tuple[str, dict]] = []

    def do_GET(self) -> None:
        self._answer(RECORDED / "version.json" if self.path == "/api/admin/version" else None)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.bodies.append((self.path, body))
        kind = self.path.removeprefix("/api/").removesuffix("/filter")
        recorded = RECORDED / f"{kind}_filter.json"
        if body.get("offset"):  # everything fits on the first page
            self._send(b"[]")
        else:
            self._answer(recorded if recorded.is_file() else None)

    def _answer(self, path: Path | None) -> None:
        if path is None:
            self._send(b'{"detail":"Not Found"}', 404)
        else:
            self._send(path.read_bytes())

    def _send(self, data: bytes, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def prefect_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Prefect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Prefect.bodies = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "flows").mkdir(parents=True)
    (root / "flows" / "ventas.py").write_text(FLOW)
    return root


def _cauce(root: Path, *args: str) -> str:
    env = {"CAUCE_HOME": str(root.parent / "home")}
    result = _run([sys.executable, "-m", "cauce.cli.main", *args], root, env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_read_converts_the_recorded_server(prefect_url):
    contents = read(prefect_url)
    assert contents.version == "3.9.1"
    assert [(p.name, p.concurrency_limit, p.description) for p in contents.pools] == [
        ("local-pool", 3, "Runs on the office machine")
    ]
    by_name = {entry.name: entry for entry in contents.deployments}
    [cron] = by_name["mañanas"].schedules
    assert (cron.cron, cron.timezone) == ("30 8 * * 1-5", "America/Argentina/Buenos_Aires")
    assert by_name["mañanas"].parameters == {"dias": 7}
    assert by_name["mañanas"].tags == ("ventas",)
    [interval] = by_name["cada-hora"].schedules
    assert (interval.interval_seconds, interval.timezone) == (3600.0, "UTC")
    assert {(v.name, json.dumps(v.value), tuple(v.tags)) for v in contents.variables} == {
        ("umbral", "42", ("ventas",)),
        ("destinos", '{"correo": ["a@tienda.ar"], "activo": true}', ()),
    }
    assert {(path, body["limit"], body["offset"]) for path, body in _Prefect.bodies} == {
        ("/api/work_pools/filter", 200, 0),
        ("/api/deployments/filter", 200, 0),
        ("/api/variables/filter", 200, 0),
    }


def test_without_write_it_shows_what_it_would_create(project, prefect_url):
    result = _migrate(project, "--from-server", f"{prefect_url}/api/")
    assert result.returncode == 1, result.stderr  # one deployment's path is not converted
    assert result.stdout.splitlines() == [
        f"Prefect 3.9.1 at {prefect_url}/api: 1 work pool(s), 2 deployment(s), 2 variable(s).",
        "Would create work pool 'local-pool' (process, concurrency limit 3).",
        "Would create deployment 'ventas/cada-hora' in work pool 'local-pool': every 1h (UTC).",
        "Would create deployment 'ventas/mañanas' in work pool 'local-pool': "
        "cron 30 8 * * 1-5 (America/Argentina/Buenos_Aires).",
        'Would set variable \'destinos\' to {"correo": ["a@tienda.ar"], "activo": true}.',
        "Would set variable 'umbral' to 42.",
        f"{prefect_url}/api: deployment 'cada-hora': path: not converted: the code is read "
        "from the migrated folder",
        "Nothing written. Run with --write to create them.",
    ]
    assert "local-pool" not in _cauce(project, "work-pool", "ls")
    assert "umbral" not in _cauce(project, "variable", "ls")


def test_write_creates_pools_deployments_and_variables_in_cauce(project, prefect_url):
    result = _migrate(project, "--write", "--from-server", prefect_url)
    assert result.returncode == 1, result.stderr
    assert "Created deployment 'ventas/mañanas' in work pool 'local-pool'" in result.stdout
    assert "local-pool" in _cauce(project, "work-pool", "ls")
    listed = _cauce(project, "deployment", "ls")
    assert "mañanas" in listed and "cada-hora" in listed
    shown = _cauce(project, "deployment", "inspect", "ventas/mañanas")
    assert "cron 30 8 * * 1-5 (America/Argentina/Buenos_Aires)" in shown
    assert "every 1h (UTC)" in _cauce(project, "deployment", "inspect", "ventas/cada-hora")
    assert json.loads(_cauce(project, "variable", "get", "umbral")) == 42
    assert json.loads(_cauce(project, "variable", "get", "destinos")) == {
        "correo": ["a@tienda.ar"],
        "activo": True,
    }

    again = _migrate(project, "--write", "--from-server", prefect_url)
    assert "Work pool 'local-pool' exists in cauce: kept as it is." in again.stdout
    assert "variable 'umbral': cauce already has it: not overwritten" in again.stdout


def test_a_deployment_whose_code_is_not_here_is_skipped(tmp_path, prefect_url):
    empty = tmp_path / "project"
    empty.mkdir()
    result = _migrate(empty, "--write", "--from-server", prefect_url)
    assert result.returncode == 1
    assert "deployment 'mañanas': not created:" in result.stdout
    assert "Set variable 'umbral' to 42." in result.stdout


def test_a_server_that_does_not_answer_is_one_line_and_exit_2(project):
    result = _migrate(project, "--from-server", "http://127.0.0.1:9")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("http://127.0.0.1:9/api: cannot read it as a Prefect server")
    assert api_url("http://h:4200/") == "http://h:4200/api"
    with pytest.raises(PrefectServerError):
        read("http://127.0.0.1:9", timeout_seconds=5)
