"""A run's logs in a real browser while the run goes on: each line appended once, in order,
by small refreshes, and the page stops asking once the run is final and all are sent."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import WAIT_MS, UiServer, screenshot

pytestmark = pytest.mark.timeout(120)

LINES = 50
# Waits for the page to be open, then logs a line every 100 ms for ~5 s.
TALKS = f"""
import time
from pathlib import Path
from cauce import flow, get_run_logger

@flow
def charla():
    logger = get_run_logger()
    logger.info("empieza")
    deadline = time.monotonic() + 60
    while not Path("seguir").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    for n in range({LINES}):
        logger.info("linea %d <b>", n)
        time.sleep(0.1)

if __name__ == "__main__":
    charla()
"""
POLLED = ("/live", "/logs")


def _polled(url: str) -> bool:
    return url.split("?")[0].endswith(POLLED)


class TestLinesArriveWhileTheRunGoesOn:
    def test_every_line_once_in_order_by_small_refreshes_then_polling_stops(
        self, ui_server: UiServer, page: Any, tmp_path: Path
    ) -> None:
        from playwright.sync_api import expect

        responses: list[Any] = []
        page.on("response", lambda r: responses.append(r) if _polled(r.url) else None)
        script = ui_server.start_flow(TALKS)
        try:
            page.goto(ui_server.url + "/")
            row = page.locator("#flow-run-rows tr").filter(has_text="charla")
            expect(row.locator(".state")).to_have_text("Running", timeout=WAIT_MS)
            row.locator("a").click()
            messages = page.locator("#flow-run-logs .log .message")
            expect(messages.filter(has_text="empieza")).to_have_count(1, timeout=WAIT_MS)
            page.evaluate("window.stayedOnThePage = true")
            (tmp_path / "seguir").touch()
            expect(messages.filter(has_text="linea")).to_have_count(LINES, timeout=30_000)
            expect(page.locator("#flow-run-live .facts .state")).to_have_text(
                "Completed", timeout=WAIT_MS
            )
            assert script.wait(30) == 0
            # The last answer carries nothing that asks again.
            expect(page.locator("#flow-run-logs-next")).not_to_have_attribute(
                "hx-trigger", "every 2s", timeout=WAIT_MS
            )
            assert page.evaluate("window.stayedOnThePage") is True, "appended in place"
            texts = messages.all_inner_texts()
            assert [t for t in texts if t.startswith("linea")] == [
                f"linea {n} <b>" for n in range(LINES)
            ]
            assert len(texts) == len(set(texts)), "no line twice"
            screenshot(page, tmp_path, "flow-run-logs")
            asked: list[str] = []
            page.on("request", lambda request: asked.append(request.url))
            time.sleep(2.5)
            assert not [url for url in asked if _polled(url)], "polling stopped"
        finally:
            if script.poll() is None:
                script.kill()
                script.wait()
        sizes = [len(response.body()) for response in responses]
        assert len(sizes) >= 3, sizes
        assert max(sizes[1:]) < 20 * 1024, sizes


MANY = """
from cauce import flow, get_run_logger

@flow
def muchas():
    logger = get_run_logger()
    for n in range(2500):
        logger.info("renglon %d", n)

if __name__ == "__main__":
    muchas()
"""

ERROR_LATER = """
import time
from pathlib import Path
from cauce import flow, get_run_logger

@flow
def avisa():
    deadline = time.monotonic() + 60
    while not Path("seguir").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    get_run_logger().error("grave")

if __name__ == "__main__":
    avisa()
"""


class TestPages:
    def test_load_more_appends_the_next_pages_until_every_line_is_shown(
        self, ui_server: UiServer, page: Any, tmp_path: Path
    ) -> None:
        from playwright.sync_api import expect

        ui_server.run_flow(MANY)
        page.goto(ui_server.url + "/")
        page.locator("#flow-run-rows tr").filter(has_text="muchas").locator("a").click()
        lines = page.locator("#flow-run-logs .log .message").filter(has_text="renglon")
        more = page.locator("#flow-run-logs-next a.more")
        expect(lines).to_have_count(1000 - 1)  # the engine's first line comes first
        more.click()
        expect(lines).to_have_count(2000 - 1)
        more.click()
        expect(lines).to_have_count(2500)
        expect(more).to_have_count(0)
        assert lines.all_inner_texts() == [f"renglon {n}" for n in range(2500)]
        screenshot(page, tmp_path, "flow-run-logs-loaded")

    def test_the_first_line_at_the_level_replaces_the_no_lines_note(
        self, ui_server: UiServer, page: Any, tmp_path: Path
    ) -> None:
        from playwright.sync_api import expect

        script = ui_server.start_flow(ERROR_LATER)
        try:
            page.goto(ui_server.url + "/")
            row = page.locator("#flow-run-rows tr").filter(has_text="avisa")
            expect(row.locator(".state")).to_have_text("Running", timeout=WAIT_MS)
            href = row.locator("a").get_attribute("href")
            page.goto(f"{ui_server.url}{href}?level=ERROR")
            note = page.locator("#flow-run-logs-none")
            expect(note).to_have_text("No log lines at ERROR or above yet.")
            (tmp_path / "seguir").touch()
            expect(page.locator("#flow-run-logs .log .message")).to_have_text(
                ["grave"], timeout=WAIT_MS
            )
            expect(note).to_have_count(0)
            assert script.wait(30) == 0
        finally:
            if script.poll() is None:
                script.kill()
                script.wait()
