"""Waking the workers that wait for runs: a claim that finds nothing due may wait
(a long poll) until this server makes a run, instead of the worker polling again.

Only runs made through this server wake its waiting claims; a run made elsewhere
(another server on the same database, the scheduler's future runs coming due) is
found by the worker's next claim, at most the wait later.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Request


class RunsMade:
    """A signal set each time a run that may be due now is made."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        """Wake every waiter; later waiters wait for the next run."""
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, seconds: float) -> bool:
        """Wait up to `seconds` for a run to be made; whether one was."""
        if self._event is None:
            self._event = asyncio.Event()
        try:
            await asyncio.wait_for(self._event.wait(), seconds)
        except TimeoutError:
            return False
        return True


async def get_runs_made(request: Request) -> RunsMade:
    """The server's signal (async: a plain function would hop to the thread pool)."""
    runs_made: RunsMade = request.app.state.runs_made
    return runs_made


RunsMadeDep = Annotated[RunsMade, Depends(get_runs_made)]
