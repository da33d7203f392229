# Follows Prefect docs: "State change hooks" (on_completion, on_failure; a raising hook).
from prefect import flow


def announce(flow, flow_run, state) -> None:
    print("RESULT hook", flow.name, state.type.value)


def bad_hook(flow, flow_run, state) -> None:
    raise RuntimeError("hook failed")


@flow(on_completion=[bad_hook, announce], on_failure=[announce])
def works() -> int:
    return 1


@flow(on_completion=[announce], on_failure=[announce])
def breaks() -> int:
    raise ValueError("broken")


if __name__ == "__main__":
    for f in (works, breaks):
        state = f(return_state=True)
        print("OUTCOME", f.name, state.type.value, state.name)
