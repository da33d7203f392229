# Follows Prefect docs: "Write and run flows" (an unhandled subflow failure fails the parent).
from prefect import flow


@flow
def inner() -> None:
    raise RuntimeError("inner broke")


@flow
def outer() -> None:
    inner()


if __name__ == "__main__":
    outer()
