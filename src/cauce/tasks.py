"""Task and @task: a function whose every call is a recorded, retryable task run."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import update_wrapper
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, ParamSpec, TypeVar, overload

from cauce.cache_policies import NOT_SET, task_policies
from cauce.engine.hooks import StateHook, hook_list
from cauce.engine.mapping import unmapped
from cauce.engine.parameters import ParameterBinder
from cauce.engine.retries import RetryCondition, RetryDelay, exponential_backoff
from cauce.filesystems import storage_folder
from cauce.serializers import serializer_for

if TYPE_CHECKING:
    from cauce.cache_policies import CachePolicy, _NotSet
    from cauce.context import TaskRunContext
    from cauce.filesystems import ResultStorage
    from cauce.futures import TaskRunFuture, TaskRunFutureList
    from cauce.serializers import Serializer
    from cauce.states import State
    from cauce.transactions import TransactionHook

__all__ = ["Task", "exponential_backoff", "task", "task_input_hash", "unmapped"]

CacheKeyFn = Callable[["TaskRunContext", dict[str, Any]], str | None]


_Runner = Callable[..., Any]
_runners: tuple[_Runner, _Runner] | None = None


def _import_runners() -> tuple[_Runner, _Runner]:
    """The engine's run_task_sync and run_task_async, imported on a task's first call
    (the engine is no part of defining tasks) and kept: an import statement run on
    every call costs 0.6 us of a trivial task run's 40."""
    global _runners
    from cauce.engine.task_run import run_task_async, run_task_sync

    _runners = (run_task_sync, run_task_async)
    return _runners


def task_input_hash(context: TaskRunContext, arguments: dict[str, Any]) -> str | None:
    """A cache key from the task and its arguments (None when they cannot be hashed):
    `@task(cache_key_fn=task_input_hash, cache_expiration=...)`."""
    from cauce.cache_policies import hash_objects

    code = getattr(context.task.fn, "__code__", None)  # a callable object has none
    return hash_objects(context.task.name, code.co_code.hex() if code else "", arguments)


P = ParamSpec("P")
R = TypeVar("R")


class Task(Generic[P, R]):
    """A task: a function plus how its runs are named, retried, timed out and cached.

    Calling it runs it now and returns its value; `.submit()` runs it on the
    flow's task runner and returns a future; `.map()` submits one run per item.
    """

    def __init__(
        self,
        fn: Callable[P, R],
        name: str | None = None,
        description: str | None = None,
        tags: Iterable[str] | None = None,
        retries: int = 0,
        retry_delay_seconds: RetryDelay = None,
        retry_jitter_factor: float | None = None,
        timeout_seconds: float | None = None,
        cache_key_fn: CacheKeyFn | None = None,
        cache_expiration: timedelta | None = None,
        log_prints: bool | None = None,
        task_run_name: str | Callable[[], str] | None = None,
        log_file: str | Path | None = None,
        on_completion: Iterable[StateHook] | None = None,
        on_failure: Iterable[StateHook] | None = None,
        on_running: Iterable[StateHook] | None = None,
        cache_policy: CachePolicy | _NotSet | None = NOT_SET,
        persist_result: bool | None = None,
        result_storage: ResultStorage | None = None,
        cache_result_in_memory: bool = True,
        refresh_cache: bool | None = None,
        retry_condition_fn: RetryCondition | None = None,
        on_commit: Iterable[TransactionHook] | None = None,
        on_rollback: Iterable[TransactionHook] | None = None,
        result_serializer: str | Serializer | None = None,
        result_storage_key: str | None = None,
    ) -> None:
        """Long because it takes Prefect's task options, one line each, and stores them."""
        if not callable(fn):
            raise TypeError(f"@task needs a function, got {fn!r}")
        update_wrapper(self, fn)
        self.fn = fn
        self.name = name or fn.__name__
        self.description = description or inspect.getdoc(fn)
        self.tags = set(tags or ())
        self.retries = retries
        self.retry_delay_seconds = retry_delay_seconds
        self.retry_jitter_factor = retry_jitter_factor
        self.timeout_seconds = timeout_seconds
        self.cache_key_fn = cache_key_fn
        self.cache_expiration = cache_expiration
        self.persist_result = persist_result
        self._cache_policy_option = cache_policy
        # `cache_policy` as Prefect shows it; `caching` the one in force (None: no caching).
        self.cache_policy, self.caching = task_policies(self, cache_policy)
        self.result_storage_key = result_storage_key
        if result_storage_key is not None:
            self._use_storage_key(result_storage_key, cache_policy)
        self.result_storage = storage_folder(result_storage)
        self.cache_result_in_memory = cache_result_in_memory
        self.refresh_cache = refresh_cache
        self.retry_condition_fn = retry_condition_fn
        self.log_prints = log_prints
        self.task_run_name = task_run_name
        self.is_async = inspect.iscoroutinefunction(fn)
        self.log_file = log_file
        self.binder = ParameterBinder(fn)
        self.on_completion_hooks = hook_list(on_completion)
        self.on_failure_hooks = hook_list(on_failure)
        self.on_running_hooks = hook_list(on_running)
        self.on_commit_hooks: list[TransactionHook] = list(on_commit or ())
        self.on_rollback_hooks: list[TransactionHook] = list(on_rollback or ())
        self._result_serializer_option = result_serializer
        self.result_serializer = (
            None if result_serializer is None else serializer_for(result_serializer)
        )

    def __repr__(self) -> str:
        return f"Task(name={self.name!r})"

    def _use_storage_key(self, template: str, policy: CachePolicy | _NotSet | None) -> None:
        """As Prefect: a storage key persists the result and is its cache key, in place of
        any cache policy or `cache_key_fn`; `persist_result=False` or NO_CACHE turn it off."""
        from cauce.cache_policies import _NoCache
        from cauce.engine.storage_keys import StorageKey

        if not isinstance(template, str):
            raise TypeError(f"result_storage_key must be a string, got {template!r}")
        if self.persist_result is False or isinstance(policy, _NoCache):
            return
        self.persist_result = True
        self.caching = StorageKey(template)

    @overload
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...

    @overload
    def __call__(
        self,
        *args: Any,
        return_state: bool = False,
        wait_for: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> Any: ...

    def __call__(  # type: ignore[misc]  # the first overload is P's parameters, unknown here
        self,
        *args: Any,
        return_state: bool = False,
        wait_for: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        run_sync, run_async = _runners or _import_runners()
        parameters = self.binder.bind(args, kwargs)
        upstream = list(wait_for or ())
        if self.is_async:
            return run_async(self, parameters, return_state, wait_for=upstream)
        return run_sync(self, parameters, return_state, wait_for=upstream)

    def with_options(self, **options: Any) -> Task[P, R]:
        """A copy of this task with some options changed."""
        current = {
            "name": self.name,
            "description": self.description,
            "tags": self.tags,
            "retries": self.retries,
            "retry_delay_seconds": self.retry_delay_seconds,
            "retry_jitter_factor": self.retry_jitter_factor,
            "timeout_seconds": self.timeout_seconds,
            "cache_key_fn": self.cache_key_fn,
            "cache_expiration": self.cache_expiration,
            "log_prints": self.log_prints,
            "task_run_name": self.task_run_name,
            "log_file": self.log_file,
            "on_completion": self.on_completion_hooks,
            "on_failure": self.on_failure_hooks,
            "on_running": self.on_running_hooks,
            "cache_policy": self._cache_policy_option,
            "persist_result": self.persist_result,
            "result_storage": self.result_storage,
            "cache_result_in_memory": self.cache_result_in_memory,
            "refresh_cache": self.refresh_cache,
            "retry_condition_fn": self.retry_condition_fn,
            "on_commit": self.on_commit_hooks,
            "on_rollback": self.on_rollback_hooks,
            "result_serializer": self._result_serializer_option,
            "result_storage_key": self.result_storage_key,
        }
        return Task(self.fn, **{**current, **options})

    def on_completion(self, hook: StateHook) -> StateHook:
        """`@my_task.on_completion`: call `hook(task, task_run, state)` when a run completes
        (a cached result included)."""
        self.on_completion_hooks.append(hook)
        return hook

    def on_failure(self, hook: StateHook) -> StateHook:
        """`@my_task.on_failure`: call `hook(task, task_run, state)` when a run fails."""
        self.on_failure_hooks.append(hook)
        return hook

    def on_running(self, hook: StateHook) -> StateHook:
        """`@my_task.on_running`: call `hook(task, task_run, state)` before each attempt."""
        self.on_running_hooks.append(hook)
        return hook

    def on_commit(self, hook: TransactionHook) -> TransactionHook:
        """`@my_task.on_commit`: call `hook(transaction)` when a completed run's
        transaction commits (see cauce.transactions)."""
        self.on_commit_hooks.append(hook)
        return hook

    def on_rollback(self, hook: TransactionHook) -> TransactionHook:
        """`@my_task.on_rollback`: call `hook(transaction)` when the transaction a completed
        run was staged in rolls back: to undo what the run did."""
        self.on_rollback_hooks.append(hook)
        return hook

    @overload
    def submit(
        self,
        *args: Any,
        return_state: Literal[False] = False,
        wait_for: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> TaskRunFuture[R]: ...

    @overload
    def submit(
        self,
        *args: Any,
        return_state: Literal[True],
        wait_for: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> State: ...

    def submit(
        self,
        *args: Any,
        return_state: bool = False,
        wait_for: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> TaskRunFuture[R] | State:
        """Start a run on the flow's task runner; returns its future at once.

        With `return_state=True` it waits for the run and returns its final state.
        `wait_for` takes futures and states (plain values are no upstreams); an
        upstream that did not complete fails this run, unless wrapped in `allow_failure`.
        """
        from cauce.engine.submission import submit_task_run

        future = submit_task_run(self, self.binder.bind(args, kwargs), list(wait_for or ()))
        return future.final_state() if return_state else future

    @overload
    def map(
        self,
        *args: Any,
        return_state: Literal[False] = False,
        wait_for: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> TaskRunFutureList[R]: ...

    @overload
    def map(
        self,
        *args: Any,
        return_state: Literal[True],
        wait_for: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> list[State]: ...

    def map(
        self,
        *args: Any,
        return_state: bool = False,
        wait_for: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> TaskRunFutureList[R] | list[State]:
        """Submit one run per item of the iterable arguments (`unmapped` ones are passed
        whole); a future argument is waited for and its result mapped over.

        With `return_state=True` it waits for the runs and returns their final states.
        """
        from cauce.engine.submission import map_task_runs

        futures = map_task_runs(self, args, kwargs, list(wait_for or ()))
        return [f.final_state() for f in futures] if return_state else futures

    def format_run_name(self, parameters: dict[str, Any], index: int) -> str:
        """The name of a run: `task_run_name` filled with the parameters, or `name-index`.

        A callable `task_run_name` is left to the engine, which calls it inside the new
        run's context (it reads `cauce.runtime.task_run`); here it gives `name-index`.
        """
        if self.task_run_name is None or callable(self.task_run_name):
            return f"{self.name}-{index}"
        return self.task_run_name.format(**parameters)


@overload
def task(fn: Callable[P, R], /) -> Task[P, R]: ...


@overload
def task(
    *,
    name: str | None = None,
    description: str | None = None,
    tags: Iterable[str] | None = None,
    retries: int = 0,
    retry_delay_seconds: RetryDelay = None,
    retry_jitter_factor: float | None = None,
    timeout_seconds: float | None = None,
    cache_key_fn: CacheKeyFn | None = None,
    cache_expiration: timedelta | None = None,
    log_prints: bool | None = None,
    task_run_name: str | Callable[[], str] | None = None,
    log_file: str | Path | None = None,
    on_completion: Iterable[StateHook] | None = None,
    on_failure: Iterable[StateHook] | None = None,
    on_running: Iterable[StateHook] | None = None,
    cache_policy: CachePolicy | None = ...,
    persist_result: bool | None = None,
    result_storage: ResultStorage | None = None,
    cache_result_in_memory: bool = True,
    refresh_cache: bool | None = None,
    retry_condition_fn: RetryCondition | None = None,
    on_commit: Iterable[TransactionHook] | None = None,
    on_rollback: Iterable[TransactionHook] | None = None,
    result_serializer: str | Serializer | None = None,
    result_storage_key: str | None = None,
) -> Callable[[Callable[P, R]], Task[P, R]]: ...


def task(fn: Callable[P, R] | None = None, /, **options: Any) -> Any:
    """Make a function a task: `@task` or `@task(retries=2, ...)`.

    Args:
        retry_delay_seconds: seconds between attempts: a number, a list (one per
            retry, the last repeating), or `exponential_backoff(backoff_factor=)`.
        retry_jitter_factor: each delay d becomes a random value in [d, d * (1 + factor)].
        cache_key_fn: `(context, parameters) -> key`; runs with the same key reuse
            the cached result until `cache_expiration` passes. It wins over `cache_policy`.
        cache_policy: what the key is made of (`cauce.cache_policies`: INPUTS,
            TASK_SOURCE, ...); left out, DEFAULT applies once results are persisted.
        persist_result: False turns caching off; True caches with DEFAULT when no
            policy is given; None follows the flow's `persist_result`.
        result_storage: the folder (a path or `LocalFileSystem(basepath=)`) of the
            cached results; default $CAUCE_HOME/results.
        cache_result_in_memory: accepted for Prefect; a run's value stays in its state.
        refresh_cache: compute even on a cache hit, and replace the cached result.
        retry_condition_fn: `(task, task_run, state) -> bool` after a failed attempt;
            a retry follows only when it returns True (an error in it: no retry).
        task_run_name: a template such as "fetch-{url}" filled from the parameters,
            or a function returning the name.
        log_file: write this task run's log records to this file instead of the
            flow run's; it may hold {flow_name}, {script_dir} and {date}.
        on_completion, on_failure, on_running: lists of `hook(task, task_run, state)`
            called when a run enters that state.
        on_commit, on_rollback: lists of `hook(transaction)` called when a completed
            run's transaction commits or rolls back (cauce.transactions).
        result_serializer: how its cached results are written: "pickle" (default),
            "json", or a `cauce.serializers` serializer.
        result_storage_key: the file name of its result in `result_storage`, a template
            such as "summary-{parameters[label]}" (also `{task_run.name}`, `{flow_run.id}`...);
            it persists the result, and a later run whose key has a result loads it (Cached).
    """
    if fn is not None:
        return Task(fn)
    return lambda f: Task(f, **options)
