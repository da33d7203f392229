"""`get_client()` reads Prefect scripts make beyond flow runs: a run's log lines with
Prefect's LogFilter and LogSort, a task run's states, a flow by id or name; sync and
async."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest

from cauce import flow, get_client, get_run_logger, task
from cauce.client.schemas.filters import (
    LogFilter,
    LogFilterFlowRunId,
    LogFilterLevel,
    LogFilterTaskRunId,
)
from cauce.client.schemas.objects import StateType
from cauce.client.schemas.sorting import LogSort
from cauce.exceptions import ObjectNotFound
from tests.conftest import Store


@task
def paso(n: int) -> int:
    get_run_logger().warning("paso %d", n)
    return n


@flow
def registra() -> int:
    logger = get_run_logger()
    logger.info("empieza")
    total = paso(1) + paso(2)
    logger.debug("detalle")
    logger.error("termina con %d", total)
    return total


def _run() -> uuid.UUID:
    state = registra(return_state=True)
    run_id = state.state_details.flow_run_id
    assert run_id is not None
    return run_id


class TestReadLogs:
    def test_a_runs_lines_oldest_first_with_prefects_fields(self, store: Store) -> None:
        run_id = _run()
        store.flush()
        of_run = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id]))
        with get_client(sync_client=True) as client:
            logs = client.read_logs(log_filter=of_run, sort=LogSort.TIMESTAMP_ASC)
        said = ("empieza", "paso 1", "paso 2", "termina con 3")
        mine = [(log.level, log.message) for log in logs if log.message in said]
        assert mine == [
            (logging.INFO, "empieza"),
            (logging.WARNING, "paso 1"),
            (logging.WARNING, "paso 2"),
            (logging.ERROR, "termina con 3"),
        ]
        assert all(log.flow_run_id == run_id for log in logs)
        assert [log.timestamp for log in logs] == sorted(log.timestamp for log in logs)
        (first_step,) = [log for log in logs if log.message == "paso 1"]
        assert first_step.task_run_id is not None and first_step.name
        assert [log.task_run_id for log in logs if log.message == "empieza"] == [None]

    def test_by_task_run_level_order_and_page_async(self, store: Store) -> None:
        run_id = _run()
        store.flush()
        first_step = store.client.read_task_runs(run_id)[0].id

        async def script() -> None:
            async with get_client() as client:
                of_task = await client.read_logs(
                    log_filter=LogFilter(
                        flow_run_id=LogFilterFlowRunId(any_=[run_id]),
                        task_run_id=LogFilterTaskRunId(any_=[first_step]),
                    )
                )
                assert [log.message for log in of_task if log.level == logging.WARNING] == [
                    "paso 1"
                ]
                assert {log.task_run_id for log in of_task} == {first_step}
                warnings = await client.read_logs(
                    log_filter=LogFilter(
                        flow_run_id=LogFilterFlowRunId(any_=[run_id]),
                        level=LogFilterLevel(ge_=logging.WARNING),
                    ),
                    sort=LogSort.TIMESTAMP_DESC,
                )
                assert [log.message for log in warnings] == ["termina con 3", "paso 2", "paso 1"]
                page = await client.read_logs(
                    log_filter=LogFilter(
                        flow_run_id=LogFilterFlowRunId(any_=[run_id]),
                        level=LogFilterLevel(ge_=logging.WARNING, le_=logging.WARNING),
                    ),
                    limit=1,
                    offset=1,
                )
                assert [log.message for log in page] == ["paso 2"]

        asyncio.run(script())

    def test_lines_of_no_named_flow_run_are_refused_by_name(self, store: Store) -> None:
        with pytest.raises(TypeError, match="LogFilterFlowRunId"):
            get_client(sync_client=True).read_logs()


class TestTaskRunsAndFlows:
    def test_a_task_runs_states_and_its_flow_by_id_and_name(self, store: Store) -> None:
        run_id = _run()
        store.flush()
        step = store.client.read_task_runs(run_id)[0]
        with get_client(sync_client=True) as client:
            states = client.read_task_run_states(step.id)
            assert [s.type for s in states] == [
                StateType.PENDING,
                StateType.RUNNING,
                StateType.COMPLETED,
            ]
            assert client.read_task_run_states(uuid.uuid4()) == []
            by_name = client.read_flow_by_name("registra")
            assert by_name.name == "registra"
            assert client.read_flow(by_name.id).id == by_name.id

    def test_async_and_a_missing_flow_is_not_found(self, store: Store) -> None:
        _run()
        store.flush()

        async def script() -> None:
            async with get_client() as client:
                flow_ = await client.read_flow_by_name("registra")
                assert (await client.read_flow(flow_.id)).name == "registra"
                with pytest.raises(ObjectNotFound, match="otro"):
                    await client.read_flow_by_name("otro")
                with pytest.raises(ObjectNotFound):
                    await client.read_flow(uuid.uuid4())

        asyncio.run(script())
