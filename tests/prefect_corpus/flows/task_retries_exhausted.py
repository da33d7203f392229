# Follows Prefect docs: "Retries" (exponential_backoff delays; when every attempt fails, all fail).
from prefect import flow, task
from prefect.tasks import exponential_backoff

attempts = {"n": 0}


@task(retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=0.01))
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
