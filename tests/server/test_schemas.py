"""The wire schemas: domain objects survive the round trip; pydantic stays off the flow path."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from cauce.schemas.api import (
    BatchCreate,
    FlowRunCreate,
    FlowRunFilterModel,
    FlowRunModel,
    SetStateResultModel,
    StateModel,
    batch_json,
)
from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.schemas.logs import LogEntry
from cauce.schemas.states import SetStateResult, SetStateStatus
from cauce.schemas.task_runs import TaskRun
from cauce.states import AwaitingRetry, Completed, Running, State, now_utc


def _same_state(a: State | None, b: State | None) -> bool:
    fields = ("id", "type", "name", "message", "timestamp", "scheduled_time")
    return a is b or all(getattr(a, f) == getattr(b, f) for f in fields)


def _over_json(model_type, model):
    return model_type.model_validate_json(model.model_dump_json())


def test_state_round_trip_keeps_everything_but_the_result():
    state = AwaitingRetry(now_utc() + timedelta(seconds=30), "retry 1 of 3")
    back = _over_json(StateModel, StateModel.from_domain(state.with_data(42))).to_domain()
    assert _same_state(back, state)
    assert not back.has_result()


def test_times_in_other_zones_come_back_in_utc():
    madrid = timezone(timedelta(hours=2))
    model = StateModel(type="RUNNING", timestamp=datetime(2024, 5, 1, 12, tzinfo=madrid))
    state = model.to_domain()
    assert (state.timestamp.hour, state.timestamp.utcoffset()) == (10, timedelta(0))
    assert state.name == "Running"


def test_flow_run_task_run_log_and_filter_round_trips():
    task_run_id = uuid.uuid4()
    flow_run = FlowRun(
        uuid.uuid4(), "f", "n", Running(), {"a": [1]}, ["t"], task_run_id, 2, now_utc(), None
    )
    created = _over_json(FlowRunCreate, FlowRunCreate.from_domain(flow_run, uuid.uuid4()))
    assert created.to_domain().parent_task_run_id == task_run_id
    read = _over_json(FlowRunModel, FlowRunModel.from_domain(flow_run)).to_domain()
    assert (read.run_count, read.start_time, read.parameters) == (
        2,
        flow_run.start_time,
        {"a": [1]},
    )
    where = FlowRunFilter(state_types=["FAILED"], flow_name="f", limit=5)
    assert FlowRunFilterModel.from_domain(where).to_domain() == where
    task_run = TaskRun(
        uuid.uuid4(), flow_run.id, "t", "t-0", Completed(), task_inputs={"x": [task_run_id]}
    )
    entry = LogEntry(flow_run.id, None, "cauce", 20, "hola", now_utc())
    batch = _over_json(
        BatchCreate, BatchCreate.from_domain([task_run], [(task_run.id, Completed())], [entry])
    )
    task_runs, states, logs = batch.to_domain()
    assert task_runs[0].task_inputs == {"x": [task_run_id]}
    assert states[0][0] == task_run.id and logs == [entry]


def test_set_state_result_round_trip():
    for result in (
        SetStateResult(SetStateStatus.ACCEPT, Completed()),
        SetStateResult(SetStateStatus.ABORT, None, "not found"),
    ):
        back = _over_json(SetStateResultModel, SetStateResultModel.from_domain(result)).to_domain()
        assert (back.status, back.reason) == (result.status, result.reason)
        assert _same_state(back.state, result.state)


def test_validation_errors_name_the_field():
    with pytest.raises(ValidationError) as caught:
        FlowRunFilterModel.model_validate({"limit": 5000, "state_names": "Late"})
    assert sorted(e["loc"] for e in caught.value.errors()) == [("limit",), ("state_names",)]


def test_running_a_flow_embedded_loads_no_wire_schema_or_server(cauce_home):
    code = (
        "from cauce import flow, task\n"
        "@task\ndef t(x: int) -> int: return x\n"
        "@flow\ndef f() -> int: return t(1)\n"
        "f()\n"
        "import sys, json; print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    assert not {"cauce.schemas.api", "fastapi", "uvicorn", "starlette", "httpx"} & loaded
    assert not any(m.startswith("cauce.server") for m in loaded)


def test_batch_json_is_the_batch_model_document_without_result_data():
    flow_run_id = uuid.uuid4()
    task_run = TaskRun(
        id=uuid.uuid4(),
        flow_run_id=flow_run_id,
        task_name="sumar",
        name="sumar-0",
        state=Completed(data={"no": "enviar"}),
        tags=["etl"],
        task_inputs={"x": [uuid.uuid4()]},
        run_count=1,
        start_time=now_utc(),
        end_time=now_utc(),
    )
    states = [(task_run.id, Running()), (task_run.id, task_run.state)]
    logs = [
        LogEntry(
            flow_run_id=flow_run_id,
            task_run_id=task_run.id,
            name="cauce.task_runs",
            level=20,
            message="hola",
            timestamp=now_utc(),
        )
    ]

    seen = {task_run.id: uuid.uuid4()}
    fast = json.loads(batch_json([task_run], states, logs, seen))

    model = BatchCreate.from_domain([task_run], states, logs, seen)
    assert fast == json.loads(model.model_dump_json())
    assert BatchCreate.model_validate(fast).seen_state_ids == seen
    assert "data" not in fast["task_runs"][0]["state"]
    assert BatchCreate.model_validate(fast).to_domain()[0][0].state.id == task_run.state.id


def test_a_filter_time_past_either_end_of_utc_is_read_as_that_end() -> None:
    from datetime import UTC, datetime

    from cauce.schemas.api import FlowRunFilterModel

    early = FlowRunFilterModel.model_validate({"start_before": "0001-01-01T00:01:00+00:48"})
    late = FlowRunFilterModel.model_validate({"start_after": "9999-12-31T23:59:00-05:00"})
    assert early.start_before == datetime.min.replace(tzinfo=UTC)
    assert late.start_after == datetime.max.replace(tzinfo=UTC)
