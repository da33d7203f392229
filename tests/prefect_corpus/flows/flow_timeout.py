# Follows Prefect docs: "Write and run flows" (timeout_seconds fails a flow that runs too long).
import time

from prefect import flow


@flow(timeout_seconds=0.5)
def too_slow() -> None:
    time.sleep(3)


if __name__ == "__main__":
    state = too_slow(return_state=True)
    print("OUTCOME", too_slow.name, state.type.value, state.name)
    raise SystemExit(0 if state.is_completed() else 1)
