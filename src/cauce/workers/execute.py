"""`python -m cauce.workers.execute FLOW_RUN_ID`: run one flow run a deployment made.

The process that `flow.serve()` (and, next, a worker) starts for each run it claims:
it reads the run and its deployment, loads the flow from the deployment's source
(a folder, or a git clone pulled first) and entrypoint, and runs it as that run,
same id and parameters, recording through the usual client. Its exit status is 0
when the run ends Completed, 1 otherwise. Code that cannot be loaded (a missing
file, an import error) ends the run Failed with the reason, never left Pending.
"""

from __future__ import annotations

import sys
import uuid

from cauce.client.factory import get_batch_writer, get_client
from cauce.states import Failed


def execute(flow_run_id: uuid.UUID) -> int:
    """Run the flow run `flow_run_id`; the process's exit status."""
    from cauce.deployments.from_code import load_flow_from_source
    from cauce.engine.flow_run import run_existing_flow_run

    client = get_client()
    flow_run = client.read_flow_run(flow_run_id)
    if flow_run.deployment_id is None:
        print(f"cauce: flow run {flow_run_id} was not made by a deployment", file=sys.stderr)
        return 1
    deployment = client.read_deployment(flow_run.deployment_id)
    try:
        flow = load_flow_from_source(deployment.source, deployment.entrypoint, deployment.branch)
    except Exception as exc:
        reason = f"Flow could not be loaded from {deployment.entrypoint}: {exc!r}"
        client.set_flow_run_state(flow_run.id, Failed(reason), expected_state_id=flow_run.state.id)
        print(f"cauce: {reason}", file=sys.stderr)
        return 1
    state = run_existing_flow_run(flow, flow_run)
    get_batch_writer().flush()
    return 0 if state.is_completed() else 1


def main() -> None:
    """The process's entry point: one argument, the flow run's id."""
    if len(sys.argv) != 2:
        print("usage: python -m cauce.workers.execute FLOW_RUN_ID", file=sys.stderr)
        sys.exit(2)
    sys.exit(execute(uuid.UUID(sys.argv[1])))


if __name__ == "__main__":
    main()
