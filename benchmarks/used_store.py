"""Figure: what a task run costs as the store fills up.

The flow of `sequential_tasks.py` (`-n` trivial tasks, 1,000 by default) run
`--rounds` times (5) in one process on one fresh home, so that round k records
into a store already holding (k - 1) x n task runs. `per_task_us_by_round`:
flow time / n for each round; `first_round_us` and `last_round_us` the ends;
`growth`: last / first. A store whose indexes take new rows at scattered places
slows down as it grows; one that appends does not.
"""

from typing import Any

from _harness import Options, add_task_count_argument, bench_main, round_figures, run_workload


def add_arguments(parser: Any) -> None:
    add_task_count_argument(parser)
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")


def measure(options: Options) -> dict[str, Any]:
    env = {"BENCH_N": str(options.args.n), "BENCH_ROUNDS": str(options.args.rounds)}
    run = run_workload("sequential_tasks.py", options, env=env)
    rounds = run.result["per_task_us_by_round"]
    return round_figures(
        {
            "first_round_us": rounds[0],
            "last_round_us": rounds[-1],
            "growth": rounds[-1] / rounds[0],
            "per_task_us_by_round": [round(value, 1) for value in rounds],
            "params": {"n": options.args.n, "rounds": options.args.rounds},
        }
    )


if __name__ == "__main__":
    bench_main("used_store", __doc__ or "", measure, add_arguments)
