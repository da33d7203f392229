"""The retention service: with CAUCE_SERVER_RETENTION set, delete the flow runs that
ended longer ago than that, at start and then every hour.

The decisions are orchestration/retention.py's, the same as `cauce server database
prune`'s. Unlike the other services, a pass is many transactions, one per chunk, so
that the server's writers wait for one chunk at most.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Connection

from cauce.orchestration.retention import ENDED_TYPES, Chunk, Cursor, Pruned, prune_chunk
from cauce.services.leadership import Leadership
from cauce.services.loop import Outcome, Transaction, log_to_server_output, run_once
from cauce.settings.durations import format_duration
from cauce.states import now_utc

logger = logging.getLogger("cauce.services")

INTERVAL_SECONDS = 3600.0
NAME = "retention"


async def retention_pass(transaction: Transaction, retention: timedelta, now: datetime) -> Pruned:
    """Delete, chunk by chunk, every run that ended before `now - retention`."""
    pruned = Pruned()
    after: Cursor | None = None
    while True:
        chunks: list[Chunk] = []
        job = partial(_one_chunk, cutoff=now - retention, after=after, keep=chunks.append)
        await run_once(transaction, NAME, job, now)
        # No chunk: another server holds the service's lock and prunes.
        if not chunks or chunks[0].last is None:
            return pruned
        pruned.add(chunks[0])
        after = chunks[0].last


def _one_chunk(
    connection: Connection,
    now: datetime,
    *,
    cutoff: datetime,
    after: Cursor | None,
    keep: Callable[[Chunk], None],
) -> Outcome:
    # The chunk is kept only once its transaction committed (see `Outcome`).
    chunk = prune_chunk(connection, cutoff, ENDED_TYPES, after)
    return Outcome(None, partial(keep, chunk))


async def run_retention(
    transaction: Transaction,
    retention: timedelta,
    leadership: Leadership | None = None,
    interval_seconds: float = INTERVAL_SECONDS,
) -> None:
    """Prune now and then every `interval_seconds` while this server leads, until
    cancelled; a pass that deleted runs says how many in one INFO line."""
    log_to_server_output()
    while True:
        try:
            if leadership is None or await asyncio.to_thread(leadership.check):
                pruned = await retention_pass(transaction, retention, now_utc())
                if pruned.runs:
                    logger.info(
                        "%s: deleted %d run(s) older than %s",
                        NAME,
                        pruned.runs,
                        format_duration(retention),
                    )
        except Exception:
            logger.exception(
                "%s: the pass failed; the next one runs in %ss", NAME, interval_seconds
            )
        await asyncio.sleep(interval_seconds)
