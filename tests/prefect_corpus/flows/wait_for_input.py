# Follows Prefect docs: "Interactive workflows" (pause_flow_run(wait_for_input=RunInput),
# resumed with run_input; a bool asked for comes back as the value itself).
import threading
import time

from prefect import flow, get_client, pause_flow_run, resume_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run


class Approval(RunInput):
    approved: bool
    comment: str = ""


def resume_when_paused(run_id: str, run_input: dict[str, object]) -> None:
    with get_client(sync_client=True) as client:
        for _ in range(600):
            state = client.read_flow_run(run_id).state
            if state is not None and state.type.value == "PAUSED":
                resume_flow_run(run_id, run_input=run_input)
                return
            time.sleep(0.1)


@flow
def review() -> list[object]:
    run_id = str(flow_run.id)
    given = {"approved": True, "comment": "ship it"}
    threading.Thread(target=resume_when_paused, args=(run_id, given)).start()
    answer = pause_flow_run(wait_for_input=Approval, timeout=60, poll_interval=1)
    threading.Thread(target=resume_when_paused, args=(run_id, {"value": False})).start()
    flag = pause_flow_run(wait_for_input=bool, timeout=60, poll_interval=1)
    return [type(answer).__name__, answer.approved, answer.comment, flag]


if __name__ == "__main__":
    state = review(return_state=True)
    print("OUTCOME", review.name, state.type.value, state.name)
    print("RESULT", state.result())
