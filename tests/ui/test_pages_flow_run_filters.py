"""The flow-run list's filters and pages in-process: the form keeps what was chosen, the
polled rows carry it, the page links follow the runs, and bad input is a message, not a 500.
"""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from cauce.schemas.flow_runs import FlowRun
from cauce.server.ui.pages import flow_runs as pages
from cauce.states import Pending
from tests.conftest import Store
from tests.ui.conftest import local_deployment

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # 09:00 in Buenos Aires
INJECTED = "<script>window.pwned=1</script>"


def record(
    store: Store, name: str, flow_name: str = "f1", tags: list[str] | None = None, seconds: int = 0
) -> None:
    created = T0 + timedelta(seconds=seconds)
    run = FlowRun(uuid.uuid4(), flow_name, name, Pending(), tags=tags or [], created=created)
    store.client.create_flow_run(run, None)


def run_names(page: str) -> list[str]:
    return re.findall(r'<a href="/flow-runs/[0-9a-f-]{36}">([^<]*)</a>', page)


def link(page: str, css: str) -> str | None:
    found = re.search(rf'<a class="{css}" href="([^"]*)"', page)
    return None if found is None else html.unescape(found.group(1))


def rows_url(page: str) -> str:
    found = re.search(r'hx-get="([^"]*)"', page)
    assert found is not None
    return html.unescape(found.group(1))


@pytest.fixture
def four_runs(store: Store) -> Store:
    record(store, "Uno", "f1", ["a"], 0)
    record(store, "dos", "f1", ["ab"], 1)
    record(store, "tres", "f2", ["a"], 2)
    record(store, "cuatro", "f2", [], 3)
    store.flush()
    return store


class TestFilters:
    async def test_each_filter_shows_only_its_runs(self, ui, four_runs):
        async def names(**params: str) -> list[str]:
            return run_names((await ui.get("/flow-runs", params=params)).text)

        assert await names() == ["cuatro", "tres", "dos", "Uno"]
        assert await names(flow="f1") == ["dos", "Uno"]
        assert await names(tag="a") == ["tres", "Uno"]
        assert await names(name="UN") == ["Uno"]
        # The times are read in the server's zone: 09:00:01 there is T0 plus one second.
        assert await names(start_from="2026-03-01T09:00:01") == ["cuatro", "tres", "dos"]
        assert await names(start_from="2026-03-01T09:00:01", start_to="2026-03-01T09:00:03") == [
            "tres",
            "dos",
        ]
        assert await names(flow="f2", tag="a") == ["tres"]
        assert await names(flow="nada") == []

    async def test_the_form_keeps_the_filters_and_the_polled_rows_carry_them(self, ui, four_runs):
        chosen = {
            "state": "PENDING",
            "flow": "f1",
            "tag": "a",
            "name": "un",
            "start_from": "2026-03-01T08:00",
        }
        page = (await ui.get("/flow-runs", params=chosen)).text
        assert run_names(page) == ["Uno"]
        assert '<option value="PENDING" selected>' in page
        assert 'name="flow" type="text" value="f1"' in page
        assert 'name="tag" type="text" value="a"' in page
        assert 'name="name" type="text" value="un"' in page
        assert 'value="2026-03-01T08:00"' in page
        url = rows_url(page)
        assert url.startswith("/flow-runs/rows?")
        polled = (await ui.get(url)).text
        assert polled.startswith("<tbody") and run_names(polled) == ["Uno"]
        assert rows_url(polled) == url, "the fragment keeps polling with the same filters"

    async def test_a_deployment_is_chosen_by_flow_and_name(self, ui, store: Store):
        deployment = local_deployment(store, name="diaria", schedules=[])
        made = store.client.create_flow_run_from_deployment(deployment.id)
        record(store, "suelta", "saludar")
        store.flush()
        page = (await ui.get("/flow-runs", params={"deployment": "saludar/diaria"})).text
        assert run_names(page) == [made.name]
        unknown = (await ui.get("/flow-runs", params={"deployment": "saludar/otra"})).text
        assert "deployment: no deployment &#39;saludar/otra&#39;" in unknown
        assert run_names(unknown) == []


class TestBadInput:
    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"start_from": "ayer"}, "from: not a date and time: &#39;ayer&#39;"),
            ({"start_to": "2026-13-45T99:00"}, "to: not a date and time"),
            ({"start_to": "0001-01-01T00:00+05:00"}, "to: not a date and time"),
            ({"start_from": "9999-12-31T23:59"}, "from: not a date and time"),
            ({"name": "a\x00b"}, "name: not a name"),
            ({"tag": "\x00"}, "tag: not a tag"),
            ({"flow": "\x00"}, "flow: not a name"),
            ({"state": "NOPE"}, "state: no state type &#39;NOPE&#39;"),
            ({"deployment": "sin-barra"}, "deployment: write it as flow/deployment"),
            ({"before": "no-es-un-cursor"}, "older runs: not a page of this list"),
            ({"after": "2026-03-01T12:00:00,xyz"}, "newer runs: not a page of this list"),
        ],
    )
    async def test_is_a_message_naming_the_field_over_the_whole_list(
        self, ui, four_runs, params, message
    ):
        for path in ("/flow-runs", "/flow-runs/rows"):
            answer = await ui.get(path, params=params)
            assert answer.status_code == 200
            assert len(run_names(answer.text)) == 4
        assert message in (await ui.get("/flow-runs", params=params)).text

    async def test_user_text_is_escaped_in_the_form_and_the_message(self, ui, four_runs):
        params = {"name": INJECTED, "start_from": INJECTED, "tag": '"><b>x'}
        page = (await ui.get("/flow-runs", params=params)).text
        assert INJECTED not in page and '"><b>x' not in page
        assert html.escape(INJECTED) in page
        assert "from: not a date and time" in page


class TestPages:
    async def test_older_and_newer_links_page_through_every_run_once(
        self, ui, store: Store, monkeypatch
    ):
        monkeypatch.setattr(pages, "LIST_LIMIT", 3)
        for second in range(7):
            record(store, f"r{second}", seconds=second)
        store.flush()
        first = (await ui.get("/flow-runs", params={"flow": "f1"})).text
        assert run_names(first) == ["r6", "r5", "r4"]
        assert link(first, "newer") is None
        second = (await ui.get(link(first, "older"))).text
        assert run_names(second) == ["r3", "r2", "r1"]
        assert "flow=f1" in link(second, "older") and "before=" in rows_url(second)
        last = (await ui.get(link(second, "older"))).text
        assert run_names(last) == ["r0"]
        assert link(last, "older") is None
        back = (await ui.get(link(last, "newer"))).text
        assert run_names(back) == ["r3", "r2", "r1"]
        front = (await ui.get(link(back, "newer"))).text
        assert run_names(front) == ["r6", "r5", "r4"]
        assert link(front, "newer") is None and link(front, "older") is not None

    async def test_no_older_link_when_the_page_holds_the_last_run(
        self, ui, store: Store, monkeypatch
    ):
        monkeypatch.setattr(pages, "LIST_LIMIT", 3)
        for second in range(3):
            record(store, f"r{second}", seconds=second)
        store.flush()
        page = (await ui.get("/flow-runs")).text
        assert run_names(page) == ["r2", "r1", "r0"]
        assert link(page, "older") is None and link(page, "newer") is None
