# Follows Prefect docs: "States" (return a Failed state; its result raises FailedRun).
import asyncio

from prefect import flow
from prefect.exceptions import CancelledRun, FailedRun
from prefect.flow_runs import wait_for_flow_run
from prefect.states import Cancelled, Failed


@flow
def check_quota(used: int) -> object:
    if used > 100:
        return Failed(message=f"Quota exceeded: {used}")
    return used


@flow
def skipped() -> object:
    return Cancelled(message="Nothing to do today")


@flow
def fails_plainly() -> object:
    return Failed()


if __name__ == "__main__":
    try:
        check_quota(150)
    except FailedRun as exc:
        print("RESULT caught FailedRun:", exc)
    state = skipped(return_state=True)
    print("OUTCOME", skipped.name, state.type.value, state.name)
    try:
        state.result()
    except CancelledRun as exc:
        print("RESULT caught CancelledRun:", exc)
    state = fails_plainly(return_state=True)
    print("OUTCOME", fails_plainly.name, state.type.value, state.name)
    run = asyncio.run(wait_for_flow_run(state.state_details.flow_run_id))
    try:
        run.state.result()
    except FailedRun as exc:
        print("RESULT read back, caught FailedRun:", exc)
    state = check_quota(150, return_state=True)
    print("OUTCOME", check_quota.name, state.type.value, state.name)
    state.result()
