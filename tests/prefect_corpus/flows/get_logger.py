# Follows Prefect docs: "Logging" (get_logger for a module's logger outside of runs).
from prefect import flow, get_run_logger
from prefect.logging import get_logger

logger = get_logger("etl")
logger.info("Loading configuration")


@flow
def etl(rows: int = 3) -> int:
    logger.info("Extracting %d rows", rows)
    get_run_logger().info("Run logger line")
    return rows * 2


if __name__ == "__main__":
    state = etl(return_state=True)
    print("OUTCOME", etl.name, state.type.value, state.name)
    # The framework's name is the first part; the rest is the user's.
    print("RESULT", state.result(), logger.name.partition(".")[2], get_logger().level > 0)
