"""`python -m cauce.workers.execute FLOW_RUN_ID`: run one flow run a deployment made.

The process that a worker (or `flow.serve()`) starts for each run it claims: it
reads the run and its deployment, loads the flow from the deployment's source (a
folder, or a git clone pulled first; see loading.py) and entrypoint, and runs it as
that run, same id and parameters, recording through the usual client. Its exit
status is 0 when the run ends Completed or is suspended (suspend_flow_run), 1
otherwise. Code that cannot be loaded (a missing file, an import error) ends the run
Failed with the reason, never left Pending.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import uuid

from cauce.client.factory import get_batch_writer, get_client
from cauce.processes import this_host
from cauce.schemas.flow_runs import FlowRun
from cauce.states import Failed, now_utc
from cauce.workers.loading import load_flow_for_run
from cauce.workers.output import has_worker, mark_recorded_console_lines


def execute(flow_run_id: uuid.UUID) -> int:
    """Run the flow run `flow_run_id`; the process's exit status."""
    from cauce.engine.flow_run import run_existing_flow_run

    client = get_client()
    flow_run = client.read_flow_run(flow_run_id)
    client.flow_run_heartbeat([flow_run.id], this_host(), os.getpid())
    if has_worker():
        from cauce.logging.config import configure_logging
        from cauce.settings import get_settings

        configure_logging(get_settings())
        mark_recorded_console_lines()
        _stop_when_worker_dies()
    if flow_run.deployment_id is None:
        print(f"cauce: flow run {flow_run_id} was not made by a deployment", file=sys.stderr)
        return 1
    deployment = client.read_deployment(flow_run.deployment_id)
    try:
        flow = load_flow_for_run(deployment)
    except Exception as exc:
        reason = f"Flow could not be loaded from {deployment.entrypoint}: {exc!r}"
        client.set_flow_run_state(flow_run.id, Failed(reason), expected_state_id=flow_run.state.id)
        print(f"cauce: {reason}", file=sys.stderr)
        return 1
    _wait_until_due(flow_run)
    state = run_existing_flow_run(flow, flow_run)
    get_batch_writer().flush()
    return 0 if state.is_completed() or state.is_paused() else 1


def _wait_until_due(flow_run: FlowRun) -> None:
    # A worker started with --prefetch claims runs a little ahead of their time.
    due = flow_run.expected_start_time
    if due is not None:
        time.sleep(max((due - now_utc()).total_seconds(), 0.0))


def _stop_when_worker_dies() -> None:
    def watch() -> None:
        try:
            while os.read(sys.stdin.fileno(), 4096):
                pass
        except OSError:
            pass
        # EOF: the worker is gone. Stop as SIGTERM would, the run ending Crashed.
        if sys.platform == "win32":
            import _thread

            _thread.interrupt_main()
        else:
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="cauce-worker-watch", daemon=True).start()


def main() -> None:
    """The process's entry point: one argument, the flow run's id."""
    if len(sys.argv) != 2:
        print("usage: python -m cauce.workers.execute FLOW_RUN_ID", file=sys.stderr)
        sys.exit(2)
    sys.exit(execute(uuid.UUID(sys.argv[1])))


if __name__ == "__main__":
    main()
