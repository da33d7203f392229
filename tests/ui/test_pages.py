"""The run pages in-process: what they show, escaping, polling, and times in the server's zone.

The browser tests (test_browser.py) click through the same pages on a real server;
these read the HTML the app answers, over SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import uuid

import pytest

from cauce import flow, get_run_logger, task
from tests.ui.conftest import ZONE

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]

INJECTED = "<script>window.pwned=1</script>"


@task
def mi_tarea(mensaje_tarea: str = "") -> None:
    get_run_logger().info("Hola %s desde la tarea", mensaje_tarea)


@flow
def mi_flujo(mensaje_flujo: str = "") -> None:
    get_run_logger().info("Hola %s desde el flujo", mensaje_flujo)
    mi_tarea(mensaje_flujo)


@flow
def falla() -> None:
    raise ValueError("no")


def run_ids(page: str) -> list[str]:
    return re.findall(r'href="/flow-runs/([0-9a-f-]{36})"', page)


class TestFlowRunsList:
    async def test_root_and_flow_runs_list_runs_newest_first_with_their_state(self, ui, store):
        mi_flujo("mundo")
        falla(return_state=True)
        store.flush()
        for path in ("/", "/flow-runs"):
            page = (await ui.get(path)).text
            assert len(run_ids(page)) == 2
            assert page.index(">falla<") < page.index(">mi-flujo<"), "newest first"
            assert 'class="state state-completed"' in page
            assert 'class="state state-failed"' in page

    async def test_filter_by_state_type_shows_only_those_runs(self, ui, store):
        mi_flujo("mundo")
        falla(return_state=True)
        store.flush()
        failed = (await ui.get("/flow-runs", params={"state": "FAILED"})).text
        assert ">falla<" in failed and ">mi-flujo<" not in failed
        assert '<option value="FAILED" selected>' in failed
        rows = (await ui.get("/flow-runs/rows", params={"state": "COMPLETED"})).text
        assert ">mi-flujo<" in rows and ">falla<" not in rows
        assert rows.startswith("<tbody")
        unknown = (await ui.get("/flow-runs", params={"state": "NOPE"})).text
        assert len(run_ids(unknown)) == 2

    async def test_the_rows_poll_their_fragment_with_the_filter(self, ui):
        page = (await ui.get("/flow-runs", params={"state": "RUNNING"})).text
        assert 'hx-get="/flow-runs/rows?state=RUNNING"' in page
        assert re.search(r'hx-trigger="every \d+s"', page)
        assert "No flow runs in state Running yet." in page


class TestFlowRunPage:
    async def test_shows_parameters_states_task_runs_and_logs(self, ui, store):
        mi_flujo("mundo")
        store.flush()
        (run_id,) = run_ids((await ui.get("/")).text)
        page = (await ui.get(f"/flow-runs/{run_id}")).text
        assert "mi-flujo /" in page
        assert "&#34;mensaje_flujo&#34;: &#34;mundo&#34;" in page
        assert page.count('class="state state-completed"') >= 3  # run, history, task run
        assert ">Running<" in page and ">Pending<" in page
        assert "mi_tarea-0" in page
        assert "Hola mundo desde el flujo" in page and "Hola mundo desde la tarea" in page

    async def test_a_final_run_is_not_polled_and_a_running_one_is(self, ui, store):
        mi_flujo("mundo")
        store.flush()
        (run_id,) = run_ids((await ui.get("/")).text)
        final = (await ui.get(f"/flow-runs/{run_id}/live")).text
        assert final.startswith('<section id="flow-run-live">'), final[:200]
        # The same run made Running again, by force, as a run in progress.
        forced = await ui.post(
            f"/api/flow_runs/{run_id}/set_state",
            json={"state": {"type": "RUNNING"}, "force": True},
        )
        assert forced.json()["status"] == "ACCEPT"
        live = (await ui.get(f"/flow-runs/{run_id}")).text
        assert re.search(
            rf'hx-get="/flow-runs/{run_id}/live\?seen=[0-9a-f]{{16}}" hx-trigger="every 2s"', live
        )

    async def test_a_refresh_with_nothing_new_sends_only_the_timelines_span(self, ui, store):
        mi_flujo("mundo")
        store.flush()
        (run_id,) = run_ids((await ui.get("/")).text)
        forced = await ui.post(
            f"/api/flow_runs/{run_id}/set_state",
            json={"state": {"type": "RUNNING"}, "force": True},
        )
        assert forced.json()["status"] == "ACCEPT"
        page = (await ui.get(f"/flow-runs/{run_id}")).text
        (seen,) = re.findall(rf'hx-get="/flow-runs/{run_id}/live\?seen=([0-9a-f]+)"', page)
        same = await ui.get(f"/flow-runs/{run_id}/live", params={"seen": seen})
        assert same.headers["HX-Reswap"] == "none"
        assert re.fullmatch(
            r'(\{#.*#\}\s*)?<style id="timeline-span" hx-swap-oob="true">'
            r"\.timeline \{ --span: [\d.]+; \}</style>\s*",
            same.text,
        ), same.text
        # Something moves (the run ends): the whole part comes back, naming the new content.
        done = await ui.post(
            f"/api/flow_runs/{run_id}/set_state",
            json={"state": {"type": "COMPLETED"}, "force": True},
        )
        assert done.json()["status"] == "ACCEPT"
        moved = await ui.get(f"/flow-runs/{run_id}/live", params={"seen": seen})
        assert "HX-Reswap" not in moved.headers
        assert moved.text.startswith('<section id="flow-run-live">'), "final: no more polling"
        assert "mi_tarea-0" in moved.text

    async def test_pages_are_gzipped_for_browsers_and_the_api_is_not(self, ui, store):
        for _ in range(3):
            mi_flujo("mundo")
        store.flush()
        gzip = {"Accept-Encoding": "gzip"}
        page = await ui.get("/flow-runs", headers=gzip)
        assert page.headers["Content-Encoding"] == "gzip"
        assert page.num_bytes_downloaded < len(page.content) / 2
        assert "mi-flujo" in page.text
        api = await ui.post("/api/flow_runs/filter", json={}, headers=gzip)
        assert api.status_code == 200 and len(api.content) > 1024
        assert "Content-Encoding" not in api.headers

    async def test_times_are_in_the_servers_zone_with_the_offset(self, ui, store):
        mi_flujo("mundo")
        store.flush()
        (run_id,) = run_ids((await ui.get("/")).text)
        page = (await ui.get(f"/flow-runs/{run_id}")).text
        assert ZONE in page
        # Buenos Aires has no daylight saving time: always -03:00.
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d -03:00</time>", page)

    async def test_unknown_run_is_a_404_page_and_its_fragment_stops_polling(self, ui):
        missing = uuid.uuid4()
        page = await ui.get(f"/flow-runs/{missing}")
        assert page.status_code == 404
        assert f"Flow run {missing} is not recorded here" in page.text
        live = await ui.get(f"/flow-runs/{missing}/live")
        assert live.status_code == 286  # htmx's "stop polling"
        assert "deleted" in live.text


class TestEscaping:
    async def test_user_text_is_escaped_everywhere(self, ui, store):
        @flow(name=INJECTED)
        def injects(value: str) -> None:
            get_run_logger().info(INJECTED)

        injects(INJECTED)
        store.flush()
        listing = (await ui.get("/")).text
        (run_id,) = run_ids(listing)
        page = (await ui.get(f"/flow-runs/{run_id}")).text
        for html in (listing, page):
            assert INJECTED not in html
            assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html

    async def test_pages_forbid_inline_scripts_and_other_origins(self, ui):
        response = await ui.get("/")
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "default-src 'self'" in policy


class TestAssets:
    async def test_htmx_and_css_are_served_from_the_package_no_cdn(self, ui):
        page = (await ui.get("/")).text
        assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|svg))"', page)
        assert assets == [
            "/ui/static/favicon.svg",
            "/ui/static/cauce.css",
            "/ui/static/htmx.min.js",
        ]
        for asset in assets:
            assert (await ui.get(asset)).status_code == 200, asset
        assert "://" not in page.replace("http://www.w3.org", "")
        script = await ui.get("/ui/static/htmx.min.js")
        assert script.status_code == 200
        assert "javascript" in script.headers["content-type"]
        assert script.text.startswith("/*! htmx.org 2.")
        assert "Zero-Clause BSD" in (await ui.get("/ui/static/htmx.LICENSE")).text
