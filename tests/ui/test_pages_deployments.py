"""The deployment, work pool and flow pages in-process: what they show, escaping, 404.

A deployment's schedule times are shown in the schedule's own zone: the server here
shows times in Buenos Aires (-03:00), so a Tokyo schedule must show +09:00.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool
from cauce.states import now_utc
from tests.conftest import Store
from tests.ui.conftest import ZONE

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]

INJECTED = "<script>window.pwned=1</script>"
ESCAPED = "&lt;script&gt;window.pwned=1&lt;/script&gt;"


def _deploy(store: Store, name: str = "diaria", zone: str = ZONE, **fields: object) -> Deployment:
    deployment = Deployment(
        flow_name="saludar",
        name=name,
        entrypoint="flows/saludo.py:saludar",
        work_pool_name="local",
        schedules=[DeploymentSchedule(timezone=zone, cron="30 9 * * *")],
        **fields,  # type: ignore[arg-type]
    )
    return store.client.apply_deployment(deployment)


@pytest.fixture
def pool(store: Store) -> str:
    store.client.create_work_pool(WorkPool("local", concurrency_limit=3))
    return "local"


def _row(page: str, text: str) -> str:
    """The table row of `page` that contains `text`."""
    rows = [row for row in re.findall(r"<tr.*?</tr>", page, re.S) if text in row]
    assert len(rows) == 1, rows
    return rows[0]


class TestDeploymentsList:
    async def test_lists_each_deployment_with_pool_schedule_status_and_next_run(
        self, ui, store, pool
    ):
        diaria = _deploy(store, tags=["etl"])
        tokio = _deploy(store, "tokio", zone="Asia/Tokyo")
        store.client.set_deployment_paused(tokio.id, True)
        page = (await ui.get("/deployments")).text
        row = _row(page, "saludar/diaria")
        assert f'href="/deployments/{diaria.id}"' in row
        assert "<td>local</td>" in row
        assert f"cron 30 9 * * * ({ZONE})" in row
        assert "Active" in row
        assert re.search(r"<time [^>]*>\d{4}-\d\d-\d\d 09:30:00 -03:00</time>", row)
        paused = _row(page, "saludar/tokio")
        assert "cron 30 9 * * * (Asia/Tokyo)" in paused and "Paused" in paused
        assert "<time" not in paused, "a paused deployment has no next run"

    async def test_next_run_is_in_the_schedules_zone_not_the_servers(self, ui, store, pool):
        _deploy(store, "tokio", zone="Asia/Tokyo")
        row = _row((await ui.get("/deployments")).text, "saludar/tokio")
        assert re.search(r"\d{4}-\d\d-\d\d 09:30:00 \+09:00</time>", row)

    async def test_no_deployments_says_so(self, ui, store):
        assert "No deployments yet." in (await ui.get("/deployments")).text

    async def test_a_script_in_names_is_shown_escaped(self, ui, store):
        store.client.create_work_pool(WorkPool(f"p{INJECTED}"))
        store.client.apply_deployment(
            Deployment(
                flow_name=f"f{INJECTED}",
                name=f"d{INJECTED}",
                entrypoint="x.py:f",
                work_pool_name=f"p{INJECTED}",
                description=INJECTED,
            )
        )
        for path in ("/deployments", "/work-pools", "/flows"):
            page = (await ui.get(path)).text
            assert INJECTED not in page, path
            assert ESCAPED in page, path
        deployment = store.client.read_deployments()[0]
        page = (await ui.get(f"/deployments/{deployment.id}")).text
        assert INJECTED not in page and page.count(ESCAPED) >= 3


class TestDeploymentPage:
    async def test_shows_facts_parameters_schedule_times_and_runs(self, ui, store, pool):
        deployment = _deploy(
            store,
            description="Saluda cada mañana",
            parameters={"nombre": "mundo"},
            parameter_schema={
                "properties": {"nombre": {"type": "string"}, "veces": {"default": 2}}
            },
            concurrency_limit=1,
            watchdog_running_after_seconds=3600,
            tags=["etl"],
        )
        made = store.client.create_flow_run_from_deployment(deployment.id)
        page = (await ui.get(f"/deployments/{deployment.id}")).text
        assert "<h1>saludar/diaria" in page
        assert "<code>flows/saludo.py:saludar</code>" in page
        assert "Saluda cada mañana" in page
        assert '<span class="tag">etl</span>' in page
        assert "<dd>1</dd>" in page, "the concurrency limit"
        assert "<dd>1h</dd>" in page, "watchdog running after"
        assert _row(page, "<code>nombre</code>").count("<code>&#34;mundo&#34;</code>") == 1
        assert "<code>2</code>" in _row(page, "<code>veces</code>")
        schedule = _row(page, f"cron 30 9 * * * ({ZONE})")
        assert len(re.findall(r"09:30:00 -03:00</time>", schedule)) == 5
        assert f'href="/flow-runs/{made.id}"' in page
        assert 'class="state state-scheduled"' in page

    async def test_an_unknown_deployment_is_the_404_page(self, ui, store):
        unknown = uuid.uuid4()
        answer = await ui.get(f"/deployments/{unknown}")
        assert answer.status_code == 404
        assert f"Deployment {unknown} is not recorded here." in answer.text


class TestWorkPoolsPage:
    async def test_shows_each_pool_its_runs_and_its_workers_health(self, ui, store, pool):
        deployment = _deploy(store)
        store.client.create_work_pool(WorkPool("parada", is_paused=True))
        earlier = now_utc() - timedelta(minutes=1)
        for _ in range(3):
            store.client.create_flow_run_from_deployment(deployment.id, scheduled_time=earlier)
        worker_id = store.client.worker_heartbeat("local", "w1", "maquina", 4242, []).worker_id
        store.client.claim_flow_runs("local", worker_id, 1)
        stopped = store.client.worker_heartbeat("local", "w2", "otra", 7, []).worker_id
        store.client.worker_stopped(stopped)
        page = (await ui.get("/work-pools")).text
        local = page[page.index('id="pool-local"') : page.index('id="pool-parada"')]
        assert "Active" in local and "<dd>3</dd>" in local, "the pool's concurrency limit"
        assert '<dd class="due">2</dd>' in local
        assert '<dd class="in-progress">1</dd>' in local
        w1 = _row(local, "<td>w1</td>")
        assert "<td>maquina</td>" in w1 and "<td>4242</td>" in w1
        assert re.search(r"<time [^>]*>[^<]*-03:00</time>", w1)
        assert "health-healthy" in w1
        assert "health-stopped" in _row(local, "<td>w2</td>")
        parada = page[page.index('id="pool-parada"') :]
        assert "Paused" in parada and "No worker has polled this pool yet" in parada


class TestFlowsPage:
    async def test_lists_each_flow_with_its_deployments_and_last_runs(self, ui, store, pool):
        deployment = _deploy(store)
        made = store.client.create_flow_run_from_deployment(deployment.id)
        page = (await ui.get("/flows")).text
        row = _row(page, '<td class="flow-name">saludar</td>')
        assert f'href="/deployments/{deployment.id}">diaria</a>' in row
        assert f'href="/flow-runs/{made.id}"' in row

    async def test_the_nav_links_every_page(self, ui, store):
        page = (await ui.get("/flows")).text
        for path in ("/flow-runs", "/deployments", "/work-pools", "/flows", "/docs"):
            assert f'<a href="{path}">' in page


class TestWorkPoolPage:
    async def test_shows_the_pool_its_workers_and_its_deployments(self, ui, store, pool):
        deployment = _deploy(store)
        store.client.worker_heartbeat("local", "w1", "maquina", 4242, [])
        deployment_page = (await ui.get(f"/deployments/{deployment.id}")).text
        assert '<a href="/work-pools/local">local</a>' in deployment_page
        page = (await ui.get("/work-pools/local")).text
        assert 'id="pool-local"' in page and "health-healthy" in _row(page, "<td>w1</td>")
        row = _row(page, "saludar/diaria")
        assert f'href="/deployments/{deployment.id}"' in row and "1 active of 1" in row

    async def test_an_unknown_pool_is_the_404_page(self, ui, store):
        answer = await ui.get("/work-pools/nada")
        assert answer.status_code == 404
        assert "Work pool &#39;nada&#39; is not recorded here." in answer.text
