"""Run a service's pass every interval, in the server's event loop, each in its own
write transaction; a pass that fails is logged and the next one runs on time.

Several servers on one PostgreSQL run the services on one of them, the leader
(leadership.py): the others stand by and try for the lead before each pass. A pass
also takes a transaction-level advisory lock named for the service, and skips if
another server holds it, so that a pass never runs twice at once while the lead moves.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import Connection, text

from cauce.services.leadership import Leadership
from cauce.states import now_utc

logger = logging.getLogger("cauce.services")


@dataclass(frozen=True)
class Outcome:
    """What a pass did, in words for the log (None: nothing), and what it keeps in memory
    once its transaction has committed: memory kept before would outlive a rollback."""

    done: str | None
    once_committed: Callable[[], None]


Pass = Callable[[Connection, datetime], str | None | Outcome]
"""One pass of a service at `now`: what it did in words for the log, or None if nothing;
an `Outcome` when it keeps memory between passes."""

Transaction = Callable[
    [Callable[[Connection], str | None | Outcome]], Awaitable[str | None | Outcome]
]
"""Runs a function in a write transaction of the server's database, its result once
committed (`ServerDatabase.transaction`)."""


def holds_service_lock(connection: Connection, name: str) -> bool:
    """Take this transaction's lock for service `name`; False if another server holds it."""
    if connection.dialect.name != "postgresql":
        return True  # SQLite: the write transaction itself (BEGIN IMMEDIATE) is the lock
    key = zlib.crc32(f"cauce service {name}".encode())
    taken = connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key})
    return bool(taken.scalar())


def run_pass(
    connection: Connection, *, name: str, job: Pass, now: datetime
) -> str | None | Outcome:
    """One pass of `job` under the service's lock."""
    if not holds_service_lock(connection, name):
        return None
    return job(connection, now)


class _ServerLogFormatter(logging.Formatter):
    """uvicorn's plain layout (`INFO:     message`), so the passes read like its lines."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname + ':':<9} {super().format(record)}"


def log_to_server_output() -> None:
    """Send the services' lines (INFO and up) to stderr, beside uvicorn's.

    Only when nobody configured logging for them: uvicorn sets up its own loggers,
    not cauce's, so without this a pass's INFO line would be dropped and only its
    failures would show (through logging's last-resort handler).
    """
    if logger.hasHandlers():
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_ServerLogFormatter())
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)


async def run_once(transaction: Transaction, name: str, job: Pass, now: datetime) -> str | None:
    """One pass of `job` at `now` in its own transaction; what it did, once committed."""
    result = await transaction(partial(run_pass, name=name, job=job, now=now))
    if isinstance(result, Outcome):
        result.once_committed()
        return result.done
    return result


async def run_every(
    transaction: Transaction,
    name: str,
    interval_seconds: float,
    job: Pass,
    leadership: Leadership | None = None,
) -> None:
    """Run `job` now and then every `interval_seconds` while this server leads, until
    cancelled; each pass that did something is one INFO line on the server's output."""
    log_to_server_output()
    while True:
        now = now_utc()
        try:
            if leadership is not None and not await asyncio.to_thread(leadership.check):
                await asyncio.sleep(interval_seconds)
                continue
            done = await run_once(transaction, name, job, now)
            if done:
                logger.info("%s: %s", name, done)
        except Exception:
            logger.exception(
                "%s: the pass failed; the next one runs in %ss", name, interval_seconds
            )
        await asyncio.sleep(interval_seconds)
