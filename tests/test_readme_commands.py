"""Every `cauce` command the README shows for deployments, workers and the watchdog runs
as written, in order, against the guide's `basic.py` in a fresh project and CAUCE_HOME
(a user copying them must not meet an error the README did not promise)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.guide import BASIC_EXAMPLE

README = Path(__file__).parent.parent / "README.md"
SECTIONS = ("## Deploying", "## Workers", "## Watchdog")
# Commands that run until stopped, or need what a test machine has not (root, a
# systemd, another host): the README says so beside them.
LONG_RUNNING = re.compile(r"cauce worker start(?!.*--run-once)|cauce server start|install-service")


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def readme_commands() -> list[str]:
    """The `cauce ...` lines of the ```sh blocks of SECTIONS, continuations joined and
    comments dropped."""
    text = README.read_text()
    commands = []
    for heading in SECTIONS:
        for block in re.findall(r"```sh\n(.*?)```", _section(text, heading), re.S):
            for line in block.replace("\\\n", " ").splitlines():
                line = line.split("  #", 1)[0].strip()
                if line.startswith("cauce ") and not LONG_RUNNING.search(line):
                    commands.append(line)
    return commands


def test_the_readme_shows_commands_for_each_section() -> None:
    commands = readme_commands()
    assert any(c.startswith("cauce deploy ") for c in commands)
    assert any(c.startswith("cauce worker start") for c in commands)
    assert any(c.startswith("cauce watchdog run") for c in commands)


@pytest.mark.timeout(300)
def test_every_readme_command_runs_as_written(tmp_path: Path) -> None:
    project = tmp_path / "compras"
    project.mkdir()
    (project / "basic.py").write_text(BASIC_EXAMPLE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    env["CAUCE_HOME"] = str(tmp_path / "home")
    cauce = [sys.executable, "-m", "cauce.cli.main"]
    for command in readme_commands():
        argv = cauce + shlex.split(command)[1:]
        result = subprocess.run(
            argv,
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
