"""Each Prefect flow of the corpus, with only its imports changed, ends as it did on Prefect.

The scripts in flows/ are written against Prefect 3; scripts/record_prefect_corpus.py
ran them under Prefect 3.9.1 and recorded each one's exit status and its OUTCOME and
RESULT lines in prefect_outcomes.json. Here each is rewritten by `cauce migrate`'s
import pass, run as a user runs it (a fresh interpreter, a fresh CAUCE_HOME), and
must exit with the same status and print the same marker lines.

A script that needs an API cauce does not have yet is listed in KNOWN_GAPS: its test
is a strict xfail, so it starts failing (XPASS) the day the gap is closed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cauce.migrate.imports import rewrite

CORPUS = Path(__file__).parent
FLOWS = CORPUS / "flows"
RECORDED = json.loads((CORPUS / "prefect_outcomes.json").read_text())["scripts"]
MARKERS = ("OUTCOME ", "RESULT ")

# script -> what cauce is missing for it to end as it does on Prefect 3.9.1
KNOWN_GAPS: dict[str, str] = {}


def _params() -> list[object]:
    params: list[object] = []
    for name in sorted(p.name for p in FLOWS.glob("*.py")):
        gap = KNOWN_GAPS.get(name)
        marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
        params.append(pytest.param(name, marks=marks, id=name.removesuffix(".py")))
    return params


def _run(script: Path, home: Path, timeout: float = 60) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAUCE_", "PREFECT_"))}
    env.update(CAUCE_HOME=str(home), PYTHONIOENCODING="utf-8")
    group: dict[str, object]
    if sys.platform == "win32":
        group = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    else:
        group = {"start_new_session": True}
    proc = subprocess.Popen(
        [sys.executable, script.name],
        cwd=script.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **group,  # type: ignore[call-overload]
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    finally:
        if sys.platform == "win32":
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True)
        else:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()
    return proc.returncode, stdout, stderr


def test_every_script_has_a_recorded_outcome():
    assert sorted(RECORDED) == sorted(p.name for p in FLOWS.glob("*.py"))
    assert set(KNOWN_GAPS) <= set(RECORDED)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("name", _params())
def test_script_ends_as_on_prefect(name: str, tmp_path: Path):
    migrated = rewrite((FLOWS / name).read_bytes())
    assert not re.search(rb"^\s*(from|import) prefect", migrated.source, re.MULTILINE)
    script = tmp_path / name
    script.write_bytes(migrated.source)

    status, stdout, stderr = _run(script, tmp_path / "home")

    markers = [line.rstrip() for line in stdout.splitlines() if line.startswith(MARKERS)]
    expected = RECORDED[name]
    assert (status, markers) == (expected["exit_status"], expected["markers"]), stderr[-3000:]
