"""The deployment and work pool pages in a real browser, on a real server.

A script records a work pool, a worker's heartbeat and a deployment with a Tokyo cron
through the HTTP client (CAUCE_API_URL); the test clicks from / through the nav as a
user would. The server shows times in Buenos Aires, so +09:00 proves the schedule's
own zone is used. Screenshots are saved under the test's tmp_path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui.conftest import UiServer, screenshot

DEPLOYMENT = """
Deployment(
    flow_name="saludar",
    name="tokio",
    entrypoint="flows/saludo.py:saludar",
    work_pool_name="local",
    schedules=[DeploymentSchedule(timezone="Asia/Tokyo", cron="30 9 * * *")],
)
"""
THEN = """
client.worker_heartbeat("local", "w1", "maquina", 4242, [])
client.create_flow_run_from_deployment(deployment.id)
"""


class TestDeploymentPages:
    def test_from_the_nav_to_a_deployment_its_schedule_and_its_pool(
        self, ui_server: UiServer, page: Any, tmp_path: Path
    ) -> None:
        from playwright.sync_api import expect

        ui_server.deploy(DEPLOYMENT, then=THEN)
        page.goto(ui_server.url + "/")
        page.locator("nav a", has_text="Deployments").click()
        expect(page.locator("h1")).to_have_text("Deployments")
        row = page.locator("table.deployments tbody tr").filter(has_text="saludar/tokio")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("local")
        expect(row.locator("td.next-run time")).to_contain_text("09:30:00 +09:00")
        screenshot(page, tmp_path, "deployments")

        row.locator("a", has_text="saludar/tokio").click()
        expect(page.locator("h1")).to_contain_text("saludar/tokio")
        schedule = page.locator("table.schedules tbody tr")
        expect(schedule).to_contain_text("cron 30 9 * * * (Asia/Tokyo)")
        expect(schedule.locator("time")).to_have_count(5)
        expect(schedule.locator("time").first).to_contain_text("09:30:00 +09:00")
        runs = page.locator("table.runs tbody tr")
        expect(runs.locator(".state").first).to_have_text("Scheduled")
        screenshot(page, tmp_path, "deployment")

        page.locator("nav a", has_text="Work pools").click()
        worker = page.locator("table.workers tbody tr").filter(has_text="w1")
        expect(worker.locator(".health")).to_have_text("Healthy")
        expect(worker.locator("time")).to_contain_text("-03:00")
        screenshot(page, tmp_path, "work-pools")

        page.locator("nav a", has_text="Flows").click()
        expect(page.locator("table.flows tbody tr").filter(has_text="saludar")).to_contain_text(
            "tokio"
        )
        screenshot(page, tmp_path, "flows")
