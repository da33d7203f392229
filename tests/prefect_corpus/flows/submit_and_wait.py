# Follows Prefect docs: "Run work concurrently" (.submit and prefect.futures.wait).
import time

from prefect import flow, task
from prefect.futures import wait


@task
def stop_at_floor(floor: int) -> int:
    time.sleep(0.01 * floor)
    return floor


@flow
def elevator() -> list[int]:
    floors = [stop_at_floor.submit(floor) for floor in range(5, 0, -1)]
    done, not_done = wait(floors)
    print("RESULT done", len(done), "not_done", len(not_done))
    return [f.result() for f in floors]


if __name__ == "__main__":
    state = elevator(return_state=True)
    print("OUTCOME", elevator.name, state.type.value, state.name)
    print("RESULT", state.result())
