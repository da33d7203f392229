# Follows Prefect docs: "Runtime context" (prefect.runtime; flow_run_name and task_run_name).
from prefect import flow, task
from prefect.runtime import flow_run, task_run


@task(task_run_name="square-{x}")
def square(x: int) -> str:
    return f"{task_run.name}={x * x} params={task_run.parameters}"


@flow(flow_run_name="report-{day}")
def daily(day: str) -> list[str]:
    return [flow_run.name, flow_run.flow_name, str(flow_run.parameters), square(4)]


if __name__ == "__main__":
    state = daily("monday", return_state=True)
    print("OUTCOME", daily.name, state.type.value, state.name)
    print("RESULT", state.result())
