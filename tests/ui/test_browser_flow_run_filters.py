"""The flow-run list's filter form and pages in a real browser, on a real server.

The fixtures (server, browser, page) are in conftest.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cauce.server.ui.pages.flow_runs import LIST_LIMIT
from tests.ui.conftest import WAIT_MS, UiServer, screenshot

FLOWS = f"""
from cauce import flow

@flow
def alfa() -> None:
    pass

@flow
def beta() -> None:
    pass

for _ in range(3):
    alfa()
for _ in range({LIST_LIMIT + 2}):
    beta()
"""

RUN_ROWS = "#flow-run-rows tr:has(a[href^='/flow-runs/'])"


def test_filter_by_flow_name_then_page_through_older_and_newer_runs(
    ui_server: UiServer, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    ui_server.run_flow(FLOWS)
    page.goto(ui_server.url + "/flow-runs")
    page.fill("#flow", "alfa")
    page.click("form.filter button[type=submit]")
    rows = page.locator(RUN_ROWS)
    expect(rows).to_have_count(3, timeout=WAIT_MS)
    assert "flow=alfa" in page.url, "the filter is in the URL, to share and go back to"
    expect(page.locator("#flow")).to_have_value("alfa")
    # The rows refresh in place with the filter still applied.
    with page.expect_response(lambda response: "/flow-runs/rows?" in response.url) as polled:
        pass
    assert "flow=alfa" in polled.value.url
    expect(rows).to_have_count(3)
    for cell in rows.locator("td:nth-child(2)").all():
        expect(cell).to_have_text("alfa")
    expect(page.locator("a.older")).to_have_count(0)
    screenshot(page, tmp_path, "filtered")

    page.fill("#flow", "beta")
    page.click("form.filter button[type=submit]")
    expect(rows).to_have_count(LIST_LIMIT)
    expect(page.locator("a.newer")).to_have_count(0)
    page.click("a.older")
    expect(rows).to_have_count(2)
    expect(page.locator("#flow")).to_have_value("beta")
    expect(page.locator("a.older")).to_have_count(0)
    screenshot(page, tmp_path, "older")
    page.click("a.newer")
    expect(rows).to_have_count(LIST_LIMIT)
    expect(page.locator("a.older")).to_have_count(1)
    page.go_back()
    expect(rows).to_have_count(2)
