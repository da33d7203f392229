"""Reading flow runs in an order: by creation, start time or name, on every store."""

from __future__ import annotations

import uuid

import pytest

from cauce.schemas.flow_runs import FlowRun, FlowRunFilter, FlowRunSort
from cauce.states import Pending, Running
from tests.conftest import Store


def record(store: Store, name: str) -> uuid.UUID:
    flow_run = FlowRun(id=uuid.uuid4(), flow_name="ordenar", name=name, state=Pending())
    store.client.create_flow_run(flow_run, None)
    return flow_run.id


@pytest.fixture
def three_runs(store: Store) -> Store:
    """Created in the order b, c, a; c started before a; b never started."""
    ids = {name: record(store, name) for name in ("b", "c", "a")}
    for name in ("c", "a"):
        store.client.set_flow_run_state(ids[name], Running())
    return store


@pytest.mark.parametrize(
    ("sort", "names"),
    [
        (FlowRunSort.CREATED_DESC, ["a", "c", "b"]),
        (FlowRunSort.CREATED_ASC, ["b", "c", "a"]),
        (FlowRunSort.START_TIME_DESC, ["a", "c", "b"]),
        (FlowRunSort.START_TIME_ASC, ["c", "a", "b"]),
        (FlowRunSort.NAME_ASC, ["a", "b", "c"]),
        (FlowRunSort.NAME_DESC, ["c", "b", "a"]),
        # None is waiting to start: newest first, as on a tie.
        (FlowRunSort.NEXT_SCHEDULED_START_TIME_ASC, ["a", "c", "b"]),
    ],
)
def test_flow_runs_are_read_in_the_order_asked(three_runs: Store, sort: FlowRunSort, names):
    runs = three_runs.client.read_flow_runs(FlowRunFilter(sort=sort))
    assert [run.name for run in runs] == names


def test_the_default_order_is_newest_first_and_pages_follow_it(three_runs: Store):
    first = three_runs.client.read_flow_runs(FlowRunFilter(limit=2))
    rest = three_runs.client.read_flow_runs(FlowRunFilter(limit=2, offset=2))
    assert [run.name for run in first + rest] == ["a", "c", "b"]
