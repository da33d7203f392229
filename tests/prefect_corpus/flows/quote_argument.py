# Follows Prefect docs: prefect.utilities.annotations (quote stops introspection of an argument).
from prefect import flow, task
from prefect.utilities.annotations import quote


@task
def count_rows(rows: list[dict[str, int]]) -> int:
    return len(rows)


@flow
def quoted() -> int:
    rows = [{"id": i} for i in range(1000)]
    return count_rows(quote(rows))


if __name__ == "__main__":
    state = quoted(return_state=True)
    print("OUTCOME", quoted.name, state.type.value, state.name)
    print("RESULT", state.result())
