# Follows Prefect docs: "Logging" (get_run_logger, and log_prints=True sending print() to logs).
from prefect import flow, get_run_logger, task


@task
def shout(word: str) -> str:
    get_run_logger().info("Shouting %s", word)
    print(f"task says {word}")
    return word.upper()


@flow(log_prints=True)
def printing_flow() -> str:
    get_run_logger().warning("starting")
    print("flow starting")
    return shout("hi")


if __name__ == "__main__":
    state = printing_flow(return_state=True)
    print("OUTCOME", printing_flow.name, state.type.value, state.name)
    print("RESULT", state.result())
