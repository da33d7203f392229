"""A server on PostgreSQL commits concurrent requests' writes together, and a write
that fails among them is rolled back alone, as on SQLite; its pool is sized by a
setting, and a connection the database dropped while idle is replaced unseen."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from cauce.database.connections import PING_AFTER_IDLE_SECONDS
from cauce.database.recording.executors import SqlAlchemyExecutor, StatementExecutor
from cauce.database.recording.writes import flow_id_for_name, history_row
from cauce.ids import new_id
from cauce.server.database import Conflict, ServerDatabase
from cauce.settings import reset_settings
from cauce.states import Running
from tests.conftest import POSTGRES_URL, empty_postgres, use_postgres

pytestmark = pytest.mark.postgres


class Refused(Exception):
    """A request's own error, raised after it wrote."""


def record_flow(name: str) -> Any:
    """A write recording flow `name`, returning the id of its (top-level) transaction."""

    def write(executor: StatementExecutor) -> int:
        flow_id_for_name(executor, name)
        assert isinstance(executor, SqlAlchemyExecutor)
        # On the driver's connection, as the queue's jobs run: in its pipeline mode.
        driver = executor.connection.connection.driver_connection
        assert driver is not None
        (txid,) = driver.execute("SELECT txid_current()").fetchone()
        return int(txid)

    return write


def flow_then_state_of_no_run(executor: StatementExecutor) -> None:
    flow_id_for_name(executor, "conflicting")
    executor.execute("insert_flow_run_state", history_row(Running(), "flow_run_id", new_id()))


def flow_then_error(executor: StatementExecutor) -> None:
    flow_id_for_name(executor, "refused")
    raise Refused("no")


async def write_all(database: ServerDatabase) -> list[Any]:
    return await asyncio.gather(
        database.write(record_flow("first")),
        database.write(flow_then_state_of_no_run),
        database.write(record_flow("second")),
        database.write(flow_then_error),
        database.write(record_flow("third")),
        return_exceptions=True,
    )


def flow_names(database: ServerDatabase) -> list[str]:
    with database.engine.connect() as connection:
        return sorted(connection.execute(text("SELECT name FROM flows")).scalars())


@pytest.fixture
def database() -> Any:
    use_postgres()
    empty_postgres()
    opened = ServerDatabase(POSTGRES_URL)
    try:
        yield opened
    finally:
        opened.close()


@pytest.mark.timeout(60)
def test_concurrent_writes_share_a_transaction_and_a_failing_one_fails_alone(
    database: ServerDatabase,
) -> None:
    first, conflict, second, refused, third = asyncio.run(write_all(database))

    assert isinstance(conflict, Conflict)
    assert "foreign key" in str(conflict)
    assert isinstance(refused, Refused)
    assert flow_names(database) == ["first", "second", "third"]
    # The three that succeeded ran in one transaction, committed once.
    assert isinstance(first, int)
    assert first == second == third


@pytest.mark.timeout(60)
def test_a_lone_failing_write_writes_nothing(database: ServerDatabase) -> None:
    with pytest.raises(Conflict, match="foreign key"):
        asyncio.run(database.write(flow_then_state_of_no_run))
    asyncio.run(database.write(record_flow("after")))

    assert flow_names(database) == ["after"]


@pytest.mark.timeout(60)
def test_a_lone_write_that_raises_after_writing_writes_nothing(database: ServerDatabase) -> None:
    with pytest.raises(Refused):
        asyncio.run(database.write(flow_then_error))
    asyncio.run(database.write(record_flow("after")))

    assert flow_names(database) == ["after"]


@pytest.mark.timeout(60)
def test_a_transaction_ended_by_a_deadlock_runs_again(database: ServerDatabase) -> None:
    for name in ("a", "b"):
        asyncio.run(database.write(record_flow(name)))
    both_hold_one = threading.Barrier(2, timeout=20)
    finished = {"a": threading.Event(), "b": threading.Event()}
    attempts: list[str] = []

    def rename_both(first: str, second: str) -> str:
        """Lock `first`, wait until the other transaction holds `second`, then lock it.
        Run again, wait first for the other to finish, so the two cannot deadlock twice."""

        def rename(connection: Any) -> str:
            attempts.append(first)
            if attempts.count(first) > 1:
                assert finished[second].wait(20)
            rename = text("UPDATE flows SET name = name WHERE name = :name")
            connection.execute(rename, {"name": first})
            if attempts.count(first) == 1:
                both_hold_one.wait()
            connection.execute(rename, {"name": second})
            return first

        try:
            return asyncio.run(database.transaction(rename))
        finally:
            finished[first].set()

    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(rename_both, ("a", "b"), ("b", "a")))

    # PostgreSQL broke the deadlock by ending one of them; that one ran again and passed.
    assert done == ["a", "b"]
    assert sorted(attempts.count(name) for name in ("a", "b")) == [1, 2]


@pytest.mark.timeout(60)
def test_a_heartbeat_leaves_out_a_run_whose_row_another_transaction_holds(
    database: ServerDatabase,
) -> None:
    from datetime import UTC, datetime

    from cauce.database.queries.workers import update_run_heartbeats
    from cauce.orchestration.flow_runs import create_flow_run
    from cauce.schemas.flow_runs import FlowRun
    from cauce.states import Pending

    held, free = new_id(), new_id()
    for run_id in (held, free):
        run = FlowRun(id=run_id, flow_name="latido", name=str(run_id), state=Pending())
        asyncio.run(database.write(lambda executor, run=run: create_flow_run(executor, run, None)))
    beat = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    with database.engine.begin() as holder:
        holder.execute(text("SELECT 1 FROM flow_runs WHERE id = :id FOR UPDATE"), {"id": held})
        with database.engine.begin() as worker:
            worker.execute(text("SET LOCAL lock_timeout = '5s'"))
            update_run_heartbeats(worker, [held, free], {"heartbeat": beat}, skip_locked=True)
    with database.engine.connect() as reader:
        beats = dict(reader.execute(text("SELECT id, heartbeat FROM flow_runs")).all())
    assert beats == {held: None, free: beat}


@pytest.mark.timeout(60)
def test_the_pool_size_is_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    use_postgres()
    empty_postgres()
    monkeypatch.setenv("CAUCE_SERVER_DATABASE_POOL_SIZE", "3")
    reset_settings()
    database = ServerDatabase(POSTGRES_URL)
    try:
        assert database.engine.pool.size() == 3  # type: ignore[attr-defined]
    finally:
        database.close()
        monkeypatch.undo()
        reset_settings()


@pytest.mark.timeout(60)
def test_a_write_after_the_database_dropped_idle_connections_succeeds(
    database: ServerDatabase,
) -> None:
    asyncio.run(database.write(record_flow("before")))
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    time.sleep(PING_AFTER_IDLE_SECONDS + 0.2)

    asyncio.run(database.write(record_flow("after")))

    assert flow_names(database) == ["after", "before"]
