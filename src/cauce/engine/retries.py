"""Retries: delays (fixed, listed or exponential backoff, with jitter) and the
user's `retry_condition_fn`, which may veto a retry."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cauce.logging.run_logger import RunLoggerAdapter
    from cauce.schemas.task_runs import TaskRun
    from cauce.states import State
    from cauce.tasks import Task

RetryDelay = float | Sequence[float] | Callable[[int], Sequence[float]] | None
RetryCondition = Callable[["Task[..., Any]", "TaskRun", "State"], bool]


def retry_condition_allows(
    task: Task[..., Any], task_run: TaskRun, state: State, logger: RunLoggerAdapter
) -> bool:
    """Whether the task's `retry_condition_fn` wants a retry after `state` (a failure).

    No condition: yes. A condition that raises: no, and the error is logged.
    """
    condition = task.retry_condition_fn
    if condition is None:
        return True
    try:
        return bool(condition(task, task_run, state))
    except Exception:
        logger.error(
            "An error was encountered while running `retry_condition_fn` check %r for task %r",
            condition,
            task.name,
            exc_info=True,
        )
        return False


def exponential_backoff(backoff_factor: float) -> Callable[[int], list[float]]:
    """Delays for `retries` attempts: factor, 2*factor, 4*factor, ..."""

    def delays(retries: int) -> list[float]:
        return [backoff_factor * 2**attempt for attempt in range(retries)]

    return delays


def retry_delay_seconds(
    delay: RetryDelay, retries: int, attempt: int, jitter_factor: float | None = None
) -> float:
    """Seconds to wait before retry number `attempt` (1 for the first retry).

    A list shorter than the retries repeats its last delay. With a jitter factor
    j, the delay is drawn from [d, d * (1 + j)].
    """
    if delay is None:
        base = 0.0
    elif callable(delay):
        base = _pick(delay(retries), attempt)
    elif isinstance(delay, int | float):
        base = float(delay)
    else:
        base = _pick(delay, attempt)
    if jitter_factor:
        base += random.uniform(0, base * jitter_factor)
    return base


def _pick(delays: Sequence[float], attempt: int) -> float:
    if not delays:
        return 0.0
    return float(delays[min(attempt, len(delays)) - 1])
