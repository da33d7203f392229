"""The dashboard in a real browser: the guide's first example and a failing flow, counted
in the chart and the failed run listed as needing attention."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.guide import FIRST_EXAMPLE
from tests.ui.conftest import UiServer, screenshot

pytestmark = pytest.mark.timeout(120)

FAILING = """
from cauce import flow

@flow
def se_rompe():
    raise ValueError("se rompio")

if __name__ == "__main__":
    se_rompe(return_state=True)
"""


def test_the_dashboard_counts_both_runs_and_lists_the_failed_one(
    ui_server: UiServer, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    ui_server.run_flow(FIRST_EXAMPLE)
    ui_server.run_flow(FAILING, name="rompe.py")
    page.goto(ui_server.url + "/")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator("h1")).to_have_text("Dashboard")
    chart = page.locator("svg.chart")
    expect(chart.locator("rect.segment-completed")).to_have_count(1)
    expect(chart.locator("rect.segment-failed")).to_have_count(1)
    expect(chart.locator("rect.segment-completed title")).to_contain_text("1 Completed, ")
    assert chart.bounding_box()["width"] > 400
    totals = page.locator("table.totals")
    expect(totals.locator("tbody tr")).to_have_count(2)
    expect(totals.locator("tfoot")).to_contain_text("2")
    failed = page.locator(".attention-failed a")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("se-rompe /")
    expect(page.locator("#dashboard-live")).to_have_attribute("hx-trigger", "every 10s")
    screenshot(page, tmp_path, "dashboard")
    screenshot(page, Path("/tmp/dash"), "dashboard")
    failed.click()
    expect(page.locator("h1")).to_contain_text("se-rompe /")
