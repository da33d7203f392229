"""Run the Prefect corpus under real Prefect and record what a user sees.

Each script in tests/prefect_corpus/flows/ runs with Prefect's own interpreter
(default /opt/prefect-venv/bin/python; `--python` to change it), in a fresh
PREFECT_HOME and an ephemeral API, the way `python script.py` runs for a user.
The exit status and the script's marker lines (`OUTCOME ...`, `RESULT ...`) go
into tests/prefect_corpus/prefect_outcomes.json, which test_corpus.py holds cauce to.

    python scripts/record_prefect_corpus.py [--python PATH] [script.py ...]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "prefect_corpus"
FLOWS = CORPUS / "flows"
OUTCOMES = CORPUS / "prefect_outcomes.json"
MARKERS = ("OUTCOME ", "RESULT ")
TIMEOUT_SECONDS = 60.0


def marker_lines(stdout: str) -> list[str]:
    """The lines of a script's stdout that the corpus compares: its OUTCOME and RESULT markers."""
    return [line.rstrip() for line in stdout.splitlines() if line.startswith(MARKERS)]


def _run(python: str, script: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="prefect-home-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CAUCE_"))}
        env.update(
            PREFECT_HOME=home,
            PREFECT_SERVER_ALLOW_EPHEMERAL_MODE="true",
            # Its ephemeral server's 20 s start limit is too short on a busy machine.
            PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
            PYTHONIOENCODING="utf-8",
        )
        new_group: dict[str, object]
        if sys.platform == "win32":
            new_group = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        else:
            new_group = {"start_new_session": True}
        proc = subprocess.Popen(
            [python, script.name],
            cwd=script.parent,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **new_group,  # type: ignore[call-overload]
        )
        try:
            stdout, stderr = proc.communicate(timeout=TIMEOUT_SECONDS)
        finally:
            _kill_group(proc)
    if proc.returncode != 0 and not marker_lines(stdout) and "Traceback" not in stderr:
        sys.stderr.write(f"{script.name}: exit {proc.returncode}\n{stderr[-2000:]}\n")
    return {"exit_status": proc.returncode, "markers": marker_lines(stdout)}


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """Kill the script and anything it started (an ephemeral server, workers)."""
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True)
    else:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def _prefect_version(python: str) -> str:
    out = subprocess.run(
        [python, "-c", "import prefect; print(prefect.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    """Record every script (or those named) and rewrite prefect_outcomes.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="/opt/prefect-venv/bin/python")
    parser.add_argument("scripts", nargs="*", help="file names under flows/ (default: all)")
    args = parser.parse_args(argv)
    recorded = json.loads(OUTCOMES.read_text()) if OUTCOMES.exists() else {"scripts": {}}
    names = args.scripts or sorted(p.name for p in FLOWS.glob("*.py"))
    for name in names:
        outcome = _run(args.python, FLOWS / name)
        recorded["scripts"][name] = outcome
        print(name, outcome["exit_status"], *outcome["markers"], sep="\n  ")  # type: ignore[misc]
    present = {p.name for p in FLOWS.glob("*.py")}
    recorded["scripts"] = {k: v for k, v in sorted(recorded["scripts"].items()) if k in present}
    recorded["prefect_version"] = _prefect_version(args.python)
    OUTCOMES.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
