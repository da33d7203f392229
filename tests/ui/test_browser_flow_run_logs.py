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
