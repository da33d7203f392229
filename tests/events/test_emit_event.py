"""`cauce.events.emit_event` as Prefect 3 code calls it: a script emits inside a flow and a
task, and `cauce event ls` shows the events, on every store. A bad event is one error line
in Prefect's words and gives None; a store that cannot record it is a warning, and the
run that emitted goes on."""

from __future__ import annotations

import re
import sqlite3
import uuid
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cauce import flow
from cauce.events import Event, RelatedResource, Resource, emit_event
from tests.conftest import Store, run_script

SCRIPT = """
import sys

from cauce import flow, task
from cauce import flow
from cauce.events import emit_event


@task
def facturar(pedido: str) -> str:
    made = emit_event(event="invoice.created", resource={"cauce.resource.id": f"invoice.{pedido}"})
    return made.event


@flow
def enviar(pedido: str) -> str:
    made = emit_event(
        event="order.shipped",
        resource={"prefect.resource.id": f"order.{pedido}"},
        payload={"carrier": "correos", "kg": 2.5},
        related=[{"prefect.resource.id": "customer.7", "prefect.resource.role": "customer"}],
    )
    print("ROLES", [r.role for r in made.related])
    return facturar(pedido)


if __name__ == "__main__":
    print("RESULT", enviar("123"), "sqlalchemy" in sys.modules)
"""


def _rows(output: str) -> list[list[str]]:
    """The cells of each table row but the header."""
    rows = []
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0] != "Occurred":
            rows.append(cells)
    return rows


def test_a_flow_emits_and_event_ls_shows_it(
    cli, store: Store, store_env: dict[str, str], tmp_path: Path
) -> None:
    script = tmp_path / "enviar.py"
    script.write_text(SCRIPT)
    result = run_script(script, store_env)
    assert result.returncode == 0, result.stderr
    assert "ROLES ['customer', 'flow-run']" in result.stdout
    # A flow on SQLite records its events without loading SQLAlchemy.
    assert f"RESULT invoice.created {store.kind == 'postgres'}" in result.stdout

    listed, shipped = cli.all(store_env, ["event", "ls"], ["event", "ls", "--event", "order."])
    assert listed.returncode == 0, listed.stderr
    assert [row[1:] for row in _rows(listed.stdout)] == [
        ["invoice.created", "invoice.123"],
        ["order.shipped", "order.123"],
    ]
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row[0]) for row in _rows(listed.stdout))
    assert [row[1:] for row in _rows(shipped.stdout)] == [["order.shipped", "order.123"]]

    invoice, order = store.client.read_events()
    flow_run = next(r for r in order.related if r["prefect.resource.role"] == "flow-run")
    assert flow_run["prefect.resource.id"].startswith("cauce.flow-run.")
    assert order.payload == {"carrier": "correos", "kg": 2.5}
    roles = [r["prefect.resource.role"] for r in invoice.related]
    assert roles == ["flow-run", "task-run"]
    assert invoice.related[0] == flow_run


def test_event_ls_limit_and_empty(cli, store: Store, store_env: dict[str, str]) -> None:
    for number in range(3):
        emit_event(event=f"paso.{number}", resource={"prefect.resource.id": "lote"})
    limited, none_match = cli.all(
        store_env, ["event", "ls", "--limit", "2"], ["event", "ls", "--event", "nada"]
    )
    assert [row[1] for row in _rows(limited.stdout)] == ["paso.2", "paso.1"]
    assert (none_match.returncode, none_match.stdout) == (0, "No events found.\n")


def test_emit_event_returns_the_event_as_recorded(store: Store) -> None:
    made = emit_event(
        event="order.shipped", resource={"prefect.resource.id": "order.123"}, payload={"n": 1}
    )
    assert isinstance(made, Event)
    assert (made.resource.id, made.related, made.payload, made.follows) == (
        "order.123",
        [],
        {"n": 1},
        None,
    )
    assert made.occurred.tzinfo is not None
    [stored] = store.client.read_events()
    assert (stored.id, stored.occurred, stored.event) == (made.id, made.occurred, made.event)
    after = emit_event(event="order.delivered", resource={"prefect.resource.id": "o"}, follows=made)
    assert after is not None and after.follows == made.id


def test_a_naive_time_is_utc_and_the_payload_is_stored_as_json(store: Store) -> None:
    naive = datetime(2026, 3, 1, 12, 30)
    made = emit_event(
        event="lote.cargado",
        resource={"prefect.resource.id": "lote.9"},
        occurred=naive,
        payload={"cuando": naive, "id": uuid.UUID(int=1)},
    )
    assert made is not None and made.occurred == naive.replace(tzinfo=UTC)
    [stored] = store.client.read_events()
    assert stored.occurred == naive.replace(tzinfo=UTC)
    assert stored.payload == {
        "cuando": "2026-03-01T12:30:00",
        "id": "00000000-0000-0000-0000-000000000001",
    }


@pytest.mark.parametrize(
    ("resource", "related", "reason"),
    [
        ({"x": "y"}, None, "Resources must include the prefect.resource.id label"),
        (
            {"prefect.resource.id": "a"},
            [{"prefect.resource.id": "b"}],
            "Related Resources must include the prefect.resource.role label",
        ),
    ],
)
@pytest.mark.store_kinds("checked before any store is asked", "sqlite")
def test_a_bad_event_is_an_error_line_and_none(
    store: Store, caplog: pytest.LogCaptureFixture, resource, related, reason: str
) -> None:
    assert emit_event(event="order.shipped", resource=resource, related=related) is None
    [record] = caplog.records
    assert record.levelname == "ERROR"
    assert record.getMessage().startswith(f"Error emitting event order.shipped: {reason}")
    assert store.client.read_events() == []


@pytest.mark.store_kinds("checked before any store is asked", "sqlite")
def test_a_payload_that_is_not_json_is_an_error_line_and_none(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    made = emit_event(event="raro", resource={"prefect.resource.id": "r"}, payload={"o": object()})
    assert made is None
    [record] = caplog.records
    assert record.getMessage().startswith(
        "Error emitting event raro: its payload is not JSON: Unable to serialize unknown type"
    )
    assert store.client.read_events() == []


def test_the_models_refuse_as_prefects_do() -> None:
    with pytest.raises(ValueError, match="Resources must include the prefect.resource.id"):
        Resource({"a": "b"})
    with pytest.raises(ValueError, match="must include the prefect.resource.role label"):
        RelatedResource({"prefect.resource.id": "b"})
    related = RelatedResource({"prefect.resource.id": "b", "prefect.resource.role": "r"})
    assert (related.id, related.role, related["prefect.resource.id"], "x" in related) == (
        "b",
        "r",
        "b",
        False,
    )


@pytest.mark.store_kinds("the table is dropped from the SQLite file", "sqlite")
def test_a_store_that_cannot_record_is_a_warning_and_the_flow_goes_on(
    store: Store, capfd: pytest.CaptureFixture[str]
) -> None:
    @flow
    def sigue() -> str:
        made = emit_event(event="order.shipped", resource={"prefect.resource.id": "o"})
        return f"sigue {made}"

    assert store.client.read_events() == []  # the database file is made
    with closing(sqlite3.connect(store.url.removeprefix("sqlite:///"))) as connection:
        connection.execute("DROP TABLE events")
    state = sigue(return_state=True)
    assert (state.type.value, state.result()) == ("COMPLETED", "sigue None")
    [warning] = [line for line in capfd.readouterr().err.splitlines() if "cauce.events" in line]
    assert warning.endswith(
        "WARNING | cauce.events - Event order.shipped was not recorded: "
        "OperationalError: no such table: events"
    )
