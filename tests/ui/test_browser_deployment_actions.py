"""A deployment's actions in a real browser, on a real server: Pause, Resume, then a run from the
form its parameter schema makes, which a worker runs to the end while the page watches.

A script records a work pool and a deployment whose flow takes an integer through the
HTTP client; the browser sends the forms as a user does (with the CSRF cookie and
field, and its own Origin). Screenshots are saved under the test's tmp_path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui.conftest import WAIT_MS, UiServer, open_deployment, screenshot
from tests.workers.conftest import WorkerProcess

FLOW = """
from cauce import flow, get_run_logger

@flow
def contar(veces: int, saludo: str = "hola") -> int:
    get_run_logger().info("%s, %d veces", saludo, veces)
    return veces
"""

DEPLOYMENT = """
Deployment(
    flow_name="contar",
    name="diaria",
    entrypoint="flows/contar.py:contar",
    work_pool_name="local",
    parameter_schema={
        "type": "object",
        "properties": {
            "veces": {"type": "integer"},
            "saludo": {"type": "string", "default": "hola"},
        },
        "required": ["veces"],
    },
    schedules=[DeploymentSchedule(timezone="UTC", cron="0 9 * * *")],
)
"""


class TestDeploymentActions:
    def test_pause_resume_then_run_with_a_typed_parameter_to_the_end(
        self, ui_server: UiServer, page: Any, tmp_path: Path
    ) -> None:
        from playwright.sync_api import expect

        ui_server.deploy(DEPLOYMENT)
        open_deployment(page, ui_server, "contar/diaria")
        expect(page.locator("h1 .flag")).to_have_text("Active")
        (cookie,) = [c for c in page.context.cookies() if c["name"] == "cauce_csrf"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert "cauce_csrf" not in page.evaluate("document.cookie"), "no script can read it"

        page.locator(".actions a", has_text="Pause").click()
        expect(page.locator("h1")).to_have_text("Pause contar/diaria?")
        screenshot(page, tmp_path, "confirm-pause")
        page.locator("form.confirm button", has_text="Pause").click()
        expect(page.locator("h1")).to_contain_text("contar/diaria")
        expect(page.locator("h1 .flag")).to_have_text("Paused")
        expect(page.locator(".actions a")).to_have_text("Resume")
        screenshot(page, tmp_path, "paused")
        # A paused deployment's runs wait: resumed, its run is for a worker to take.
        page.locator(".actions a", has_text="Resume").click()
        page.locator("form.confirm button", has_text="Resume").click()
        expect(page.locator("h1 .flag")).to_have_text("Active")

        form = page.locator("form.run-form")
        expect(form.locator('input[name="param:saludo"]')).to_have_value("hola")
        form.locator('input[name="param:veces"]').fill("42")
        form.locator('input[name="param:saludo"]').fill("buen día")
        screenshot(page, tmp_path, "run-form")
        form.locator("button", has_text="Run now").click()

        page.wait_for_url("**/flow-runs/*")
        expect(page.locator("pre.parameters")).to_contain_text('"veces": 42')
        expect(page.locator("pre.parameters")).to_contain_text('"saludo": "buen día"')
        expect(page.locator("#flow-run-live .facts .state")).to_have_text("Scheduled")
        screenshot(page, tmp_path, "run")

        # A worker of the pool picks it up; the open page follows it to the end.
        (tmp_path / "flows").mkdir()
        (tmp_path / "flows" / "contar.py").write_text(FLOW)
        worker = WorkerProcess(tmp_path, "--pool", "local", env=ui_server.script_env)
        try:
            expect(page.locator("#flow-run-live .facts .state")).to_have_text(
                "Completed", timeout=WAIT_MS
            )
            expect(page.locator("#flow-run-logs .log .message")).to_contain_text(
                ["buen día, 42 veces"], timeout=WAIT_MS
            )
            page.reload()
            expect(page.locator("dd.worker")).not_to_be_empty()
            screenshot(page, tmp_path, "run-completed")
        finally:
            worker.kill_group()
