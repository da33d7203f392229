# Follows Prefect docs: "Run flows in other processes" (wait_for_flow_run for a run's end).
import asyncio
import threading
import time

from prefect import flow, runtime
from prefect.flow_runs import wait_for_flow_run

started = threading.Event()
ids = []


@flow
def slow_report(seconds: float) -> str:
    ids.append(runtime.flow_run.id)
    started.set()
    time.sleep(seconds)
    return "report ready"


@flow
def broken_report() -> None:
    raise ValueError("no data")


async def main() -> None:
    worker = threading.Thread(target=slow_report, args=(2.0,))
    worker.start()
    started.wait(30)
    flow_run = await wait_for_flow_run(ids[0], timeout=60)
    print("OUTCOME", slow_report.name, flow_run.state.type.value, flow_run.state.name)
    worker.join()

    state = broken_report(return_state=True)
    flow_run = await wait_for_flow_run(state.state_details.flow_run_id)
    print("OUTCOME", broken_report.name, flow_run.state.type.value, flow_run.state.name)
    print("RESULT", flow_run.id == state.state_details.flow_run_id)


if __name__ == "__main__":
    asyncio.run(main())
