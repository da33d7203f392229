"""A deployment's schedules edited from its page, in-process: add, edit, pause or resume,
and delete, each a CSRF-checked form over the core the API uses.

A refusal shows the core's one line above the form, keeps what was typed and writes
nothing; a change redirects to the deployment's page, whose next runs follow it.
"""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest

from cauce.schemas.deployments import Deployment, DeploymentSchedule
from tests.conftest import Store
from tests.ui.conftest import local_deployment

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]

BUENOS_AIRES = "America/Argentina/Buenos_Aires"


@pytest.fixture
def deployment(store: Store) -> Deployment:
    return local_deployment(
        store,
        name="diaria",
        schedules=[
            DeploymentSchedule(timezone=BUENOS_AIRES, cron="0 9 * * *"),
            DeploymentSchedule(timezone="UTC", interval_seconds=3600),
        ],
    )


def _both(deployment: Deployment) -> tuple[DeploymentSchedule, DeploymentSchedule]:
    """The fixture's cron and interval (stored created at the same time: in either order)."""
    (cron,) = [s for s in deployment.schedules if s.cron is not None]
    (interval,) = [s for s in deployment.schedules if s.interval_seconds is not None]
    return cron, interval


def _token(text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found, "the page's forms carry a token"
    return found.group(1)


async def _open(ui: httpx.AsyncClient, path: str) -> str:
    """Open a page as a browser would (keeping its cookie); its text."""
    page = await ui.get(path)
    assert page.status_code == 200, page.text
    return page.text


def _stored(store: Store, deployment: Deployment) -> list[DeploymentSchedule]:
    return store.client.read_deployment(deployment.id).schedules


def _edit_path(deployment: Deployment, schedule: DeploymentSchedule) -> str:
    return f"/deployments/{deployment.id}/schedules/{schedule.id}/edit"


async def _submit(ui: httpx.AsyncClient, path: str, **fields: str) -> httpx.Response:
    token = _token(await _open(ui, path))
    return await ui.post(path, data={"csrf_token": token, **fields})


def _next_runs(page: str, row_text: str) -> list[str]:
    """The next run times shown in the schedules table's row that says `row_text`."""
    table = re.search(r'<table class="schedules">(.*?)</table>', page, re.S)
    assert table, "the page lists its schedules"
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S):
        if row_text in html.unescape(row):
            return re.findall(r"<time [^>]*>([^<]+)</time>", row)
    raise AssertionError(f"no schedule row says {row_text!r}")


class TestEdit:
    async def test_the_page_links_each_schedule_to_its_form_filled_with_it(self, ui, deployment):
        cron, interval = _both(deployment)
        page = await _open(ui, f"/deployments/{deployment.id}")
        assert f'href="{_edit_path(deployment, cron)}">Edit</a>' in page
        form = await _open(ui, _edit_path(deployment, interval))
        assert '<option value="interval" selected>' in form
        assert 'name="expression" type="text" value="1h"' in form
        assert 'name="timezone" type="text" value="UTC" list="timezones"' in form
        assert f'<option value="{BUENOS_AIRES}">' in form, "the zones are suggested"

    async def test_a_new_cron_changes_the_schedule_and_the_next_runs(self, ui, store, deployment):
        cron, interval = _both(deployment)
        before = _next_runs(await _open(ui, f"/deployments/{deployment.id}"), "cron 0 9 * * *")
        assert before and all(t.endswith("09:00:00 -03:00") for t in before)

        done = await _submit(
            ui,
            _edit_path(deployment, cron),
            kind="cron",
            expression="30 18 * * *",
            timezone=BUENOS_AIRES,
            anchor="",
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"/deployments/{deployment.id}"

        stored = {s.id: s for s in _stored(store, deployment)}
        assert set(stored) == {cron.id, interval.id}, "both keep their ids"
        edited = stored[cron.id]
        assert (edited.cron, edited.timezone, edited.is_active) == (
            "30 18 * * *",
            BUENOS_AIRES,
            True,
        )
        assert stored[interval.id] == interval, "the other is untouched"
        page = (await ui.get(done.headers["location"])).text
        after = _next_runs(page, "cron 30 18 * * *")
        assert len(after) == 5 and all(t.endswith("18:30:00 -03:00") for t in after)
        with pytest.raises(AssertionError, match="no schedule row"):
            _next_runs(page, "cron 0 9 * * *")

    async def test_a_malformed_cron_shows_the_cores_line_and_keeps_the_text(
        self, ui, store, deployment
    ):
        cron, interval = _both(deployment)
        refused = await _submit(
            ui,
            _edit_path(deployment, cron),
            kind="cron",
            expression="61 * * * *",
            timezone=BUENOS_AIRES,
            anchor="",
        )
        assert refused.status_code == 422
        problem = re.search(r'<p class="schedule-problem" role="alert">([^<]*)</p>', refused.text)
        assert problem and "minute" in html.unescape(problem.group(1))
        assert "61" in problem.group(1) and "\n" not in problem.group(1)
        assert 'name="expression" type="text" value="61 * * * *"' in refused.text
        assert _stored(store, deployment) == deployment.schedules, "nothing written"

    async def test_an_unknown_timezone_suggests_close_names(self, ui, store, deployment):
        refused = await _submit(
            ui,
            _edit_path(deployment, _both(deployment)[0]),
            kind="cron",
            expression="30 18 * * *",
            timezone="America/Buenos_Aire",
            anchor="",
        )
        assert refused.status_code == 422
        text = html.unescape(refused.text)
        assert "unknown timezone 'America/Buenos_Aire'; did you mean" in text
        assert "America/Buenos_Aires" in text.split("did you mean", 1)[1].split("</p>")[0]
        assert 'value="America/Buenos_Aire"' in refused.text
        assert _stored(store, deployment) == deployment.schedules


class TestAdd:
    async def test_an_interval_typed_as_2h_is_added(self, ui, store, deployment):
        path = f"/deployments/{deployment.id}/schedules/new"
        assert 'href="' + path + '">Add schedule</a>' in await _open(
            ui, f"/deployments/{deployment.id}"
        )
        done = await _submit(
            ui, path, kind="interval", expression="2h", timezone="UTC", anchor="2026-01-01T00:30"
        )
        assert done.status_code == 303
        added = _stored(store, deployment)[2]
        assert added.interval_seconds == 7200 and added.is_active
        page = (await ui.get(done.headers["location"])).text
        times = _next_runs(page, "every 2h (UTC)")
        assert len(times) == 5 and all(t.endswith(":30:00 +00:00") for t in times)

    async def test_a_zero_interval_is_refused(self, ui, store, deployment):
        refused = await _submit(
            ui,
            f"/deployments/{deployment.id}/schedules/new",
            kind="interval",
            expression="0",
            timezone="UTC",
            anchor="",
        )
        assert refused.status_code == 422
        assert "interval must be a positive, finite duration" in refused.text
        assert len(_stored(store, deployment)) == 2


class TestPauseResumeDelete:
    async def test_pause_then_resume_one_schedule(self, ui, store, deployment):
        cron, interval = _both(deployment)
        base = f"/deployments/{deployment.id}/schedules/{cron.id}"
        page = await _open(ui, f"/deployments/{deployment.id}")
        assert f'action="{base}/pause"' in page
        paused = await ui.post(f"{base}/pause", data={"csrf_token": _token(page)})
        assert paused.status_code == 303
        assert {s.id: s.is_active for s in _stored(store, deployment)} == {
            cron.id: False,
            interval.id: True,
        }
        page = (await ui.get(f"/deployments/{deployment.id}")).text
        assert f'action="{base}/resume"' in page
        resumed = await ui.post(f"{base}/resume", data={"csrf_token": _token(page)})
        assert resumed.status_code == 303
        assert {s.id: s.is_active for s in _stored(store, deployment)} == {
            cron.id: True,
            interval.id: True,
        }

    async def test_delete_asks_first_then_removes_only_that_schedule(self, ui, store, deployment):
        cron, interval = _both(deployment)
        path = f"/deployments/{deployment.id}/schedules/{cron.id}/delete"
        assert f'href="{path}"' in await _open(ui, f"/deployments/{deployment.id}")
        confirm = await _open(ui, path)
        assert "Delete the schedule" in confirm and BUENOS_AIRES in confirm
        assert f'action="{path}"' in confirm
        assert len(_stored(store, deployment)) == 2, "only asked"
        done = await ui.post(path, data={"csrf_token": _token(confirm)})
        assert done.status_code == 303
        assert [s.id for s in _stored(store, deployment)] == [interval.id]


class TestCsrf:
    @pytest.mark.parametrize("action", ["edit", "delete", "pause"])
    async def test_a_post_without_the_token_is_refused_and_changes_nothing(
        self, ui, store, deployment, action: str
    ):
        cron, interval = _both(deployment)
        await _open(ui, f"/deployments/{deployment.id}")  # the cookie alone is not enough
        fields: dict[str, Any] = {"kind": "cron", "expression": "30 18 * * *", "timezone": "UTC"}
        path = f"/deployments/{deployment.id}/schedules/{cron.id}/{action}"
        refused = await ui.post(path, data=fields)
        assert refused.status_code == 403
        assert "security token is missing or stale" in refused.text
        added = await ui.post(f"/deployments/{deployment.id}/schedules/new", data=fields)
        assert added.status_code == 403
        assert _stored(store, deployment) == deployment.schedules


class TestEditEdgeCases:
    async def test_saving_an_anchored_interval_unchanged_keeps_it_as_it_was(
        self, ui, store, deployment
    ):
        path = f"/deployments/{deployment.id}/schedules/new"
        await _submit(
            ui,
            path,
            kind="interval",
            expression="90m",
            timezone=BUENOS_AIRES,
            anchor="2026-01-01T09:15",
        )
        (added,) = [s for s in _stored(store, deployment) if s.interval_seconds == 5400]
        form = await _open(ui, _edit_path(deployment, added))
        assert 'name="expression" type="text" value="90m"' in form
        assert 'name="anchor" type="text" value="2026-01-01T09:15:00-03:00"' in form
        fields = dict(
            re.findall(r'name="(expression|timezone|anchor)" type="text" value="([^"]*)"', form)
        )
        done = await ui.post(
            _edit_path(deployment, added),
            data={"csrf_token": _token(form), "kind": "interval", **fields},
        )
        assert done.status_code == 303
        (kept,) = [s for s in _stored(store, deployment) if s.interval_seconds == 5400]
        assert kept == added, "same id, anchor and creation time"

    async def test_an_edit_into_another_schedule_of_the_deployment_is_refused(
        self, ui, store, deployment
    ):
        cron, interval = _both(deployment)
        refused = await _submit(
            ui,
            _edit_path(deployment, interval),
            kind="cron",
            expression="0 9 * * *",
            timezone=BUENOS_AIRES,
            anchor="",
        )
        assert refused.status_code == 422
        assert "the deployment already has this schedule" in refused.text
        assert _stored(store, deployment) == deployment.schedules

    async def test_an_edit_keeps_the_schedules_own_parameters(self, ui, store):
        given = local_deployment(
            store,
            name="con-parametros",
            schedules=[DeploymentSchedule(timezone="UTC", cron="0 9 * * *", parameters={"n": 2})],
        )
        [cron] = given.schedules
        done = await _submit(
            ui, _edit_path(given, cron), kind="cron", expression="0 10 * * *", timezone="UTC"
        )
        assert done.status_code == 303
        [edited] = _stored(store, given)
        assert (edited.cron, edited.parameters) == ("0 10 * * *", {"n": 2})

    async def test_an_rrule_can_replace_a_cron(self, ui, store, deployment):
        cron, _ = _both(deployment)
        done = await _submit(
            ui,
            _edit_path(deployment, cron),
            kind="rrule",
            expression="FREQ=WEEKLY;BYDAY=MO;BYHOUR=7;BYMINUTE=0",
            timezone=BUENOS_AIRES,
            anchor="",
        )
        assert done.status_code == 303
        edited = next(s for s in _stored(store, deployment) if s.id == cron.id)
        assert edited.cron is None and edited.rrule and "BYDAY=MO" in edited.rrule
        page = (await ui.get(done.headers["location"])).text
        times = _next_runs(page, "FREQ=WEEKLY")
        assert len(times) == 5 and all(t.endswith("07:00:00 -03:00") for t in times)

    async def test_an_anchor_on_a_cron_is_refused_in_words(self, ui, store, deployment):
        cron, _ = _both(deployment)
        refused = await _submit(
            ui,
            _edit_path(deployment, cron),
            kind="cron",
            expression="0 10 * * *",
            timezone=BUENOS_AIRES,
            anchor="2026-01-01T09:00",
        )
        assert refused.status_code == 422
        assert "an anchor is for interval schedules only" in refused.text
        assert _stored(store, deployment) == deployment.schedules
