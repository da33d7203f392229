"""A process's heartbeat for the flow runs it is running, when it records through a server.

A server cannot see whether a process on another machine is alive, so a process
that records through one (CAUCE_API_URL) says so: one daemon thread, started with
the process's first flow run and idle while none is in progress, tells the server
every CAUCE_WORKER_HEARTBEAT which of its runs are alive (a new run about a second
after it starts). The server ends Crashed the runs of a process silent for three
periods (`kill -9` on another machine, a machine switched off or frozen). The
answer names the runs cancelled meanwhile (from the CLI, the API or the UI): the
process then stops itself as SIGTERM would, and each run ends Cancelled.

With the embedded store nothing beats: whoever next opens it on this machine
checks the recorded process ids instead.
"""

from __future__ import annotations

import _thread
import logging
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from cauce.client.base import CauceClient
from cauce.processes import this_host
from cauce.settings import get_settings

FIRST_BEAT_SECONDS = 1.0
logger = logging.getLogger("cauce.engine.heartbeats")


class ProcessHeartbeat:
    """The thread that says this process's flow runs are alive, and stops those cancelled."""

    def __init__(self, client: CauceClient, period_seconds: float) -> None:
        self.client = client
        self._period = period_seconds
        self._runs: set[uuid.UUID] = set()
        self._next_beat = float("inf")  # no run yet: no beat due
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, flow_run_id: uuid.UUID) -> None:
        """Beat for `flow_run_id` from now on, the first time within about a second."""
        with self._condition:
            self._runs.add(flow_run_id)
            self._next_beat = min(self._next_beat, time.monotonic() + FIRST_BEAT_SECONDS)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="cauce-heartbeat", daemon=True
                )
                self._thread.start()
            self._condition.notify()

    def discard(self, flow_run_id: uuid.UUID) -> None:
        """Stop beating for a run that has ended."""
        with self._condition:
            self._runs.discard(flow_run_id)

    def _loop(self) -> None:
        while True:
            with self._condition:
                wait = self._next_beat - time.monotonic()
                if not self._runs or wait > 0:
                    self._condition.wait(None if not self._runs else wait)
                    continue
                runs = list(self._runs)
                self._next_beat = time.monotonic() + self._period
            self._beat(runs)

    def _beat(self, runs: list[uuid.UUID]) -> None:
        try:
            to_stop = self.client.flow_run_heartbeat(runs, this_host(), os.getpid())
        except Exception as exc:  # the next beat tries again; the server judges silence
            logger.debug("heartbeat for %d flow run(s) failed: %s", len(runs), exc)
            return
        with self._condition:
            # A run this process ended meanwhile is not a reason to stop (the engine
            # forgets a run before proposing its final state).
            cancelled = [i for i in to_stop if i in self._runs]
        if cancelled:
            _stop_this_process()


def _stop_this_process() -> None:
    """As SIGTERM would: each run in progress ends, Cancelled (it was Cancelling)."""
    if sys.platform == "win32":
        # Taken as soon as the main thread runs Python code again.
        _thread.interrupt_main(signal.SIGTERM)
    else:
        # To the main thread itself, so that a sleep or a read there is interrupted.
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGTERM)


_heartbeat: ProcessHeartbeat | None = None
_lock = threading.Lock()


def forget(flow_run_id: uuid.UUID) -> None:
    """Stop beating for a run about to propose its final state."""
    if _heartbeat is not None:
        _heartbeat.discard(flow_run_id)


@contextmanager
def beating_for(client: CauceClient, flow_run_id: uuid.UUID) -> Iterator[None]:
    """While the block runs, the process heartbeats for the run, if it records through a
    server; with the embedded store, nothing."""
    global _heartbeat
    settings = get_settings()
    if not settings.api.url:
        yield
        return
    with _lock:
        if _heartbeat is None or _heartbeat.client is not client:
            _heartbeat = ProcessHeartbeat(client, settings.worker.heartbeat.total_seconds())
        heartbeat = _heartbeat
    heartbeat.add(flow_run_id)
    try:
        yield
    finally:
        heartbeat.discard(flow_run_id)
