"""State-change hooks: user callables run when a flow or task run enters a state.

A hook is called as `hook(flow_or_task, run, state)`; an async hook is awaited.
A hook that raises is logged and never changes the run's state; the next runs.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cauce.logging.run_logger import RunLoggerAdapter
    from cauce.states import State

StateHook = Callable[[Any, Any, "State"], Any]
"""`(flow, flow_run, state)` or `(task, task_run, state)`; may be async."""


def hook_list(hooks: Iterable[StateHook] | None) -> list[StateHook]:
    """The hooks given to `@flow`/`@task`, checked to be callables, as a fresh list."""
    found = list(hooks or ())
    for hook in found:
        if not callable(hook):
            raise TypeError(f"a state hook must be callable, got {hook!r}")
    return found


def run_hooks(
    hooks: list[StateHook], owner: Any, run: Any, state: State, logger: RunLoggerAdapter
) -> None:
    """Call each hook in order with `(owner, run, state)`; failures are logged, not raised.
    For a sync run: an async hook runs to its end on an event loop of its own."""
    for hook in hooks:
        name = _announce(hook, state, logger)
        try:
            result = hook(owner, run, state)
            if inspect.isawaitable(result):
                _wait_for(result)
        except Exception as exc:
            _report_failure(name, exc, logger)
        else:
            logger.info("Hook %r finished running successfully", name)


async def run_hooks_async(
    hooks: list[StateHook], owner: Any, run: Any, state: State, logger: RunLoggerAdapter
) -> None:
    """`run_hooks` for an async run: async hooks are awaited in the run's event loop."""
    for hook in hooks:
        name = _announce(hook, state, logger)
        try:
            result = hook(owner, run, state)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            _report_failure(name, exc, logger)
        else:
            logger.info("Hook %r finished running successfully", name)


class DeferredHooks:
    """Hooks an async run's synchronous engine code found due, for its loop to await."""

    def __init__(self) -> None:
        self.due: list[tuple[list[StateHook], State]] = []

    def __bool__(self) -> bool:
        return bool(self.due)

    async def run(self, owner: Any, run: Any, logger: RunLoggerAdapter) -> None:
        """Await the due hooks, in the order they came due."""
        while self.due:
            hooks, state = self.due.pop(0)
            await run_hooks_async(hooks, owner, run, state, logger)


def _announce(hook: StateHook, state: State, logger: RunLoggerAdapter) -> str:
    name = getattr(hook, "__name__", repr(hook))
    logger.info("Running hook %r in response to entering state %r", name, state.name)
    return name


def _report_failure(name: str, exc: Exception, logger: RunLoggerAdapter) -> None:
    logger.error("An error was encountered while running hook %r: %r", name, exc, exc_info=exc)


def _wait_for(awaitable: Awaitable[Any]) -> Any:
    """Run an async hook to its end from the engine's synchronous code.

    A sync run called from async code has an event loop busy in this thread: then
    the hook runs on a loop of its own in a helper thread.
    """
    import asyncio

    async def run() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run())
    outcome: dict[str, Any] = {}

    def in_thread() -> None:
        try:
            outcome["value"] = asyncio.run(run())
        except BaseException as exc:  # re-raised in the engine's thread
            outcome["error"] = exc

    helper = threading.Thread(target=in_thread, name="cauce-async-hook")
    helper.start()
    helper.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
