"""A flow run's Cancel in a real browser, on a real server, against a script's live run.

The script's flow sleeps; the browser opens its run, clicks Cancel and confirms.
The run goes to Cancelling; the script's own heartbeat (every second here) hears of
it and stops its process, and the run ends Cancelled. Screenshots are saved under
the test's tmp_path.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import WAIT_MS, UiServer, screenshot, ui_server_at

SLEEPER = """
import time

from cauce import flow, get_run_logger, task

@task
def preparar() -> int:
    return 1

@flow
def dormilon() -> None:
    preparar()
    get_run_logger().warning("a dormir")
    time.sleep(20)

dormilon()
"""


@pytest.fixture
def beating_server(tmp_path: Path) -> Iterator[UiServer]:
    """A server, and scripts recording into it, that heartbeat every second."""
    yield from ui_server_at(tmp_path, CAUCE_WORKER_HEARTBEAT="1s")


def test_cancel_a_running_script_from_its_page(
    beating_server: UiServer, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    process = beating_server.start_flow(SLEEPER, name="dormir.py")
    try:
        page.set_default_timeout(WAIT_MS)
        page.goto(beating_server.url + "/flow-runs")
        page.locator("#flow-run-rows tr", has_text="dormilon").locator("a").first.click()
        state = page.locator("#flow-run-live > dl.facts .state").first
        expect(state).to_have_text("Running")
        expect(page.locator(".timeline .bar.state-completed")).to_have_count(1)
        screenshot(page, tmp_path, "running")

        page.locator(".run-actions a", has_text="Cancel").click()
        expect(page.locator("h1")).to_contain_text("Cancel dormilon /")
        screenshot(page, tmp_path, "confirm-cancel")
        page.locator("form.confirm button", has_text="Cancel").click()

        page.wait_for_url("**/flow-runs/*")
        expect(page.locator("h1")).to_contain_text("dormilon /")
        expect(state).to_have_text("Cancelled", timeout=10_000)
        expect(page.locator(".run-actions a", has_text="Cancel")).to_have_count(0)
        screenshot(page, tmp_path, "cancelled")

        # On a phone's width, only the warnings and worse.
        page.set_viewport_size({"width": 390, "height": 800})
        page.locator(".log-levels a", has_text="Warning+").click()
        expect(page.locator(".logs .log")).to_have_count(2)  # "a dormir", and the end's ERROR
        expect(page.locator(".logs .log.level-info")).to_have_count(0)
        assert page.url.endswith("?level=WARNING")
        screenshot(page, tmp_path, "phone-warnings")
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            pytest.fail("the script did not stop when its run was cancelled")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
