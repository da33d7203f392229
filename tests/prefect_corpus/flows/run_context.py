# Follows Prefect docs: "Runtime context" (get_run_context returns the flow or task run context).
from prefect import flow, task
from prefect.context import get_run_context


@task
def which_task() -> str:
    ctx = get_run_context()
    return ctx.task.name


@flow(name="context-demo")
def which_flow() -> list[str]:
    ctx = get_run_context()
    return [ctx.flow.name, ctx.flow_run.name is not None and "named", which_task()]


if __name__ == "__main__":
    state = which_flow(return_state=True)
    print("OUTCOME", which_flow.name, state.type.value, state.name)
    print("RESULT", state.result())
