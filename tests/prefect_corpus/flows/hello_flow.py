# Follows Prefect docs: "Write and run flows" (a flow calling a task).
from prefect import flow, task


@task
def say_hello(name: str) -> str:
    return f"Hello, {name}!"


@flow
def hello(name: str = "world") -> str:
    return say_hello(name)


if __name__ == "__main__":
    state = hello(return_state=True)
    print("OUTCOME", hello.name, state.type.value, state.name)
    print("RESULT", state.result())
