# Follows Prefect docs: "Caching" (cache_policy=NONE for a task whose input cannot be hashed).
import threading

from prefect import flow, task
from prefect.cache_policies import NONE

calls = {"n": 0}


@task(cache_policy=NONE, persist_result=True)
def guarded_add(lock: threading.Lock, x: int) -> int:
    with lock:
        calls["n"] += 1
        return x + 1


@flow
def add_under_lock() -> list[str]:
    lock = threading.Lock()
    states = [guarded_add(lock, 1, return_state=True), guarded_add(lock, 1, return_state=True)]
    return [s.name for s in states] + [str(s.result()) for s in states]


if __name__ == "__main__":
    state = add_under_lock(return_state=True)
    print("OUTCOME", add_under_lock.name, state.type.value, state.name)
    print("RESULT", state.result(), calls["n"])
