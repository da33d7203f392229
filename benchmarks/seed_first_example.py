"""Figure: the user guide's first example (mi_flujo / mi_tarea) end to end.

`wall_s`: median wall time of a fresh process running the script with a fresh,
empty home (the database is created on the way). `wall_warm_home_s`: the same
script run again on the home the first run left, as on a machine already in use.
`output_ok` checks that both log lines and the final state were printed.
"""

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

from _harness import Options, bench_main, round_figures, run_workload

WORKLOAD = "seed_first_example.py"
EXPECTED_OUTPUT = (
    "Hola mundo desde el flujo",
    "Hola mundo desde la tarea",
    "Finished in state Completed",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=3, help="runs per median (default 3)")


def measure(options: Options) -> dict[str, Any]:
    cold: list[float] = []
    warm: list[float] = []
    output_ok = True
    for _ in range(options.args.runs):
        with tempfile.TemporaryDirectory(prefix="bench-home-") as home:
            for walls in (cold, warm):
                run = run_workload(WORKLOAD, options, home=Path(home))
                walls.append(run.wall_s)
                output = run.stdout + run.stderr
                output_ok = output_ok and all(text in output for text in EXPECTED_OUTPUT)
    return round_figures(
        {
            "wall_s": statistics.median(cold),
            "wall_warm_home_s": statistics.median(warm),
            "output_ok": output_ok,
            "params": {"runs": options.args.runs},
        }
    )


if __name__ == "__main__":
    bench_main("seed_first_example", __doc__ or "", measure, add_arguments)
