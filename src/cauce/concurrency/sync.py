"""Prefect 3's `prefect.concurrency.sync`: global concurrency limits in plain code.

with concurrency("database", occupy=1):
    ...  # at most `limit` of these blocks run at once, across processes
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from cauce.concurrency.slots import (
    AcquireConcurrencySlotTimeoutError,
    ConcurrencySlotAcquisitionError,
    check_deadline,
    deadline,
    listed,
    release,
    try_acquire,
)
from cauce.schemas.concurrency_limits import SlotMode

__all__ = [
    "AcquireConcurrencySlotTimeoutError",
    "ConcurrencySlotAcquisitionError",
    "concurrency",
    "rate_limit",
]


def _acquire(
    names: list[str], occupy: int, timeout_seconds: float | None, strict: bool, mode: SlotMode
) -> list[str]:
    until = deadline(timeout_seconds)
    while True:
        taken = try_acquire(names, occupy, mode, strict)
        if taken is not None:
            return taken
        time.sleep(check_deadline(names, occupy, until, timeout_seconds))


@contextmanager
def concurrency(
    names: str | list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    strict: bool = False,
) -> Iterator[None]:
    """Hold `occupy` slots of each limit in `names` for the block, waiting for them
    first; TimeoutError after `timeout_seconds`. The slots are given back on exit,
    also when the block raises. A name with no limit holds nobody back, unless
    `strict` (then ConcurrencySlotAcquisitionError)."""
    taken = _acquire(listed(names), occupy, timeout_seconds, strict, SlotMode.CONCURRENCY)
    try:
        yield
    finally:
        release(taken, occupy)


def rate_limit(
    names: str | list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    strict: bool = False,
) -> None:
    """Wait until `occupy` slots of each limit in `names` are free and take them; they
    free themselves at the limit's slot decay, which each limit must have."""
    _acquire(listed(names), occupy, timeout_seconds, strict, SlotMode.RATE_LIMIT)
