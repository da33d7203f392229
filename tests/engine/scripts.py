"""User scripts in a fresh interpreter, recording into the test's store.

`LINE` matches one terminal line in SPEC §2's shape; `terminal_lines` splits a
script's stderr into (source, message) pairs, failing on any other line.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from tests.conftest import run_script

LINE = re.compile(
    r"^\d\d:\d\d:\d\d\.\d{3} \| (?P<level>[A-Z]+) {0,7} \| (?P<source>.+?) - (?P<message>.*)$"
)
RUN_NAME = r"[a-z]+-[a-z]+"


def store_env() -> dict[str, str]:
    """The CAUCE_* settings of this test's store, for a script to record into it."""
    return {name: value for name, value in os.environ.items() if name.startswith("CAUCE_")}


def script_environment() -> dict[str, str]:
    """The environment of a script run by the test: this one's, recording into the store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    return {**env, **store_env()}


def write_script(folder: Path, source: str, name: str = "script.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source).lstrip())
    return path


def run(folder: Path, source: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Write `source` as a script and run it to the end, recording into the test's store."""
    return run_script(write_script(folder, source), store_env(), *args)


def terminal_lines(stderr: str) -> list[tuple[str, str, str]]:
    """(level, source, message) of every line, which must all have SPEC §2's shape."""
    lines = []
    for line in stderr.splitlines():
        match = LINE.match(line)
        assert match, f"not in the terminal shape: {line!r}\n--- stderr:\n{stderr}"
        lines.append((match["level"], match["source"], match["message"]))
    return lines


class RunningScript:
    """A script started in the background, to be signalled while it runs.

    Its stderr is read by a thread as it comes, so waiting for a line has a deadline
    even when the script prints nothing more; a script that overstays is aborted
    and its threads' stacks (faulthandler) end up in the failure message.
    """

    def __init__(self, path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-X", "faulthandler", str(path)],
            env=script_environment(),
            cwd=path.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        with self.process.stderr:
            for line in self.process.stderr:
                self._lines.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self._lines)

    def wait_for_line(self, text: str, timeout: float = 20) -> None:
        """Wait until a line containing `text` has been printed."""
        deadline = time.monotonic() + timeout
        while not any(text in line for line in list(self._lines)):
            if self.process.poll() is not None:
                self._reader.join(5)
                if any(text in line for line in list(self._lines)):
                    return
                raise AssertionError(f"the script ended without printing {text!r}:\n{self.stderr}")
            if time.monotonic() > deadline:
                self._abort(f"no {text!r} after {timeout} s")
            time.sleep(0.01)

    def finish(self, timeout: float = 20) -> int:
        """Wait for the script to end; its exit status."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._abort(f"still running after {timeout} s")
        self._reader.join(5)
        return self.process.returncode

    def _abort(self, problem: str) -> None:
        self.process.send_signal(signal.SIGABRT)
        self.process.wait(10)
        self._reader.join(5)
        raise AssertionError(f"{problem}:\n{self.stderr}")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reader.join(5)
