# Follows Prefect docs: "Events" (emit_event from a flow and a task, with a payload and a
# related resource; an event without a resource id is logged and gives None).
import uuid

from prefect import flow, task
from prefect.events import Event, emit_event


@task
def invoice(order_id: str) -> str:
    made = emit_event(event="invoice.created", resource={"prefect.resource.id": f"inv.{order_id}"})
    return made.resource.id


@flow
def ship(order_id: str) -> dict:
    made = emit_event(
        event="order.shipped",
        resource={"prefect.resource.id": f"order.{order_id}", "prefect.resource.name": "order"},
        payload={"carrier": "ups", "kg": 2.5},
        related=[{"prefect.resource.id": "customer.7", "prefect.resource.role": "customer"}],
    )
    print("RESULT", isinstance(made, Event), made.event, made.resource.id, made.resource.name)
    print("RESULT", made.payload, made.related[0].role, isinstance(made.id, uuid.UUID))
    print("RESULT", made.occurred.tzinfo is not None, made.follows)
    after = emit_event(event="order.delivered", resource={"prefect.resource.id": "o"}, follows=made)
    print("RESULT follows", after.follows == made.id)
    print("RESULT bad", emit_event(event="order.lost", resource={"name": "no id"}))
    return {"invoice": invoice(order_id)}


if __name__ == "__main__":
    state = ship("123", return_state=True)
    print("OUTCOME", ship.name, state.type.value, state.name)
    print("RESULT", state.result())
