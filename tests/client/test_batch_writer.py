"""The batch writer records everything handed to it, from any thread, by flush or at exit."""

from __future__ import annotations

import os
import sqlite3
import textwrap
import threading
from pathlib import Path

import pytest

from cauce.client.batch_writer import BatchWriter
from cauce.client.embedded import EmbeddedClient
from cauce.ids import new_id
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.logs import LogEntry
from cauce.schemas.task_runs import TaskRun
from cauce.states import Completed, Pending, Running, now_utc
from tests.conftest import run_script


def _client_with_flow_run(tmp_path: Path) -> tuple[EmbeddedClient, FlowRun]:
    client = EmbeddedClient(f"sqlite:///{tmp_path / 'cauce.db'}")
    flow_run = FlowRun(new_id(), "f", "r", Pending(), created=now_utc())
    client.create_flow_run(flow_run, None)
    return client, flow_run


class TestFlush:
    def test_flush_records_task_runs_from_many_threads(self, tmp_path: Path) -> None:
        client, flow_run = _client_with_flow_run(tmp_path)
        writer = BatchWriter(client)

        def produce(prefix: str) -> None:
            for i in range(200):
                task_run = TaskRun(new_id(), flow_run.id, "t", f"{prefix}-{i}", Pending())
                writer.task_run_changed(task_run, task_run.state, None)
                seen, task_run.state = task_run.state.id, Running()
                writer.task_run_changed(task_run, task_run.state, seen)
                seen, task_run.state = task_run.state.id, Completed()
                writer.task_run_changed(task_run, task_run.state, seen)
                writer.log(LogEntry(flow_run.id, task_run.id, "x", 20, f"{prefix}-{i}", now_utc()))

        threads = [threading.Thread(target=produce, args=(f"p{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert writer.flush(timeout=30)
        task_runs = client.read_task_runs(flow_run.id)
        assert len(task_runs) == 800
        assert {t.state.name for t in task_runs} == {"Completed"}
        assert len(client.read_logs(flow_run.id, limit=10_000)) == 800
        writer.close()

    def test_flush_with_nothing_queued_returns_at_once(self, tmp_path: Path) -> None:
        client, _ = _client_with_flow_run(tmp_path)
        assert BatchWriter(client).flush(timeout=0.01)


def test_records_handed_in_before_sys_exit_are_kept(tmp_path: Path) -> None:
    script = tmp_path / "exits.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            from cauce.client.factory import get_batch_writer, get_client
            from cauce.ids import new_id
            from cauce.schemas.flow_runs import FlowRun
            from cauce.schemas.logs import LogEntry
            from cauce.states import Pending, now_utc

            flow_run = FlowRun(new_id(), "f", "r", Pending(), created=now_utc())
            get_client().create_flow_run(flow_run, None)
            writer = get_batch_writer()
            for i in range(500):
                writer.log(LogEntry(flow_run.id, None, "x", 20, f"line {i}", now_utc()))
            sys.exit(3)
            """
        )
    )
    result = run_script(script, {"CAUCE_HOME": str(tmp_path / "home")})
    assert result.returncode == 3, result.stderr
    database = sqlite3.connect(tmp_path / "home" / "cauce.db")
    assert database.execute("SELECT count(*) FROM logs").fetchone() == (500,)


def test_a_row_that_cannot_be_written_loses_only_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client, flow_run = _client_with_flow_run(tmp_path)
    writer = BatchWriter(client)
    for i in range(5):
        writer.log(LogEntry(flow_run.id, None, "x", 20, f"kept {i}", now_utc()))
    # A log line of a flow run that does not exist breaks the foreign key.
    writer.log(LogEntry(new_id(), None, "x", 20, "orphan", now_utc()))
    assert writer.flush(timeout=30)
    assert [e.message for _, e in client.read_logs(flow_run.id)] == [f"kept {i}" for i in range(5)]
    assert "could not record 0 task-run states and 1 log lines" in capsys.readouterr().err


def test_a_client_keeps_recording_after_the_database_is_reset(tmp_path: Path) -> None:
    from cauce.database.connections import create_engine, reset_schema

    client, _ = _client_with_flow_run(tmp_path)
    engine = create_engine(client.database_url)
    reset_schema(engine)  # what `cauce server database reset` does
    engine.dispose()
    flow_run = FlowRun(new_id(), "f", "again", Pending(), created=now_utc())
    client.create_flow_run(flow_run, None)
    assert client.read_flow_run(flow_run.id).name == "again"


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_batches_from_many_threads_share_one_connection(tmp_path: Path) -> None:
    # A mapped task's pool thread that fills a batch writes it: threads come and go,
    # connections must not pile up with them.
    client, flow_run = _client_with_flow_run(tmp_path)
    database = str(tmp_path / "cauce.db")

    def write(n: int) -> None:
        client.write_batch([], [], [LogEntry(flow_run.id, None, "x", 20, f"{n}", now_utc())])

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    opened = [fd for fd in Path("/proc/self/fd").iterdir() if os.path.realpath(fd) == database]
    assert len(opened) == 2  # the one creating the flow run, and the batches'
    assert len(client.read_logs(flow_run.id)) == 8
    client.close()
