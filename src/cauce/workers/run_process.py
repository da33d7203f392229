"""One flow run's process as a worker runs it: started in a process group of its own,
its output forwarded and recorded, stopped on request, and its end checked.

Stopping sends SIGTERM to the whole group (CTRL_BREAK_EVENT on Windows), then kills
it once the grace period is over. A process that ended without a final state
leaves its run Crashed, with the exit code and the last lines of its stderr.
The process reads nothing, but its stdin is a pipe from the worker: when the worker
dies, even by `kill -9`, the pipe closes and the run stops itself (execute.py).
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
import time
from typing import IO, Any

from cauce.client.base import CauceClient
from cauce.client.batch_writer import BatchWriter
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.logs import LogEntry
from cauce.states import now_utc
from cauce.workers.output import WORKER_PID_VARIABLE, split_mark

OUTPUT_LOGGER = "cauce.flow_runs.output"
_STDERR_TAIL_LINES = 10


def _group_options() -> dict[str, Any]:
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


class RunProcess:
    """The subprocess running `flow_run`, and the threads pumping its output."""

    def __init__(self, flow_run: FlowRun, writer: BatchWriter) -> None:
        self.flow_run = flow_run
        self._writer = writer
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
        self.kill_at: float | None = None
        environment = {**os.environ, WORKER_PID_VARIABLE: str(os.getpid())}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cauce.workers.execute", str(flow_run.id)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
            **_group_options(),
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self._pumps = [
            threading.Thread(target=self._pump, args=(self.process.stdout, sys.stdout, 20)),
            threading.Thread(target=self._pump, args=(self.process.stderr, sys.stderr, 30)),
        ]
        for pump in self._pumps:
            pump.daemon = True
            pump.start()

    @property
    def pid(self) -> int:
        """The process's id (also its group's)."""
        return self.process.pid

    def _pump(self, stream: IO[bytes], console: IO[str], level: int) -> None:
        for raw in iter(stream.readline, b""):
            line, recorded = split_mark(raw.decode("utf-8", "replace").rstrip("\r\n"))
            print(line, file=console, flush=True)
            if recorded or not line.strip():
                continue
            if level >= 30:
                self._stderr_tail.append(line)
            self._writer.log(
                LogEntry(self.flow_run.id, None, OUTPUT_LOGGER, level, line, now_utc())
            )
        stream.close()

    def poll(self) -> int | None:
        """The exit code, or None while it runs; kills it once a stop's grace is over."""
        code = self.process.poll()
        if code is None and self.kill_at is not None and time.monotonic() >= self.kill_at:
            self._signal(kill=True)
        return code

    def stop(self, grace_seconds: float) -> None:
        """Ask the process group to stop; kill it after `grace_seconds`."""
        if self.kill_at is None:
            self.kill_at = time.monotonic() + grace_seconds
            self._signal(kill=False)

    def _signal(self, kill: bool) -> None:
        try:
            if sys.platform == "win32":
                if kill:
                    self.process.kill()
                else:
                    self.process.send_signal(signal.CTRL_BREAK_EVENT)
            else:
                os.killpg(self.process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        except OSError:
            pass  # it has just ended

    def end(self, client: CauceClient) -> None:
        """After it exited: record its output, and crash its run if it left it unfinished."""
        for pump in self._pumps:
            pump.join(timeout=5)
        self._writer.flush(timeout=10)
        if self.process.stdin is not None:
            self.process.stdin.close()
        code = self.process.returncode
        current = client.read_flow_run(self.flow_run.id)
        if current.state.is_final():
            return
        reason = f"Flow run process exited with code {code} before the run ended."
        if self._stderr_tail:
            reason += " Last lines of its stderr:\n" + "\n".join(self._stderr_tail)
        client.crash_flow_run(self.flow_run.id, reason)
