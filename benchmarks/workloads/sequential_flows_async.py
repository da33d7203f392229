"""200 small async flows, awaited one after another in one event loop, each
awaiting one task."""

import asyncio

from _workload_support import measure_batch, workload_size

from cauce import flow, task


@task
async def add_one(x: int) -> int:
    return x + 1


@flow
async def small_flow(x: int) -> int:
    return await add_one(x)


async def run_flows(n: int) -> None:
    for i in range(n):
        await small_flow(i)


if __name__ == "__main__":
    measure_batch(lambda n: asyncio.run(run_flows(n)), workload_size(200), unit="flow")
