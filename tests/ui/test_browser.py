"""The run pages in a real browser: Debian's chromium driven by Playwright, on a real server.

Each test starts `cauce server start` on a free port with a fresh CAUCE_HOME, records
runs by running a user's flow script against it (CAUCE_API_URL), and clicks through
as a user would. Screenshots of each page are saved under the test's tmp_path.
The fixtures (server, browser, page) are in conftest.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.guide import FIRST_EXAMPLE
from tests.ui.conftest import WAIT_MS, UiServer, screenshot, ui_server_at


class TestTheGuidesFirstExample:
    def test_the_run_is_listed_completed_and_its_page_shows_task_run_and_logs(
        self, ui_server: UiServer, page: Any, tmp_path: Path
    ) -> None:
        from playwright.sync_api import expect

        ui_server.run_flow(FIRST_EXAMPLE)
        page.goto(ui_server.url + "/")
        row = page.locator("#flow-run-rows tr").filter(has_text="mi-flujo")
        expect(row).to_have_count(1)
        expect(row.locator(".state")).to_have_text("Completed")
        expect(row.locator("time").first).to_contain_text("-03:00")
        screenshot(page, tmp_path, "flow-runs")

        row.locator("a").click()
        expect(page.locator("h1")).to_contain_text("mi-flujo /")
        task_row = page.locator("table.task-runs tbody tr")
        expect(task_row).to_have_count(1)
        expect(task_row).to_contain_text("mi_tarea-0")
        expect(task_row.locator(".state")).to_have_text("Completed")
        logs = page.locator(".logs")
        expect(logs).to_contain_text("Hola mundo desde el flujo")
        expect(logs).to_contain_text("Hola mundo desde la tarea")
        expect(page.locator("pre.parameters")).to_contain_text('"mensaje_flujo": "mundo"')
        # A final run's section is not polled.
        assert page.locator("#flow-run-live").get_attribute("hx-trigger") is None
        screenshot(page, tmp_path, "flow-run")
        page.set_viewport_size({"width": 390, "height": 844})
        screenshot(page, tmp_path, "flow-run-phone")


class TestInjectedScript:
    def test_a_script_in_a_log_line_and_a_parameter_is_shown_as_text_and_never_runs(
        self, ui_server: UiServer, page: Any, tmp_path: Path
    ) -> None:
        from playwright.sync_api import expect

        injected = "<script>window.pwned=1</script>"
        ui_server.run_flow(
            f"""
            from cauce import flow, get_run_logger

            @flow
            def inyecta(valor: str):
                get_run_logger().info({injected!r})

            if __name__ == "__main__":
                inyecta({injected!r})
            """
        )
        page.goto(ui_server.url + "/")
        page.locator("#flow-run-rows a").first.click()
        expect(page.locator(".logs")).to_contain_text(injected)
        expect(page.locator("pre.parameters")).to_contain_text(injected)
        assert page.evaluate("typeof window.pwned") == "undefined"
        screenshot(page, tmp_path, "injected")


WAITS_FOR_A_FILE = """
import time
from pathlib import Path
from cauce import flow, get_run_logger

@flow
def espera():
    logger = get_run_logger()
    logger.info("uno")
    deadline = time.monotonic() + 60
    while not Path("seguir").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    logger.info("dos")

if __name__ == "__main__":
    espera()
"""


class TestLiveRefresh:
    def test_a_new_run_appears_and_its_logs_and_state_arrive_without_a_reload(
        self, ui_server: UiServer, page: Any, tmp_path: Path
    ) -> None:
        from playwright.sync_api import expect

        page.goto(ui_server.url + "/")
        expect(page.locator("#flow-run-rows")).to_contain_text("No flow runs")
        script = ui_server.start_flow(WAITS_FOR_A_FILE)
        try:
            row = page.locator("#flow-run-rows tr").filter(has_text="espera")
            expect(row.locator(".state")).to_have_text("Running", timeout=WAIT_MS)
            row.locator("a").click()
            logs = page.locator(".logs")
            expect(logs).to_contain_text("uno", timeout=WAIT_MS)
            expect(logs).not_to_contain_text("dos")
            assert page.locator("#flow-run-live").get_attribute("hx-trigger") == "every 2s"
            page.evaluate("window.stayedOnThePage = true")
            (tmp_path / "seguir").touch()
            expect(logs).to_contain_text("dos", timeout=WAIT_MS)
            state = page.locator("#flow-run-live .facts .state")
            expect(state).to_have_text("Completed", timeout=WAIT_MS)
            assert page.evaluate("window.stayedOnThePage") is True, "refreshed in place"
            assert script.wait(30) == 0
            # The final fragment carries no trigger: the page stops asking.
            expect(page.locator("#flow-run-live")).not_to_have_attribute("hx-trigger", "every 2s")
            asked: list[str] = []
            page.on("request", lambda request: asked.append(request.url))
            time.sleep(2.5)
            assert not [url for url in asked if url.endswith("/live")]
        finally:
            if script.poll() is None:
                script.kill()
                script.wait()


class TestBasicAuth:
    @pytest.fixture
    def secured_server(self, tmp_path: Path) -> Iterator[UiServer]:
        yield from ui_server_at(tmp_path, CAUCE_API_AUTH_STRING="ana:s3cr:et")

    def test_the_pages_need_the_credentials(self, secured_server: UiServer, browser: Any) -> None:
        from playwright.sync_api import expect

        secured_server.run_flow(FIRST_EXAMPLE)
        anonymous = browser.new_context()
        signed_in = browser.new_context(http_credentials={"username": "ana", "password": "s3cr:et"})
        try:
            # Headless chromium has no one to ask: it fails the navigation. The answer was a 401.
            refused = anonymous.request.get(secured_server.url + "/")
            assert refused.status == 401
            assert refused.headers["www-authenticate"] == 'Basic realm="cauce"'
            page = signed_in.new_page()
            page.goto(secured_server.url + "/")
            expect(page.locator("#flow-run-rows .state")).to_have_text("Completed")
        finally:
            anonymous.close()
            signed_in.close()
