"""Inner script of scheduler_pass.py for Prefect: the deployments, made through its client.

Not a user workload: it is run as it is, for Prefect only. Against the server at
PREFECT_API_URL (its scheduler off), the work pool and BENCH_N deployments of one
flow, each with one cron schedule (BENCH_CRONS, a JSON list) in BENCH_TIMEZONE,
created one by one with the sync client.
"""

import json
import os
import time

from _workload_support import report, workload_size


def main() -> None:
    from prefect import get_client
    from prefect.client.schemas.actions import DeploymentScheduleCreate, WorkPoolCreate
    from prefect.client.schemas.schedules import CronSchedule

    n = workload_size(1000)
    crons = json.loads(os.environ["BENCH_CRONS"])[:n]
    zone = os.environ["BENCH_TIMEZONE"]
    started = time.perf_counter()
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="compras-prod", type="process"))
        flow_id = client.create_flow_from_name("basic-flow")
        for i, cron in enumerate(crons):
            client.create_deployment(
                flow_id,
                f"deployment-{i:04d}",
                schedules=[
                    DeploymentScheduleCreate(schedule=CronSchedule(cron=cron, timezone=zone))
                ],
                work_pool_name="compras-prod",
                entrypoint="basic.py:basic_flow",
            )
    report(setup_s=time.perf_counter() - started, deployments=len(crons))


if __name__ == "__main__":
    main()
