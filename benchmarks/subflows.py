"""Figure: a parent flow calling 50 trivial subflows one after another.

`per_subflow_ms`: parent flow call time / N. A first parent run with one
subflow, which pays the start-up, is left out (`first_flow_s`).
"""

import argparse
from typing import Any

from _harness import Options, bench_main, round_figures, run_workload


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", type=int, default=50, help="subflow runs (default 50)")


def measure(options: Options) -> dict[str, Any]:
    run = run_workload("subflows.py", options, env={"BENCH_N": str(options.args.n)})
    return round_figures({**run.result, "params": {"n": options.args.n}})


if __name__ == "__main__":
    bench_main("subflows", __doc__ or "", measure, add_arguments)
