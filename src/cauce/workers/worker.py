"""`cauce worker start`: poll a work pool, claim its due runs, run each in a process.

Every poll (at most POLL_SECONDS apart, sooner while runs are going) the worker
reaps the runs that ended, heartbeats every `heartbeat_seconds` (every second while
runs are going; the answer says which of its runs were cancelled: those it stops),
and claims as many due runs as it has room for. An idle worker's claim waits on its
server for a run to be made (a long poll); the embedded store is polled. A server
that goes away is retried with backoff: nothing is
claimed meanwhile, the runs already going carry on, and work resumes when it comes
back. SIGTERM or Ctrl-C stops claiming and waits up to `stop_grace_seconds` for the
runs going, then stops them; their runs end Crashed (Cancelled if being cancelled).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

from cauce.client.base import CauceClient, ClientError, NotFound, ServerUnreachable
from cauce.client.batch_writer import BatchWriter
from cauce.processes import this_host
from cauce.workers.run_process import RunProcess

if sys.platform == "win32":
    Launcher = Any  # Windows spawns each run
else:
    from cauce.workers.launcher import Launcher

POLL_SECONDS = 0.5
BUSY_POLL_SECONDS = 0.1
# While runs are going the worker beats this often, so a cancel reaches it within a second.
BUSY_HEARTBEAT_SECONDS = 1.0
# An idle worker's claim waits this long on a server for a run to be made (a long poll).
IDLE_CLAIM_WAIT_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 30.0
# A run launcher unused this long is closed: an idle worker holds only its own process.
LAUNCHER_IDLE_SECONDS = 30.0


@dataclass(slots=True)
class WorkerOptions:
    """What `cauce worker start` was asked for."""

    pool_name: str
    name: str
    limit: int | None = None
    run_once: bool = False
    prefetch_seconds: float = 0.0
    heartbeat_seconds: float = 30.0
    stop_grace_seconds: float = 30.0
    deployment_ids: tuple[uuid.UUID, ...] | None = None
    """Only these deployments' runs (`serve()`); None: every deployment of the pool."""
    cancel_on_stop: bool = False
    """On SIGTERM or Ctrl-C, cancel the runs going instead of waiting for them (`serve`)."""


class Worker:
    """One worker process; `run()` until stopped (or, with `run_once`, until the due
    runs it found have ended)."""

    def __init__(
        self,
        client: CauceClient,
        writer: BatchWriter,
        options: WorkerOptions,
        say: Callable[[str], None],
    ) -> None:
        self.client = client
        self.writer = writer
        self.options = options
        self.say = say
        self.worker_id: uuid.UUID | None = None
        self.running: dict[uuid.UUID, RunProcess] = {}
        self.stopping = threading.Event()
        self._next_beat = 0.0
        self._backoff = 0.0
        self._retry_at = 0.0
        self._waited = False
        self._pid = os.getpid()
        self.launcher: Launcher | None = None
        self._launcher_failed = False
        self._last_busy = time.monotonic()

    def run(self) -> None:
        """Work until stopped; the first heartbeat's errors (no such pool) propagate."""
        options = self.options
        try:
            # The signals are the worker's from the start: a Ctrl-C during the first
            # heartbeat stops it as one at any other time does, not with a traceback.
            with self._stop_on_signals():
                self._beat()
                self.say(
                    f"Worker {options.name!r} started on pool {options.pool_name!r} "
                    f"(limit {options.limit or 'none'}). Ctrl-C or SIGTERM stops it."
                )
                while not self.stopping.is_set():
                    found = self._tick()
                    if options.run_once and not found and not self.running:
                        break
                    if self._waited:
                        continue  # the claim waited on the server already
                    self.stopping.wait(BUSY_POLL_SECONDS if self.running else POLL_SECONDS)
            self._leave()
        finally:
            if self.launcher is not None:
                self.launcher.close()

    def _tick(self) -> int:
        """One poll: reap, heartbeat when due, claim; how many runs it started. While
        the server is unreachable only the reaping goes on, until the backoff is over."""
        self._waited = False
        self._reap()
        self._close_idle_launcher()
        if time.monotonic() < self._retry_at:
            return 0
        try:
            if time.monotonic() >= self._next_beat:
                self._beat()
            started = self._claim()
        except ServerUnreachable as exc:
            self._backoff = min(max(self._backoff * 2, 1.0), MAX_BACKOFF_SECONDS)
            self._retry_at = time.monotonic() + self._backoff
            self.say(f"Server unreachable ({exc}); retrying in {self._backoff:g}s")
            return 0
        if self._backoff:
            self.say("Server reachable again; carrying on.")
            self._backoff = 0.0
        return started

    def _beat(self) -> None:
        beat = self.client.worker_heartbeat(
            self.options.pool_name, self.options.name, this_host(), self._pid, list(self.running)
        )
        self.worker_id = beat.worker_id
        period = self.options.heartbeat_seconds
        if self.running:
            period = min(period, BUSY_HEARTBEAT_SECONDS)
        self._next_beat = time.monotonic() + period
        for flow_run_id in beat.stop:
            child = self.running.get(flow_run_id)
            if child is not None and child.kill_at is None:
                self.say(f"Stopping flow run {child.flow_run.name!r}: it was cancelled.")
                child.stop(self.options.stop_grace_seconds)

    def _claim(self) -> int:
        room = (self.options.limit or 1_000_000) - len(self.running)
        if room <= 0 or self.worker_id is None:
            return 0
        options = self.options
        idle = not self.running and not options.run_once
        wait = IDLE_CLAIM_WAIT_SECONDS if idle else 0.0
        asked = time.monotonic()
        try:
            claimed = self.client.claim_flow_runs(
                options.pool_name,
                self.worker_id,
                min(room, 100),
                options.prefetch_seconds,
                options.deployment_ids,
                wait,
            )
        except NotFound:
            # Its record is gone (the store emptied or restored): register again first.
            self._next_beat = 0.0
            return 0
        self._waited = bool(wait) and time.monotonic() - asked >= wait / 2
        if claimed:
            self._start_launcher()
        for flow_run in claimed:
            self.say(f"Running flow run {flow_run.name!r} ({flow_run.id})")
            self.running[flow_run.id] = RunProcess(flow_run, self.writer, self.launcher)
            self._check_launcher()
        if claimed:
            self._next_beat = 0.0  # report the new runs' processes at once
        return len(claimed)

    def _start_launcher(self) -> None:
        """On POSIX, the warm process that forks the runs' processes (launcher.py), started
        with the first run after the worker was idle."""
        if sys.platform == "win32" or self.launcher is not None or self._launcher_failed:
            return
        try:
            self.launcher = Launcher([type(self.client).__module__])
        except OSError as exc:
            self._launcher_failed = True
            self.say(f"Could not start the run launcher ({exc}): runs are spawned.")

    def _close_idle_launcher(self) -> None:
        now = time.monotonic()
        if self.running:
            self._last_busy = now
        elif self.launcher is not None and now - self._last_busy > LAUNCHER_IDLE_SECONDS:
            self.launcher.close()
            self.launcher = None

    def _check_launcher(self) -> None:
        if self.launcher is not None and not self.launcher.alive:
            self.say(
                f"The run launcher (pid {self.launcher.pid}) is gone: "
                "each run's process is started afresh from now on."
            )
            self.launcher = None
            self._launcher_failed = True

    def _reap(self) -> None:
        for flow_run_id, child in list(self.running.items()):
            code = child.poll()
            if code is None:
                continue
            try:
                child.end(self.client)
            except ServerUnreachable:
                continue  # checked again at the next poll
            del self.running[flow_run_id]
            self.say(f"Flow run {child.flow_run.name!r} process exited with code {code}")

    def _leave(self) -> None:
        """Wait up to the grace period for the runs going (or cancel them), stop those
        left, say goodbye."""
        if self.running and self.options.cancel_on_stop:
            self._cancel_running()
        if self.running:
            grace = self.options.stop_grace_seconds
            self.say(f"Waiting up to {grace:g}s for {len(self.running)} run(s) to end")
            deadline = time.monotonic() + grace
            while self.running and time.monotonic() < deadline:
                self._reap()
                time.sleep(BUSY_POLL_SECONDS)
            for child in self.running.values():
                child.stop(0)
            while self.running:
                self._reap()
                time.sleep(BUSY_POLL_SECONDS)
        if self.worker_id is not None:
            try:
                self.client.worker_stopped(self.worker_id)
            except ServerUnreachable:
                pass
        self.say(f"Worker {self.options.name!r} stopped.")

    def _cancel_running(self) -> None:
        for flow_run_id, child in self.running.items():
            try:
                self.client.cancel_flow_run(flow_run_id, f"{self.options.name} was stopped.")
            except ClientError:
                pass  # it has just ended
            child.stop(self.options.stop_grace_seconds)

    @contextmanager
    def _stop_on_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def stop(_signum: int, _frame: FrameType | None) -> None:
            if self.stopping.is_set():
                return
            self.say("Stopping: no new runs will be claimed.")
            self.stopping.set()

        names = ["SIGTERM", "SIGINT"] + (["SIGBREAK"] if sys.platform == "win32" else [])
        signums = [getattr(signal, name) for name in names]
        previous = {signum: signal.signal(signum, stop) for signum in signums}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
