"""/api/flow_runs/{id}/logs writes its JSON straight from the lines read: the bytes are
those FastAPI sends for the documented `list[LogLineModel]`, whatever the lines hold."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.responses import JSONResponse

from cauce.schemas.api import BatchCreate, LogLineModel
from cauce.schemas.logs import LogEntry
from tests.server.conftest import create_run

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]

MESSAGES = [
    "línea 1: ñandú, 東京, 🚀",
    'comillas "dobles", barra \\ y /',
    "varias\nlíneas\r\n\tcon tabulador",
    "control \x01\x1f y \x7f, separadores \u2028\u2029",
    "",
    "x" * 5_000,
]


async def test_log_lines_are_the_bytes_fastapi_sends_for_the_response_model(api_client):
    run_id = uuid.UUID((await create_run(api_client))["id"])
    task_run_id = uuid.uuid4()
    madrid = timezone(timedelta(hours=2))
    times = [
        datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 14, 0, 0, 123456, tzinfo=madrid),
        datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
    ]
    lines = [
        LogEntry(run_id, task_run_id if n % 2 else None, f"cauce.ñ{n}", level, message, when)
        for n, (level, message, when) in enumerate(
            zip([0, 10, 20, 30, 40, 2**31 - 1], MESSAGES, times * 2, strict=True)
        )
    ]
    body = BatchCreate.from_domain([], [], lines).model_dump(mode="json")
    assert (await api_client.post("/api/batches", json=body)).status_code == 204

    for query in ("", "?min_level=30", "?limit=2&after_id=0"):
        response = await api_client.get(f"/api/flow_runs/{run_id}/logs{query}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        read = [LogLineModel.model_validate(line) for line in response.json()]
        assert read
        as_model = JSONResponse([line.model_dump(mode="json") for line in read])
        assert response.content == as_model.body
        assert response.headers["content-length"] == as_model.headers["content-length"]

    everything = (await api_client.get(f"/api/flow_runs/{run_id}/logs")).json()
    assert [line["log"]["message"] for line in everything] == MESSAGES
    assert [line["log"]["timestamp"] for line in everything[:3]] == [
        "2026-03-01T12:00:00Z",
        "2026-03-01T12:00:00.123456Z",
        "1999-12-31T23:59:59.000001Z",
    ]
