# Follows Prefect docs: "Retries" (when every attempt fails, the task and the flow fail).
from prefect import flow, task

attempts = {"n": 0}


@task(retries=2, retry_delay_seconds=[0, 0])
def always_fails() -> None:
    attempts["n"] += 1
    raise RuntimeError("down")


@flow
def gives_up() -> None:
    always_fails()


if __name__ == "__main__":
    state = gives_up(return_state=True)
    print("OUTCOME", gives_up.name, state.type.value, state.name)
    print("RESULT", attempts["n"])
    state.result()
