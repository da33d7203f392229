"""`cauce.tags(...)`: runs created inside the block carry its tags, as `prefect.tags` does."""

from __future__ import annotations

from cauce import flow, tags, task
from tests.conftest import Store
from tests.engine.records import flow_runs_of, recorded


@task(tags=["own-task"])
def step() -> None:
    pass


@task
def plain_step() -> None:
    pass


@flow(tags=["own-flow"])
def tagged_job() -> None:
    step()
    plain_step.submit().wait()
    with tags("inner"):
        plain_step()


def test_runs_created_inside_nested_tags_blocks_carry_them(store: Store) -> None:
    with tags("a", "b") as outer:
        assert outer == {"a", "b"}
        tagged_job()
        with tags("c") as inner:
            assert inner == {"a", "b", "c"}
            tagged_job()
        tagged_job()
    tagged_job()
    runs = [recorded(store, run.id) for run in flow_runs_of(store, "tagged-job")]
    assert [sorted(r.flow_run.tags) for r in runs] == [
        ["a", "b", "own-flow"],
        ["a", "b", "c", "own-flow"],
        ["a", "b", "own-flow"],
        ["own-flow"],
    ]
    expected_extra = [{"a", "b"}, {"a", "b", "c"}, {"a", "b"}, set()]
    for run, extra in zip(runs, expected_extra, strict=True):
        by_name = {t.name: set(t.tags) for t in run.task_runs}
        assert by_name == {
            "step-0": {"own-task"} | extra,
            "plain_step-0": extra,
            "plain_step-1": {"inner"} | extra,
        }


def test_a_subflow_inside_a_tags_block_carries_them_and_its_parent_does_not(
    store: Store,
) -> None:
    @flow
    def child() -> None:
        plain_step()

    @flow
    def parent() -> None:
        with tags("only-child"):
            child()

    parent()
    store.flush()
    [parent_run] = flow_runs_of(store, "parent")
    [child_run] = flow_runs_of(store, "child")
    assert parent_run.tags == []
    assert child_run.tags == ["only-child"]
    [child_task] = recorded(store, child_run.id).task_runs
    assert child_task.tags == ["only-child"]


def test_tags_from_the_context_module_is_the_same_block(store: Store) -> None:
    from cauce.context import tags as context_tags  # where Prefect users import it from

    assert context_tags is tags
    with context_tags("from-context"):
        tagged_job()
    [run] = [recorded(store, run.id) for run in flow_runs_of(store, "tagged-job")]
    assert sorted(run.flow_run.tags) == ["from-context", "own-flow"]
