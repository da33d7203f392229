"""Prefect's schedule objects in deployments made from code: `schedule=` / `schedules=`
with cauce.schedules' Cron, Interval and RRule, or Prefect's CronSchedule and friends
(cauce.client.schemas.schedules), become the deployment's schedules as `cron=` would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cauce import flow
from cauce.client.schemas.schedules import CronSchedule
from cauce.deployments.from_code import DeploymentError
from cauce.schedules import Cron, Interval
from cauce.schemas.deployments import WorkPool
from cauce.schemas.flow_runs import FlowRunFilter
from tests.conftest import Store, run_script
from tests.engine.scripts import store_env, write_script

SCRIPT = """\
from datetime import UTC, datetime, timedelta

import cauce
from cauce import flow
from cauce.client.schemas.schedules import IntervalSchedule, RRuleSchedule
from cauce.schedules import Cron, Interval, RRule


@flow
def informe(n: int = 1):
    return n


@flow
def limpieza():
    pass


cauce.deploy(
    informe.to_deployment(
        "varios",
        schedules=[
            Cron("0 9 * * 1-5", timezone="Europe/Madrid"),
            Interval(timedelta(hours=2), anchor_date=datetime(2026, 1, 1, tzinfo=UTC)),
            RRule("FREQ=WEEKLY;BYDAY=MO", timezone="UTC", active=False),
        ],
        timezone="America/Santiago",
    ),
    limpieza.to_deployment("cada-90", schedule=IntervalSchedule(interval=90, timezone="UTC")),
    limpieza.to_deployment(
        "lunes", schedules=[RRuleSchedule(rrule="FREQ=WEEKLY;BYDAY=MO", timezone="UTC")]
    ),
    work_pool_name="compras-prod",
)
"""


def test_schedule_objects_become_the_deployments_schedules(store: Store, tmp_path: Path) -> None:
    store.client.create_work_pool(WorkPool(name="compras-prod"))
    result = run_script(write_script(tmp_path, SCRIPT, "flujos.py"), store_env())
    assert result.returncode == 0, result.stderr

    varios = store.client.read_deployment_by_name("informe/varios")
    [cron] = [s for s in varios.schedules if s.cron]
    [interval] = [s for s in varios.schedules if s.interval_seconds]
    [rrule] = [s for s in varios.schedules if s.rrule]
    assert (cron.cron, cron.timezone, cron.is_active) == ("0 9 * * 1-5", "Europe/Madrid", True)
    # No timezone of its own: the deployment's timezone=.
    assert (interval.interval_seconds, interval.timezone) == (7200, "America/Santiago")
    assert interval.anchor == datetime(2026, 1, 1, tzinfo=UTC)
    assert (rrule.rrule, rrule.is_active) == ("FREQ=WEEKLY;BYDAY=MO", False)
    runs = store.client.read_flow_runs(FlowRunFilter(deployment_id=varios.id))
    assert runs and {r.state.name for r in runs} == {"Scheduled"}

    [every_90] = store.client.read_deployment_by_name("limpieza/cada-90").schedules
    assert (every_90.interval_seconds, every_90.timezone) == (90, "UTC")
    [monday] = store.client.read_deployment_by_name("limpieza/lunes").schedules
    assert monday.rrule == "FREQ=WEEKLY;BYDAY=MO"


@flow
def nocturno() -> None:
    pass


@pytest.mark.parametrize(
    ("options", "refusal"),
    [
        ({"schedules": [CronSchedule(cron="0 2 1 * 1", day_or=False)]}, "day_or=True only"),
        ({"schedule": Cron("0 2 * * *"), "cron": "0 3 * * *"}, "only one of interval, cron"),
        ({"schedules": [Cron("not a cron")]}, "'not a cron'"),
        ({"schedules": ["0 2 * * *"]}, "is not a schedule"),
    ],
)
def test_what_cauce_cannot_keep_is_refused_naming_it(
    options: dict[str, object], refusal: str
) -> None:
    with pytest.raises(DeploymentError, match=f"^deployment 'n': .*{refusal}"):
        nocturno.to_deployment("n", **options)


def test_a_schedule_needs_exactly_one_kind() -> None:
    from cauce.schedules import Schedule

    with pytest.raises(ValueError, match="exactly one of interval, cron and rrule"):
        Schedule()
    assert Interval(90) == Interval(timedelta(seconds=90))
