"""From cauce.yaml to stored deployments (`cauce deploy --all`), through `store.client`:
the documented example applies as written, and applying it again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cauce.deployments.apply import apply_entries
from cauce.deployments.cauce_yaml import load_cauce_yaml
from cauce.schemas.deployments import Deployment, WorkPool
from cauce.schemas.flow_runs import FlowRunFilter
from tests.conftest import Store
from tests.deployments.test_cauce_yaml import EXAMPLE

BASIC = """\
from cauce import flow


@flow
def basic_flow(mensaje: str = "Hola mundo!"):
    print(mensaje)
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with the guide's basic.py and the documented cauce.yaml."""
    (tmp_path / "basic.py").write_text(BASIC)
    (tmp_path / "cauce.yaml").write_text(EXAMPLE)
    return tmp_path


def _apply(store: Store, project: Path) -> Deployment:
    [deployment] = apply_entries(
        store.client, load_cauce_yaml(project / "cauce.yaml"), project, "UTC"
    )
    return deployment


def _run_times(store: Store, deployment: Deployment) -> list[datetime | None]:
    runs = store.client.read_flow_runs(FlowRunFilter(deployment_id=deployment.id, limit=1000))
    return sorted(r.expected_start_time for r in runs if r.expected_start_time is not None)


class TestTheDocumentedExample:
    def test_its_watchdog_limit_is_stored(self, store: Store, project: Path):
        store.client.create_work_pool(WorkPool("compras-prod"))
        deployment = _apply(store, project)
        assert deployment.watchdog_running_after_seconds == 6 * 3600
        stored = store.client.read_deployment(deployment.id)
        assert stored.watchdog_running_after_seconds == 6 * 3600

    def test_its_naive_anchor_is_read_in_the_schedules_zone(self, store: Store, project: Path):
        store.client.create_work_pool(WorkPool("compras-prod"))
        deployment = _apply(store, project)
        [interval] = [s for s in deployment.schedules if s.interval_seconds is not None]
        # 09:00 in Madrid on 1 January is 08:00 UTC (CET, UTC+1).
        assert (interval.anchor, interval.timezone) == (
            datetime(2026, 1, 1, 8, 0, tzinfo=UTC),
            "Europe/Madrid",
        )

    def test_applying_it_again_keeps_every_schedule_and_run_time(self, store: Store, project: Path):
        store.client.create_work_pool(WorkPool("compras-prod"))
        first = _apply(store, project)
        times = _run_times(store, first)
        again = _apply(store, project)
        assert again.schedules == first.schedules
        assert _run_times(store, again) == times


class TestOneCheckForEveryDoor:
    """The client checks a deployment with the core's own function before anything is
    written, so a refusal reads the same from cauce.yaml as from the API."""

    @pytest.mark.store_kinds(
        "the core's own words come back through the embedded client; over HTTP the wire "
        "model refuses a negative limit before the core sees it",
        "sqlite",
        "postgres",
    )
    @pytest.mark.parametrize(
        ("change", "words"),
        [
            ({"concurrency_limit": -1}, "its concurrency limit cannot be negative"),
            ({"watchdog_running_after_seconds": 0.0}, "watchdog_running_after must be"),
            ({"parameters": {"mensaje": 3}}, "parameter 'mensaje' must be a string"),
        ],
    )
    def test_the_client_refuses_in_the_cores_words(
        self, store: Store, project: Path, change: dict[str, object], words: str
    ) -> None:
        from dataclasses import replace

        from cauce.client.base import ClientError
        from cauce.deployments.apply import check_deployment, deployment_from_entry

        [entry] = load_cauce_yaml(project / "cauce.yaml")
        store.client.create_work_pool(WorkPool(name=entry.work_pool))
        deployment = replace(deployment_from_entry(entry, project, "UTC"), **change)
        with pytest.raises(ClientError) as from_client:
            check_deployment(deployment)
        with pytest.raises(ClientError) as from_core:
            store.client.apply_deployment(deployment)
        assert str(from_client.value) == str(from_core.value)
        assert str(from_client.value).startswith(f"deployment {deployment.full_name!r}: ")
        assert words in str(from_client.value)
        assert store.client.read_deployments() == []
