"""HttpClient: the client interface over HTTP to a cauce server (CAUCE_API_URL).

Each verb is one request to server/api/, its body and response parsed by the wire models
of schemas/api.py. One sync httpx client per HttpClient keeps its connections alive
across requests, so the batch writer's thread and the engine share a small pool.

Failures, mapped to the client's exceptions:
- 404 -> NotFound (set_flow_run_state answers ABORT instead, as the core does);
- 423 -> SlotsTaken: no room now for the concurrency slots asked for;
- 401 -> ClientError saying the credentials were rejected;
- 409 and 422 of the verbs on named things, and the 409 of a flow-run id taken ->
  ClientError (AlreadyExists for a name taken) with the server's detail alone;
- any other 4xx or 5xx -> ClientError with the method, URL, status and detail;
- a refused connection before any answer from the URL -> ServerUnreachable at once:
  nothing listens there (a wrong URL, or no server), and waiting will not change that;
- a refused connection after an answer, a timeout or any other transport error, or
  503 -> retried with backoff for `retry_seconds` (CAUCE_API_RETRY_TIMEOUT, 30 s by
  default, so a server restarted within that time is survived; past 2 s a warning
  says so on stderr, once per outage), then ServerUnreachable naming the URL. Once
  the server stayed unreachable for a whole budget, later requests fail after one
  attempt until one succeeds again, so that a process whose server is gone ends
  promptly instead of waiting out a budget per queued batch.

Imported only when CAUCE_API_URL is set: the embedded path loads neither httpx nor pydantic.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from cauce.client.base import AlreadyExists, ClientError, NotFound, ServerUnreachable, SlotsTaken
from cauce.client.http_objects import HttpObjectVerbs
from cauce.ids import new_id
from cauce.schemas.api import (
    FlowModel,
    FlowRunCreate,
    FlowRunFilterModel,
    FlowRunModel,
    FlowRunUpdate,
    LogLineModel,
    SetStateRequest,
    SetStateResultModel,
    StateModel,
    TaskRunModel,
    batch_json,
)
from cauce.schemas.api_deployments import (
    DeploymentApply,
    DeploymentDeleted,
    DeploymentModel,
    DeploymentPause,
    DeploymentRunRequest,
    ScheduleActive,
    ScheduleCreate,
    WorkPoolCreate,
    WorkPoolModel,
    WorkPoolUpdate,
)
from cauce.schemas.api_workers import (
    ClaimRequest,
    ProcessHeartbeat,
    ReasonRequest,
    RetryPolicy,
    WatchdogActionModel,
    WatchdogRunRequest,
    WorkerHeartbeatModel,
    WorkerHeartbeatRequest,
    WorkerModel,
    WorkerStopped,
)
from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool
from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.schemas.flows import Flow
from cauce.schemas.logs import LogEntry
from cauce.schemas.states import SetStateResult, SetStateStatus
from cauce.schemas.task_runs import TaskRun
from cauce.schemas.workers import WatchdogAction, Worker, WorkerHeartbeat
from cauce.states import State
from cauce.version import __version__

RETRY_SECONDS = 30.0
_FIRST_DELAY_SECONDS = 0.1
_MAX_DELAY_SECONDS = 2.0
# Retrying longer than this is said on stderr, once per outage.
_QUIET_RETRY_SECONDS = 2.0
# Connecting to a live server is fast; a response may wait on a busy database.
_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
_JSON = {"Content-Type": "application/json"}
_Input = dict[str, Any] | None  # what a paused run waits for

logger = logging.getLogger("cauce.client")


class HttpClient(HttpObjectVerbs):
    """Records and reads runs on the cauce server at `api_url` (e.g. http://host:4200/api).

    `retry_seconds`: how long to keep retrying an unreachable server (RETRY_SECONDS).
    """

    def __init__(
        self,
        api_url: str,
        auth_string: str | None = None,
        retry_seconds: float | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.retry_seconds = RETRY_SECONDS if retry_seconds is None else retry_seconds
        auth = None
        if auth_string is not None:
            user, _, password = auth_string.partition(":")
            auth = httpx.BasicAuth(user, password)
        self._http = httpx.Client(
            base_url=self.api_url,
            auth=auth,
            timeout=_TIMEOUT,
            # Loading the CA bundle costs ~20 ms a process; a plain-HTTP server needs none.
            verify=self.api_url.startswith("https:"),
            headers={"User-Agent": f"cauce/{__version__}"},
        )
        self._is_unreachable = False
        # Whether any response came from this URL yet: until one does, a refused
        # connection fails at once instead of being retried.
        self._has_answered = False
        self._has_warned = False  # about the retrying of this outage

    def create_flow_run(self, flow_run: FlowRun, parent_flow_run_id: uuid.UUID | None) -> None:
        body = FlowRunCreate.from_domain(flow_run, parent_flow_run_id)
        self._request("POST", "/flow_runs", json=_dump(body), created_id=flow_run.id)

    def set_flow_run_state(
        self,
        flow_run_id: uuid.UUID,
        state: State,
        force: bool = False,
        expected_state_id: uuid.UUID | None = None,
    ) -> SetStateResult:
        body = SetStateRequest(
            state=StateModel.from_domain(state), force=force, expected_state_id=expected_state_id
        )
        try:
            response = self._request(
                "POST", f"/flow_runs/{flow_run_id}/set_state", json=_dump(body)
            )
        except NotFound as exc:
            return SetStateResult(SetStateStatus.ABORT, None, str(exc))
        return SetStateResultModel.model_validate(response.json()).to_domain()

    def read_flow_run(self, flow_run_id: uuid.UUID) -> FlowRun:
        return _flow_run(self._request("GET", f"/flow_runs/{flow_run_id}"))

    def read_flow_runs(self, where: FlowRunFilter) -> list[FlowRun]:
        body = FlowRunFilterModel.from_domain(where)
        response = self._request("POST", "/flow_runs/filter", json=_dump(body))
        return [FlowRunModel.model_validate(r).to_domain() for r in response.json()]

    def read_subflow_runs(self, flow_run_id: uuid.UUID) -> list[FlowRun]:
        response = self._request("GET", f"/flow_runs/{flow_run_id}/subflow_runs")
        return [FlowRunModel.model_validate(r).to_domain() for r in response.json()]

    def read_flow_run_states(self, flow_run_id: uuid.UUID) -> list[State]:
        response = self._request("GET", f"/flow_runs/{flow_run_id}/states")
        return [StateModel.model_validate(s).to_domain() for s in response.json()]

    def delete_flow_run(self, flow_run_id: uuid.UUID) -> None:
        self._request("DELETE", f"/flow_runs/{flow_run_id}")

    def read_flows(self) -> list[Flow]:
        response = self._request("GET", "/flows")
        return [FlowModel.model_validate(f).to_domain() for f in response.json()]

    def read_task_runs(self, flow_run_id: uuid.UUID) -> list[TaskRun]:
        response = self._request("GET", f"/flow_runs/{flow_run_id}/task_runs")
        return [TaskRunModel.model_validate(t).to_domain() for t in response.json()]

    def read_task_run_states(self, task_run_id: uuid.UUID) -> list[State]:
        response = self._request("GET", f"/task_runs/{task_run_id}/states")
        return [StateModel.model_validate(s).to_domain() for s in response.json()]

    def read_logs(
        self, flow_run_id: uuid.UUID, min_level: int = 0, after_id: int = 0, limit: int = 1000
    ) -> list[tuple[int, LogEntry]]:
        params = {"min_level": min_level, "after_id": after_id, "limit": limit}
        response = self._request("GET", f"/flow_runs/{flow_run_id}/logs", params=params)
        return [LogLineModel.model_validate(line).to_domain() for line in response.json()]

    def write_batch(
        self,
        task_runs: list[TaskRun],
        task_run_states: list[tuple[uuid.UUID, State]],
        logs: list[LogEntry],
        seen_state_ids: Mapping[uuid.UUID, uuid.UUID] | None = None,
        engine_decided: bool = False,
        wait: bool = True,
    ) -> None:
        body = batch_json(task_runs, task_run_states, logs, seen_state_ids or {})
        self._request("POST", "/batches", content=body, headers=_JSON)

    def create_work_pool(self, pool: WorkPool) -> WorkPool:
        body = WorkPoolCreate.from_domain(pool)
        response = self._request("POST", "/work_pools", json=_dump(body), refusals=True)
        return WorkPoolModel.model_validate(response.json()).to_domain()

    def read_work_pool(self, name: str) -> WorkPool:
        response = self._request("GET", f"/work_pools/{_segment(name)}")
        return WorkPoolModel.model_validate(response.json()).to_domain()

    def read_work_pools(self) -> list[WorkPool]:
        response = self._request("GET", "/work_pools")
        return [WorkPoolModel.model_validate(p).to_domain() for p in response.json()]

    def update_work_pool(
        self,
        name: str,
        *,
        is_paused: bool | None = None,
        concurrency_limit: int | None = None,
        clear_concurrency_limit: bool = False,
        description: str | None = None,
    ) -> WorkPool:
        body = WorkPoolUpdate(
            is_paused=is_paused,
            concurrency_limit=concurrency_limit,
            clear_concurrency_limit=clear_concurrency_limit,
            description=description,
        )
        path = f"/work_pools/{_segment(name)}"
        response = self._request("PATCH", path, json=_dump(body), refusals=True)
        return WorkPoolModel.model_validate(response.json()).to_domain()

    def delete_work_pool(self, name: str) -> None:
        self._request("DELETE", f"/work_pools/{_segment(name)}", refusals=True)

    def apply_deployment(self, deployment: Deployment) -> Deployment:
        body = DeploymentApply.from_domain(deployment)
        return _deployment(self._request("POST", "/deployments", json=_dump(body), refusals=True))

    def read_deployment(self, deployment_id: uuid.UUID) -> Deployment:
        return _deployment(self._request("GET", f"/deployments/{deployment_id}"))

    def read_deployment_by_name(self, full_name: str) -> Deployment:
        flow_name, slash, name = full_name.partition("/")
        if not slash or not flow_name or not name:
            # No path the route could take: refused here, in the core's words.
            raise ClientError(f"deployment {full_name!r} must be named FLOW/DEPLOYMENT")
        path = f"/deployments/name/{_segment(flow_name)}/{_segment(name)}"
        return _deployment(self._request("GET", path, refusals=True))

    def read_deployments(self) -> list[Deployment]:
        response = self._request("GET", "/deployments")
        return [DeploymentModel.model_validate(d).to_domain() for d in response.json()]

    def set_deployment_paused(self, deployment_id: uuid.UUID, is_paused: bool) -> Deployment:
        body = DeploymentPause(is_paused=is_paused)
        path = f"/deployments/{deployment_id}/set_paused"
        return _deployment(self._request("POST", path, json=_dump(body), refusals=True))

    def delete_deployment(self, deployment_id: uuid.UUID) -> int:
        response = self._request("DELETE", f"/deployments/{deployment_id}", refusals=True)
        return DeploymentDeleted.model_validate(response.json()).scheduled_runs_deleted

    def add_deployment_schedule(
        self, deployment_id: uuid.UUID, schedule: DeploymentSchedule
    ) -> Deployment:
        body = ScheduleCreate.from_domain(schedule)
        path = f"/deployments/{deployment_id}/schedules"
        return _deployment(self._request("POST", path, json=_dump(body), refusals=True))

    def set_deployment_schedule_active(
        self, deployment_id: uuid.UUID, schedule_id: uuid.UUID, is_active: bool
    ) -> Deployment:
        body = ScheduleActive(is_active=is_active)
        path = f"/deployments/{deployment_id}/schedules/{schedule_id}/set_active"
        return _deployment(self._request("POST", path, json=_dump(body), refusals=True))

    def delete_deployment_schedule(
        self, deployment_id: uuid.UUID, schedule_id: uuid.UUID
    ) -> Deployment:
        path = f"/deployments/{deployment_id}/schedules/{schedule_id}"
        return _deployment(self._request("DELETE", path, refusals=True))

    def create_flow_run_from_deployment(
        self,
        deployment_id: uuid.UUID,
        parameters: dict[str, Any] | None = None,
        scheduled_time: datetime | None = None,
        tags: list[str] | None = None,
    ) -> FlowRun:
        body = DeploymentRunRequest(
            parameters=parameters or {}, scheduled_time=scheduled_time, tags=tags or [], id=new_id()
        )
        path = f"/deployments/{deployment_id}/create_flow_run"
        return _flow_run(self._request("POST", path, json=_dump(body), refusals=True))

    def worker_heartbeat(
        self, pool_name: str, name: str, host: str, pid: int, flow_run_ids: list[uuid.UUID]
    ) -> WorkerHeartbeat:
        body = WorkerHeartbeatRequest(
            pool_name=pool_name, name=name, host=host, pid=pid, flow_run_ids=flow_run_ids
        )
        response = self._request("POST", "/workers/heartbeat", json=_dump(body), refusals=True)
        return WorkerHeartbeatModel.model_validate(response.json()).to_domain()

    def worker_stopped(self, worker_id: uuid.UUID) -> None:
        body = WorkerStopped(worker_id=worker_id)
        self._request("POST", "/workers/stopped", json=_dump(body))

    def claim_flow_runs(
        self,
        pool_name: str,
        worker_id: uuid.UUID,
        most: int,
        prefetch_seconds: float = 0.0,
        deployment_ids: Sequence[uuid.UUID] | None = None,
        wait_seconds: float = 0.0,
    ) -> list[FlowRun]:
        body = ClaimRequest(
            pool_name=pool_name,
            worker_id=worker_id,
            most=most,
            prefetch_seconds=prefetch_seconds,
            deployment_ids=None if deployment_ids is None else list(deployment_ids),
            wait_seconds=wait_seconds,
        )
        response = self._request("POST", "/workers/claim", json=_dump(body), refusals=True)
        return [FlowRunModel.model_validate(r).to_domain() for r in response.json()]

    def read_workers(self, pool_name: str | None = None) -> list[Worker]:
        params = {} if pool_name is None else {"pool_name": pool_name}
        response = self._request("GET", "/workers", params=params)
        return [WorkerModel.model_validate(w).to_domain() for w in response.json()]

    def flow_run_heartbeat(
        self, flow_run_ids: list[uuid.UUID], host: str, pid: int
    ) -> list[uuid.UUID]:
        body = ProcessHeartbeat(flow_run_ids=flow_run_ids, host=host, pid=pid)
        response = self._request("POST", "/flow_run_heartbeats", json=_dump(body))
        return [uuid.UUID(i) for i in response.json()]

    def crash_flow_run(self, flow_run_id: uuid.UUID, reason: str) -> bool:
        body = ReasonRequest(reason=reason)
        response = self._request("POST", f"/flow_runs/{flow_run_id}/crash", json=_dump(body))
        return bool(response.json())

    def set_flow_run_retries(
        self, flow_run_id: uuid.UUID, retries: int, retry_delay_seconds: float
    ) -> None:
        body = RetryPolicy(retries=retries, retry_delay_seconds=retry_delay_seconds)
        self._request("PUT", f"/flow_runs/{flow_run_id}/retries", json=_dump(body))

    def cancel_flow_run(self, flow_run_id: uuid.UUID, reason: str) -> FlowRun:
        body = ReasonRequest(reason=reason)
        path = f"/flow_runs/{flow_run_id}/cancel"
        return _flow_run(self._request("POST", path, json=_dump(body), refusals=True))

    def update_flow_run(
        self, flow_run_id: uuid.UUID, name: str | None = None, tags: list[str] | None = None
    ) -> FlowRun:
        body = FlowRunUpdate(name=name, tags=tags)
        path = f"/flow_runs/{flow_run_id}"
        return _flow_run(self._request("PATCH", path, json=_dump(body), refusals=True))

    def resume_flow_run(self, flow_run_id: uuid.UUID, run_input: _Input = None) -> FlowRun:
        path, body = f"/flow_runs/{flow_run_id}/resume", {"run_input": run_input}
        return _flow_run(self._request("POST", path, json=body, refusals=True))

    def run_watchdog(self, dry_run: bool = False) -> list[WatchdogAction]:
        body = WatchdogRunRequest(dry_run=dry_run)
        response = self._request("POST", "/watchdog/run", json=_dump(body))
        return [WatchdogActionModel.model_validate(a).to_domain() for a in response.json()]

    def close(self) -> None:
        self._http.close()

    def _request(
        self,
        method: str,
        path: str,
        created_id: uuid.UUID | None = None,
        refusals: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request, retrying while the server is unreachable; the 2xx response.

        `created_id`: the request creates the flow run with this id, so a 409 after a
        lost response means the earlier attempt was recorded, not a conflict; a 409
        to the first attempt is the core's refusal (the id is taken), raised alone.
        `refusals`: a 409 or 422 is the core's refusal, raised with its detail alone.
        """
        started = time.monotonic()
        deadline = started + (0 if self._is_unreachable else self.retry_seconds)
        delay = _FIRST_DELAY_SECONDS
        was_sent = False
        while True:
            problem: str
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                problem = str(exc) or type(exc).__name__
                is_refused = isinstance(exc, httpx.ConnectError)
                was_sent = was_sent or not is_refused
                if is_refused and not self._has_answered:
                    # Nothing has ever answered at this URL: a typo or no server, which
                    # waiting will not mend. After an answer, a refusal is a restart.
                    raise self._unreachable(problem) from None
            else:
                self._has_answered = True
                if response.status_code != 503:
                    self._is_unreachable = self._has_warned = False
                    if created_id is not None and response.status_code == 409:
                        if was_sent:
                            return response
                        raise ClientError(_detail(response))
                    return _checked(response, method, self.api_url, path, refusals)
                problem = f"503 {_detail(response)}"
            if time.monotonic() + delay > deadline:
                self._is_unreachable = True
                raise self._unreachable(problem)
            if not self._has_warned and time.monotonic() + delay - started > _QUIET_RETRY_SECONDS:
                self._has_warned = True
                self._warn_retrying(problem)
            time.sleep(delay)
            delay = min(delay * 2, _MAX_DELAY_SECONDS)

    def _unreachable(self, problem: str) -> ServerUnreachable:
        return ServerUnreachable(f"cannot reach the cauce server at {self.api_url}: {problem}")

    def _warn_retrying(self, problem: str) -> None:
        logger.warning(
            "The cauce server at %s is not answering (%s); retrying for up to %gs "
            "(CAUCE_API_RETRY_TIMEOUT)",
            self.api_url,
            problem,
            self.retry_seconds,
            extra={"not_recorded": True},  # to the terminal only: the store is what is gone
        )


def _dump(body: Any) -> Any:
    return body.model_dump(mode="json")


def _segment(name: str) -> str:
    """`name` as one segment of a URL path (a slash in it too: the routes read it whole)."""
    return quote(name, safe="")


def _deployment(response: httpx.Response) -> Deployment:
    return DeploymentModel.model_validate(response.json()).to_domain()


def _flow_run(response: httpx.Response) -> FlowRun:
    return FlowRunModel.model_validate(response.json()).to_domain()


def _checked(
    response: httpx.Response, method: str, api_url: str, path: str, refusals: bool = False
) -> httpx.Response:
    """`response` if it is a success; otherwise the exception its status means."""
    if response.is_success:
        return response
    detail = _detail(response)
    if response.status_code in (404, 423):
        raise (NotFound if response.status_code == 404 else SlotsTaken)(detail)
    if refusals and response.status_code in (409, 422):
        raise (AlreadyExists if response.status_code == 409 else ClientError)(detail)
    if response.status_code == 401:
        raise ClientError(
            f"the cauce server at {api_url} rejected the credentials "
            f"(check CAUCE_API_AUTH_STRING): {detail}"
        )
    raise ClientError(f"{method} {api_url}{path} failed with {response.status_code}: {detail}")


def _detail(response: httpx.Response) -> str:
    """The server's explanation: FastAPI's `detail` (a string, or a 422's error list)."""
    try:
        detail = response.json()["detail"]
    except (ValueError, KeyError, TypeError):
        return response.text.strip()[:500] or response.reason_phrase
    if isinstance(detail, list):
        return "; ".join(_validation_error(e) for e in detail)
    return str(detail)


def _validation_error(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    where = ".".join(str(p) for p in error.get("loc", ())[1:])
    return f"{where}: {error.get('msg', '')}" if where else str(error.get("msg", ""))
