"""A write PostgreSQL ends to let another through (a deadlock's victim, a serialization
conflict) is rolled back whole, so the request is answered 503 with Retry-After: the
client sends it again (cauce's HttpClient retries a 503) instead of failing on a 500."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from cauce.settings import get_settings, reset_settings
from tests.server.conftest import flow_run_body, open_api

pytestmark = pytest.mark.anyio

# Real PostgreSQL, made to end a transaction as it ends a deadlock's victim: the insert
# of a flow run of the flow "victim" raises deadlock_detected (40P01).
ENDED_AS_A_DEADLOCK = """
CREATE FUNCTION end_as_a_deadlock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM flows WHERE id = NEW.flow_id AND name = 'victim') THEN
        RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ended_as_a_deadlock BEFORE INSERT ON flow_runs
    FOR EACH ROW EXECUTE FUNCTION end_as_a_deadlock();
CREATE FUNCTION end_as_a_conflict() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('conflict_attempts');  -- a sequence: not rolled back
    RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001';
END $$;
CREATE SEQUENCE conflict_attempts;
CREATE TRIGGER ended_as_a_conflict BEFORE INSERT ON work_pools
    FOR EACH ROW WHEN (NEW.name = 'victim') EXECUTE FUNCTION end_as_a_conflict();
"""


@pytest.fixture
def deadlocking_database(own_postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with psycopg.connect(own_postgres_url, autocommit=True) as connection:
        connection.execute(ENDED_AS_A_DEADLOCK)
    monkeypatch.setenv("CAUCE_API_DATABASE_URL", own_postgres_url)
    reset_settings()
    try:
        yield own_postgres_url
    finally:
        reset_settings()


def _runs_of(url: str, flow_name: str) -> int:
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM flow_runs JOIN flows ON flows.id = flow_runs.flow_id "
            "WHERE flows.name = %s",
            (flow_name,),
        ).fetchone()
    assert row is not None
    return int(row[0])


async def test_a_write_ended_to_let_another_through_is_a_503_to_send_again(
    deadlocking_database: str,
) -> None:
    async with open_api(get_settings()) as client:
        ended = await client.post("/api/flow_runs", json=flow_run_body(flow_name="victim"))
        assert ended.status_code == 503, ended.text
        assert ended.headers["retry-after"] == "1"
        assert ended.json()["detail"].startswith(
            "The database ended this write to let another through; send it again:"
        )
        # Nothing of it stays, and the server goes on writing.
        assert _runs_of(deadlocking_database, "victim") == 0
        kept = await client.post("/api/flow_runs", json=flow_run_body(flow_name="survivor"))
        assert kept.status_code == 201, kept.text
        assert _runs_of(deadlocking_database, "survivor") == 1


async def test_a_transaction_ended_every_time_is_run_three_times_then_a_503(
    deadlocking_database: str,
) -> None:
    # The routes that run a transaction of their own run it again twice first: a
    # serialization conflict (40001) ends it every time here.
    async with open_api(get_settings()) as client:
        ended = await client.post("/api/work_pools", json={"name": "victim"})
        assert ended.status_code == 503, ended.text
        kept = await client.post("/api/work_pools", json={"name": "survivor"})
        assert kept.status_code == 201, kept.text
    with psycopg.connect(deadlocking_database) as connection:
        attempts = connection.execute("SELECT last_value FROM conflict_attempts").fetchone()
        pools = connection.execute("SELECT name FROM work_pools ORDER BY name").fetchall()
    assert attempts == (3,)
    assert pools == [("survivor",)]
