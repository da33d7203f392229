"""A deployment's schedule edited in a real browser, on a real server: a new cron, whose
next runs the deployment's page then shows; then the schedule paused, and deleted after
asking. (A refusal's 422 is a console error the page fixture fails on: the in-process
tests cover it.)

A script records a work pool and a deployment with one cron through the HTTP client;
the browser sends the forms as a user does (with the CSRF cookie and field, and its
own Origin). Screenshots are saved under the test's tmp_path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui.conftest import UiServer, open_deployment, screenshot

DEPLOYMENT = """
Deployment(
    flow_name="contar",
    name="diaria",
    entrypoint="flows/contar.py:contar",
    work_pool_name="local",
    schedules=[DeploymentSchedule(timezone="America/Argentina/Buenos_Aires", cron="0 9 * * *")],
)
"""


class TestDeploymentSchedules:
    def test_edit_a_cron_and_see_the_next_runs_follow_it(
        self, ui_server: UiServer, page: Any, tmp_path: Path
    ) -> None:
        from playwright.sync_api import expect

        ui_server.deploy(DEPLOYMENT)
        open_deployment(page, ui_server, "contar/diaria")
        row = page.locator("table.schedules tbody tr")
        expect(row.locator("time")).to_have_count(5)
        expect(row.locator("time").first).to_contain_text("09:00:00 -03:00")

        row.locator("a", has_text="Edit").click()
        form = page.locator("form.schedule-form")
        expect(form.locator('input[name="expression"]')).to_have_value("0 9 * * *")
        form.locator('input[name="expression"]').fill("30 18 * * *")
        screenshot(page, tmp_path, "edit-form")
        form.locator("button", has_text="Save").click()
        expect(page.locator("h1")).to_contain_text("contar/diaria")
        expect(row.locator("td").first).to_have_text(
            "cron 30 18 * * * (America/Argentina/Buenos_Aires)"
        )
        times = row.locator("time")
        expect(times).to_have_count(5)
        for index in range(5):
            expect(times.nth(index)).to_contain_text("18:30:00 -03:00")
        screenshot(page, tmp_path, "edited")

        row.locator("button", has_text="Pause").click()
        expect(row.locator("td").nth(1)).to_have_text("no")
        expect(row.locator("button")).to_have_text("Resume")

        row.locator("a", has_text="Delete").click()
        expect(page.locator("h1")).to_contain_text("Delete the schedule cron 30 18 * * *")
        screenshot(page, tmp_path, "confirm-delete")
        page.locator("form.confirm button", has_text="Delete").click()
        expect(page.locator("table.schedules")).to_have_count(0)
        expect(page.locator("a", has_text="Add schedule")).to_be_visible()
        screenshot(page, tmp_path, "deleted")
