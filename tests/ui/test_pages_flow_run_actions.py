"""A flow run's page in-process: Cancel / Retry / Delete behind CSRF, its facts, its
timeline of task runs and subflows, and the log level filter.

Each action asks on a page of its own whose form carries the CSRF token; the POST
without it is a 403 and changes nothing.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from cauce import flow, get_run_logger, task
from cauce.schemas.flow_runs import FlowRun, FlowRunFilter
from cauce.states import State, StateType
from tests.conftest import Store
from tests.ui.conftest import local_deployment

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]


@task
def paso(numero: int) -> int:
    return numero * 2


@task
def rompe() -> None:
    raise ValueError("no")


@flow
def hijo() -> None:
    paso(10)


@flow
def padre() -> None:
    logger = get_run_logger()
    logger.info("solo informa")
    logger.warning("cuidado aqui")
    paso(1)
    rompe(return_state=True)
    hijo()


@pytest.fixture
def deployed_run(store: Store) -> FlowRun:
    """A Scheduled run of a deployment, with parameters of its own."""
    deployment = local_deployment(
        store,
        name="a-mano",
        parameters={"nombre": "ana"},
        parameter_schema={
            "type": "object",
            "properties": {"nombre": {"type": "string"}, "veces": {"type": "integer"}},
        },
    )
    return store.client.create_flow_run_from_deployment(deployment.id, {"veces": 3})


async def _token(ui: httpx.AsyncClient, run_id: uuid.UUID, action: str) -> str:
    """Open the run's page and its action's confirmation as a browser does; the token."""
    page = (await ui.get(f"/flow-runs/{run_id}")).text
    assert f'href="/flow-runs/{run_id}/{action}"' in page, f"the page offers {action}"
    confirm = await ui.get(f"/flow-runs/{run_id}/{action}")
    assert confirm.status_code == 200
    assert f'<form class="confirm" method="post" action="/flow-runs/{run_id}/{action}">' in (
        confirm.text
    )
    found = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text)
    assert found, "the confirmation's form carries a token"
    return found.group(1)


class TestActions:
    async def test_cancel_ends_a_scheduled_run_cancelled(self, ui, store, deployed_run):
        token = await _token(ui, deployed_run.id, "cancel")
        done = await ui.post(f"/flow-runs/{deployed_run.id}/cancel", data={"csrf_token": token})
        assert done.status_code == 303
        assert done.headers["location"] == f"/flow-runs/{deployed_run.id}"
        run = store.client.read_flow_run(deployed_run.id)
        assert run.state.type is StateType.CANCELLED
        assert run.state.message == "Cancelled from the UI."
        page = (await ui.get(done.headers["location"])).text
        assert 'class="state state-cancelled"' in page
        assert f'href="/flow-runs/{deployed_run.id}/cancel"' not in page, "a final run has none"

    async def test_cancel_without_the_token_is_refused_and_changes_nothing(
        self, ui, store, deployed_run
    ):
        await _token(ui, deployed_run.id, "cancel")  # the cookie is set; the form is not sent
        refused = await ui.post(f"/flow-runs/{deployed_run.id}/cancel", data={})
        assert refused.status_code == 403
        forged = await ui.post(f"/flow-runs/{deployed_run.id}/cancel", data={"csrf_token": "x"})
        assert forged.status_code == 403
        assert store.client.read_flow_run(deployed_run.id).state.type is StateType.SCHEDULED

    async def test_cancel_of_an_ended_run_says_why(self, ui, store, deployed_run):
        token = await _token(ui, deployed_run.id, "cancel")
        await ui.post(f"/flow-runs/{deployed_run.id}/cancel", data={"csrf_token": token})
        again = await ui.post(f"/flow-runs/{deployed_run.id}/cancel", data={"csrf_token": token})
        assert again.status_code == 409
        assert "has already ended" in again.text

    async def test_resume_of_a_paused_run_makes_it_running_and_only_a_paused_one_offers_it(
        self, ui, store, deployed_run
    ):
        page = (await ui.get(f"/flow-runs/{deployed_run.id}")).text
        assert f'href="/flow-runs/{deployed_run.id}/resume"' not in page, "not paused"
        paused = await ui.post(
            f"/api/flow_runs/{deployed_run.id}/set_state",
            json={"state": {"type": "PAUSED"}, "force": True},
        )
        assert paused.json()["status"] == "ACCEPT"
        page = (await ui.get(f"/flow-runs/{deployed_run.id}")).text
        assert f'href="/flow-runs/{deployed_run.id}/resume"' in page
        token = await _token(ui, deployed_run.id, "resume")
        done = await ui.post(f"/flow-runs/{deployed_run.id}/resume", data={"csrf_token": token})
        assert done.status_code == 303
        run = store.client.read_flow_run(deployed_run.id)
        assert (run.state.type, run.state.message) == (StateType.RUNNING, "Resumed.")
        again = await ui.post(f"/flow-runs/{deployed_run.id}/resume", data={"csrf_token": token})
        assert again.status_code == 409
        assert "is not paused: it is Running" in again.text

    async def test_retry_makes_a_new_run_of_the_deployment_with_the_same_parameters(
        self, ui, store, deployed_run
    ):
        token = await _token(ui, deployed_run.id, "retry")
        done = await ui.post(f"/flow-runs/{deployed_run.id}/retry", data={"csrf_token": token})
        assert done.status_code == 303
        runs = store.client.read_flow_runs(FlowRunFilter(deployment_id=deployed_run.deployment_id))
        (new,) = [run for run in runs if run.id != deployed_run.id]
        assert done.headers["location"] == f"/flow-runs/{new.id}"
        assert new.parameters == {"nombre": "ana", "veces": 3} == deployed_run.parameters
        assert new.state.type is StateType.SCHEDULED

    async def test_a_run_not_from_a_deployment_offers_no_retry(self, ui, store):
        padre()
        store.flush()
        (run,) = store.client.read_flow_runs(FlowRunFilter(flow_name="padre"))
        page = (await ui.get(f"/flow-runs/{run.id}")).text
        assert f'href="/flow-runs/{run.id}/retry"' not in page
        assert f'href="/flow-runs/{run.id}/delete"' in page

    async def test_delete_removes_the_run_and_goes_to_the_list(self, ui, store, deployed_run):
        token = await _token(ui, deployed_run.id, "delete")
        done = await ui.post(f"/flow-runs/{deployed_run.id}/delete", data={"csrf_token": token})
        assert done.status_code == 303 and done.headers["location"] == "/flow-runs"
        runs = store.client.read_flow_runs(FlowRunFilter(deployment_id=deployed_run.deployment_id))
        assert runs == []
        assert (await ui.get(f"/flow-runs/{deployed_run.id}")).status_code == 404

    async def test_an_unknown_action_is_a_404(self, ui, deployed_run):
        assert (await ui.get(f"/flow-runs/{deployed_run.id}/explode")).status_code == 404


class TestFactsTimelineAndLevels:
    async def test_the_page_links_its_deployment(self, ui, deployed_run):
        page = (await ui.get(f"/flow-runs/{deployed_run.id}")).text
        link = f'<a class="deployment" href="/deployments/{deployed_run.deployment_id}">'
        assert link + "saludar/a-mano</a>" in page

    async def test_a_subflow_links_its_parent(self, ui, store):
        padre()
        store.flush()
        (parent,) = store.client.read_flow_runs(FlowRunFilter(flow_name="padre"))
        (child,) = store.client.read_subflow_runs(parent.id)
        page = (await ui.get(f"/flow-runs/{child.id}")).text
        assert f'<a class="parent" href="/flow-runs/{parent.id}">padre / {parent.name}</a>' in page

    async def test_the_timeline_has_a_bar_per_task_run_and_subflow_in_its_state(self, ui, store):
        padre()
        store.flush()
        (parent,) = store.client.read_flow_runs(FlowRunFilter(flow_name="padre"))
        (child,) = store.client.read_subflow_runs(parent.id)
        page = (await ui.get(f"/flow-runs/{parent.id}")).text
        timeline = page[page.index('<ol class="timeline">') : page.index("</ol>")]
        bars = re.findall(
            r'<span class="bar (state-[a-z]+)" style="--from: ([\d.]+); --to: ([\d.]+)"', timeline
        )
        assert sorted(state for state, _, _ in bars) == [
            "state-completed",
            "state-completed",
            "state-failed",
        ]
        span = float(re.findall(r"\.timeline \{ --span: ([\d.]+); \}", page)[0])
        assert all(0 <= float(start) <= float(end) <= span for _, start, end in bars)
        assert f'<a href="/flow-runs/{child.id}">hijo / {child.name}</a>' in timeline
        assert "paso-0" in timeline and "rompe-0" in timeline

    async def test_level_warning_hides_info_lines_in_the_page_and_the_fragment(self, ui, store):
        padre()
        store.flush()
        (run,) = store.client.read_flow_runs(FlowRunFilter(flow_name="padre"))
        everything = (await ui.get(f"/flow-runs/{run.id}")).text
        assert "solo informa" in everything and "cuidado aqui" in everything
        warned = (await ui.get(f"/flow-runs/{run.id}", params={"level": "WARNING"})).text
        assert "cuidado aqui" in warned and "solo informa" not in warned
        assert 'class="chosen" aria-current="true">Warning+</a>' in warned
        logs = (await ui.get(f"/flow-runs/{run.id}/logs", params={"level": "warning"})).text
        assert "cuidado aqui" in logs and "solo informa" not in logs
        # Running again, by force: its polled fragment keeps the level.
        forced = await ui.post(
            f"/api/flow_runs/{run.id}/set_state",
            json={"state": {"type": "RUNNING"}, "force": True},
        )
        assert forced.json()["status"] == "ACCEPT"
        polled = (await ui.get(f"/flow-runs/{run.id}", params={"level": "WARNING"})).text
        assert re.search(
            rf'hx-get="/flow-runs/{run.id}/logs\?after_id=\d+&amp;level=WARNING"', polled
        )
        plain = (await ui.get(f"/flow-runs/{run.id}", params={"level": "nope"})).text
        assert re.search(rf'hx-get="/flow-runs/{run.id}/logs\?after_id=\d+"', plain)
        assert "solo informa" in plain

    async def test_the_page_names_the_worker_that_claimed_it(self, ui, store, deployed_run):
        beat = store.client.worker_heartbeat("local", "obrera-1", "maquina", 4242, [])
        (claimed,) = store.client.claim_flow_runs("local", beat.worker_id, 1)
        assert claimed.id == deployed_run.id
        page = (await ui.get(f"/flow-runs/{deployed_run.id}")).text
        assert '<dt>Worker</dt><dd class="worker">obrera-1</dd>' in page

    async def test_past_the_cap_the_timeline_says_how_many_it_left_out(
        self, ui, store, monkeypatch
    ):
        from cauce.server.ui.pages import flow_run

        monkeypatch.setattr(flow_run, "TIMELINE_LIMIT", 2)
        padre()
        store.flush()
        (run,) = store.client.read_flow_runs(FlowRunFilter(flow_name="padre"))
        page = (await ui.get(f"/flow-runs/{run.id}")).text
        assert page.count('<li class="timeline-row">') == 2
        assert "Only the first 2 of 3 task and subflow runs are drawn" in page


class TestTimelineBars:
    """The bars' places, in seconds over the run's span."""

    def _run(self, start: datetime, end: datetime | None = None) -> FlowRun:
        state = State(StateType.COMPLETED if end else StateType.RUNNING)
        return FlowRun(uuid.uuid4(), "f", "r", state, start_time=start, end_time=end)

    def test_one_still_running_extends_to_now_and_one_not_started_has_no_place(self):
        from cauce.server.ui.pages.flow_run import TimelineItem, timeline

        start = datetime(2026, 1, 1, tzinfo=UTC)
        at = [start + timedelta(seconds=s) for s in (0, 10, 20)]
        bars, span = timeline(
            self._run(start),
            [
                TimelineItem("done", State(StateType.COMPLETED), at[0], at[1]),
                TimelineItem("going", State(StateType.RUNNING), at[1], None, "/flow-runs/x"),
                TimelineItem("waiting", State(StateType.PENDING), None, None),
            ],
            now=at[2],
        )
        assert span == 20.0
        assert [(b.name, b.start, b.end) for b in bars] == [
            ("done", 0.0, 10.0),
            ("going", 10.0, None),
            ("waiting", None, None),
        ]
        assert bars[1].link == "/flow-runs/x"

    def test_an_ended_run_spans_its_own_start_to_end(self):
        from cauce.server.ui.pages.flow_run import TimelineItem, timeline

        start = datetime(2026, 1, 1, tzinfo=UTC)
        run = self._run(start, start + timedelta(seconds=40))
        item = TimelineItem(
            "t",
            State(StateType.COMPLETED),
            start + timedelta(seconds=10),
            start + timedelta(seconds=20),
        )
        (bar,), span = timeline(run, [item], now=start + timedelta(hours=1))
        assert (bar.start, bar.end, span) == (10.0, 20.0, 40.0)
