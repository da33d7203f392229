# Follows Prefect docs: "State change hooks" (decorator form; on_running on each attempt).
from prefect import flow, task

attempts = {"n": 0}


@flow(retries=1, retry_delay_seconds=0)
def failing_flow() -> None:
    raise ValueError("oops!")


@failing_flow.on_failure
def notify(flow, flow_run, state) -> None:
    print("RESULT on_failure", state.name)


@task(retries=1, retry_delay_seconds=0)
def step() -> int:
    attempts["n"] += 1
    if attempts["n"] == 1:
        raise RuntimeError("first")
    return attempts["n"]


@step.on_running
def step_started(task, task_run, state) -> None:
    print("RESULT task on_running", state.type.value)


@step.on_completion
def step_done(task, task_run, state) -> None:
    print("RESULT task on_completion", state.name)


@flow
def uses_step() -> int:
    return step()


if __name__ == "__main__":
    ok = uses_step(return_state=True)
    print("OUTCOME", uses_step.name, ok.type.value, ok.name)
    failing_flow()
