"""`cauce.runtime`: what code can read about the run it is in."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from cauce import flow, runtime, task
from tests.conftest import Store
from tests.engine.records import only_run_of


class TestFlowRunRuntime:
    def test_flow_run_id_name_and_parameters(self, store: Store) -> None:
        @flow
        def describes(day: str, count: int = 2) -> dict[str, Any]:
            return {
                "id": runtime.flow_run.id,
                "name": runtime.flow_run.name,
                "parameters": runtime.flow_run.parameters,
                "flow_name": runtime.flow_run.flow_name,
            }

        seen = describes("lunes")
        run = only_run_of(store, "describes")
        assert seen["id"] == run.flow_run.id
        assert seen["name"] == run.flow_run.name
        assert seen["parameters"] == {"day": "lunes", "count": 2}
        assert seen["flow_name"] == "describes"

    def test_flow_run_name_template_is_filled_from_parameters(self, store: Store) -> None:
        @flow(flow_run_name="report-{day}")
        def named(day: str) -> str | None:
            return runtime.flow_run.name

        assert named("lunes") == "report-lunes"
        assert only_run_of(store, "named").flow_run.name == "report-lunes"

    def test_flow_run_name_callable_reads_the_run_it_names(self, store: Store) -> None:
        seen: list[tuple[Any, ...]] = []

        def name_from_runtime() -> str:
            flow_run = runtime.flow_run
            seen.append((flow_run.id, flow_run.flow_name, flow_run.parameters))
            return f"report-{flow_run.parameters['day']}-{flow_run.parameters['count']}"

        @flow(flow_run_name=name_from_runtime)
        def named(day: str, count: int = 2) -> str | None:
            return runtime.flow_run.name

        assert named("lunes") == "report-lunes-2"
        run = only_run_of(store, "named")
        assert run.flow_run.name == "report-lunes-2"
        assert seen == [(run.flow_run.id, "named", {"day": "lunes", "count": 2})]

    def test_tasks_see_their_flow_run(self, store: Store) -> None:
        @task
        def reads_flow_run() -> uuid.UUID | None:
            return runtime.flow_run.id

        @flow
        def outer() -> tuple[uuid.UUID | None, uuid.UUID | None, uuid.UUID | None]:
            return runtime.flow_run.id, reads_flow_run(), reads_flow_run.submit().result()

        flow_run_id, direct, submitted = outer()
        assert flow_run_id is not None and direct == flow_run_id and submitted == flow_run_id

    def test_subflow_sees_itself(self, store: Store) -> None:
        @flow
        async def inner() -> str | None:
            return runtime.flow_run.flow_name

        @flow
        async def outer() -> tuple[str | None, str | None]:
            return await inner(), runtime.flow_run.flow_name

        assert asyncio.run(outer()) == ("inner", "outer")


class TestTaskRunRuntime:
    def test_task_run_id_and_name(self, store: Store) -> None:
        @task
        def describes() -> tuple[uuid.UUID | None, str | None]:
            return runtime.task_run.id, runtime.task_run.name

        @flow
        def calls_twice() -> list[tuple[uuid.UUID | None, str | None]]:
            return [describes(), describes.submit().result()]

        seen = calls_twice()
        run = only_run_of(store, "calls-twice")
        assert seen == [(t.id, t.name) for t in run.task_runs]
        assert [name for _, name in seen] == ["describes-0", "describes-1"]

    def test_task_run_name_template(self, store: Store) -> None:
        @task(task_run_name="fetch-{url}")
        def fetch(url: str) -> str | None:
            return runtime.task_run.name

        @flow
        def fetches() -> str | None:
            return fetch("home")

        assert fetches() == "fetch-home"

    def test_task_run_name_callable_reads_the_run_it_names(self, store: Store) -> None:
        """As Prefect's example 023: the name function reads the run's parameters."""
        seen: list[tuple[Any, ...]] = []

        def name_from_runtime() -> str:
            task_run = runtime.task_run
            seen.append((task_run.id, task_run.task_name, task_run.name))
            params = task_run.parameters
            return f"process-{params.get('region', 'unknown')}-batch-{params.get('batch_id', 0)}"

        @task(task_run_name=name_from_runtime)
        def process_batch(region: str, batch_id: int) -> str | None:
            return runtime.task_run.name

        @flow
        def batches() -> list[str | None]:
            return [process_batch("us-east", 101), process_batch.submit("eu-west", 202).result()]

        names = ["process-us-east-batch-101", "process-eu-west-batch-202"]
        assert batches() == names
        run = only_run_of(store, "batches")
        assert [t.name for t in run.task_runs] == names
        ids = [t.id for t in run.task_runs]
        assert seen == [
            (ids[0], "process_batch", "process_batch-0"),
            (ids[1], "process_batch", "process_batch-1"),
        ]

    def test_task_run_is_none_in_the_flow_body(self, store: Store) -> None:
        @flow
        def body() -> tuple[uuid.UUID | None, str | None]:
            return runtime.task_run.id, runtime.task_run.name

        assert body() == (None, None)


class TestOutsideRuns:
    def test_everything_is_empty_outside_a_run(self) -> None:
        assert runtime.flow_run.id is None
        assert runtime.flow_run.name is None
        assert runtime.flow_run.parameters == {}
        assert runtime.task_run.id is None
        assert runtime.task_run.name is None
        assert runtime.deployment.name is None
