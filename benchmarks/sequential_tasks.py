"""Figure: one flow calling 1,000 trivial tasks sequentially.

`per_task_us`: flow call time / N. `persist_lag_s`: from the flow's return until
all N task runs are COMPLETED in the framework's SQLite database (null if not
within 120 s). `per_task_total_us`: (flow time + lag) / N. `peak_rss_mb`: peak
RSS of the workload process; `peak_rss_tree_mb` adds its helper processes
(Prefect's temporary server). `first_flow_s`: a one-task flow run first, which
pays the start-up (database creation, Prefect's server) and is left out above.
"""

import argparse
from typing import Any

from _harness import Options, bench_main, round_figures, run_workload


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", type=int, default=1000, help="task runs (default 1000)")


def measure(options: Options) -> dict[str, Any]:
    run = run_workload("sequential_tasks.py", options, env={"BENCH_N": str(options.args.n)})
    return round_figures({**run.result, "params": {"n": options.args.n}})


if __name__ == "__main__":
    bench_main("per_task_run_sequential", __doc__ or "", measure, add_arguments)
