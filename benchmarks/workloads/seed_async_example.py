# fmt: off
# ruff: noqa
# The user guide's code (seed/user-guide-es.md, section 3), kept verbatim.
import asyncio
from cauce import flow, task

@task
async def print_text(mensaje: str):
    print(mensaje)
    

@flow
async def subflow_1():
    await print_text("Subflow 1 started!")
    await asyncio.sleep(1)

@flow
async def subflow_2():
    await print_text("Subflow 2 started!")
    await asyncio.sleep(1)

@flow
async def main_flow():
    parallel_subflows = [subflow_1(), subflow_2()]
    await asyncio.gather(*parallel_subflows)

if __name__ == "__main__":
    # Benchmark lines (the rest is the user guide's code, section 3.1, unchanged).
    # The first call pays start-up; the second is the figure.
    import time
    from _workload_support import report
    started = time.perf_counter()
    main_flow_state = asyncio.run(main_flow())
    first_call_s = time.perf_counter() - started
    started = time.perf_counter()
    main_flow_state = asyncio.run(main_flow())
    report(flow_call_s=time.perf_counter() - started, first_call_s=first_call_s)
