"""Inner script of worker_run.py for Prefect: runs of the guide's deployment, each
made through the client and polled until Completed while a worker runs them.

Not a user workload: it is run as it is, for Prefect only. With PREFECT_API_URL
at the server, through `get_client(sync_client=True)`, BENCH_MODE says what to do:

- `latency`: BENCH_N runs one after another, each made with
  `create_flow_run_from_deployment` and polled with `read_flow_run` every 20 ms
  until final; then each run's state history is read back.
- `throughput`: BENCH_N runs made back to back, then `count_flow_runs` of the
  Completed ones among them every 20 ms until all are; then each one's history.
"""

import os
import time
import uuid

from _workload_support import (
    report,
    time_run_to_completion,
    wait_until_all_completed,
    workload_size,
)

DEPLOYMENT = "basic-flow/printear-mensaje"


def main() -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    n = workload_size(10)
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(DEPLOYMENT)

        def create() -> str:
            return str(client.create_flow_run_from_deployment(deployment.id).id)

        def state_type(flow_run_id: str) -> str:
            state = client.read_flow_run(uuid.UUID(flow_run_id)).state
            return state.type.value if state else "NONE"

        def history(flow_run_id: str) -> dict[str, object]:
            states = client.read_flow_run_states(uuid.UUID(flow_run_id))
            running = [s.timestamp.timestamp() for s in states if s.type == StateType.RUNNING]
            return {"running_states": len(running), "running_at": running[0] if running else None}

        if os.environ.get("BENCH_MODE") == "throughput":
            started = time.perf_counter()
            ids = [create() for _ in range(n)]
            create_all_s = time.perf_counter() - started
            completed_filter = FlowRunFilter(
                id=FlowRunFilterId(any_=[uuid.UUID(i) for i in ids]),
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED])),
            )

            def count_completed() -> int:
                return int(client.count_flow_runs(flow_run_filter=completed_filter))

            wall_s, completed = wait_until_all_completed(count_completed, n, started)
            report(
                wall_s=wall_s,
                create_all_s=create_all_s,
                completed=completed,
                histories=[history(i) for i in ids],
            )
            return

        runs = [time_run_to_completion(create, state_type) for _ in range(n)]
        report(runs=[{**run, **history(run["id"])} for run in runs])


if __name__ == "__main__":
    main()
