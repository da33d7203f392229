"""The blocks, variables and concurrency limits pages in a real browser, on a real server.

A script saves a Secret block, sets a variable and makes a global concurrency limit as
user code does (through the HTTP client, CAUCE_API_URL); the test goes to each page from
the nav, checks the secret's value is nowhere on the blocks page, and deletes the
variable and the block through their confirmation pages. Screenshots are saved under
the test's tmp_path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui.conftest import WAIT_MS, UiServer, screenshot

SECRET = "s3cr3t-hunter2"
SETUP = f"""
from cauce.blocks.system import Secret
from cauce.client.factory import get_client
from cauce.schemas.concurrency_limits import StoredConcurrencyLimit
from cauce.variables import Variable

Secret(value="{SECRET}").save("db-password")
Variable.set("region", "sa-east-1", tags=["aws"])
client = get_client()
client.create_concurrency_limit(StoredConcurrencyLimit("db", limit=3))
client.close()
"""


class TestConfigurationPages:
    def test_from_the_nav_to_blocks_variables_and_limits_deleting_a_variable_and_a_block(
        self, ui_server: UiServer, page: Any, tmp_path: Path
    ) -> None:
        from playwright.sync_api import expect

        ui_server.run_flow(SETUP, name="preparar.py")
        page.set_default_timeout(WAIT_MS)
        page.goto(ui_server.url + "/")

        page.locator("nav a", has_text="Blocks").click()
        expect(page.locator("h1")).to_have_text("Blocks")
        block = page.locator("table.blocks tbody tr").filter(has_text="db-password")
        expect(block.locator(".block-type")).to_have_text("secret")
        expect(block).to_contain_text("value")
        assert SECRET not in page.content()
        screenshot(page, tmp_path, "blocks")

        page.locator("nav a", has_text="Variables").click()
        expect(page.locator("h1")).to_have_text("Variables")
        variable = page.locator("table.variables tbody tr").filter(has_text="region")
        expect(variable).to_contain_text('"sa-east-1"')
        expect(variable.locator(".tag")).to_have_text("aws")
        screenshot(page, tmp_path, "variables")

        page.locator("nav a", has_text="Concurrency").click()
        expect(page.locator("h1")).to_have_text("Global concurrency limits")
        limit = page.locator("table.concurrency-limits tbody tr").filter(has_text="db")
        expect(limit.locator(".limit-slots")).to_have_text("3")
        expect(limit.locator(".flag")).to_have_text("Active")
        screenshot(page, tmp_path, "concurrency-limits")

        page.locator("nav a", has_text="Variables").click()
        variable.locator("a", has_text="Delete").click()
        expect(page.locator("h1")).to_have_text("Delete variable region?")
        page.locator("form.confirm button", has_text="Delete").click()
        expect(page.locator("table.variables")).to_contain_text("No variables yet")

        page.locator("nav a", has_text="Blocks").click()
        block.locator("a", has_text="Delete").click()
        expect(page.locator("h1")).to_have_text("Delete block secret/db-password?")
        assert SECRET not in page.content()
        page.locator("form.confirm button", has_text="Delete").click()
        expect(page.locator("table.blocks")).to_contain_text("No blocks yet")
