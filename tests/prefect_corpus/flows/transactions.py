# Follows Prefect docs: "Transactions" (a failing step rolls back the tasks before it).
from prefect import flow, task
from prefect.transactions import get_transaction, transaction

store: dict[str, str] = {}


@task
def write(key: str, value: str) -> None:
    store[key] = value
    get_transaction().set("written", key)


@write.on_rollback
def undo_write(txn) -> None:
    key = txn.get("written")
    store.pop(key, None)
    print("RESULT rolled back", key)


@task
def check(key: str) -> None:
    if store[key] == "bad":
        raise ValueError("quality check failed")


@flow
def pipeline(value: str) -> dict[str, str]:
    with transaction():
        write("row", value)
        check("row")
    return store


if __name__ == "__main__":
    ok = pipeline("good", return_state=True)
    print("OUTCOME", pipeline.name, ok.type.value, ok.name)
    print("RESULT", ok.result())
    bad = pipeline("bad", return_state=True)
    print("OUTCOME", pipeline.name, bad.type.value, bad.name)
    print("RESULT", store)
    bad.result()
