"""A log line is recorded once however often its batch is sent: its uid is the key.

A batch whose response is lost (server killed right after commit, connection
reset) is sent again by the HTTP client; task-run states were already written
once, and so must log lines be.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from cauce.client.base import CauceClient
from cauce.client.http import HttpClient
from cauce.ids import new_id
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.logs import LogEntry
from cauce.schemas.task_runs import TaskRun
from cauce.states import Completed, Pending, now_utc
from tests.conftest import HttpServer, Store

T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _flow_run(client: CauceClient) -> FlowRun:
    flow_run = FlowRun(new_id(), "f", "r", Pending(), created=now_utc())
    client.create_flow_run(flow_run, None)
    return flow_run


def _messages(client: CauceClient, flow_run: FlowRun) -> list[str]:
    return [entry.message for _, entry in client.read_logs(flow_run.id)]


def test_a_batch_sent_twice_records_each_log_line_once(store: Store) -> None:
    flow_run = _flow_run(store.client)
    task_run = TaskRun(new_id(), flow_run.id, "t", "t-0", Completed(), run_count=1)
    logs = [LogEntry(flow_run.id, task_run.id, "x", 20, f"line {i}", now_utc()) for i in range(3)]
    batch = ([task_run], [(task_run.id, task_run.state)], logs)
    store.client.write_batch(*batch)
    store.client.write_batch(*batch)
    lines = store.client.read_logs(flow_run.id)
    assert [entry.message for _, entry in lines] == ["line 0", "line 1", "line 2"]
    assert [entry.uid for _, entry in lines] == [entry.uid for entry in logs]
    assert len(store.client.read_task_run_states(task_run.id)) == 1


def test_a_line_sent_again_within_a_later_batch_is_not_repeated(store: Store) -> None:
    flow_run = _flow_run(store.client)
    first, second = (LogEntry(flow_run.id, None, "x", 20, m, now_utc()) for m in ("a", "b"))
    store.client.write_batch([], [], [first])
    store.client.write_batch([], [], [first, second])
    assert _messages(store.client, flow_run) == ["a", "b"]


def test_identical_lines_with_their_own_uids_are_all_kept(store: Store) -> None:
    flow_run = _flow_run(store.client)
    same = [LogEntry(flow_run.id, None, "x", 20, "same text", T0) for _ in range(2)]
    assert same[0].uid != same[1].uid
    store.client.write_batch([], [], same)
    store.client.write_batch([], [], [LogEntry(flow_run.id, None, "x", 20, "same text", T0)])
    assert _messages(store.client, flow_run) == ["same text"] * 3


class _LoseFirstBatchResponse(httpx.HTTPTransport):
    """Delivers every request, but drops the response of the first POST /batches."""

    def __init__(self) -> None:
        super().__init__()
        self.batches_sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/batches"):
            self.batches_sent += 1
            if self.batches_sent == 1:
                response.read()
                response.close()
                raise httpx.ReadError(
                    "connection reset after the server committed", request=request
                )
        return response


def test_a_batch_whose_response_is_lost_is_retried_and_recorded_once(
    http_server: HttpServer, cauce_home: object
) -> None:
    client = HttpClient(http_server.api_url, retry_seconds=10)
    transport = _LoseFirstBatchResponse()
    client._http = httpx.Client(base_url=client.api_url, transport=transport)
    try:
        flow_run = _flow_run(client)
        logs = [LogEntry(flow_run.id, None, "x", 20, f"line {i}", now_utc()) for i in range(3)]
        client.write_batch([], [], logs)
        assert transport.batches_sent == 2
        assert _messages(client, flow_run) == ["line 0", "line 1", "line 2"]
    finally:
        client.close()
