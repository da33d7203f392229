# Follows Prefect docs: "Logging" (log_prints=True sends print() to the run's logs).
from prefect import flow, task


@task
def shout(word: str) -> str:
    print(f"task says {word}")
    return word.upper()


@flow(log_prints=True)
def printing_flow() -> str:
    print("flow starting")
    return shout("hi")


if __name__ == "__main__":
    state = printing_flow(return_state=True)
    print("OUTCOME", printing_flow.name, state.type.value, state.name)
    print("RESULT", state.result())
