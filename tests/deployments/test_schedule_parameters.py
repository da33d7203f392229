"""Parameters of a schedule's own, as Prefect 3's: the runs a schedule makes take them
over the deployment's `parameters=`, and a name the flow does not take is refused,
naming the schedule and the parameter."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cauce.client.base import ClientError
from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool
from cauce.schemas.flow_runs import FlowRunFilter
from tests.conftest import Store, run_script
from tests.engine.scripts import store_env, write_script


def parameters_by_minute(store: Store, deployment_id: uuid.UUID) -> dict[int, list[Any]]:
    """The parameters of the deployment's runs, by the minute of their scheduled time."""
    runs = store.client.read_flow_runs(FlowRunFilter(deployment_id=deployment_id, limit=500))
    found: dict[int, list[Any]] = {}
    for run in runs:
        assert run.expected_start_time is not None
        found.setdefault(run.expected_start_time.minute, []).append(run.parameters)
    return found


# The shape of PrefectHQ/examples flows/schedule_specific_parameters.py, deployed rather
# than served (serve blocks), with no network.
SCRIPT = """\
from datetime import UTC, datetime, timedelta

from cauce import flow
from cauce.schedules import Cron, Interval


@flow
def get_crypto_prices(currencies_to_check: list[str] = ["bitcoin"], vs: str = "usd"):
    return currencies_to_check


get_crypto_prices.deploy(
    "precios",
    work_pool_name="compras-prod",
    parameters={"vs": "eur"},
    schedules=[
        Interval(
            timedelta(hours=1),
            anchor_date=datetime(2026, 1, 1, tzinfo=UTC),
            timezone="America/New_York",
            parameters={"currencies_to_check": ["bitcoin", "ethereum"]},
        ),
        Cron(
            "42 0 6 9 *",
            timezone="America/New_York",
            parameters={"currencies_to_check": ["solana", "dogecoin"], "vs": "usd"},
        ),
    ],
)
"""


def test_each_schedules_runs_carry_its_parameters_over_the_deployments(
    store: Store, tmp_path: Path
) -> None:
    store.client.create_work_pool(WorkPool(name="compras-prod"))
    result = run_script(write_script(tmp_path, SCRIPT, "precios.py"), store_env())
    assert result.returncode == 0, result.stderr

    deployment = store.client.read_deployment_by_name("get-crypto-prices/precios")
    by_kind = {bool(s.cron): s.parameters for s in deployment.schedules}
    assert by_kind == {
        False: {"currencies_to_check": ["bitcoin", "ethereum"]},
        True: {"currencies_to_check": ["solana", "dogecoin"], "vs": "usd"},
    }
    by_minute = parameters_by_minute(store, deployment.id)
    assert set(by_minute) == {0, 42}
    assert len(by_minute[0]) >= 24 and len(by_minute[42]) == 3
    hourly = {"vs": "eur", "currencies_to_check": ["bitcoin", "ethereum"]}
    assert by_minute[0] == [hourly] * len(by_minute[0])
    september = {"vs": "usd", "currencies_to_check": ["solana", "dogecoin"]}
    assert by_minute[42] == [september] * 3


def test_a_schedules_parameter_the_flow_does_not_take_is_refused_naming_it(
    store: Store, tmp_path: Path
) -> None:
    store.client.create_work_pool(WorkPool(name="compras-prod"))
    bad = SCRIPT.replace('"vs": "usd"}', '"moneda": "usd"}')
    result = run_script(write_script(tmp_path, bad, "precios.py"), store_env())
    assert result.returncode != 0
    refusal = (
        "deployment 'get-crypto-prices/precios': schedule cron '42 0 6 9 *': "
        "unknown parameter 'moneda' (the flow takes: currencies_to_check, vs)"
    )
    assert refusal in result.stderr
    assert store.client.read_flow_runs(FlowRunFilter()) == []


SCHEMA = {
    "type": "object",
    "properties": {"mensaje": {"type": "string"}, "veces": {"type": "integer"}},
}


def _deployment(*schedules: DeploymentSchedule) -> Deployment:
    return Deployment(
        flow_name="basic-flow",
        name="saludo",
        entrypoint="basic.py:basic_flow",
        work_pool_name="compras-prod",
        parameters={"mensaje": "hola", "veces": 1},
        parameter_schema=SCHEMA,
        schedules=list(schedules),
    )


def test_the_client_refuses_a_bad_schedule_parameter_in_one_line(store: Store) -> None:
    store.client.create_work_pool(WorkPool(name="compras-prod"))
    wrong_type = DeploymentSchedule(timezone="UTC", interval_seconds=600, parameters={"veces": "2"})
    with pytest.raises(ClientError) as refused:
        store.client.apply_deployment(_deployment(wrong_type))
    assert str(refused.value) == (
        "deployment 'basic-flow/saludo': schedule every 600s: "
        "parameter 'veces' must be an integer, got '2'"
    )

    deployment = store.client.apply_deployment(_deployment())
    unknown = DeploymentSchedule(timezone="UTC", rrule="FREQ=DAILY", parameters={"color": 1})
    with pytest.raises(ClientError) as refused:
        store.client.add_deployment_schedule(deployment.id, unknown)
    assert str(refused.value) == (
        "deployment 'basic-flow/saludo': schedule rrule 'FREQ=DAILY': "
        "unknown parameter 'color' (the flow takes: mensaje, veces)"
    )
    assert store.client.read_flow_runs(FlowRunFilter(deployment_id=deployment.id)) == []


def test_an_added_schedule_and_a_reapplied_one_remake_their_runs_parameters(
    store: Store,
) -> None:
    store.client.create_work_pool(WorkPool(name="compras-prod"))
    anchor = datetime(2026, 1, 1, tzinfo=UTC)
    hourly = DeploymentSchedule(
        timezone="UTC", interval_seconds=3600, anchor=anchor, parameters={"veces": 2}
    )
    deployment = store.client.apply_deployment(_deployment(hourly))
    added = DeploymentSchedule(
        timezone="UTC",
        interval_seconds=3600,
        anchor=anchor + timedelta(minutes=30),
        parameters={"mensaje": "chau"},
    )
    store.client.add_deployment_schedule(deployment.id, added)
    by_minute = parameters_by_minute(store, deployment.id)
    assert set(by_minute) == {0, 30}
    assert by_minute[0] == [{"mensaje": "hola", "veces": 2}] * len(by_minute[0])
    assert by_minute[30] == [{"mensaje": "chau", "veces": 1}] * len(by_minute[30])
    # The same schedule applied again with other parameters: its waiting runs take them.
    changed = DeploymentSchedule(
        timezone="UTC", interval_seconds=3600, anchor=anchor, parameters={"veces": 5}
    )
    store.client.apply_deployment(_deployment(changed))
    by_minute = parameters_by_minute(store, deployment.id)
    assert set(by_minute) == {0}
    assert by_minute[0] == [{"mensaje": "hola", "veces": 5}] * len(by_minute[0])
