# Follows Prefect docs: "State change hooks" (a hook that raises does not change the run's state).
from prefect import flow


def bad_hook(flow, flow_run, state) -> None:
    raise RuntimeError("hook failed")


def good_hook(flow, flow_run, state) -> None:
    print("RESULT good hook ran")


@flow(on_completion=[bad_hook, good_hook])
def hooked() -> str:
    return "done"


if __name__ == "__main__":
    state = hooked(return_state=True)
    print("OUTCOME", hooked.name, state.type.value, state.name)
    print("RESULT", state.result())
