"""A running run's artifacts in a real browser: a progress bar fills, and an artifact made
during the run appears, through the page's live refreshes, with no reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import WAIT_MS, UiServer, screenshot

pytestmark = pytest.mark.timeout(120)

# A progress bar at 10 %, moved to 60 % and joined by a table once the test says so.
PROGRESSING = """
import time
from pathlib import Path
from cauce import flow
from cauce.artifacts import create_progress_artifact, create_table_artifact
from cauce.artifacts import update_progress_artifact


def wait_for(word):
    deadline = time.monotonic() + 60
    while not Path(word).exists() and time.monotonic() < deadline:
        time.sleep(0.05)


@flow
def carga():
    bar = create_progress_artifact(10, key="avance")
    wait_for("seguir")
    update_progress_artifact(bar, 60)
    create_table_artifact([{"fila": 1}], key="resumen")
    wait_for("terminar")


if __name__ == "__main__":
    carga()
"""


def test_a_progress_bar_fills_and_new_artifacts_appear_while_the_page_is_open(
    ui_server: UiServer, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    script = ui_server.start_flow(PROGRESSING)
    try:
        page.goto(ui_server.url + "/")
        row = page.locator("#flow-run-rows tr").filter(has_text="carga")
        expect(row.locator(".state")).to_have_text("Running", timeout=WAIT_MS)
        row.locator("a").click()
        bar = page.locator(".artifact-progress progress")
        expect(bar).to_have_attribute("value", "10.0", timeout=WAIT_MS)
        expect(page.locator(".artifact-table")).to_have_count(0)
        page.evaluate("window.notReloaded = true")

        (ui_server.folder / "seguir").touch()

        expect(bar).to_have_attribute("value", "60.0", timeout=WAIT_MS)
        expect(page.locator(".artifact-table td")).to_have_text("1", timeout=WAIT_MS)
        assert page.evaluate("window.notReloaded") is True
        screenshot(page, tmp_path, "flow-run-artifacts-live")
        (ui_server.folder / "terminar").touch()
        expect(page.locator("#flow-run-live .facts .state")).to_have_text(
            "Completed", timeout=WAIT_MS
        )
        expect(page.locator(".artifact")).to_have_count(2)
        assert script.wait(30) == 0
    finally:
        if script.poll() is None:
            script.kill()
            script.wait()
