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
    """Call each hook in order with `(owner, run, state)`; failures are logged, not raised."""
    for hook in hooks:
        name = getattr(hook, "__name__", repr(hook))
        logger.info("Running hook %r in response to entering state %r", name, state.name)
        try:
            result = hook(owner, run, state)
            if inspect.isawaitable(result):
                _wait_for(result)
        except Exception as exc:
            logger.error(
                "An error was encountered while running hook %r: %r", name, exc, exc_info=exc
            )
        else:
            logger.info("Hook %r finished running successfully", name)


def _wait_for(awaitable: Awaitable[Any]) -> Any:
    """Run an async hook to its end from the engine's synchronous code.

    The engine records states synchronously, even in an async flow whose event loop
    is busy in this thread: then the hook runs on its own loop in a helper thread.
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
