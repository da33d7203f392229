# Follows Prefect docs: "Logging" (get_run_logger inside flows and tasks).
from prefect import flow, get_run_logger, task


@task
def log_task(name: str) -> int:
    logger = get_run_logger()
    logger.info("Hello %s from the task", name)
    logger.warning("a warning")
    return len(name)


@flow
def logged_flow(name: str = "marvin") -> int:
    get_run_logger().info("starting")
    return log_task(name)


if __name__ == "__main__":
    state = logged_flow(return_state=True)
    print("OUTCOME", logged_flow.name, state.type.value, state.name)
    print("RESULT", state.result())
