"""Inner script of worker_run.py for cauce: runs of the guide's deployment, each
made through the client and polled until Completed while a worker runs them.

Not a user workload: it is run as it is, for cauce only (its imports sit in
main()). With CAUCE_API_URL at the server, BENCH_MODE says what to do:

- `latency`: BENCH_N runs one after another, each made with
  `create_flow_run_from_deployment` and polled with `read_flow_run` every 20 ms
  until final; then each run's state history is read back.
- `throughput`: BENCH_N runs made back to back, then the Completed ones among
  them counted every 20 ms until all are; then each one's state history.
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
    from cauce.client import get_client
    from cauce.schemas.flow_runs import FlowRunFilter

    client = get_client()
    deployment = client.read_deployment_by_name(DEPLOYMENT)
    n = workload_size(10)

    def create() -> str:
        return str(client.create_flow_run_from_deployment(deployment.id).id)

    def state_type(flow_run_id: str) -> str:
        return client.read_flow_run(uuid.UUID(flow_run_id)).state.type.value

    def history(flow_run_id: str) -> dict[str, object]:
        states = client.read_flow_run_states(uuid.UUID(flow_run_id))
        running = [s.timestamp.timestamp() for s in states if s.type.value == "RUNNING"]
        return {"running_states": len(running), "running_at": running[0] if running else None}

    if os.environ.get("BENCH_MODE") == "throughput":
        started = time.perf_counter()
        ids = [create() for _ in range(n)]
        create_all_s = time.perf_counter() - started
        wanted = set(ids)

        def count_completed() -> int:
            where = FlowRunFilter(
                deployment_id=deployment.id, state_types=["COMPLETED"], limit=1000
            )
            return sum(str(r.id) in wanted for r in client.read_flow_runs(where))

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
