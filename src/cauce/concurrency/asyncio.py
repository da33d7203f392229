"""Prefect 3's `prefect.concurrency.asyncio`: global concurrency limits in async code.

    async with concurrency("database", occupy=1):
        ...

Each request to the store runs in a worker thread; the waiting between them is an
`asyncio.sleep`, so other coroutines run meanwhile and a cancellation stops it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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


async def _acquire(
    names: list[str], occupy: int, timeout_seconds: float | None, strict: bool, mode: SlotMode
) -> list[str]:
    until = deadline(timeout_seconds)
    while True:
        taken = await asyncio.to_thread(try_acquire, names, occupy, mode, strict)
        if taken is not None:
            return taken
        await asyncio.sleep(check_deadline(names, occupy, until, timeout_seconds))


@asynccontextmanager
async def concurrency(
    names: str | list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    strict: bool = False,
) -> AsyncIterator[None]:
    """`cauce.concurrency.sync.concurrency` for `async with`."""
    taken = await _acquire(listed(names), occupy, timeout_seconds, strict, SlotMode.CONCURRENCY)
    try:
        yield
    finally:
        await asyncio.to_thread(release, taken, occupy)


async def rate_limit(
    names: str | list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    strict: bool = False,
) -> None:
    """`cauce.concurrency.sync.rate_limit` for async code."""
    await _acquire(listed(names), occupy, timeout_seconds, strict, SlotMode.RATE_LIMIT)
