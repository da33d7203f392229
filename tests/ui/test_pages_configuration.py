"""The variables, blocks and global concurrency limits pages in-process: the rows a user
sees, the empty state saying how to make one, a block's secret value never on a page,
and deleting a variable or a block behind the CSRF checks.
"""

from __future__ import annotations

import html
import re

import httpx
import pytest

from cauce.schemas.blocks import StoredBlockDocument
from cauce.schemas.concurrency_limits import SlotMode, StoredConcurrencyLimit
from cauce.schemas.variables import StoredVariable, VariableFilter
from tests.conftest import Store

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]

SECRET = "s3cr3t-hunter2"


async def _token(ui: httpx.AsyncClient, path: str) -> str:
    """Open the confirmation page as a browser would (keeping its cookie); its token."""
    page = await ui.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the confirmation's form carries a token"
    return found.group(1)


def _rows(page: str, table: str) -> list[str]:
    """The body rows of `<table class="{table}">`, as HTML."""
    body = page.split(f'<table class="{table}">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>.*?</tr>", body.split("<tbody>", 1)[1], re.S)


class TestNavigation:
    async def test_every_page_links_to_blocks_variables_and_concurrency(self, ui):
        page = (await ui.get("/flows")).text
        nav = page.split("<nav>", 1)[1].split("</nav>", 1)[0]
        for link in (
            '<a href="/blocks">Blocks</a>',
            '<a href="/variables">Variables</a>',
            '<a href="/concurrency-limits">Concurrency</a>',
        ):
            assert link in nav

    async def test_the_pages_are_not_in_the_api_document(self, ui):
        paths = (await ui.get("/api/openapi.json")).json()["paths"]
        assert not [p for p in paths if p.startswith(("/variables", "/blocks", "/concurrency"))]


class TestVariables:
    async def test_no_variables_says_how_to_make_one(self, ui):
        page = await ui.get("/variables")
        assert page.status_code == 200
        assert "No variables yet" in page.text
        assert "cauce variable set NAME VALUE" in page.text

    async def test_each_variable_shows_its_value_as_json_its_tags_and_update_time(
        self, ui, store: Store
    ):
        store.client.create_variable(StoredVariable("region", "sa-east-1", ["aws"]))
        store.client.create_variable(StoredVariable("limites", {"max": 3, "on": True}))
        store.client.create_variable(StoredVariable("largo", "x" * 300))
        page = (await ui.get("/variables")).text
        rows = _rows(page, "variables")
        assert [re.search(r'class="variable-name">([^<]+)<', r).group(1) for r in rows] == [
            "largo",
            "limites",
            "region",
        ]
        assert "{&#34;max&#34;: 3, &#34;on&#34;: true}" in rows[1]
        assert "&#34;sa-east-1&#34;" in rows[2] and '<span class="tag">aws</span>' in rows[2]
        assert "-03:00" in rows[2]  # the server's zone, Buenos Aires
        shown = html.unescape(re.search(r"<code[^>]*>([^<]*)</code>", rows[0]).group(1))
        assert len(shown) == 80 and shown.endswith("…")
        assert "No variables yet" not in page

    async def test_a_value_is_shown_as_text_never_as_markup(self, ui, store: Store):
        store.client.create_variable(StoredVariable("trampa", "<script>alert(1)</script>"))
        page = (await ui.get("/variables")).text
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    async def test_delete_asks_then_deletes_and_goes_back_to_the_list(self, ui, store: Store):
        store.client.create_variable(StoredVariable("borrame", 1))
        store.client.create_variable(StoredVariable("quedate", 2))
        listed = (await ui.get("/variables")).text
        assert 'href="/variables/borrame/delete"' in listed
        token = await _token(ui, "/variables/borrame/delete")
        deleted = await ui.post("/variables/borrame/delete", data={"csrf_token": token})
        assert deleted.status_code == 303 and deleted.headers["location"] == "/variables"
        names = [v.name for v in store.client.read_variables(VariableFilter())]
        assert names == ["quedate"]
        assert "borrame" not in (await ui.get("/variables")).text

    async def test_delete_without_the_token_is_refused_and_keeps_it(self, ui, store: Store):
        store.client.create_variable(StoredVariable("borrame", 1))
        await _token(ui, "/variables/borrame/delete")  # the cookie alone is not enough
        refused = await ui.post("/variables/borrame/delete", data={})
        assert refused.status_code == 403
        assert "security token" in refused.text
        assert store.client.read_variable("borrame").value == 1

    async def test_an_unknown_variable_is_a_404_page(self, ui, store: Store):
        assert (await ui.get("/variables/nadie/delete")).status_code == 404
        store.client.create_variable(StoredVariable("otra", 1))
        token = await _token(ui, "/variables/otra/delete")
        gone = await ui.post("/variables/nadie/delete", data={"csrf_token": token})
        assert gone.status_code == 404 and "Variable &#39;nadie&#39;" in gone.text


class TestBlocks:
    @pytest.fixture
    def secret(self, store: Store) -> StoredBlockDocument:
        return store.client.save_block_document(
            StoredBlockDocument("secret", "db-password", {"value": SECRET})
        )

    async def test_no_blocks_says_how_to_save_one(self, ui):
        page = (await ui.get("/blocks")).text
        assert "No blocks yet" in page
        assert 'Secret(value="...").save("NAME")' in page

    async def test_each_block_shows_its_type_name_fields_and_update_time_never_a_value(
        self, ui, store: Store, secret
    ):
        store.client.save_block_document(
            StoredBlockDocument("erp-credentials", "erp", {"user": "ana", "password": "pw-9"})
        )
        page = (await ui.get("/blocks")).text
        rows = _rows(page, "blocks")
        assert len(rows) == 2
        assert '<td class="block-type">erp-credentials</td>' in rows[0]
        assert '<td class="block-name">erp</td>' in rows[0]
        assert "<code>password</code>, <code>user</code>" in rows[0]
        assert '<td class="block-type">secret</td>' in rows[1] and "-03:00" in rows[1]
        assert SECRET not in page and "pw-9" not in page and "ana" not in page

    async def test_delete_asks_without_showing_the_value_then_deletes(
        self, ui, store: Store, secret
    ):
        assert 'href="/blocks/secret/db-password/delete"' in (await ui.get("/blocks")).text
        confirm = (await ui.get("/blocks/secret/db-password/delete")).text
        assert "Delete block secret/db-password?" in confirm and SECRET not in confirm
        token = await _token(ui, "/blocks/secret/db-password/delete")
        deleted = await ui.post("/blocks/secret/db-password/delete", data={"csrf_token": token})
        assert deleted.status_code == 303 and deleted.headers["location"] == "/blocks"
        assert store.client.read_block_documents() == []
        assert "No blocks yet" in (await ui.get("/blocks")).text

    async def test_delete_from_another_site_is_refused_and_keeps_it(self, ui, store: Store, secret):
        token = await _token(ui, "/blocks/secret/db-password/delete")
        refused = await ui.post(
            "/blocks/secret/db-password/delete",
            data={"csrf_token": token},
            headers={"Origin": "https://evil.example"},
        )
        assert refused.status_code == 403
        assert [d.full_name for d in store.client.read_block_documents()] == ["secret/db-password"]

    async def test_an_unknown_block_is_a_404_page(self, ui):
        page = await ui.get("/blocks/secret/nadie/delete")
        assert page.status_code == 404 and "Block secret/nadie" in page.text


class TestConcurrencyLimits:
    async def test_no_limits_says_how_to_make_one(self, ui):
        page = (await ui.get("/concurrency-limits")).text
        assert "No global concurrency limits yet" in page
        assert "cauce global-concurrency-limit create NAME --limit 5" in page

    async def test_each_limit_shows_its_slots_those_held_its_status_and_decay(
        self, ui, store: Store
    ):
        store.client.create_concurrency_limit(StoredConcurrencyLimit("db", limit=3))
        store.client.create_concurrency_limit(
            StoredConcurrencyLimit("api", limit=10, slot_decay_per_second=0.5)
        )
        store.client.create_concurrency_limit(StoredConcurrencyLimit("off", 1, active=False))
        taken = store.client.acquire_concurrency_slots(["db"], 2, SlotMode.CONCURRENCY, False)
        assert taken == ["db"]
        rows = _rows((await ui.get("/concurrency-limits")).text, "concurrency-limits")
        assert [re.search(r'class="limit-name">([^<]+)<', r).group(1) for r in rows] == [
            "api",
            "db",
            "off",
        ]
        assert '<td class="limit-slots">10</td>' in rows[0] and "0.5 (a rate limit)" in rows[0]
        assert '<td class="limit-slots">3</td>' in rows[1]
        assert '<td class="limit-held">2</td>' in rows[1] and "Active" in rows[1]
        assert "Inactive" in rows[2] and "-03:00" in rows[2]
