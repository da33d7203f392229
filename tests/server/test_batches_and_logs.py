"""/api/batches writes task runs, their states and logs at once; /logs pages them back."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest

from cauce.schemas.api import BatchCreate
from cauce.schemas.logs import LogEntry
from cauce.schemas.task_runs import TaskRun
from cauce.states import Completed, Running, now_utc
from tests.server.conftest import create_run, error_fields

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]

LEVELS = (logging.DEBUG, logging.INFO, logging.WARNING)


def batch_body(flow_run_id: uuid.UUID, lines: int = 0) -> tuple[dict[str, Any], uuid.UUID]:
    """A batch with one task run (Running then Completed) and `lines` log lines, and its id."""
    running, completed = Running(), Completed()
    task_run = TaskRun(uuid.uuid4(), flow_run_id, "mi_tarea", "mi_tarea-0", completed, run_count=1)
    logs = [
        LogEntry(flow_run_id, task_run.id, "cauce.task", LEVELS[i % 3], f"line {i}", now_utc())
        for i in range(lines)
    ]
    states = [(task_run.id, running), (task_run.id, completed)]
    body = BatchCreate.from_domain([task_run], states, logs).model_dump(mode="json")
    return body, task_run.id


async def test_batch_is_read_back_as_task_runs_states_and_logs(api_client):
    run = await create_run(api_client)
    body, task_run_id = batch_body(uuid.UUID(run["id"]), lines=2)
    response = await api_client.post("/api/batches", json=body)
    assert response.status_code == 204
    task_runs = (await api_client.get(f"/api/flow_runs/{run['id']}/task_runs")).json()
    assert [(t["name"], t["state"]["type"]) for t in task_runs] == [("mi_tarea-0", "COMPLETED")]
    states = (await api_client.get(f"/api/task_runs/{task_run_id}/states")).json()
    assert [s["name"] for s in states] == ["Running", "Completed"]
    logs = (await api_client.get(f"/api/flow_runs/{run['id']}/logs")).json()
    assert [line["log"]["message"] for line in logs] == ["line 0", "line 1"]
    assert logs[0]["log"]["task_run_id"] == str(task_run_id)


async def test_batch_for_an_unknown_flow_run_writes_nothing_and_is_409(api_client):
    run = await create_run(api_client)
    good, _ = batch_body(uuid.UUID(run["id"]), lines=2)
    bad, _ = batch_body(uuid.uuid4())
    body = {key: good[key] + bad[key] for key in ("task_runs", "task_run_states", "logs")}
    response = await api_client.post("/api/batches", json=body)
    assert response.status_code == 409
    assert "Conflicts with what is recorded" in response.json()["detail"]
    assert (await api_client.get(f"/api/flow_runs/{run['id']}/task_runs")).json() == []
    assert (await api_client.get(f"/api/flow_runs/{run['id']}/logs")).json() == []


async def test_bad_log_line_is_422_naming_it(api_client):
    run = await create_run(api_client)
    body, _ = batch_body(uuid.UUID(run["id"]), lines=2)
    body["logs"][1]["level"] = -5
    del body["task_runs"][0]["task_name"]
    response = await api_client.post("/api/batches", json=body)
    assert sorted(error_fields(response)) == ["logs.1.level", "task_runs.0.task_name"]


async def test_logs_are_paged_by_id_and_filtered_by_level(api_client):
    run = await create_run(api_client)
    body, _ = batch_body(uuid.UUID(run["id"]), lines=9)
    await api_client.post("/api/batches", json=body)
    url = f"/api/flow_runs/{run['id']}/logs"
    first = (await api_client.get(url, params={"limit": 4})).json()
    rest = (await api_client.get(url, params={"after_id": first[-1]["id"]})).json()
    assert [line["log"]["message"] for line in first + rest] == [f"line {i}" for i in range(9)]
    warnings = (await api_client.get(url, params={"min_level": logging.WARNING})).json()
    assert [line["log"]["message"] for line in warnings] == ["line 2", "line 5", "line 8"]


async def test_bad_paging_parameters_are_422_naming_them(api_client):
    run = await create_run(api_client)
    response = await api_client.get(
        f"/api/flow_runs/{run['id']}/logs", params={"limit": 0, "after_id": "x"}
    )
    assert sorted(error_fields(response)) == ["after_id", "limit"]


async def test_a_batch_posted_twice_records_its_log_lines_once(api_client):
    run = await create_run(api_client)
    body, _ = batch_body(uuid.UUID(run["id"]), lines=3)
    for _ in range(2):
        assert (await api_client.post("/api/batches", json=body)).status_code == 204
    logs = (await api_client.get(f"/api/flow_runs/{run['id']}/logs")).json()
    assert [line["log"]["uid"] for line in logs] == [line["uid"] for line in body["logs"]]


async def test_log_lines_without_uid_from_an_older_client_get_one_each(api_client):
    run = await create_run(api_client)
    body, _ = batch_body(uuid.UUID(run["id"]), lines=2)
    for line in body["logs"]:
        del line["uid"]
    assert (await api_client.post("/api/batches", json=body)).status_code == 204
    logs = (await api_client.get(f"/api/flow_runs/{run['id']}/logs")).json()
    assert [line["log"]["message"] for line in logs] == ["line 0", "line 1"]
    assert len({uuid.UUID(line["log"]["uid"]) for line in logs}) == 2


async def test_a_log_uid_that_is_not_a_uuid_is_422_naming_it(api_client):
    run = await create_run(api_client)
    body, _ = batch_body(uuid.UUID(run["id"]), lines=1)
    body["logs"][0]["uid"] = "not-a-uuid"
    response = await api_client.post("/api/batches", json=body)
    assert error_fields(response) == ["logs.0.uid"]
