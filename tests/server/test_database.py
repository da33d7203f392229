"""The server's database object: what it loads, and reads beside a held write lock."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cauce.database.queries.flows import select_flows
from cauce.database.recording import sqlite_connection
from cauce.database.recording.writes import flow_id_for_name, history_row
from cauce.ids import new_id
from cauce.server.database import Conflict, ServerDatabase
from cauce.states import Running

pytestmark = pytest.mark.embedded_only("opens a SQLite file of its own")

RECORD_THEN_READ = """
import asyncio, sys
from cauce.database.recording.writes import flow_id_for_name, history_row
from cauce.server.database import ServerDatabase

async def main():
    database = ServerDatabase(sys.argv[1])
    await database.write(lambda executor: flow_id_for_name(executor, "etl"))
    print("sqlalchemy" in sys.modules)
    from cauce.database.queries.flows import select_flows
    flows = await database.read(select_flows)
    print([flow.name for flow in flows])
    database.close()

asyncio.run(main())
"""


def test_a_server_on_sqlite_records_without_importing_sqlalchemy(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'cauce.db'}"
    out = subprocess.run(
        [sys.executable, "-c", RECORD_THEN_READ, url], capture_output=True, text=True, check=True
    )
    assert out.stdout.splitlines() == ["False", "['etl']"]


def test_reads_do_not_wait_for_a_writer_holding_the_lock(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'cauce.db'}"
    database = ServerDatabase(url)
    asyncio.run(database.write(lambda executor: flow_id_for_name(executor, "etl")))
    writer = sqlite_connection.connect(url)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        flows = asyncio.run(database.read(select_flows))
        # A read that queued behind the writer would wait out the 60 s busy timeout.
        assert time.monotonic() - started < 10
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        database.close()
    assert [flow.name for flow in flows] == ["etl"]


def test_a_refused_write_is_a_conflict_and_writes_nothing(tmp_path: Path):
    database = ServerDatabase(f"sqlite:///{tmp_path / 'cauce.db'}")

    def flow_then_state_of_no_run(executor):  # type: ignore[no-untyped-def]
        flow_id_for_name(executor, "etl")
        executor.execute("insert_flow_run_state", history_row(Running(), "flow_run_id", new_id()))

    async def attempt() -> None:
        await database.write(flow_then_state_of_no_run)

    try:
        with pytest.raises(Conflict, match="FOREIGN KEY constraint failed"):
            asyncio.run(attempt())
        assert asyncio.run(database.read(select_flows)) == []
    finally:
        database.close()
