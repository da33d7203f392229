"""Filtering flow runs by tag, name, expected start time, and keyset paging, on every store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.states import Pending
from tests.conftest import Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def record(
    store: Store,
    name: str,
    *,
    flow_name: str = "filtrar",
    tags: list[str] | None = None,
    created: datetime | None = None,
    run_id: uuid.UUID | None = None,
) -> FlowRun:
    flow_run = FlowRun(
        id=run_id or uuid.uuid4(),
        flow_name=flow_name,
        name=name,
        state=Pending(),
        tags=tags or [],
        created=created or datetime.now(UTC),
    )
    store.client.create_flow_run(flow_run, None)
    return flow_run


def names(store: Store, where: FlowRunFilter) -> list[str]:
    return [run.name for run in store.client.read_flow_runs(where)]


def test_a_tag_matches_only_runs_carrying_exactly_that_tag(store: Store):
    record(store, "solo-a", tags=["a"])
    record(store, "solo-ab", tags=["ab"])
    record(store, "ambas", tags=["x", "ab", "a"])
    record(store, "comillas", tags=['a"b', "a%"])
    record(store, "ninguna")
    assert sorted(names(store, FlowRunFilter(tag="a"))) == ["ambas", "solo-a"]
    assert sorted(names(store, FlowRunFilter(tag="ab"))) == ["ambas", "solo-ab"]
    assert names(store, FlowRunFilter(tag='a"b')) == ["comillas"]
    assert names(store, FlowRunFilter(tag="a%")) == ["comillas"]
    assert names(store, FlowRunFilter(tag="b")) == []


def test_name_like_is_a_case_insensitive_substring_with_wildcards_taken_literally(store: Store):
    record(store, "Gran-Zorro")
    record(store, "zorrito")
    record(store, "perro")
    record(store, "100%_listo")
    assert sorted(names(store, FlowRunFilter(name_like="ZORR"))) == ["Gran-Zorro", "zorrito"]
    assert names(store, FlowRunFilter(name_like="%_")) == ["100%_listo"]
    assert names(store, FlowRunFilter(name_like="_")) == ["100%_listo"]
    assert names(store, FlowRunFilter(name_like="gato")) == []


def test_the_start_range_includes_its_start_and_excludes_its_end(store: Store):
    for hour in range(4):
        record(store, f"h{hour}", created=T0 + timedelta(hours=hour))
    start, end = T0 + timedelta(hours=1), T0 + timedelta(hours=3)
    assert names(store, FlowRunFilter(start_after=start, start_before=end)) == ["h2", "h1"]
    assert names(store, FlowRunFilter(start_after=start)) == ["h3", "h2", "h1"]
    assert names(store, FlowRunFilter(start_before=start)) == ["h0"]
    # A time in another zone means the same instant.
    elsewhere = start.astimezone(datetime.now().astimezone().tzinfo)
    assert names(store, FlowRunFilter(start_after=elsewhere, start_before=end)) == ["h2", "h1"]


def test_filters_combine(store: Store):
    record(store, "uno", flow_name="f1", tags=["a"], created=T0)
    record(store, "dos", flow_name="f1", tags=["b"], created=T0)
    record(store, "tres", flow_name="f2", tags=["a"], created=T0)
    where = FlowRunFilter(flow_name="f1", tag="a", name_like="U", start_after=T0)
    assert names(store, where) == ["uno"]


def seven_runs(store: Store) -> list[uuid.UUID]:
    """Seven runs, newest first; three share one microsecond, so their ids break the tie."""
    ids = [uuid.UUID(int=n * 2**100) for n in (9, 2, 5)]
    for index, created in enumerate([T0, T0 + timedelta(seconds=1), T0 + timedelta(seconds=2)]):
        record(store, f"antes-{index}", created=created)
    for index, run_id in enumerate(ids):
        record(store, f"mismo-{index}", created=T0 + timedelta(seconds=3), run_id=run_id)
    record(store, "ultimo", created=T0 + timedelta(seconds=4))
    return [run.id for run in store.client.read_flow_runs(FlowRunFilter())]


def test_keyset_pages_of_three_over_seven_runs_give_each_once_in_order(store: Store):
    everything = seven_runs(store)
    assert len(everything) == 7
    pages: list[list[uuid.UUID]] = []
    cursor = None
    while True:
        page = store.client.read_flow_runs(FlowRunFilter(limit=3, before=cursor))
        if not page:
            break
        pages.append([run.id for run in page])
        cursor = (page[-1].created, page[-1].id)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [run_id for page in pages for run_id in page] == everything


def test_paging_back_with_after_gives_the_pages_again_newest_first(store: Store):
    everything = seven_runs(store)
    last = store.client.read_flow_runs(FlowRunFilter(limit=3, before=_cursor(store, everything[5])))
    assert [run.id for run in last] == everything[6:]
    back = store.client.read_flow_runs(FlowRunFilter(limit=3, after=(last[0].created, last[0].id)))
    assert [run.id for run in back] == everything[3:6]
    first = store.client.read_flow_runs(FlowRunFilter(limit=3, after=(back[0].created, back[0].id)))
    assert [run.id for run in first] == everything[:3]


def _cursor(store: Store, run_id: uuid.UUID) -> tuple[datetime, uuid.UUID]:
    (run,) = [run for run in store.client.read_flow_runs(FlowRunFilter()) if run.id == run_id]
    return (run.created, run.id)
