"""The report: which Prefect names cauce does not have, and what it says to do instead."""

from __future__ import annotations

from pathlib import Path

from cauce.migrate.imports import Use, rewrite
from cauce.migrate.report import advice_for, findings


def _findings(source: str) -> dict[tuple[int, str], str]:
    found = findings(Path("flows/etl.py"), rewrite(source.encode()).uses)
    assert all(item.path == Path("flows/etl.py") for item in found)
    return {(item.line, item.prefect_name): item.advice for item in found}


def test_names_cauce_has_are_not_reported():
    source = (
        "import prefect\nfrom prefect import flow, task, get_run_logger\n"
        "from prefect.tasks import task_input_hash\nfrom prefect.states import Completed\n"
        "from prefect.runtime import flow_run\nfrom prefect.task_runners import "
        "ThreadPoolTaskRunner\nx = prefect.runtime.flow_run.name\ny = prefect.flow\n"
    )
    assert _findings(source) == {}


def test_prefect_examples_names_cauce_has_since_are_not_reported():
    source = (
        "from prefect.cache_policies import NONE\nfrom prefect.logging import get_logger\n"
        "from prefect.flow_runs import wait_for_flow_run\n"
        "from prefect.exceptions import FailedRun, CrashedRun, CancelledRun\n"
        "from prefect.schedules import Cron, Interval, RRule\n"
        "from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule, NoSchedule\n"
        "from prefect.events import Event, RelatedResource, Resource, emit_event\n"
    )
    found = _findings(source)
    assert list(found) == [(6, "prefect.client.schemas.schedules.NoSchedule")]
    assert "cauce.yaml" in found[(6, "prefect.client.schemas.schedules.NoSchedule")]


def test_cloud_only_features_get_their_hint():
    source = (
        "from prefect.blocks.notifications import SlackWebhook\n"
        "import prefect\n"
        "prefect.events.DeploymentEventTrigger\n"
    )
    found = _findings(source)
    assert set(found) == {
        (1, "prefect.blocks.notifications.SlackWebhook"),
        (3, "prefect.events.DeploymentEventTrigger"),
    }
    assert "environment variables" in found[(1, "prefect.blocks.notifications.SlackWebhook")]
    assert "no automations or triggers" in found[(3, "prefect.events.DeploymentEventTrigger")]
    assert "hook" in found[(3, "prefect.events.DeploymentEventTrigger")]


def test_integrations_are_reported_with_the_package_name():
    found = _findings("\n\nfrom prefect_aws.s3 import S3Bucket\nimport prefect_snowflake\n")
    assert "own Python client" in found[(3, "prefect_aws.s3.S3Bucket")]
    assert found[(4, "prefect_snowflake")].startswith("prefect_snowflake is a Prefect integration")


def test_a_name_cauce_has_elsewhere_points_there():
    advice = advice_for(Use(1, "prefect.utilities.misc.get_run_logger", None))
    assert advice is not None
    advice = advice_for(Use(1, "prefect.nowhere.get_run_logger", "cauce.nowhere.get_run_logger"))
    assert advice == "cauce has it as cauce.get_run_logger: import it from cauce instead."


def test_an_unknown_name_says_cauce_does_not_have_it():
    advice = advice_for(Use(7, "prefect.flows.load_flow_from_entrypoint_x", "cauce.flows.zzz"))
    assert (
        advice == "cauce has no cauce.flows.zzz (yet): this line fails until the use is replaced."
    )


def test_a_missing_submodule_of_an_existing_module_is_missing():
    assert advice_for(Use(1, "prefect.runtime.nothing_here", "cauce.runtime.nothing_here"))
    assert advice_for(Use(1, "prefect.runtime", "cauce.runtime")) is None


def test_uses_of_a_reported_name_are_not_repeated():
    source = (
        "from prefect.blocks.notifications import SlackWebhook\n\n"
        "SlackWebhook.load('a')\nSlackWebhook.load('b')\n"
    )
    assert list(_findings(source)) == [(1, "prefect.blocks.notifications.SlackWebhook")]


def test_blocks_cauce_has_are_not_reported():
    source = "from prefect.blocks.system import Secret\nfrom prefect.blocks.core import Block\n"
    assert list(_findings(source)) == []
