# Follows Prefect docs: "Task runners" (ThreadPoolTaskRunner and Flow.with_options).
from prefect import flow, task
from prefect.task_runners import ThreadPoolTaskRunner


@task
def cube(x: int) -> int:
    return x**3


@flow(task_runner=ThreadPoolTaskRunner(max_workers=2))
def cubes(n: int = 4) -> int:
    return sum(f.result() for f in [cube.submit(i) for i in range(n)])


if __name__ == "__main__":
    renamed = cubes.with_options(name="cubes-nightly", retries=1)
    state = renamed(n=3, return_state=True)
    print("OUTCOME", renamed.name, state.type.value, state.name)
    print("RESULT", state.result())
