"""Flow and @flow: a function whose every call is a recorded flow run."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from functools import update_wrapper
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, overload

from cauce.engine.hooks import StateHook, hook_list
from cauce.engine.parameters import ParameterBinder
from cauce.engine.retries import RetryDelay
from cauce.filesystems import ResultStorage, storage_folder
from cauce.serializers import Serializer, serializer_for
from cauce.task_runners.base import TaskRunner
from cauce.task_runners.thread_pool import ThreadPoolTaskRunner

if TYPE_CHECKING:
    import uuid

    from cauce.deployments.from_code import DeploymentSpec, FlowSource

P = ParamSpec("P")
R = TypeVar("R")


class Flow(Generic[P, R]):
    """A flow: a function plus how its runs are named, validated, retried and timed out.

    Calling it runs it now (a subflow when called inside another run) and
    returns its value, or raises its exception; `return_state=True` returns the
    final State instead.
    """

    def __init__(
        self,
        fn: Callable[P, R],
        name: str | None = None,
        description: str | None = None,
        version: str | None = None,
        retries: int = 0,
        retry_delay_seconds: RetryDelay = None,
        timeout_seconds: float | None = None,
        log_prints: bool | None = None,
        validate_parameters: bool = True,
        flow_run_name: str | Callable[[], str] | None = None,
        task_runner: TaskRunner | None = None,
        tags: Iterable[str] | None = None,
        log_file: str | Path | None = None,
        on_completion: Iterable[StateHook] | None = None,
        on_failure: Iterable[StateHook] | None = None,
        on_cancellation: Iterable[StateHook] | None = None,
        on_crashed: Iterable[StateHook] | None = None,
        on_running: Iterable[StateHook] | None = None,
        persist_result: bool | None = None,
        result_storage: ResultStorage | None = None,
        result_serializer: str | Serializer | None = None,
    ) -> None:
        """Long because it takes Prefect's flow options, one line each, and stores them."""
        if not callable(fn):
            raise TypeError(f"@flow needs a function, got {fn!r}")
        update_wrapper(self, fn)
        self.fn = fn
        self.name = name or fn.__name__.replace("_", "-")
        self.description = description or inspect.getdoc(fn)
        self.version = version
        self.retries = retries
        self.retry_delay_seconds = retry_delay_seconds
        self.timeout_seconds = timeout_seconds
        self.log_prints = log_prints
        self.validate_parameters = validate_parameters
        self.flow_run_name = flow_run_name
        self.task_runner = task_runner or ThreadPoolTaskRunner()
        self.tags = set(tags or ())
        self.is_async = inspect.iscoroutinefunction(fn)
        self.log_file = log_file
        self.binder = ParameterBinder(fn)
        self.on_completion_hooks = hook_list(on_completion)
        self.on_failure_hooks = hook_list(on_failure)
        self.on_cancellation_hooks = hook_list(on_cancellation)
        self.on_crashed_hooks = hook_list(on_crashed)
        self.on_running_hooks = hook_list(on_running)
        self.persist_result = persist_result  # for its tasks: see `flow`'s docstring
        self.result_storage = storage_folder(result_storage)
        self._result_serializer_option = result_serializer
        self.result_serializer = (
            None if result_serializer is None else serializer_for(result_serializer)
        )
        self.source: FlowSource | None = None
        """Where `.deploy()` says the code is, when `from_source` loaded it."""

    def __repr__(self) -> str:
        return f"Flow(name={self.name!r})"

    @overload
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...

    @overload
    def __call__(self, *args: Any, return_state: bool, **kwargs: Any) -> Any: ...

    def __call__(  # type: ignore[misc]  # the first overload is P's parameters, unknown here
        self, *args: Any, return_state: bool = False, **kwargs: Any
    ) -> Any:
        from cauce.engine.flow_run import run_flow_async, run_flow_sync

        if self.is_async:
            return run_flow_async(self, args, kwargs, return_state)
        return run_flow_sync(self, args, kwargs, return_state)

    def with_options(self, **options: Any) -> Flow[P, R]:
        """A copy of this flow with some options changed."""
        current = {
            "name": self.name,
            "description": self.description,
            "version": self.version,
            "retries": self.retries,
            "retry_delay_seconds": self.retry_delay_seconds,
            "timeout_seconds": self.timeout_seconds,
            "log_prints": self.log_prints,
            "validate_parameters": self.validate_parameters,
            "flow_run_name": self.flow_run_name,
            "task_runner": self.task_runner,
            "tags": self.tags,
            "log_file": self.log_file,
            "on_completion": self.on_completion_hooks,
            "on_failure": self.on_failure_hooks,
            "on_cancellation": self.on_cancellation_hooks,
            "on_crashed": self.on_crashed_hooks,
            "on_running": self.on_running_hooks,
            "persist_result": self.persist_result,
            "result_storage": self.result_storage,
            "result_serializer": self._result_serializer_option,
        }
        return Flow(self.fn, **{**current, **options})

    def on_completion(self, hook: StateHook) -> StateHook:
        """`@my_flow.on_completion`: call `hook(flow, flow_run, state)` when a run completes."""
        self.on_completion_hooks.append(hook)
        return hook

    def on_failure(self, hook: StateHook) -> StateHook:
        """`@my_flow.on_failure`: call `hook(flow, flow_run, state)` when a run fails."""
        self.on_failure_hooks.append(hook)
        return hook

    def on_cancellation(self, hook: StateHook) -> StateHook:
        """`@my_flow.on_cancellation`: call `hook(flow, flow_run, state)` when a run ends
        Cancelled."""
        self.on_cancellation_hooks.append(hook)
        return hook

    def on_crashed(self, hook: StateHook) -> StateHook:
        """`@my_flow.on_crashed`: call `hook(flow, flow_run, state)` when a run crashes."""
        self.on_crashed_hooks.append(hook)
        return hook

    def on_running(self, hook: StateHook) -> StateHook:
        """`@my_flow.on_running`: call `hook(flow, flow_run, state)` when a run (or a retry
        of it) starts running."""
        self.on_running_hooks.append(hook)
        return hook

    @classmethod
    def from_source(
        cls, source: str | Path, entrypoint: str, branch: str | None = None
    ) -> Flow[..., Any]:
        """The flow at `entrypoint` (`file.py:function`) in `source`, a folder or a git URL,
        ready to `.deploy()` from there."""
        from cauce.deployments.from_code import load_flow_from_source

        return load_flow_from_source(source, entrypoint, branch)

    def to_deployment(self, name: str, **options: Any) -> DeploymentSpec:
        """This flow's deployment `name`, not applied yet: for `cauce.deploy(...)`. The
        options are `deploy()`'s."""
        from cauce.deployments.from_code import flow_to_deployment

        return flow_to_deployment(self, name, **options)

    def deploy(self, name: str, work_pool_name: str | None = None, **options: Any) -> uuid.UUID:
        """Create or update this flow's deployment `name` in `work_pool_name`; its id.

        Options: cron=, interval= (seconds or a timedelta), rrule= (each may be a list),
        or schedule= / schedules= (cauce.schedules' Cron, Interval, RRule), timezone=
        (default CAUCE_DEFAULT_TIMEZONE, else the machine's), anchor_date=, parameters=,
        tags=, description=, version=, paused=, concurrency_limit=, watchdog_running_after=
        (seconds, a duration such as "6h", or a timedelta: how long its runs may stay
        Running before the watchdog cancels them).
        """
        from cauce.deployments.from_code import deploy

        return deploy(self.to_deployment(name, work_pool_name=work_pool_name, **options))[0]

    def serve(
        self,
        name: str,
        *,
        limit: int | None = None,
        pause_on_shutdown: bool = True,
        poll_seconds: float = 1.0,
        **options: Any,
    ) -> None:
        """Register this flow's deployment `name` and run its scheduled and on-demand runs
        from this process, each in a subprocess, at most `limit` at once, until Ctrl-C;
        then pause its schedules (its future runs go), unless not `pause_on_shutdown`.

        Options as `deploy()`'s: cron=, interval=, rrule=, schedule=, schedules=,
        timezone=, parameters=, tags=... `poll_seconds` is accepted for compatibility:
        the worker's own poll is shorter.
        """
        from cauce.workers.serving import serve_deployments

        deployment = self.to_deployment(name, **options)
        serve_deployments(deployment, limit=limit, pause_on_shutdown=pause_on_shutdown)

    def format_run_name(self, parameters: dict[str, Any]) -> str | None:
        """The run's name from a `flow_run_name` template, or None for a generated one
        (the engine calls a callable one inside the new run's context)."""
        if self.flow_run_name is None or callable(self.flow_run_name):
            return None
        return self.flow_run_name.format(**parameters)


class FlowDecorator:
    """`flow`: `@flow`, `@flow(name=..., retries=2, ...)`, and `flow.from_source(...)`."""

    @overload
    def __call__(self, fn: Callable[P, R], /) -> Flow[P, R]: ...

    @overload
    def __call__(
        self,
        /,
        *,
        name: str | None = None,
        description: str | None = None,
        version: str | None = None,
        retries: int = 0,
        retry_delay_seconds: RetryDelay = None,
        timeout_seconds: float | None = None,
        log_prints: bool | None = None,
        validate_parameters: bool = True,
        flow_run_name: str | Callable[[], str] | None = None,
        task_runner: TaskRunner | None = None,
        tags: Iterable[str] | None = None,
        log_file: str | Path | None = None,
        on_completion: Iterable[StateHook] | None = None,
        on_failure: Iterable[StateHook] | None = None,
        on_cancellation: Iterable[StateHook] | None = None,
        on_crashed: Iterable[StateHook] | None = None,
        on_running: Iterable[StateHook] | None = None,
        persist_result: bool | None = None,
        result_storage: ResultStorage | None = None,
        result_serializer: str | Serializer | None = None,
    ) -> Callable[[Callable[P, R]], Flow[P, R]]: ...

    def __call__(self, fn: Any = None, /, **options: Any) -> Any:
        """Make a function a flow: `@flow` or `@flow(name=..., retries=2, ...)`.

        Args:
            name: defaults to the function's name with `_` replaced by `-`.
            validate_parameters: coerce arguments to the type hints (pydantic) and fail
                the run before any user code when they do not fit.
            flow_run_name: a template such as "report-{day}" filled from the
                parameters, or a function returning the name.
            log_prints: send `print()` calls inside the flow and its tasks to the run's logs.
            log_file: write this flow run's log records to this file instead of
                CAUCE_LOGGING_FILE; it may hold {flow_name}, {script_dir} and {date}.
            on_completion, on_failure, on_cancellation, on_crashed, on_running: lists
                of `hook(flow, flow_run, state)` called when a run enters that state.
            persist_result: True makes its tasks that leave `persist_result` unset
                cache their results (DEFAULT policy: within one flow run); a flow
                run's own value is recorded either way.
            result_storage: the folder (a path or `LocalFileSystem(basepath=)`) where
                those tasks keep cached results, unless they name their own.
            result_serializer: how those tasks' results are written ("pickle",
                "json"), unless they name their own.
        """
        if fn is not None:
            return Flow(fn)
        return lambda f: Flow(f, **options)

    from_source = staticmethod(Flow.from_source)

    def __repr__(self) -> str:
        return "cauce.flow"


flow = FlowDecorator()


def serve(
    *deployments: DeploymentSpec,
    limit: int | None = None,
    pause_on_shutdown: bool = True,
    print_starting_message: bool = True,
) -> None:
    """Serve several flows from one process: `serve(a.to_deployment("a"), b.to_deployment(
    "b", cron="0 * * * *"))` applies the deployments and runs their scheduled runs, and
    those asked for with `cauce deployment run`, each in a subprocess, at most `limit` at
    once, until Ctrl-C; then pauses those with schedules, unless not `pause_on_shutdown`."""
    from cauce.workers.serving import serve_deployments

    serve_deployments(
        *deployments,
        limit=limit,
        pause_on_shutdown=pause_on_shutdown,
        print_starting_message=print_starting_message,
    )


async def aserve(
    *deployments: DeploymentSpec,
    pause_on_shutdown: bool = True,
    print_starting_message: bool = True,
    limit: int | None = None,
    **options: Any,
) -> None:
    """`serve` for async code (Prefect's `aserve`): `await aserve(a.to_deployment("a"))`
    after awaiting whatever the serving process sets up first. It serves in the calling
    thread, so that Ctrl-C stops it as it stops `serve`: the event loop's other tasks wait
    until it returns. `options` (Prefect's runner options) are accepted and unused."""
    serve(
        *deployments,
        limit=limit,
        pause_on_shutdown=pause_on_shutdown,
        print_starting_message=print_starting_message,
    )
