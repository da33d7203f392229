# Follows Prefect docs: "Test workflows" (prefect_test_harness, task.fn and disable_run_logger).
from prefect import flow, get_run_logger, task
from prefect.logging import disable_run_logger
from prefect.testing.utilities import prefect_test_harness


@task
def clean(word: str) -> str:
    get_run_logger().info("cleaning %s", word)
    return word.strip().lower()


@flow
def cleaning(words: list[str]) -> list[str]:
    return [clean(w) for w in words]


if __name__ == "__main__":
    with disable_run_logger():
        print("RESULT fn", clean.fn("  Hello "))
    with prefect_test_harness():
        state = cleaning([" A", "b "], return_state=True)
        print("OUTCOME", cleaning.name, state.type.value, state.name)
        print("RESULT", state.result())
