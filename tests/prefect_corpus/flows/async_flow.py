# Follows Prefect docs: "Write and run flows" (async flows and tasks run with asyncio.gather).
import asyncio

from prefect import flow, task


@task
async def fetch_item(i: int) -> int:
    await asyncio.sleep(0.01)
    return i * 2


@flow
async def async_pipeline(n: int = 5) -> int:
    values = await asyncio.gather(*[fetch_item(i) for i in range(n)])
    return sum(values)


if __name__ == "__main__":
    state = asyncio.run(async_pipeline(return_state=True))
    print("OUTCOME", async_pipeline.name, state.type.value, state.name)
    print("RESULT", state.result())
