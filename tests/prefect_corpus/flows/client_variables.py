# Follows Prefect docs: "Variables" (the client's create/read/update/delete by name).
from prefect import flow, get_client
from prefect.client.schemas.actions import VariableCreate, VariableUpdate
from prefect.exceptions import ObjectAlreadyExists
from prefect.variables import Variable


@flow
def batch_size() -> int:
    return Variable.get("batch_size", default=1)


if __name__ == "__main__":
    with get_client(sync_client=True) as client:
        made = client.create_variable(VariableCreate(name="batch_size", value=50, tags=["etl"]))
        print("RESULT", made.name, made.value, made.tags)
        try:
            client.create_variable(VariableCreate(name="batch_size", value=5))
        except ObjectAlreadyExists:
            print("RESULT taken")
        client.update_variable(VariableUpdate(name="batch_size", value=100))
        state = batch_size(return_state=True)
        print("OUTCOME", batch_size.name, state.type.value, state.name)
        print("RESULT", state.result(), client.read_variable_by_name("batch_size").tags)
        client.delete_variable_by_name("batch_size")
        print("RESULT", client.read_variable_by_name("batch_size"))
