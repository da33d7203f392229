"""`python -m cauce.workers.launcher FD MODULE...`: a warm process that forks the worker's
run processes (POSIX only).

A fresh `python -m cauce.workers.execute` pays an interpreter and cauce's imports
(pydantic, httpx or SQLAlchemy) on every run. The worker starts this process once:
it imports what a run needs, then waits on the socket FD for requests. Each request
names a flow run and carries the run's environment, working directory and its
stdin/stdout/stderr pipe ends (as file descriptors); the launcher forks a child that
becomes the leader of a session of its own, takes those pipes as 0/1/2, that
environment and directory, and runs `execute()` as the fresh process would. The
launcher reaps its children and reports each one's exit status (negative for a
signal, as Popen's) to the worker. It never connects to a store, starts a thread or
reads settings before forking: those would be shared by every child. It ends when the
worker closes the socket (or dies), leaving any runs going to end on their own.

Messages, both ways, are frames: a 4-byte big-endian length, then JSON.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import traceback
import uuid
from collections.abc import Sequence
from typing import Any, NoReturn

assert sys.platform != "win32"  # Windows workers spawn each run (run_process.py)

_HEADER = struct.Struct(">I")
_PIPES = 3  # the run's stdin, stdout, stderr
# The first run waits for the launcher's imports; a launcher that does not answer by
# then is taken for gone and the run is spawned.
_ANSWER_SECONDS = 30.0
# What every run imports whatever its store; the worker adds its client's module.
PRELOAD = (
    "cauce.workers.execute",
    "cauce.engine.flow_run",
    "cauce.logging.config",
    "cauce.settings",
    "cauce.flows",
    "cauce.tasks",
)
# What a client imports only once used: the first request, or its engine's dialect.
_CLIENT_PRELOAD = {
    "cauce.client.http": (
        *("httpcore", "h11", "anyio", "certifi", "encodings.idna", "pydantic.dataclasses"),
    ),
    "cauce.client.embedded": (
        *(f"cauce.database.{name}" for name in ("connections", "tables")),
        *(
            f"cauce.database.queries.{name}"
            for name in ("deployments", "flow_runs", "task_runs", "work_pools", "workers")
        ),
        *(
            f"cauce.orchestration.{name}"
            for name in ("crashes", "deployment_checks", "deployments", "scheduling", "workers")
        ),
        "sqlalchemy.dialects.sqlite.pysqlite",
        "sqlalchemy.dialects.postgresql.psycopg",
        "psycopg",
    ),
}

Message = dict[str, Any]


def _frame(message: Message) -> bytes:
    data = json.dumps(message).encode()
    return _HEADER.pack(len(data)) + data


class _Frames:
    """The messages read from a socket, each with the descriptors sent with it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = bytearray()
        self._fds: list[int] = []

    def receive(self) -> list[tuple[Message, list[int]]] | None:
        """The messages completed by one read; None at end of stream."""
        data, fds, _flags, _address = socket.recv_fds(self.sock, 1 << 16, 4 * _PIPES)
        self._fds += fds
        if not data:
            return None
        self._buffer += data
        messages = []
        while len(self._buffer) >= _HEADER.size:
            (length,) = _HEADER.unpack_from(self._buffer)
            if len(self._buffer) < _HEADER.size + length:
                break
            message = json.loads(self._buffer[_HEADER.size : _HEADER.size + length])
            del self._buffer[: _HEADER.size + length]
            count = message.get("fds", 0)
            messages.append((message, self._fds[:count]))
            del self._fds[:count]
        return messages


class Launcher:
    """The worker's side: the launcher process, asked to start runs and for their ends."""

    def __init__(self, preload: Sequence[str]) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cauce.workers.launcher", str(theirs.fileno()), *preload],
            stdin=subprocess.DEVNULL,
            pass_fds=[theirs.fileno()],
        )
        theirs.close()
        self._frames = _Frames(ours)
        self._selector = selectors.DefaultSelector()
        self._selector.register(ours, selectors.EVENT_READ)
        self._requests = 0
        self._started: dict[int, int] = {}
        self.exit_codes: dict[int, int] = {}
        """Each ended run's exit status, by its request's number."""
        self.alive = True

    @property
    def pid(self) -> int:
        """The launcher's process id."""
        return self.process.pid

    def start(
        self, flow_run_id: uuid.UUID, environment: dict[str, str], pipes: Sequence[int]
    ) -> tuple[int, int] | None:
        """Fork a process running `flow_run_id` with these stdin/stdout/stderr: its
        request's number and pid, or None when the launcher is gone."""
        if not self.alive:
            return None
        self._requests += 1
        number = self._requests
        request = {"id": number, "run": str(flow_run_id), "env": environment}
        request.update(cwd=os.getcwd(), fds=len(pipes))
        frame = _frame(request)
        try:
            sent = socket.send_fds(self._frames.sock, [frame], list(pipes))
            self._frames.sock.sendall(frame[sent:])
        except OSError:
            self._gone()
            return None
        while number not in self._started:
            if not self._read(_ANSWER_SECONDS):
                self._gone()
                return None
        return number, self._started.pop(number)

    def collect(self) -> None:
        """Take in the exit statuses reported since the last call; never waits."""
        while self.alive and self._read(0.0):
            pass

    def _read(self, timeout: float) -> bool:
        """Read what the launcher sent within `timeout`; False when nothing came."""
        if not self._selector.select(timeout):
            return False
        try:
            messages = self._frames.receive()
        except OSError:
            messages = None
        if messages is None:
            self._gone()
            return False
        for message, _fds in messages:
            if "pid" in message:
                self._started[message["id"]] = message["pid"]
            else:
                self.exit_codes[message["id"]] = message["code"]
        return True

    def _gone(self) -> None:
        if self.alive:
            self.alive = False
            self._selector.close()
            self._frames.sock.close()
            self.process.kill()  # answering no more is as good as gone
            self.process.wait()

    def close(self) -> None:
        """Stop the launcher (runs it started carry on)."""
        if self.alive:
            self.alive = False
            self._selector.close()
            self._frames.sock.close()  # its end of stream: it exits
            try:
                # Not longer: one still importing would make a `--run-once` slow to end.
                self.process.wait(1)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _serve(sock: socket.socket) -> None:
    """Fork a run for each request, report each child's end, until the worker closes."""
    wake_read, wake_write = socket.socketpair()
    wake_read.setblocking(False)
    wake_write.setblocking(False)
    signal.set_wakeup_fd(wake_write.fileno())
    signal.signal(signal.SIGCHLD, lambda _signum, _frame: None)
    frames = _Frames(sock)
    children: dict[int, int] = {}  # pid: request number
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    closing = [sock, wake_read, wake_write]
    while True:
        for key, _events in selector.select(1.0 if children else None):
            if key.fileobj is wake_read:
                _drain(wake_read)
                continue
            messages = frames.receive()
            if messages is None:
                return
            for request, fds in messages:
                pid = _fork(request, fds, closing, selector)
                children[pid] = request["id"]
                sock.sendall(_frame({"id": request["id"], "pid": pid}))
        _reap(children, sock)


def _drain(sock: socket.socket) -> None:
    try:
        while sock.recv(4096):
            pass
    except BlockingIOError:
        pass


def _reap(children: dict[int, int], sock: socket.socket) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        number = children.pop(pid, None)
        if number is not None:
            code = os.waitstatus_to_exitcode(status)
            sock.sendall(_frame({"id": number, "code": code}))


def _fork(
    request: Message,
    fds: list[int],
    closing: list[socket.socket],
    selector: selectors.BaseSelector,
) -> int:
    """Fork the request's run; the child's pid (the parent keeps none of its pipes)."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        selector.close()
        for sock in closing:
            sock.close()
        _child(request, fds)
    for fd in fds:
        os.close(fd)
    return pid


def _child(request: Message, fds: list[int]) -> NoReturn:
    """Become the run's process, as `python -m cauce.workers.execute ID` would be."""
    code = 1
    try:
        os.setsid()
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        # Only 0, 1 and 2, as in a fresh process: not another run's pipes.
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.path[0] = request["cwd"]
        code = _execute(uuid.UUID(request["run"]))
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def _execute(flow_run_id: uuid.UUID) -> int:
    """Run it, then end as the interpreter would: wait for threads, run atexit."""
    from cauce.client.factory import reset_client
    from cauce.settings import reset_settings
    from cauce.workers import execute

    reset_settings()  # nothing was read before the fork; the child's own environment counts
    reset_client()
    sys.argv = [execute.__file__, str(flow_run_id)]
    try:
        code = execute.execute(flow_run_id)
    except SystemExit as exc:
        code = _exit_status(exc)
    except BaseException:
        traceback.print_exc()
        code = 1
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    return code


def _exit_status(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _preload(client_modules: Sequence[str]) -> None:
    names = [*PRELOAD]
    for module in client_modules:
        names += [module, *_CLIENT_PRELOAD.get(module, ())]
    for name in dict.fromkeys(names):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:
            pass  # an optional driver not installed; a run needing it imports it or fails
        except Exception as exc:
            print(f"cauce launcher: could not import {name}: {exc!r}", file=sys.stderr)


def main(argv: Sequence[str]) -> None:
    """The launcher's entry point: the socket's descriptor, then the modules to import."""
    # The worker stops the launcher by closing the socket; Ctrl-C on the worker's
    # terminal reaches this process too, and must not end it before the worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sock = socket.socket(fileno=int(argv[0]))
    _preload(argv[1:])
    # Out of the collector's sight: a child's collections then leave the imported
    # modules' pages shared instead of copying them all (~20 ms of CPU a run).
    gc.freeze()
    try:
        _serve(sock)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the worker is gone


if __name__ == "__main__":
    main(sys.argv[1:])
