# Follows Prefect docs: "Write and run flows" (parameters are validated and coerced by pydantic).
from datetime import date

from prefect import flow
from pydantic import BaseModel


class Order(BaseModel):
    item: str
    quantity: int = 1


@flow
def place_order(order: Order, day: date, scale: float = 1.0) -> str:
    return f"{day.isoformat()} {order.quantity * scale} x {order.item}"


if __name__ == "__main__":
    state = place_order({"item": "widget", "quantity": "4"}, "2024-02-29", 2, return_state=True)
    print("OUTCOME", place_order.name, state.type.value, state.name)
    print("RESULT", state.result())
