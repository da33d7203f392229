"""Taking and giving back slots through the client: what the sync and async context
managers share, so that only their waiting differs.

A name with no limit holds nobody back (Prefect logs that it skips it) unless
`strict`; slots that do not fit are asked for again every POLL_SECONDS until
`timeout_seconds`.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from cauce.client.base import ClientError
from cauce.context import flow_run_context, task_run_context
from cauce.logging.run_logger import get_run_logger
from cauce.schemas.concurrency_limits import SlotMode

if TYPE_CHECKING:
    from cauce.client.base import CauceClient

POLL_SECONDS = 0.1
"""How long to wait before asking again for slots that did not fit."""

logger = logging.getLogger("cauce.concurrency")
"""Its lines outside any run; inside one they go through the run's logger."""


class ConcurrencySlotAcquisitionError(Exception):
    """The slots could not be asked for: a missing limit with `strict`, more slots than
    a limit has, or a rate limit of a limit without decay."""


class AcquireConcurrencySlotTimeoutError(TimeoutError):
    """The slots did not become free within `timeout_seconds`."""


def listed(names: str | list[str]) -> list[str]:
    """`names` as a list: one name or several."""
    return [names] if isinstance(names, str) else list(names)


def client() -> CauceClient:
    """The process's client (the embedded store, or the server at CAUCE_API_URL)."""
    from cauce.client.factory import get_client

    return get_client()


def try_acquire(names: list[str], occupy: int, mode: SlotMode, strict: bool) -> list[str] | None:
    """Ask once: the names of the limits whose slots were taken, or None if no room."""
    try:
        found = client().acquire_concurrency_slots(names, occupy, mode, strict)
    except ClientError as exc:
        raise ConcurrencySlotAcquisitionError(
            f"Unable to acquire concurrency slots on {names}: {exc}"
        ) from None
    if found is not None and len(found) < len(set(names)):
        missing = sorted(set(names) - set(found))
        _run_or_module_logger().warning(
            "Concurrency limits %s do not exist - skipping acquisition.", missing
        )
    return found


def _run_or_module_logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """The logger of the run this code is in, as Prefect logs this warning (under the task
    run's name, in its logs); the module's logger outside a run."""
    in_run = task_run_context.get() is not None or flow_run_context.get() is not None
    return get_run_logger() if in_run else logger


def deadline(timeout_seconds: float | None) -> float | None:
    """The monotonic time past which waiting stops."""
    return None if timeout_seconds is None else time.monotonic() + timeout_seconds


def check_deadline(
    names: list[str], occupy: int, until: float | None, timeout: float | None
) -> float:
    """How long to sleep before asking again; TimeoutError naming the limits once
    `until` has passed."""
    if until is not None:
        left = until - time.monotonic()
        if left <= 0:
            raise AcquireConcurrencySlotTimeoutError(
                f"{occupy} slot(s) of concurrency limit(s) {', '.join(map(repr, names))} "
                f"were not free within {timeout} second(s)"
            )
        return min(POLL_SECONDS, left)
    return POLL_SECONDS


def release(names: list[str], occupy: int) -> None:
    """Give back `occupy` slots of each limit in `names`."""
    if names:
        client().release_concurrency_slots(names, occupy)
