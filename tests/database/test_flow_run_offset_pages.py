"""Pages read with an offset (the ids of a page are read first, then its runs) on every
store: filtered by flow, tag and state, in each order, they are the slices of the whole list."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cauce.schemas.flow_runs import FlowRun, FlowRunFilter, FlowRunSort
from cauce.states import Completed, Failed
from tests.conftest import Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def twelve_runs(store: Store) -> None:
    """Runs of two flows, every other one tagged, some failed; four share one microsecond."""
    for n in range(12):
        created = T0 + timedelta(seconds=min(n, 8))
        flow_run = FlowRun(
            id=uuid.UUID(int=(n * 7 % 12 + 1) * 2**100),
            flow_name=("paginar", "otro")[n % 2 if n < 8 else 0],
            name=f"corrida-{n:02d}",
            state=Failed() if n % 3 == 0 else Completed(),
            tags=["etl"] if n % 2 else [],
            created=created,
        )
        store.client.create_flow_run(flow_run, None)


@pytest.mark.parametrize(
    "where",
    [
        FlowRunFilter(),
        FlowRunFilter(flow_name="paginar"),
        FlowRunFilter(tag="etl"),
        FlowRunFilter(state_types=["FAILED"]),
        FlowRunFilter(flow_name="paginar", sort=FlowRunSort.NAME_DESC),
        FlowRunFilter(sort=FlowRunSort.CREATED_ASC),
    ],
    ids=["all", "flow", "tag", "state", "flow-by-name", "oldest-first"],
)
def test_pages_past_an_offset_are_slices_of_the_whole_list(store: Store, where: FlowRunFilter):
    twelve_runs(store)
    everything = [run.name for run in store.client.read_flow_runs(replace(where, limit=100))]
    assert everything
    for offset in range(1, len(everything) + 1):
        page = store.client.read_flow_runs(replace(where, limit=3, offset=offset))
        assert [run.name for run in page] == everything[offset : offset + 3]
