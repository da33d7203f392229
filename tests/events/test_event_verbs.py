"""The client's verbs on events, on every store (SQLite, PostgreSQL, and a server over
HTTP on either): emit, emit the same event again, read newest first by name prefix and
time, and refuse an event without a resource id or a related resource without a role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cauce.client.base import ClientError
from cauce.schemas.events import EventFilter, StoredEvent
from tests.conftest import Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _event(name: str, minutes: int, resource_id: str = "order.123") -> StoredEvent:
    return StoredEvent(
        event=name,
        resource={"prefect.resource.id": resource_id, "prefect.resource.name": "pedido"},
        related=[{"prefect.resource.id": "customer.7", "prefect.resource.role": "customer"}],
        payload={"importe": 12.5, "líneas": [1, 2], "nota": None},
        occurred=T0 + timedelta(minutes=minutes),
    )


def test_emitted_events_read_back_newest_first(store: Store) -> None:
    emitted = [_event("order.created", 0), _event("order.shipped", 5), _event("invoice.paid", 2)]
    store.client.emit_events(emitted)
    read = store.client.read_events()
    assert [(e.event, e.occurred) for e in read] == [
        ("order.shipped", T0 + timedelta(minutes=5)),
        ("invoice.paid", T0 + timedelta(minutes=2)),
        ("order.created", T0),
    ]
    first = read[-1]
    assert (first.id, first.resource, first.related, first.payload) == (
        emitted[0].id,
        emitted[0].resource,
        emitted[0].related,
        emitted[0].payload,
    )
    assert first.resource_id == "order.123"
    assert first.received >= first.occurred


def test_read_by_prefix_since_and_limit(store: Store) -> None:
    store.client.emit_events(
        [_event("order.created", 0), _event("order.shipped", 5), _event("orders_x", 6)]
        + [_event("invoice.paid", 2)]
    )
    by_prefix = store.client.read_events(EventFilter(prefix="order."))
    assert [e.event for e in by_prefix] == ["order.shipped", "order.created"]
    # The prefix is text, not a pattern: "_" matches only itself.
    assert [e.event for e in store.client.read_events(EventFilter(prefix="orders_"))] == [
        "orders_x"
    ]
    since = store.client.read_events(EventFilter(since=T0 + timedelta(minutes=2)))
    assert [e.event for e in since] == ["orders_x", "order.shipped", "invoice.paid"]
    assert [e.event for e in store.client.read_events(EventFilter(limit=1))] == ["orders_x"]


def test_the_same_event_sent_twice_is_kept_once(store: Store) -> None:
    event = _event("order.shipped", 0)
    store.client.emit_events([event])
    store.client.emit_events([event])
    assert [e.id for e in store.client.read_events()] == [event.id]


def test_cauce_resource_id_is_a_resource_id(store: Store) -> None:
    event = StoredEvent(event="lote.cargado", resource={"cauce.resource.id": "lote.9"})
    store.client.emit_events([event])
    [read] = store.client.read_events()
    assert (read.resource_id, read.related, read.payload) == ("lote.9", [], {})


@pytest.mark.parametrize(
    ("resource", "related", "reason"),
    [
        ({"x": "y"}, [], "Resources must include the prefect.resource.id label"),
        ({"prefect.resource.id": ""}, [], "The prefect.resource.id label must be non-empty"),
        (
            {"prefect.resource.id": "a"},
            [{"prefect.resource.id": "b"}],
            "Related Resources must include the prefect.resource.role label",
        ),
    ],
)
def test_bad_events_are_refused_and_none_is_recorded(
    store: Store, resource: dict[str, str], related: list[dict[str, str]], reason: str
) -> None:
    good = _event("order.created", 0)
    bad = StoredEvent(event="order.shipped", resource=resource, related=related)
    with pytest.raises(ClientError, match=rf"^event 'order.shipped': {reason}"):
        store.client.emit_events([good, bad])
    assert store.client.read_events() == []


def test_a_bad_limit_is_refused(store: Store) -> None:
    with pytest.raises(ClientError, match=r"limit must be 0 to 10000, not -1"):
        store.client.read_events(EventFilter(limit=-1))
