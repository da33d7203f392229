"""HttpClient's failures: an unreachable server, wrong credentials, unknown ids, a restart.

The behaviour suites (tests/engine, tests/orchestration ...) run over HTTP
through the `store` fixture's http param; this module covers what only the
HTTP path has. The restart test is the server issue's acceptance: a server
killed (SIGKILL) mid-run and started again within 30 s loses nothing.
"""

from __future__ import annotations

import signal
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cauce.client.base import ClientError, NotFound
from cauce.client.http import HttpClient
from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.schemas.states import SetStateStatus
from cauce.states import Completed, Pending, StateType
from tests.conftest import Store, free_port, start_server, stop_server
from tests.engine.scripts import RunningScript, write_script


@pytest.mark.http
def test_unreachable_server_is_a_client_error_naming_the_url():
    url = f"http://127.0.0.1:{free_port()}/api"
    client = HttpClient(url, retry_seconds=2)
    started = time.monotonic()
    with pytest.raises(ClientError, match=f"^cannot reach the cauce server at {url}: "):
        client.read_flows()
    assert time.monotonic() - started < 20
    # Once a whole budget went by without an answer, the next request fails at once: well
    # before another budget would have gone by.
    started = time.monotonic()
    with pytest.raises(ClientError, match="cannot reach the cauce server"):
        client.write_batch([], [], [])
    assert time.monotonic() - started < 1
    client.close()


@pytest.fixture(scope="module")
def secured_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server started with CAUCE_API_AUTH_STRING=ana:secreta; its API URL."""
    home = tmp_path_factory.mktemp("secured") / "home"
    port = free_port()
    process = start_server(
        home, port, home.parent / "server.log", CAUCE_API_AUTH_STRING="ana:secreta"
    )
    try:
        yield f"http://127.0.0.1:{port}/api"
    finally:
        stop_server(process)


@pytest.mark.http
class TestCredentials:
    def test_wrong_auth_string_is_rejected_with_a_hint(self, secured_url):
        client = HttpClient(secured_url, "ana:mala")
        pattern = (
            f"^the cauce server at {secured_url} rejected the credentials "
            r"\(check CAUCE_API_AUTH_STRING\)"
        )
        with pytest.raises(ClientError, match=pattern):
            client.read_flows()
        client.close()

    def test_missing_auth_string_is_rejected(self, secured_url):
        client = HttpClient(secured_url)
        with pytest.raises(ClientError, match="rejected the credentials"):
            client.read_flows()
        client.close()

    def test_right_auth_string_is_let_in(self, secured_url):
        client = HttpClient(secured_url, "ana:secreta")
        assert client.read_flows() == []
        client.close()


class TestUnknownIds:
    """The same answers from every client (run over each store, HTTP included)."""

    def test_reading_an_unknown_flow_run_raises_not_found(self, store: Store):
        with pytest.raises(NotFound):
            store.client.read_flow_run(uuid.uuid4())

    def test_deleting_an_unknown_flow_run_raises_not_found(self, store: Store):
        with pytest.raises(NotFound):
            store.client.delete_flow_run(uuid.uuid4())

    def test_setting_the_state_of_an_unknown_flow_run_aborts(self, store: Store):
        result = store.client.set_flow_run_state(uuid.uuid4(), Completed())
        assert (result.status, result.state) == (SetStateStatus.ABORT, None)
        assert result.reason

    def test_unknown_runs_have_no_states_task_runs_or_logs(self, store: Store):
        unknown = uuid.uuid4()
        assert store.client.read_flow_run_states(unknown) == []
        assert store.client.read_task_runs(unknown) == []
        assert store.client.read_task_run_states(unknown) == []
        assert store.client.read_logs(unknown) == []


TASKS = 40

RESTART_SCRIPT = f"""
import sys
import time

from cauce import flow, get_run_logger, task


@task
def paso(i: int) -> int:
    get_run_logger().info("paso %d", i)
    time.sleep(0.1)
    return i


@flow
def larga():
    for i in range({TASKS}):
        paso(i)
        if i == 5:
            print("matar ahora", file=sys.stderr, flush=True)


larga()
"""


@pytest.mark.http
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is a POSIX signal")
def test_server_killed_mid_run_and_restarted_loses_nothing(
    cauce_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    server_home = tmp_path / "server-home"
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log = tmp_path / "server.log"
    server = start_server(server_home, port, log)
    monkeypatch.setenv("CAUCE_API_URL", api_url)
    script = RunningScript(write_script(tmp_path, RESTART_SCRIPT))
    client = HttpClient(api_url)
    try:
        script.wait_for_line("matar ahora")
        server.send_signal(signal.SIGKILL)
        server.wait()
        time.sleep(1)
        assert script.process.poll() is None, "the run ended before the server went down"
        server = start_server(server_home, port, log)
        assert script.finish(timeout=60) == 0, script.stderr
        assert "could not record" not in script.stderr

        [run] = client.read_flow_runs(FlowRunFilter())
        assert run.state.type is StateType.COMPLETED
        task_runs = client.read_task_runs(run.id)
        assert len(task_runs) == TASKS
        assert {t.state.type for t in task_runs} == {StateType.COMPLETED}
        messages = [entry.message for _, entry in client.read_logs(run.id)]
        assert {f"paso {i}" for i in range(TASKS)} <= set(messages)
    finally:
        client.close()
        script.kill()
        stop_server(server)


@pytest.mark.http
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is a POSIX signal")
def test_server_gone_past_the_retry_budget_names_the_run_and_the_code_goes_on(
    cauce_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    server = start_server(tmp_path / "server-home", port, tmp_path / "server.log")
    monkeypatch.setenv("CAUCE_API_URL", api_url)
    monkeypatch.setenv("CAUCE_API_RETRY_TIMEOUT", "1s")
    script = RunningScript(
        write_script(tmp_path, RESTART_SCRIPT + "print('fin', file=sys.stderr)\n")
    )
    try:
        script.wait_for_line("matar ahora")
        server.send_signal(signal.SIGKILL)
        server.wait()
        assert script.finish(timeout=60) == 0, script.stderr
    finally:
        script.kill()
        stop_server(server)
    assert script.stderr.splitlines()[-1] == "fin", script.stderr
    [gone] = [
        line for line in script.stderr.splitlines() if "goes on without being recorded" in line
    ]
    [end] = [line for line in script.stderr.splitlines() if "could not be recorded" in line]
    run_name = gone.split("Flow run '", 1)[1].split("'", 1)[0]
    run_id = gone.split("(id ", 1)[1].split(")", 1)[0]
    assert f"cannot reach the cauce server at {api_url}" in gone
    assert (
        f"Flow run '{run_name}' of flow 'larga' (id {run_id}) finished in state Completed(" in end
    )
    assert "Traceback" not in script.stderr


@pytest.mark.http
@pytest.mark.postgres
def test_a_value_postgresql_cannot_store_is_a_422_naming_it(http_postgres_server, cauce_home):
    http_postgres_server.empty()
    client = HttpClient(http_postgres_server.api_url, retry_seconds=5)
    flow_run = FlowRun(id=uuid.uuid4(), flow_name="nul", name="a\x00b", state=Pending())
    try:
        with pytest.raises(ClientError, match="failed with 422: A value cannot be stored: .*0x00"):
            client.create_flow_run(flow_run, None)
        assert client.read_flow_runs(FlowRunFilter()) == []
    finally:
        client.close()
