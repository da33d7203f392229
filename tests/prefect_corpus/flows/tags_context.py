# Follows Prefect docs: "Tags" (the tags context manager adds tags to runs created inside it).
from prefect import flow, tags, task
from prefect.runtime import flow_run, task_run


@task(tags=["io"])
def tagged_task() -> list[str]:
    return sorted(task_run.tags)


@flow
def tagged_flow() -> tuple[list[str], list[str]]:
    return sorted(flow_run.tags), tagged_task()


if __name__ == "__main__":
    with tags("nightly", "etl"):
        state = tagged_flow(return_state=True)
    print("OUTCOME", tagged_flow.name, state.type.value, state.name)
    print("RESULT", state.result())
