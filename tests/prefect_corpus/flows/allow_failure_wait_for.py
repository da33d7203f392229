# Follows Prefect docs: "Run work concurrently" (wait_for with allow_failure runs a cleanup task).
from prefect import allow_failure, flow, task


@task
def load() -> None:
    raise ValueError("load failed")


@task
def cleanup() -> str:
    return "cleaned"


@flow
def load_then_cleanup() -> str:
    loaded = load.submit()
    cleaned = cleanup.submit(wait_for=[allow_failure(loaded)])
    return cleaned.result()


if __name__ == "__main__":
    state = load_then_cleanup(return_state=True)
    print("OUTCOME", load_then_cleanup.name, state.type.value, state.name)
    print("RESULT", state.result())
