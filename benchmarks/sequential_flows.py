"""Figure: 200 small flows run one after another, each with one task.

`per_flow_ms_sync` / `per_flow_ms_async`: total time / N for sync flows called in
a loop and for async flows awaited in a loop in one event loop. Each variant runs
in its own fresh process; a first flow run, which pays the start-up, is left out
(`first_flow_s_<variant>`).
"""

import argparse
from typing import Any

from _harness import Options, bench_main, round_figures, run_workload

VARIANTS = ("sync", "async")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--variant", choices=(*VARIANTS, "both"), default="both")
    parser.add_argument("-n", type=int, default=200, help="flow runs (default 200)")


def measure(options: Options) -> dict[str, Any]:
    variants = VARIANTS if options.args.variant == "both" else (options.args.variant,)
    figures: dict[str, Any] = {}
    for variant in variants:
        run = run_workload(
            f"sequential_flows_{variant}.py", options, env={"BENCH_N": str(options.args.n)}
        )
        figures[f"per_flow_ms_{variant}"] = run.result["per_flow_ms"]
        figures[f"first_flow_s_{variant}"] = run.result["first_flow_s"]
        figures[f"peak_rss_mb_{variant}"] = run.result["peak_rss_mb"]
    figures["params"] = {"n": options.args.n}
    return round_figures(figures)


if __name__ == "__main__":
    bench_main("sequential_flows", __doc__ or "", measure, add_arguments)
