# Follows Prefect docs: "States" (get_state_exception, raise_state_exception) and
# "prefect.exceptions" (PrefectException, MissingResult), with tags from prefect.context.
from prefect import flow, task
from prefect.context import tags
from prefect.exceptions import FailedRun, MissingContextError, MissingResult, PrefectException
from prefect.states import Completed, Failed, get_state_exception, raise_state_exception


@task
def divide(a: int, b: int) -> float:
    return a / b


@task
def tagged() -> str:
    return "ok"


@flow
def careful() -> list[str]:
    seen = []
    state = divide(1, 0, return_state=True)
    error = get_state_exception(state)
    seen.append(type(error).__name__)
    try:
        raise_state_exception(state)
    except ZeroDivisionError:
        seen.append("raised ZeroDivisionError")
    raise_state_exception(divide(4, 2, return_state=True))
    seen.append("a completed state raises nothing")
    with tags("nightly"):
        seen.append(tagged())
    return seen


if __name__ == "__main__":
    state = careful(return_state=True)
    print("OUTCOME", careful.name, state.type.value, state.name)
    print("RESULT", state.result())
    print("RESULT", repr(get_state_exception(Failed(message="no data"))))
    try:
        get_state_exception(Completed())
    except ValueError:
        print("RESULT not a failed state: ValueError")
    for make in (lambda: Completed().result(), lambda: Failed(message="f").result()):
        try:
            make()
        except PrefectException as exc:
            print("RESULT caught", type(exc).__name__)
    print("RESULT", issubclass(MissingResult, PrefectException))
    print("RESULT", issubclass(FailedRun, PrefectException))
    print("RESULT", issubclass(MissingContextError, PrefectException))
    print("RESULT", repr(Failed(message="kept").result(raise_on_failure=False)))
