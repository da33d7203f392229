"""One flow run's process as a worker runs it: started in a process group of its own,
its output forwarded and recorded, stopped on request, and its end checked.

Stopping sends SIGTERM to the whole group (CTRL_BREAK_EVENT on Windows), then kills
it once the grace period is over. A process that ended without a final state
leaves its run Crashed, with the exit code and the last lines of its stderr, unless it
suspended its run (suspend_flow_run).
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
from typing import IO, TYPE_CHECKING, Any

from cauce.client.base import CauceClient
from cauce.client.batch_writer import BatchWriter
from cauce.processes import process_is_alive
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.logs import LogEntry
from cauce.states import State, StateType, is_suspended, now_utc
from cauce.workers.output import WORKER_PID_VARIABLE, split_mark

if TYPE_CHECKING:
    if sys.platform == "win32":
        Launcher = Any  # never given one there
    else:
        from cauce.workers.launcher import Launcher

OUTPUT_LOGGER = "cauce.flow_runs.output"
_STDERR_TAIL_LINES = 10

_Streams = tuple[IO[bytes], IO[bytes], IO[bytes]]
"""The process's stdin (ours to write), stdout and stderr (ours to read)."""


def _group_options() -> dict[str, Any]:
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


class RunProcess:
    """The process running `flow_run`, and the threads pumping its output.

    On POSIX, given a live launcher, the process is forked by it from a warm
    interpreter (launcher.py); otherwise, or when the launcher is gone, it is spawned.
    """

    def __init__(
        self, flow_run: FlowRun, writer: BatchWriter, launcher: Launcher | None = None
    ) -> None:
        self.flow_run = flow_run
        self._writer = writer
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
        self.kill_at: float | None = None
        self.returncode: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._launcher = launcher
        self._request = 0
        self._code_unknown = False
        environment = {**os.environ, WORKER_PID_VARIABLE: str(os.getpid())}
        streams = self._fork(launcher, environment) if launcher is not None else None
        if streams is None:
            streams = self._spawn(environment)
        self._stdin, stdout, stderr = streams
        self._pumps = [
            threading.Thread(target=self._pump, args=(stdout, sys.stdout, 20)),
            threading.Thread(target=self._pump, args=(stderr, sys.stderr, 30)),
        ]
        for pump in self._pumps:
            pump.daemon = True
            pump.start()

    def _spawn(self, environment: dict[str, str]) -> _Streams:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cauce.workers.execute", str(self.flow_run.id)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
            **_group_options(),
        )
        self._pid = self.process.pid
        assert self.process.stdin and self.process.stdout and self.process.stderr
        return self.process.stdin, self.process.stdout, self.process.stderr

    def _fork(self, launcher: Launcher, environment: dict[str, str]) -> _Streams | None:
        """Ask the launcher for the process; None when it is gone."""
        stdin_read, stdin_write = os.pipe()
        stdout_read, stdout_write = os.pipe()
        stderr_read, stderr_write = os.pipe()
        try:
            started = launcher.start(
                self.flow_run.id, environment, [stdin_read, stdout_write, stderr_write]
            )
        finally:
            for fd in (stdin_read, stdout_write, stderr_write):
                os.close(fd)  # the child's ends: our copies would keep its output open
        if started is None:
            for fd in (stdin_write, stdout_read, stderr_read):
                os.close(fd)
            self._launcher = None
            return None
        self._request, self._pid = started
        return open(stdin_write, "wb"), open(stdout_read, "rb"), open(stderr_read, "rb")

    @property
    def pid(self) -> int:
        """The process's id (also its group's)."""
        return self._pid

    @property
    def forked(self) -> bool:
        """Whether the launcher started it (rather than a spawn)."""
        return self._launcher is not None

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
        code = self._returncode()
        if code is None and self.kill_at is not None and time.monotonic() >= self.kill_at:
            self._signal(kill=True)
        return code

    def _returncode(self) -> int | None:
        if self.process is not None:
            self.returncode = self.process.poll()
        elif self.returncode is None and self._launcher is not None:
            launcher = self._launcher
            launcher.collect()
            self.returncode = launcher.exit_codes.pop(self._request, None)
            if self.returncode is None and not launcher.alive and not process_is_alive(self.pid):
                # Its launcher died before reporting its end: the status is lost.
                self._code_unknown = True
                self.returncode = 1
        return self.returncode

    def stop(self, grace_seconds: float) -> None:
        """Ask the process group to stop; kill it after `grace_seconds`."""
        if self.kill_at is None:
            self.kill_at = time.monotonic() + grace_seconds
            self._signal(kill=False)

    def _signal(self, kill: bool) -> None:
        try:
            if sys.platform == "win32":
                assert self.process is not None
                if kill:
                    self.process.kill()
                else:
                    self.process.send_signal(signal.CTRL_BREAK_EVENT)
            else:
                os.killpg(self.pid, signal.SIGKILL if kill else signal.SIGTERM)
        except OSError:
            pass  # it has just ended

    def _suspended(self, state: State) -> bool:
        """Whether its run was suspended (suspend_flow_run), which ends the process with
        exit code 0 and no final state: Suspended still, or resumed since (Scheduled, or
        Pending once a worker claimed it again)."""
        resumed = self.returncode == 0 and state.type in (StateType.SCHEDULED, StateType.PENDING)
        return resumed or is_suspended(state)

    def end(self, client: CauceClient) -> None:
        """After it exited: record its output, and crash its run if it left it unfinished."""
        for pump in self._pumps:
            pump.join(timeout=5)
        self._writer.flush(timeout=10)
        self._stdin.close()
        current = client.read_flow_run(self.flow_run.id)
        if current.state.is_final() or self._suspended(current.state):
            return
        reason = f"Flow run process exited with code {self.returncode} before the run ended."
        if self._code_unknown:
            reason = (
                "Flow run process ended before the run did (its exit code was lost "
                "with the launcher that started it)."
            )
        if self._stderr_tail:
            reason += " Last lines of its stderr:\n" + "\n".join(self._stderr_tail)
        client.crash_flow_run(self.flow_run.id, reason)
