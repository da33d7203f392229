"""Figure: one flow calling 1,000 trivial tasks sequentially.

`per_task_us`: flow call time / N. `persist_lag_s`: from the flow's return until
all N task runs are COMPLETED in the framework's SQLite database (null if not
within 120 s). `per_task_total_us`: (flow time + lag) / N. `peak_rss_mb`: peak
RSS of the workload process; `peak_rss_tree_mb` adds its helper processes
(Prefect's temporary server). `first_flow_s`: a one-task flow run first, which
pays the start-up (database creation, Prefect's server) and is left out above.
"""

from _harness import task_flow_main

if __name__ == "__main__":
    task_flow_main("per_task_run_sequential", __doc__ or "", "sequential_tasks.py")
