"""Retry delays: fixed, listed or exponential backoff, with jitter. Pure."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

RetryDelay = float | Sequence[float] | Callable[[int], Sequence[float]] | None


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
