"""The dashboard in-process: the chart's segments and totals, the runs needing attention,
deployments with their next run, workers with their health, the period toggle, escaping
and polling."""

from __future__ import annotations

import re

import pytest

from cauce import flow
from cauce.schemas.deployments import DeploymentSchedule
from cauce.schemas.flow_runs import FlowRunFilter
from tests.ui.conftest import ZONE, local_deployment

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.timeout(60),
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]

INJECTED = "<script>window.pwned=1</script>"


@flow
def bien() -> None:
    pass


@flow
def falla() -> None:
    raise ValueError("no")


def segments(page: str) -> list[tuple[str, str]]:
    """Each chart segment's state and hover text."""
    return re.findall(r'<rect class="segment segment-(\w+)"[^>]*><title>([^<]*)</title>', page)


def totals(page: str) -> dict[str, int]:
    table = re.search(r'<table class="totals">.*?</table>', page, re.S)
    assert table
    rows = re.findall(r'state-\w+">(\w+)</span></td><td class="count">(\d+)<', table.group(0))
    return {name: int(count) for name, count in rows}


async def test_the_chart_has_a_segment_per_bucket_and_state_with_its_count(ui, store):
    bien()
    bien()
    falla(return_state=True)
    store.flush()
    page = (await ui.get("/dashboard")).text
    found = segments(page)
    assert sorted(state for state, _ in found) == ["completed", "failed"]
    hover = dict(found)
    assert re.fullmatch(r"2 Completed, \d{4}-\d\d-\d\d \d\d:00 to \d\d:00", hover["completed"])
    assert hover["failed"].startswith("1 Failed, ")
    assert totals(page) == {"Completed": 2, "Failed": 1}
    assert '<th class="count">3</th>' in page


async def test_the_24_hour_chart_is_hourly_and_the_7_day_one_in_6_hour_buckets(ui, store):
    bien()
    store.flush()
    day = (await ui.get("/dashboard")).text
    week = (await ui.get("/dashboard", params={"period": "7d"})).text
    assert day.count('<g class="bar">') == 24 and week.count('<g class="bar">') == 28
    hour = dict(segments(day))["completed"]
    assert re.search(r" \d\d:00 to \d\d:00$", hour)
    start, end = re.findall(r"(\d\d):00", hour)
    assert (int(end) - int(start)) % 24 == 1
    six = dict(segments(week))["completed"]
    start, end = re.findall(r"(\d\d):00", six)
    assert start in ("00", "06", "12", "18") and (int(end) - int(start)) % 24 == 6
    assert '<strong class="period-current">Last 7 d</strong>' in week
    assert '<a href="/dashboard?period=24h">Last 24 h</a>' in week
    assert totals(week) == {"Completed": 1}


async def test_axis_labels_are_in_the_servers_zone(ui, store):
    page = (await ui.get("/dashboard")).text
    assert ZONE in page
    labels = re.findall(r'<text class="axis-label"[^>]*>(\d\d):00</text>', page)
    assert len(labels) == 8 and all(int(hour) % 3 == 0 for hour in labels)


async def test_a_failed_run_needs_attention_with_its_link(ui, store):
    bien()
    falla(return_state=True)
    store.flush()
    (failed,) = store.client.read_flow_runs(FlowRunFilter(state_types=["FAILED"]))
    page = (await ui.get("/dashboard")).text
    attention = page[page.index("Needs attention") : page.index("Flow runs by state")]
    assert f'<a href="/flow-runs/{failed.id}">falla / {failed.name}</a>' in attention
    assert "bien /" not in attention


async def test_deployments_show_their_next_run_and_workers_their_health(ui, store):
    deployment = local_deployment(
        store,
        name="diaria",
        schedules=[DeploymentSchedule(timezone="Asia/Tokyo", cron="30 9 * * *")],
    )
    store.client.worker_heartbeat("local", "w1", "maquina", 4242, [])
    page = (await ui.get("/dashboard")).text
    assert f'<a href="/deployments/{deployment.id}">saludar/diaria</a>' in page
    assert re.search(r"\d{4}-\d\d-\d\d 09:30:00 \+09:00</time>", page), "in the schedule's zone"
    worker = re.search(r"<td>w1</td>.*?</tr>", page, re.S)
    assert worker and '<span class="health health-healthy">Healthy</span>' in worker.group(0)


async def test_user_text_is_escaped(ui, store):
    @flow(name=INJECTED)
    def injects() -> None:
        raise ValueError("no")

    injects(return_state=True)
    store.flush()
    page = (await ui.get("/dashboard")).text
    assert INJECTED not in page
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page


async def test_the_body_polls_its_fragment_for_the_chosen_period(ui, store):
    page = (await ui.get("/dashboard", params={"period": "7d"})).text
    assert 'hx-get="/dashboard/live?period=7d" hx-trigger="every 10s"' in page
    live = await ui.get("/dashboard/live", params={"period": "7d"})
    assert live.status_code == 200
    assert live.text.startswith('<div id="dashboard-live" hx-get="/dashboard/live?period=7d"')
    assert "<html" not in live.text
    assert "No flow runs in the last 7 d." in live.text


async def test_the_nav_links_the_dashboard_first_and_root_stays_the_run_list(ui, store):
    page = (await ui.get("/")).text
    assert '<nav><a href="/dashboard">Dashboard</a> <a href="/flow-runs">' in page
    assert "<h1>Dashboard</h1>" not in page
    assert "<h1>Dashboard</h1>" in (await ui.get("/dashboard")).text
