"""A failing command prints one line on stderr and exits 1; --debug shows the traceback.

The cases a user meets first (bad ids, --debug) run in a fresh interpreter
(`cli`); the rest run through `main()` in this process (`run_main`).
"""

from __future__ import annotations

import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import free_port


def _one_line_error(result) -> str:
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    return line


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"CAUCE_HOME": str(tmp_path / "home")}


class _Unavailable(BaseHTTPRequestHandler):
    """Answers every request 503, as a server behind a proxy that is still starting."""

    def _answer(self) -> None:
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def unavailable_url() -> Iterator[str]:
    """The API URL of a server that answers every request with 503."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Unavailable)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class TestRunIds:
    def test_unknown_id(self, cli, recorded):
        missing = uuid.uuid4()
        result = cli(recorded.env, "flow-run", "inspect", str(missing))
        assert _one_line_error(result) == f"Flow run {missing} not found"

    def test_malformed_id(self, cli, env):
        result = cli(env, "flow-run", "inspect", "abc")
        assert _one_line_error(result) == "'abc' is not a valid flow run id"

    @pytest.mark.parametrize("verb", ["logs", "delete"])
    def test_malformed_id_for_every_verb(self, run_main, env, verb):
        result = run_main(env, "flow-run", verb, "abc")
        assert _one_line_error(result) == "'abc' is not a valid flow run id"

    @pytest.mark.parametrize("verb", ["logs", "delete"])
    def test_unknown_id_for_every_verb(self, run_main, recorded, verb):
        missing = uuid.uuid4()
        result = run_main(recorded.env, "flow-run", verb, str(missing))
        assert _one_line_error(result) == f"Flow run {missing} not found"


class TestDebug:
    def test_debug_option_shows_the_traceback(self, cli, env):
        result = cli(env, "--debug", "flow-run", "inspect", "abc")
        assert result.returncode == 1
        assert result.stderr.startswith("Traceback (most recent call last):")
        assert result.stderr.rstrip().endswith("CliError: 'abc' is not a valid flow run id")

    def test_debug_env_var_shows_the_traceback(self, cli, recorded):
        env = {**recorded.env, "CAUCE_DEBUG": "1"}
        result = cli(env, "flow-run", "inspect", str(uuid.uuid4()))
        assert result.returncode == 1
        assert "Traceback (most recent call last):" in result.stderr
        assert "NotFound: Flow run" in result.stderr


class TestSettingsAndDatabase:
    def test_postgres_that_does_not_answer(self, run_main, env):
        url = "postgresql://cauce:secret@127.0.0.1:1/nothing"
        result = run_main({**env, "CAUCE_API_DATABASE_URL": url}, "flow-run", "ls")
        line = _one_line_error(result)
        assert line.startswith(
            "Could not use the database at postgresql://cauce:***@127.0.0.1:1/nothing: "
        )
        assert "secret" not in line

    def test_bad_setting(self, run_main, env):
        result = run_main({**env, "CAUCE_LOGGING_LEVEL": "LOUD"}, "flow-run", "ls")
        assert _one_line_error(result).startswith("CAUCE_LOGGING_LEVEL: expected DEBUG, INFO")

    def test_refused_connection_fails_at_once_naming_the_url(self, cli, env):
        url = f"http://127.0.0.1:{free_port()}/api"
        started = time.monotonic()
        result = cli({**env, "CAUCE_API_URL": url}, "flow-run", "ls")
        elapsed = time.monotonic() - started
        assert f"cannot reach the cauce server at {url}: " in _one_line_error(result)
        # Not retried: the default budget is 30 s (the margin is for a loaded machine).
        assert elapsed < 10, f"a refused connection took {elapsed:.1f}s to report"

    def test_server_answering_503_is_retried_for_the_budget_and_said_once(
        self, cli, env, unavailable_url
    ):
        started = time.monotonic()
        result = cli(
            {**env, "CAUCE_API_URL": unavailable_url, "CAUCE_API_RETRY_TIMEOUT": "5s"}, "flow", "ls"
        )
        # 5 s, not the default 30 s (the margin is for a loaded machine).
        assert 2 < time.monotonic() - started < 20, "the retry budget was not the setting's"
        assert result.returncode == 1
        [warning, error] = result.stderr.splitlines()
        assert warning.startswith(f"The cauce server at {unavailable_url} is not answering (503")
        assert "retrying for up to 5s" in warning
        assert error.startswith(f"cannot reach the cauce server at {unavailable_url}: 503")

    def test_postgresql_without_its_driver(self, run_main, env, monkeypatch):
        monkeypatch.setitem(sys.modules, "psycopg", None)  # as if not installed
        url = "postgresql://cauce@127.0.0.1:5432/cauce"
        result = run_main({**env, "CAUCE_API_DATABASE_URL": url}, "flow", "ls")
        assert _one_line_error(result) == (
            "CAUCE_API_DATABASE_URL: PostgreSQL needs the psycopg driver: "
            "pip install 'cauce[postgres]'"
        )

    def test_sqlite_file_that_is_not_a_database(self, run_main, env, tmp_path):
        home = tmp_path / "home"
        home.mkdir()
        (home / "cauce.db").write_bytes(b"not a database, just some bytes" * 100)
        result = run_main(env, "flow", "ls")
        assert _one_line_error(result) == (
            f"Could not use the database at sqlite:///{home}/cauce.db: file is not a database"
        )

    def test_home_that_is_a_file(self, run_main, tmp_path):
        home = tmp_path / "home"
        home.write_text("")
        result = run_main({"CAUCE_HOME": str(home)}, "flow-run", "ls")
        assert _one_line_error(result).startswith("Could not use the database at sqlite:///")
