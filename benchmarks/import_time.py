"""Figure: wall time of a fresh interpreter importing the framework.

`import_s` = median of N runs of `import cauce` / `import prefect`, minus the median
of N runs of an interpreter that imports nothing (`baseline_s`, also reported).
"""

import argparse
import statistics
from typing import Any

from _harness import Options, bench_main, round_figures, run_workload


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=5, help="runs per median (default 5)")


def measure(options: Options) -> dict[str, Any]:
    # One untimed run of each first, so .pyc files exist and the OS cache is warm.
    run_workload("empty.py", options)
    run_workload("import_framework.py", options)
    baseline: list[float] = []
    imports: list[float] = []
    for _ in range(options.args.runs):  # interleaved, so drift hits both alike
        baseline.append(run_workload("empty.py", options).wall_s)
        imports.append(run_workload("import_framework.py", options).wall_s)
    baseline_s, import_wall_s = statistics.median(baseline), statistics.median(imports)
    return round_figures(
        {
            "import_s": import_wall_s - baseline_s,
            "import_wall_s": import_wall_s,
            "baseline_s": baseline_s,
            "params": {"runs": options.args.runs},
        }
    )


if __name__ == "__main__":
    bench_main("import_time", __doc__ or "", measure, add_arguments)
