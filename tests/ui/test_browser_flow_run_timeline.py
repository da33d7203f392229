"""A running run's timeline in a real browser: bars drawn over the run's span, which grows
with the clock through refreshes that carry only the span while nothing else moves."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import WAIT_MS, UiServer, screenshot

pytestmark = pytest.mark.timeout(120)

# A quick task, then one that waits for the test's word before it ends.
TWO_TASKS = """
import time
from pathlib import Path
from cauce import flow, task

@task
def rapida():
    time.sleep(0.3)

@task
def lenta():
    deadline = time.monotonic() + 60
    while not Path("seguir").exists() and time.monotonic() < deadline:
        time.sleep(0.05)

@flow
def dos_pasos():
    rapida()
    lenta()

if __name__ == "__main__":
    dos_pasos()
"""


def _share_of_track(page: Any, name: str) -> tuple[float, float]:
    """Where the bar of task run `name` starts and ends, as shares of its track's width."""
    row = page.locator(".timeline-row").filter(has_text=name)
    track = row.locator(".timeline-track").bounding_box()
    bar = row.locator(".bar").bounding_box()
    start = (bar["x"] - track["x"]) / track["width"]
    return start, start + bar["width"] / track["width"]


class TestTimelineWhileTheRunGoesOn:
    def test_bars_rescale_as_time_passes_by_refreshes_that_carry_only_the_span(
        self, ui_server: UiServer, page: Any, tmp_path: Path
    ) -> None:
        from playwright.sync_api import expect

        live: list[Any] = []
        page.on("response", lambda r: live.append(r) if "/live" in r.url else None)
        script = ui_server.start_flow(TWO_TASKS)
        try:
            page.goto(ui_server.url + "/")
            row = page.locator("#flow-run-rows tr").filter(has_text="dos-pasos")
            expect(row.locator(".state")).to_have_text("Running", timeout=WAIT_MS)
            row.locator("a").click()
            bars = page.locator(".timeline .bar")
            expect(bars).to_have_count(2, timeout=WAIT_MS)
            expect(page.locator(".timeline .bar.state-running")).to_have_count(1, timeout=WAIT_MS)
            quick_before = _share_of_track(page, "rapida")
            slow_before = _share_of_track(page, "lenta")
            assert slow_before[1] == pytest.approx(1.0, abs=0.02), "still going: to the end"
            live.clear()
            time.sleep(4.5)  # two refreshes at least, with nothing new but the clock
            quick_after = _share_of_track(page, "rapida")
            assert quick_after[1] < quick_before[1], (quick_before, quick_after)
            assert _share_of_track(page, "lenta")[1] == pytest.approx(1.0, abs=0.02)
            quiet = [r for r in live if r.headers.get("hx-reswap") == "none"]
            assert len(quiet) >= 2, [r.headers for r in live]
            assert all(len(r.body()) < 200 for r in quiet), [len(r.body()) for r in quiet]
            screenshot(page, tmp_path, "flow-run-timeline-running")
            (tmp_path / "seguir").touch()
            expect(page.locator("#flow-run-live .facts .state")).to_have_text(
                "Completed", timeout=WAIT_MS
            )
            expect(page.locator(".timeline .bar.state-completed")).to_have_count(2)
            assert script.wait(30) == 0
        finally:
            if script.poll() is None:
                script.kill()
                script.wait()
