"""Figure: the user guide's async example (two subflows, each sleeping 1 s, run
under asyncio.gather).

`flow_call_s`: wall time of `asyncio.run(main_flow())`, about 1 s if the subflows
overlap, 2 s or more if not (`concurrent` is true when under 1.5 s). It is the
script's second call; the first, which pays the start-up, is `first_call_s`.
"""

from typing import Any

from _harness import Options, bench_main, round_figures, run_workload

CONCURRENT_BELOW_S = 1.5


def measure(options: Options) -> dict[str, Any]:
    run = run_workload("seed_async_example.py", options)
    return round_figures(
        {
            **run.result,
            "concurrent": run.result["flow_call_s"] < CONCURRENT_BELOW_S,
            "process_wall_s": run.wall_s,
        }
    )


if __name__ == "__main__":
    bench_main("seed_async_example", __doc__ or "", measure)
