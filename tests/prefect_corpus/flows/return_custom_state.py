# Follows Prefect docs: "States" (returning a state object sets the run's final state).
from prefect import flow
from prefect.states import Completed, Failed


@flow
def maybe_skip(has_data: bool):
    if not has_data:
        return Completed(message="nothing to do", name="Skipped")
    return Failed(message="data was corrupt")


if __name__ == "__main__":
    skipped = maybe_skip(False, return_state=True)
    print("OUTCOME", maybe_skip.name, skipped.type.value, skipped.name)
    failed = maybe_skip(True, return_state=True)
    print("OUTCOME", maybe_skip.name, failed.type.value, failed.name)
    raise SystemExit(0 if failed.is_completed() else 1)
