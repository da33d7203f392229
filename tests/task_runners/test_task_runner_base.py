"""`cauce.task_runners.TaskRunner`: what every runner is, for annotations, isinstance
and a user's own runner built on one of cauce's."""

from __future__ import annotations

import threading

from cauce import flow, task
from cauce.task_runners import (
    DaskTaskRunner,
    ProcessPoolTaskRunner,
    TaskRunner,
    ThreadPoolTaskRunner,
)
from tests.conftest import Store


class CountingRunner(ThreadPoolTaskRunner):
    """A user's runner: the thread pool, counting what it was given."""

    def __init__(self, max_workers: int | None = None) -> None:
        super().__init__(max_workers)
        self.submitted = 0

    def duplicate(self) -> CountingRunner:
        return self  # one flow run here: the counts stay readable on this runner

    def submit(self, fn):  # type: ignore[no-untyped-def]
        self.submitted += 1
        return super().submit(fn)


def make_runner() -> TaskRunner:
    return CountingRunner(max_workers=2)


@task
def thread_name(n: int) -> str:
    return f"{n}:{threading.current_thread().name != 'MainThread'}"


def test_every_runner_is_a_task_runner_and_other_objects_are_not() -> None:
    for runner in (ThreadPoolTaskRunner(), ProcessPoolTaskRunner(), DaskTaskRunner()):
        assert isinstance(runner, TaskRunner)
    assert not isinstance(object(), TaskRunner)


def test_a_users_runner_annotated_as_task_runner_runs_the_submitted_tasks(
    store: Store,
) -> None:
    runner = make_runner()

    @flow(task_runner=runner)
    def fan_out() -> list[str]:
        return [f.result() for f in thread_name.map([1, 2, 3])]

    assert fan_out() == ["1:True", "2:True", "3:True"]
    assert isinstance(runner, CountingRunner) and runner.submitted == 3
