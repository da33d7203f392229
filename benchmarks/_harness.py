"""Run a benchmark workload in a fresh interpreter with a fresh framework home.

A workload is a user script in `workloads/`, written for cauce. For Prefect its
one framework line (`from cauce import ...` / `import cauce`) is rewritten, the
same edit a user makes when migrating, and nothing else changes. Each run gets a
new temporary directory holding the script, a copy of `_workload_support.py`
and the framework's home (CAUCE_HOME / PREFECT_HOME), and an environment
without any CAUCE_* / PREFECT_* variable, so both frameworks record runs in
their default local SQLite database (Prefect: its ephemeral mode). The script
hands its figures back as a JSON file; each benchmark prints one JSON line.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORKLOADS_DIR = Path(__file__).resolve().parent / "workloads"
SUPPORT_MODULE = "_workload_support.py"
DEFAULT_PREFECT_PYTHON = "/opt/prefect-venv/bin/python"
PREFECT_PYTHON_ENV = "BENCH_PREFECT_PYTHON"
WORKLOAD_TIMEOUT_S = 900.0

_FRAMEWORK_LINE = re.compile(r"^(from|import) cauce\b", re.MULTILINE)


@dataclass(frozen=True)
class Framework:
    """Where a framework keeps its home and records its task runs."""

    name: str
    home_env: str
    db_file: str
    task_run_table: str
    state_column: str = "state_type"
    env: Mapping[str, str] = field(default_factory=dict)


FRAMEWORKS = {
    "cauce": Framework("cauce", "CAUCE_HOME", "cauce.db", "task_runs"),
    "prefect": Framework(
        "prefect",
        "PREFECT_HOME",
        "prefect.db",
        "task_run",
        # Creating a fresh prefect.db (its migrations) takes about 20 s here, right
        # at the default 20 s limit for the temporary server to answer; a longer
        # limit only turns a spurious failure into a (slow) measurement.
        env={"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300"},
    ),
}


def default_python(framework: str) -> str:
    """The interpreter used for `framework` when --python is not given."""
    if framework == "prefect":
        return os.environ.get(PREFECT_PYTHON_ENV, DEFAULT_PREFECT_PYTHON)
    return sys.executable


@dataclass(frozen=True)
class Options:
    """Command-line choices common to every benchmark, plus its own (`args`)."""

    framework: Framework
    python: str
    args: argparse.Namespace


class WorkloadError(RuntimeError):
    """The workload process failed or did not report its figures."""


@dataclass(frozen=True)
class WorkloadRun:
    """One finished workload process."""

    wall_s: float
    stdout: str
    stderr: str
    result: dict[str, Any]


def render_workload(name: str, framework: Framework) -> str:
    """The workload's source for `framework`: only its import line differs.

    A workload has one framework import line, or none (a baseline).
    """
    source = (WORKLOADS_DIR / name).read_text()
    lines = _FRAMEWORK_LINE.findall(source)
    if len(lines) > 1:
        raise ValueError(f"{name}: more than one cauce import line")
    return _FRAMEWORK_LINE.sub(rf"\1 {framework.name}", source)


def workload_env(framework: Framework, workdir: Path, home: Path) -> dict[str, str]:
    """This process's environment, minus any framework setting, plus the bench's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CAUCE_", "PREFECT_", "BENCH_"))
    }
    env.update(framework.env)
    env[framework.home_env] = str(home)
    env["BENCH_RESULT_PATH"] = str(workdir / "result.json")
    env["BENCH_DB_PATH"] = str(home / framework.db_file)
    env["BENCH_TASK_RUN_TABLE"] = framework.task_run_table
    env["BENCH_STATE_COLUMN"] = framework.state_column
    return env


def run_workload(
    name: str,
    options: Options,
    *,
    home: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float = WORKLOAD_TIMEOUT_S,
) -> WorkloadRun:
    """Run workload `name` once in a fresh process; `wall_s` is the whole process.

    `home` defaults to a fresh directory deleted afterwards; pass one to reuse a
    home across runs. `env` adds variables (e.g. BENCH_N).
    """
    with tempfile.TemporaryDirectory(prefix=f"bench-{options.framework.name}-") as tmp:
        workdir = Path(tmp)
        script = workdir / name
        script.write_text(render_workload(name, options.framework))
        shutil.copy(WORKLOADS_DIR / SUPPORT_MODULE, workdir / SUPPORT_MODULE)
        run_env = workload_env(options.framework, workdir, home or workdir / "home")
        run_env.update(env or {})
        started = time.perf_counter()
        stdout, stderr, returncode = _run(
            [options.python, str(script)], workdir, run_env, timeout_s
        )
        wall_s = time.perf_counter() - started
        if returncode != 0:
            kept = _keep_output(name, options.framework, stdout, stderr)
            raise WorkloadError(
                f"{name} exited with {returncode} (full output in {kept}):\n{_tail(stderr)}"
            )
        result_path = Path(run_env["BENCH_RESULT_PATH"])
        result = json.loads(result_path.read_text()) if result_path.exists() else {}
    return WorkloadRun(wall_s=wall_s, stdout=stdout, stderr=stderr, result=result)


def _run(
    command: list[str], cwd: Path, env: dict[str, str], timeout_s: float
) -> tuple[str, str, int]:
    """Run `command` in its own session; on return, end whatever it left behind.

    Output goes to files, not pipes, so a leftover grandchild holding them open
    cannot keep us waiting.
    """
    out_path, err_path = cwd / "stdout.txt", cwd / "stderr.txt"
    with out_path.open("w") as out, err_path.open("w") as err:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        try:
            returncode = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            returncode = None
        finally:
            # A helper the workload started (Prefect's temporary server) must not
            # outlive it; the group is the one this Popen created.
            kill_group(process.pid)
            process.wait()
    stdout, stderr = out_path.read_text(), err_path.read_text()
    if returncode is None:
        raise WorkloadError(f"timed out after {timeout_s:.0f} s:\n{_tail(stderr)}")
    return stdout, stderr, returncode


def _keep_output(name: str, framework: Framework, stdout: str, stderr: str) -> Path:
    """Save a failed run's output outside its temporary directory, for reading later."""
    kept = Path(tempfile.mkdtemp(prefix=f"bench-failed-{framework.name}-{Path(name).stem}-"))
    (kept / "stdout.txt").write_text(stdout)
    (kept / "stderr.txt").write_text(stderr)
    return kept


def kill_group(pgid: int) -> None:
    """SIGKILL the process group `pgid`, if anything is left of it."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def parse_options(
    description: str, add_arguments: Callable[[argparse.ArgumentParser], None] | None = None
) -> Options:
    """Parse --framework and --python (and the benchmark's own arguments)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--framework", choices=sorted(FRAMEWORKS), default="cauce")
    parser.add_argument(
        "--python",
        help="interpreter with the framework installed (default: this one for cauce; "
        f"${PREFECT_PYTHON_ENV} or {DEFAULT_PREFECT_PYTHON} for prefect)",
    )
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args()
    return Options(
        framework=FRAMEWORKS[args.framework],
        python=args.python or default_python(args.framework),
        args=args,
    )


def bench_main(
    figure: str,
    description: str,
    measure: Callable[[Options], dict[str, Any]],
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
) -> None:
    """Parse options, measure, and print the one JSON line (an `error` on failure)."""
    options = parse_options(description, add_arguments)
    record: dict[str, Any] = {"figure": figure, "framework": options.framework.name}
    try:
        record.update(measure(options))
    except WorkloadError as exc:
        record["error"] = str(exc)
    record["python"] = options.python
    # Other work on the machine skews every figure; the load says how much there was.
    record["load_avg_1m"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(json.dumps(record), flush=True)
    if "error" in record:
        sys.exit(1)


def add_task_count_argument(parser: argparse.ArgumentParser) -> None:
    """`-n`: how many task runs the workload's flow makes (default 1,000)."""
    parser.add_argument("-n", type=int, default=1000, help="task runs (default 1000)")


def task_flow_main(figure: str, description: str, workload: str) -> None:
    """bench_main for a workload whose one flow makes N task runs: its figures as they are."""

    def measure(options: Options) -> dict[str, Any]:
        run = run_workload(workload, options, env={"BENCH_N": str(options.args.n)})
        return round_figures({**run.result, "params": {"n": options.args.n}})

    bench_main(figure, description, measure, add_task_count_argument)


def round_figures(figures: Mapping[str, Any], digits: int = 4) -> dict[str, Any]:
    """Round float figures so the JSON line stays readable."""
    return {
        key: round(value, digits) if isinstance(value, float) else value
        for key, value in figures.items()
    }
