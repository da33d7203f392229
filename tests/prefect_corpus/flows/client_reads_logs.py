# Follows Prefect docs: "Interact with the API" (get_client reads a flow run's logs).
import asyncio
import logging

from prefect import flow, get_client, get_run_logger, task
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId, LogFilterLevel
from prefect.client.schemas.sorting import LogSort


@task
def step(n: int) -> int:
    get_run_logger().warning("step %d", n)
    return n


@flow
def noisy() -> int:
    get_run_logger().info("starting")
    return step(1) + step(2)


async def warnings_of(run_id) -> list:
    # Logs reach the API in batches after the run: wait a little for both lines.
    async with get_client() as client:
        for _ in range(100):
            logs = await client.read_logs(
                log_filter=LogFilter(
                    flow_run_id=LogFilterFlowRunId(any_=[run_id]),
                    level=LogFilterLevel(ge_=logging.WARNING),
                ),
                sort=LogSort.TIMESTAMP_ASC,
            )
            if len(logs) >= 2:
                return logs
            await asyncio.sleep(0.1)
        return logs


if __name__ == "__main__":
    state = noisy(return_state=True)
    print("OUTCOME", noisy.name, state.type.value, state.name)
    logs = asyncio.run(warnings_of(state.state_details.flow_run_id))
    print("RESULT", [(log.level, log.message, log.task_run_id is not None) for log in logs])
