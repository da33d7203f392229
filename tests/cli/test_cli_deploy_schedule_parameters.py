"""A cauce.yaml schedule's own `parameters:`, as in Prefect's prefect.yaml: `cauce deploy`
applies them, the runs each schedule makes take them over the deployment's, and a name
the flow does not take is one line naming the deployment and the schedule."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from cauce.client.base import CauceClient
from cauce.client.factory import get_client
from cauce.schemas.deployments import WorkPool
from cauce.schemas.flow_runs import FlowRunFilter
from tests.cli.test_cli_deploy import cauce
from tests.conftest import Store

REPORT = """\
from cauce import flow


@flow
def reporte(region: str = "norte", formato: str = "csv"):
    print(region, formato)
"""

# A daily cron at 09:00 and an hourly interval at half past: never at the same instant.
CAUCE_YAML = """\
deployments:
  - name: diario
    entrypoint: reporte.py:reporte
    work_pool: compras-prod
    parameters: {formato: pdf}
    schedules:
      - cron: "0 9 * * *"
        timezone: UTC
        parameters: {region: sur}
      - interval: 1h
        anchor: "2026-01-01T00:30:00"
        timezone: UTC
        parameters:
          region: este
          formato: xlsx
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "reporte.py").write_text(REPORT)
    return folder


def _parameters_by_minute(client: CauceClient, deployment_id: uuid.UUID) -> dict[int, list[Any]]:
    runs = client.read_flow_runs(FlowRunFilter(deployment_id=deployment_id, limit=500))
    found: dict[int, list[Any]] = {}
    for run in runs:
        assert run.expected_start_time is not None
        found.setdefault(run.expected_start_time.minute, []).append(run.parameters)
    return found


def test_each_schedules_runs_take_its_parameters_over_the_deployments(
    store: Store, project: Path
) -> None:
    store.client.create_work_pool(WorkPool(name="compras-prod"))
    (project / "cauce.yaml").write_text(CAUCE_YAML)

    result = cauce(project, "deploy", "--all", "--no-prompt")

    assert result.returncode == 0, result.stderr
    deployment = store.client.read_deployment_by_name("reporte/diario")
    assert deployment.parameters == {"formato": "pdf"}
    assert sorted((s.cron is not None, s.parameters) for s in deployment.schedules) == [
        (False, {"region": "este", "formato": "xlsx"}),
        (True, {"region": "sur"}),
    ]
    by_minute = _parameters_by_minute(store.client, deployment.id)
    assert set(by_minute) == {0, 30}
    assert by_minute[0] == [{"region": "sur", "formato": "pdf"}] * 3
    assert len(by_minute[30]) >= 24
    assert by_minute[30] == [{"region": "este", "formato": "xlsx"}] * len(by_minute[30])


def test_a_parameter_the_flow_does_not_take_is_one_line_and_nothing_is_applied(
    cauce_home: Path, project: Path
) -> None:
    local = get_client()
    local.create_work_pool(WorkPool(name="compras-prod"))
    (project / "cauce.yaml").write_text(CAUCE_YAML.replace("{region: sur}", "{pais: ar}"))

    result = cauce(project, "deploy", "--all", "--no-prompt")

    assert result.returncode == 1, result.stdout
    assert result.stderr.strip() == (
        "deployment 'reporte/diario': schedule cron '0 9 * * *': "
        "unknown parameter 'pais' (the flow takes: region, formato)"
    )
    assert local.read_deployments() == []
    assert local.read_flow_runs(FlowRunFilter()) == []
