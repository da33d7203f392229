# Follows Prefect docs: "Write and run flows" (a parameter that fails validation fails the run).
from prefect import flow


@flow
def add(x: int, y: int) -> int:
    return x + y


if __name__ == "__main__":
    add(1, "not a number")
