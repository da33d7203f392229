"""Inner script of scheduler_pass.py for cauce: the scheduler's pass, in-process.

Not a user workload: it drives cauce's core directly, so it is run as it is for
cauce only (its imports sit in main(), none is a framework line to rewrite).

In the embedded store of this process's fresh CAUCE_HOME (its default SQLite
file), one transaction records the pool and BENCH_N deployments of one flow, each
with one cron schedule (BENCH_CRONS, a JSON list) in BENCH_TIMEZONE, through the
queries alone, so no run is made yet. Then, each in its own write transaction
(BEGIN IMMEDIATE to COMMIT), `schedule_upcoming_runs` at the clock's now with one
memo shared by the passes, as the server's scheduler runs it: the first pass,
which makes every upcoming run, and BENCH_IDLE_PASSES passes right after it,
which find nothing to make.
"""

import json
import os
import statistics
import time

from _workload_support import report, workload_size


def main() -> None:
    from sqlalchemy import func, select

    from cauce.database.connections import create_engine, ensure_schema
    from cauce.database.queries.deployments import insert_deployment, insert_schedules
    from cauce.database.recording.executors import SqlAlchemyExecutor
    from cauce.database.recording.writes import flow_id_for_name
    from cauce.database.tables import flow_runs
    from cauce.orchestration.scheduling import SchedulerMemo, schedule_upcoming_runs
    from cauce.orchestration.work_pools import create_work_pool
    from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool
    from cauce.settings import get_settings
    from cauce.states import now_utc

    n = workload_size(1000)
    crons = json.loads(os.environ["BENCH_CRONS"])[:n]
    zone = os.environ["BENCH_TIMEZONE"]
    idle_passes = int(os.environ["BENCH_IDLE_PASSES"])

    engine = create_engine(get_settings().api.database_url)
    ensure_schema(engine)
    started = time.perf_counter()
    with engine.begin() as connection:
        pool = create_work_pool(connection, WorkPool(name="compras-prod"))
        flow_id = flow_id_for_name(SqlAlchemyExecutor(connection), "basic-flow")
        for i, cron in enumerate(crons):
            deployment = Deployment(
                flow_name="basic-flow",
                name=f"deployment-{i:04d}",
                entrypoint="basic.py:basic_flow",
                work_pool_name=pool.name,
                schedules=[DeploymentSchedule(timezone=zone, cron=cron)],
            )
            insert_deployment(connection, deployment, flow_id, pool.id)
            insert_schedules(connection, deployment.id, deployment.schedules)
    setup_s = time.perf_counter() - started

    def count_runs() -> int:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(flow_runs)).scalar())

    memo = SchedulerMemo()

    def one_pass() -> tuple[float, int]:
        started = time.perf_counter()
        with engine.begin() as connection:
            made = schedule_upcoming_runs(connection, now_utc(), memo)
        return time.perf_counter() - started, made

    runs_before = count_runs()
    first_s, first_made = one_pass()
    idle = [one_pass() for _ in range(idle_passes)]
    report(
        first_pass_s=first_s,
        idle_pass_ms=statistics.median(s for s, _ in idle) * 1e3,
        idle_pass_min_ms=min(s for s, _ in idle) * 1e3,
        idle_pass_max_ms=max(s for s, _ in idle) * 1e3,
        runs_made=first_made,
        setup_s=setup_s,
        checks={
            "runs_before_first_pass": runs_before,
            "runs_after_first_pass_in_store": count_runs() - sum(m for _, m in idle),
            "runs_made_by_idle_passes": [m for _, m in idle],
        },
    )


if __name__ == "__main__":
    main()
