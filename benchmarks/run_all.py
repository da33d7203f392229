"""Run every benchmark for cauce and Prefect and print the figures side by side.

Each benchmark script runs as its own process and prints one JSON line; those
lines are written to --out as they arrive, and a table (figure, cauce, prefect,
prefect/cauce) is printed at the end. A framework whose interpreter is missing
or cannot import it is skipped with the reason.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

from _harness import default_python

BENCH_DIR = Path(__file__).resolve().parent
SCRIPTS = (
    "import_time.py",
    "seed_first_example.py",
    "sequential_tasks.py",
    "map_tasks.py",
    "sequential_flows.py",
    "subflows.py",
    "seed_async_example.py",
    "task_logging.py",
    "used_store.py",
    "server_startup.py",
    "server_load.py",
    "deploy_command.py",
    "scheduler_pass.py",
    "deployment_run.py",
    "worker_run.py",
)
FRAMEWORKS = ("cauce", "prefect")
NOT_FIGURES = {"load_avg_1m"}
_VERSION_CHECK = "import importlib.metadata as m, {0}; print(m.version('{0}'))"


def framework_version(framework: str, python: str) -> tuple[str | None, str]:
    """(version, "") when `python` can import `framework`, else (None, why not)."""
    if not Path(python).exists():
        return None, f"no interpreter at {python}"
    check = subprocess.run(
        [python, "-c", _VERSION_CHECK.format(framework)],
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode != 0:
        last_line = (check.stderr.strip().splitlines() or ["?"])[-1]
        return None, f"{python} cannot import {framework}: {last_line}"
    return check.stdout.strip(), ""


def run_script(script: str, framework: str, python: str) -> dict[str, Any]:
    """Run one benchmark script and return its JSON line (or an error record)."""
    command = [sys.executable, str(BENCH_DIR / script), "--framework", framework]
    completed = subprocess.run(
        [*command, "--python", python], capture_output=True, text=True, check=False
    )
    lines = completed.stdout.strip().splitlines()
    try:
        record: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = "\n".join(completed.stderr.strip().splitlines()[-10:])
        record = {"figure": script, "framework": framework, "error": tail}
    record["script"] = script
    return record


def metrics(record: dict[str, Any]) -> dict[str, float]:
    """The record's numeric figures (parameters and checks are nested, so left out)."""
    return {
        key: value
        for key, value in record.items()
        if isinstance(value, int | float) and not isinstance(value, bool) and key not in NOT_FIGURES
    }


def format_value(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}"


def print_table(records: list[dict[str, Any]], out: IO[str]) -> None:
    """figure.metric | cauce | prefect | prefect/cauce, in script order."""
    by_key: dict[tuple[str, str], dict[str, float]] = {}
    for record in records:
        for name, value in metrics(record).items():
            by_key.setdefault((record["script"], f"{record['figure']}.{name}"), {})[
                record["framework"]
            ] = value
    rows = [("figure", "cauce", "prefect", "prefect/cauce")]
    for script in SCRIPTS:
        for (row_script, name), values in by_key.items():
            if row_script != script:
                continue
            cauce, prefect = values.get("cauce"), values.get("prefect")
            ratio = prefect / cauce if cauce and prefect is not None else None
            rows.append((name, format_value(cauce), format_value(prefect), format_value(ratio)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        numbers = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        cells = [row[0].ljust(widths[0]), *numbers]
        print(" | ".join(cells), file=out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, help="write the JSON lines to this file")
    parser.add_argument("--cauce-python", default=default_python("cauce"))
    parser.add_argument("--prefect-python", default=default_python("prefect"))
    parser.add_argument(
        "--only", nargs="+", choices=SCRIPTS, default=SCRIPTS, help="run only these scripts"
    )
    parser.add_argument("--frameworks", nargs="+", choices=FRAMEWORKS, default=FRAMEWORKS)
    args = parser.parse_args()

    pythons = {"cauce": args.cauce_python, "prefect": args.prefect_python}
    available = []
    for framework in args.frameworks:
        version, reason = framework_version(framework, pythons[framework])
        if version is None:
            print(f"skipped {framework}: {reason}", file=sys.stderr)
        else:
            print(f"{framework} {version} ({pythons[framework]})", file=sys.stderr)
            available.append(framework)

    records = []
    out = args.out.open("w") if args.out else None
    try:
        for script in args.only:
            for framework in available:
                print(f"running {script} --framework {framework} ...", file=sys.stderr)
                record = run_script(script, framework, pythons[framework])
                if "error" in record:
                    print(f"  failed: {record['error']}", file=sys.stderr)
                records.append(record)
                if out is not None:
                    out.write(json.dumps(record) + "\n")
                    out.flush()
    finally:
        if out is not None:
            out.close()
    print_table(records, sys.stdout)


if __name__ == "__main__":
    main()
