"""Inner script of deployment_run.py for Prefect: `create_flow_run_from_deployment` alone.

Not a user workload: it is run as it is, for Prefect only. With PREFECT_API_URL
at the server, `get_client(sync_client=True)` reads the guide's deployment, makes
one run untimed (the first request opens the connection), then times BENCH_N
calls one after another, each returning once the server has the Scheduled run.
"""

import statistics
import time

from _workload_support import report, workload_size


def main() -> None:
    from prefect import get_client

    n = workload_size(50)
    calls, ids, states = [], [], set()
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("basic-flow/printear-mensaje")
        client.create_flow_run_from_deployment(deployment.id)
        for _ in range(n):
            started = time.perf_counter()
            flow_run = client.create_flow_run_from_deployment(deployment.id)
            calls.append(time.perf_counter() - started)
            ids.append(str(flow_run.id))
            states.add(flow_run.state.type.value if flow_run.state else "none")
    report(
        api_call_ms=statistics.median(calls) * 1e3,
        api_call_min_ms=min(calls) * 1e3,
        api_call_max_ms=max(calls) * 1e3,
        flow_run_ids=ids,
        returned_state_types=sorted(states),
    )


if __name__ == "__main__":
    main()
