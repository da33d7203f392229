"""prefect.yaml into cauce.yaml: what converts, what is noted with its line, what is refused."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

import pytest

from cauce.deployments.cauce_yaml import (
    DeploymentEntry,
    ScheduleEntry,
    load_cauce_yaml,
    save_deployment,
)
from cauce.migrate.prefect_yaml import Note, PrefectYamlError, convert
from cauce.migrate.project import migrate, write

PREFECT_YAML = """\
name: tienda
prefect-version: 3.9.1
build: null
push: null
pull:
- prefect.deployments.steps.set_working_directory:
    directory: /opt/tienda
deployments:
- name: diario
  version: 1.0
  tags: [ventas]
  description: Cada mañana
  entrypoint: flows/ventas.py:resumen
  parameters: {dias: 7}
  work_pool:
    name: local
    work_queue_name: null
    job_variables: {}
  concurrency_limit: {limit: 2, collision_strategy: ENQUEUE}
  schedules:
  - cron: 0 9 * * 1-5
    timezone: America/Argentina/Buenos_Aires
    day_or: true
    active: true
    parameters: {dias: 1, opciones: {detalle: true}}
- name: cada-hora
  entrypoint: flows/ventas.py:resumen
  work_pool:
    name: local
    job_variables: {image: tienda:latest}
  schedules:
  - interval: 3600
    anchor_date: '2026-01-01T00:00:00+00:00'
    timezone: UTC
    active: false
  pull:
  - prefect.deployments.steps.git_clone:
      repository: https://github.com/tienda/flows.git
      branch: main
      access_token: '{{ prefect.blocks.secret.token }}'
  - prefect.deployments.steps.pip_install_requirements:
      requirements_file: requirements.txt
"""


def test_deployments_schedules_pools_and_git_sources_convert(tmp_path):
    (tmp_path / "prefect.yaml").write_text(PREFECT_YAML)
    conversion = convert(tmp_path / "prefect.yaml")
    assert conversion.entries == [
        DeploymentEntry(
            name="diario",
            entrypoint="flows/ventas.py:resumen",
            work_pool="local",
            parameters={"dias": 7},
            schedules=(
                ScheduleEntry(
                    cron="0 9 * * 1-5",
                    timezone="America/Argentina/Buenos_Aires",
                    parameters={"dias": 1, "opciones": {"detalle": True}},
                ),
            ),
            tags=("ventas",),
            description="Cada mañana",
            version="1.0",
            concurrency_limit=2,
        ),
        DeploymentEntry(
            name="cada-hora",
            entrypoint="flows/ventas.py:resumen",
            work_pool="local",
            source="https://github.com/tienda/flows.git",
            branch="main",
            schedules=(
                ScheduleEntry(
                    interval_seconds=3600,
                    timezone="UTC",
                    active=False,
                    anchor=datetime(2026, 1, 1, tzinfo=UTC),
                ),
            ),
        ),
    ]
    assert conversion.notes == [
        Note(
            30,
            "deployment 'cada-hora': work_pool.job_variables",
            "not converted: cauce pools have no queues or job variables",
        ),
        Note(
            40,
            "deployment 'cada-hora': git_clone access_token",
            "not converted: cauce clones with the worker machine's git credentials",
        ),
        Note(
            41,
            "deployment 'cada-hora': pull step pip_install_requirements",
            "not converted: install requirements where the worker runs",
        ),
    ]


def test_prefect_2s_single_schedule_and_a_missing_pool(tmp_path):
    (tmp_path / "prefect.yaml").write_text(
        textwrap.dedent(
            """\
            deployments:
              - name: viejo
                entrypoint: flow.py:main
                schedule:
                  rrule: FREQ=WEEKLY;BYDAY=MO
            """
        )
    )
    conversion = convert(tmp_path / "prefect.yaml")
    [entry] = conversion.entries
    assert entry.schedules == (ScheduleEntry(rrule="FREQ=WEEKLY;BYDAY=MO"),)
    assert entry.work_pool == "default"
    assert [(note.line, note.subject) for note in conversion.notes] == [
        (2, "deployment 'viejo': work_pool")
    ]


def test_the_cauce_yaml_written_loads_back_and_keeps_existing_entries(tmp_path):
    (tmp_path / "prefect.yaml").write_text(PREFECT_YAML)
    mine = DeploymentEntry(name="propio", entrypoint="otro.py:f", work_pool="local")
    save_deployment(tmp_path / "cauce.yaml", mine)
    before = (tmp_path / "cauce.yaml").read_text()

    results = migrate(tmp_path)
    assert (tmp_path / "cauce.yaml").read_text() == before, "nothing written before write()"
    write(results)
    loaded = load_cauce_yaml(tmp_path / "cauce.yaml")
    assert loaded == [mine, *convert(tmp_path / "prefect.yaml").entries]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("deployments:\n  - name: [unclosed\n", "prefect.yaml:3: not valid YAML"),
        ("deployments:\n  - name: x\n", "prefect.yaml:2: a deployment needs a name and entrypoint"),
        (
            "deployments:\n- name: x\n  entrypoint: f.py:g\n  schedules:\n  - cron: '* * * * *'\n"
            "    interval: 60\n",
            "prefect.yaml:5: deployment 'x': schedule: a schedule has exactly one of",
        ),
    ],
)
def test_a_prefect_yaml_that_cannot_convert_is_one_line_and_nothing_is_written(
    tmp_path, text, message
):
    (tmp_path / "prefect.yaml").write_text(text)
    with pytest.raises(PrefectYamlError) as raised:
        convert(tmp_path / "prefect.yaml")
    assert str(raised.value).startswith(message)
    [result] = migrate(tmp_path)
    assert result.error is not None and result.error.startswith(message)
    write([result])
    assert not (tmp_path / "cauce.yaml").exists()
