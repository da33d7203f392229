"""Inner script of scheduler_pass.py for Prefect: its scheduler service's pass, in-process.

Not a user workload: it is run as it is, for Prefect only, with PREFECT_HOME the
home of the (stopped) server on which scheduler_pass_prefect_create.py made the
deployments, so it works on that server's prefect.db. A pass is one call of
`prefect.server.services.scheduler.schedule_deployments`, the function Prefect's
server runs every loop (its own batching and transactions, its settings from the
environment): the first, which makes every deployment's runs, and
BENCH_IDLE_PASSES right after it. Before timing, one query opens the database.
"""

import asyncio
import os
import statistics
import time

from _workload_support import report


async def measure() -> None:
    import sqlalchemy as sa
    from prefect.server.database import provide_database_interface
    from prefect.server.services.scheduler import schedule_deployments

    idle_passes = int(os.environ["BENCH_IDLE_PASSES"])
    db = provide_database_interface()

    async def count_runs() -> int:
        async with db.session_context() as session:
            query = sa.select(sa.func.count()).select_from(db.FlowRun)
            return int((await session.execute(query)).scalar_one())

    async def one_pass() -> tuple[float, int]:
        before = await count_runs()
        started = time.perf_counter()
        await schedule_deployments()
        elapsed = time.perf_counter() - started
        return elapsed, await count_runs() - before

    runs_before = await count_runs()
    first_s, first_made = await one_pass()
    idle = [await one_pass() for _ in range(idle_passes)]
    report(
        first_pass_s=first_s,
        idle_pass_ms=statistics.median(s for s, _ in idle) * 1e3,
        idle_pass_min_ms=min(s for s, _ in idle) * 1e3,
        idle_pass_max_ms=max(s for s, _ in idle) * 1e3,
        runs_made=first_made,
        checks={
            "runs_before_first_pass": runs_before,
            "runs_made_by_idle_passes": [m for _, m in idle],
        },
    )


if __name__ == "__main__":
    asyncio.run(measure())
