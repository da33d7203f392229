"""The dashboard's one aggregate query: runs counted per bucket (in the server's zone) and
state type, on the embedded stores (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection

from cauce.database.queries.dashboard import bucket_edges, count_runs_by_bucket
from cauce.schemas.flow_runs import FlowRun
from cauce.states import Completed, Failed, State
from tests.conftest import Store

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.embedded_only("the query reads the database itself, not an API"),
]

ZONE = "America/Argentina/Buenos_Aires"  # -03:00 all year
NOW = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)  # 09:30 in Buenos Aires


def record(store: Store, created: datetime, state: State) -> None:
    run = FlowRun(id=uuid.uuid4(), flow_name="contar", name="r", state=state, created=created)
    store.client.create_flow_run(run, None)


@pytest.fixture
def connection(store: Store) -> Iterator[Connection]:
    from cauce.database.connections import create_engine

    store.flush()
    engine = create_engine(store.url)
    try:
        with engine.connect() as opened:
            yield opened
    finally:
        engine.dispose()


def at(hour: int, minute: int = 0, second: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


def test_hourly_edges_are_local_hours_ending_after_now():
    edges = bucket_edges(NOW, ZONE, timedelta(hours=1), 24)
    assert len(edges) == 25
    assert edges[-1] == at(13)  # 10:00 in Buenos Aires: the last bucket holds 09:30
    assert edges[0] == at(13, day=1) - timedelta(hours=24)
    assert edges[-2].astimezone(ZoneInfo(ZONE)).strftime("%H:%M %z") == "09:00 -0300"


def test_six_hour_edges_fall_on_00_06_12_18_of_the_servers_wall_clock():
    edges = bucket_edges(NOW, ZONE, timedelta(hours=6), 28)
    assert len(edges) == 29
    local = [edge.astimezone(ZoneInfo(ZONE)) for edge in edges]
    assert {moment.hour for moment in local} == {0, 6, 12, 18}
    assert local[-2].strftime("%Y-%m-%d %H:%M") == "2026-03-01 06:00"
    # Madrid moves its clock on 2026-03-29: 6-hour edges stay at 00/06/12/18 there too.
    madrid = bucket_edges(at(12, day=31), "Europe/Madrid", timedelta(hours=6), 28)
    assert {edge.astimezone(ZoneInfo("Europe/Madrid")).hour for edge in madrid} == {0, 6, 12, 18}


def test_runs_land_in_their_bucket_by_state_type_and_outside_runs_are_not_counted(
    store: Store, request: pytest.FixtureRequest
):
    record(store, at(12, 10), Completed())
    record(store, at(12, 29), Completed())
    record(store, at(12), Failed())  # 09:00 local exactly: the last bucket's first instant
    record(store, at(11, 59, 59), Failed())  # 08:59:59 local: the bucket before
    record(store, at(13, day=1) - timedelta(hours=24, seconds=1), Completed())  # too old
    record(store, at(13), Completed())  # the last edge is exclusive
    connection = request.getfixturevalue("connection")
    edges = bucket_edges(NOW, ZONE, timedelta(hours=1), 24)
    counts = count_runs_by_bucket(connection, edges)
    assert counts == {(23, "COMPLETED"): 2, (23, "FAILED"): 1, (22, "FAILED"): 1}


def test_six_hour_buckets_split_at_the_local_edge(store: Store, request: pytest.FixtureRequest):
    record(store, at(8, 59), Failed())  # 05:59 local
    record(store, at(9), Failed())  # 06:00 local
    record(store, at(3, day=1) - timedelta(days=1), Completed())  # 2026-02-28 00:00 local
    connection = request.getfixturevalue("connection")
    edges = bucket_edges(NOW, ZONE, timedelta(hours=6), 28)
    counts = count_runs_by_bucket(connection, edges)
    assert counts == {(27, "FAILED"): 1, (26, "FAILED"): 1, (22, "COMPLETED"): 1}
