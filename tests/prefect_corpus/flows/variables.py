# Follows Prefect docs: "Variables" (Variable.set / get / unset with JSON values).
from prefect import flow
from prefect.variables import Variable


@flow
def configured() -> list[object]:
    Variable.set("batch_size", 50)
    Variable.set("batch_size", {"rows": 100, "dry_run": False}, overwrite=True)
    value = Variable.get("batch_size")
    Variable.unset("batch_size")
    return [value, Variable.get("batch_size", default="gone")]


if __name__ == "__main__":
    state = configured(return_state=True)
    print("OUTCOME", configured.name, state.type.value, state.name)
    print("RESULT", state.result())
