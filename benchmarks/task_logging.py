"""Figure: what logging costs a task run.

The flow of `sequential_tasks.py` (1,000 trivial tasks), run once as it is and
once with every task logging one line through `get_run_logger()`.
`per_task_us_logging` / `per_task_us_silent` is `logging_overhead_ratio`; the
logging issue asks for at most 2 on cauce, and 10x better than Prefect's
`per_task_us_logging`. Counted like the other task figures: flow time / N, and
(flow time + persistence lag) / N.
"""

from typing import Any

from _harness import Options, add_task_count_argument, bench_main, round_figures, run_workload


def measure(options: Options) -> dict[str, Any]:
    env = {"BENCH_N": str(options.args.n)}
    silent = run_workload("sequential_tasks.py", options, env=env).result
    logging = run_workload("logging_tasks.py", options, env=env).result
    return round_figures(
        {
            "per_task_us_silent": silent["per_task_us"],
            "per_task_us_logging": logging["per_task_us"],
            "per_task_total_us_logging": logging["per_task_total_us"],
            "logging_overhead_ratio": logging["per_task_us"] / silent["per_task_us"],
            "params": {"n": options.args.n},
        }
    )


if __name__ == "__main__":
    bench_main("task_logging", __doc__ or "", measure, add_task_count_argument)
