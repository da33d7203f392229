"""Measuring helpers that every generated workload imports.

Standard library only, and no framework import: the same file runs under
cauce's and Prefect's interpreters, copied next to the workload by
`_harness.run_workload`, which also sets the environment variables read here.
The workload hands its figures back through `report()`, as a JSON file.
"""

import json
import os
import resource
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULT_PATH_ENV = "BENCH_RESULT_PATH"
DB_PATH_ENV = "BENCH_DB_PATH"
TASK_RUN_TABLE_ENV = "BENCH_TASK_RUN_TABLE"
STATE_COLUMN_ENV = "BENCH_STATE_COLUMN"
SIZE_ENV = "BENCH_N"
ROUNDS_ENV = "BENCH_ROUNDS"

PERSIST_TIMEOUT_S = 120.0
POLL_INTERVAL_S = 0.02


def workload_size(default: int) -> int:
    """How many tasks, flows or subflows to run (BENCH_N, else `default`)."""
    return int(os.environ.get(SIZE_ENV, default))


def count_completed_task_runs() -> int:
    """Task runs whose final COMPLETED state is already in the framework's database."""
    db_path = Path(os.environ[DB_PATH_ENV])
    if not db_path.exists():
        return 0
    table = os.environ[TASK_RUN_TABLE_ENV]
    column = os.environ[STATE_COLUMN_ENV]
    # Read-only, so polling never creates the file or takes a write lock.
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5.0)
    try:
        row = connection.execute(
            f'SELECT count(*) FROM "{table}" WHERE "{column}" = ?', ("COMPLETED",)
        ).fetchone()
    except sqlite3.OperationalError:  # table not created yet, or busy
        return 0
    finally:
        connection.close()
    return int(row[0])


def wait_for_completed_task_runs(expected: int) -> tuple[float | None, int]:
    """Poll until `expected` task runs are COMPLETED in the database.

    Returns (seconds waited, or None after PERSIST_TIMEOUT_S; last count seen).
    Without BENCH_DB_PATH (a database the workload cannot read, such as a
    server's PostgreSQL) there is nothing to poll: (None, -1).
    """
    if DB_PATH_ENV not in os.environ:
        return None, -1
    started = time.perf_counter()
    while True:
        completed = count_completed_task_runs()
        waited = time.perf_counter() - started
        if completed >= expected:
            return waited, completed
        if waited > PERSIST_TIMEOUT_S:
            return None, completed
        time.sleep(POLL_INTERVAL_S)


def peak_rss_mb() -> float:
    """Peak resident memory of this process (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_tree_mb() -> float | None:
    """Peak RSS of this process plus its live descendants (e.g. Prefect's temporary
    server), summed; peaks may not coincide, so this is an upper bound. None off Linux."""
    return process_tree_mb(os.getpid(), "VmHWM")


def process_tree_mb(pid: int, field: str) -> float | None:
    """The /proc status `field` (VmRSS: resident now, VmHWM: peak) of `pid` and all its
    live descendants, summed, in MB. None off Linux."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces; fields resume after its ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total_kib = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        pending.extend(children.get(current, []))
        try:
            status = (proc / str(current) / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith(f"{field}:"):
                total_kib += int(line.split()[1])
    return total_kib / 1024


def report(**figures: Any) -> None:
    """Hand the figures back to the harness."""
    Path(os.environ[RESULT_PATH_ENV]).write_text(json.dumps(figures))


def measure_task_flow(run_flow: Callable[[int], object], n: int) -> None:
    """Time `run_flow(n)` (a flow running n task runs), wait for them in the
    database, and report the task-run figures.

    A one-task call first, timed apart as `first_flow_s`, pays the one-off start-up
    (database creation and migration; Prefect's temporary server) so that
    `per_task_us` is the cost of a task run, not of the first flow in a process.
    With BENCH_ROUNDS set, `measure_rounds` instead.
    """
    if ROUNDS_ENV in os.environ:
        measure_rounds(run_flow, n, int(os.environ[ROUNDS_ENV]))
        return
    started = time.perf_counter()
    run_flow(1)
    first_flow_s = time.perf_counter() - started

    started = time.perf_counter()
    run_flow(n)
    flow_s = time.perf_counter() - started
    lag_s, completed = wait_for_completed_task_runs(n + 1)

    report(
        per_task_us=flow_s / n * 1e6,
        persist_lag_s=lag_s,
        per_task_total_us=None if lag_s is None else (flow_s + lag_s) / n * 1e6,
        flow_s=flow_s,
        first_flow_s=first_flow_s,
        peak_rss_mb=peak_rss_mb(),
        peak_rss_tree_mb=peak_rss_tree_mb(),
        checks={"completed_task_runs": completed, "expected_task_runs": n + 1},
    )


def measure_rounds(run_flow: Callable[[int], object], n: int, rounds: int) -> None:
    """Time `run_flow(n)` `rounds` times on the same store, each round recording into a
    store holding the rounds before it, and report `per_task_us_by_round`."""
    run_flow(1)  # the store's creation, apart
    per_round = []
    for _ in range(rounds):
        started = time.perf_counter()
        run_flow(n)
        per_round.append((time.perf_counter() - started) / n * 1e6)
    report(per_task_us_by_round=per_round)


def measure_batch(run_batch: Callable[[int], object], n: int, unit: str) -> None:
    """Time `run_batch(n)` (n flows or subflows run back to back) and report
    `per_<unit>_ms`.

    A `run_batch(1)` call first, timed apart as `first_flow_s`, pays the start-up.
    """
    started = time.perf_counter()
    run_batch(1)
    first_flow_s = time.perf_counter() - started

    started = time.perf_counter()
    run_batch(n)
    total_s = time.perf_counter() - started

    report(
        **{f"per_{unit}_ms": total_s / n * 1e3},
        total_s=total_s,
        first_flow_s=first_flow_s,
        peak_rss_mb=peak_rss_mb(),
    )


FINAL_STATE_TYPES = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})
RUN_TIMEOUT_S = 300.0


def time_run_to_completion(
    create: Callable[[], str], state_type: Callable[[str], str]
) -> dict[str, Any]:
    """Make one run with `create()` (its id) and poll `state_type(id)` every
    POLL_INTERVAL_S until the run is final.

    `to_running_s` is when the poll first saw it Running (or past it, then
    `running_seen` is False: it ran between two polls); both times run from just
    before `create()`. `created_at` is that moment on the wall clock, to set
    against the store's state timestamps.
    """
    created_at = time.time()
    started = time.perf_counter()
    flow_run_id = create()
    create_s = time.perf_counter() - started
    to_running_s: float | None = None
    running_seen = False
    while True:
        state = state_type(flow_run_id)
        elapsed = time.perf_counter() - started
        if to_running_s is None and (state == "RUNNING" or state in FINAL_STATE_TYPES):
            to_running_s, running_seen = elapsed, state == "RUNNING"
        if state in FINAL_STATE_TYPES:
            return {
                "id": flow_run_id,
                "create_s": create_s,
                "to_running_s": to_running_s,
                "running_seen": running_seen,
                "to_completed_s": elapsed,
                "final_state": state,
                "created_at": created_at,
            }
        if elapsed > RUN_TIMEOUT_S:
            raise TimeoutError(f"flow run {flow_run_id} still {state} after {elapsed:.0f} s")
        time.sleep(POLL_INTERVAL_S)


def wait_until_all_completed(
    count_completed: Callable[[], int], expected: int, started: float
) -> tuple[float, int]:
    """Poll `count_completed()` every POLL_INTERVAL_S until it reaches `expected`;
    (seconds since `started`, a perf_counter reading; the last count)."""
    while True:
        completed = count_completed()
        elapsed = time.perf_counter() - started
        if completed >= expected or elapsed > RUN_TIMEOUT_S * 4:
            return elapsed, completed
        time.sleep(POLL_INTERVAL_S)
