# Follows Prefect docs: "Write and run flows" (pydantic models as flow parameters).
from prefect import flow
from pydantic import BaseModel


class Order(BaseModel):
    item: str
    quantity: int = 1


@flow
def place_order(order: Order) -> str:
    return f"{order.quantity} x {order.item}"


if __name__ == "__main__":
    state = place_order({"item": "widget", "quantity": "4"}, return_state=True)
    print("OUTCOME", place_order.name, state.type.value, state.name)
    print("RESULT", state.result())
