# Follows Prefect docs: "Write and run flows" (a flow calling other flows as subflows).
from prefect import flow, task


@task
def fetch(n: int) -> list[int]:
    return list(range(n))


@flow
def transform(rows: list[int]) -> list[int]:
    return [r * 10 for r in rows]


@flow
def etl(n: int = 4) -> int:
    rows = fetch(n)
    sub = transform(rows, return_state=True)
    print("OUTCOME", transform.name, sub.type.value, sub.name)
    return sum(sub.result())


if __name__ == "__main__":
    state = etl(return_state=True)
    print("OUTCOME", etl.name, state.type.value, state.name)
    print("RESULT", state.result())
