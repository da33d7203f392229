"""A run's logs in-process: appended past a cursor, paged with "Load more", polling that
stops once the run is final and every line was sent, and user text escaped."""

from __future__ import annotations

import html
import logging
import re
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.logs import LogEntry
from cauce.states import Running
from tests.conftest import Store

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.timeout(120),
    pytest.mark.embedded_only(
        "the in-process app serves the store's database, which the http store does not use"
    ),
]

INJECTED = "<script>window.pwned=1</script>"
LINE = re.compile(r'<span class="message">(.*?)</span></div>')
NEXT = re.compile(r'<p id="flow-run-logs-next".*?</p>', re.DOTALL)


def _running(store: Store) -> uuid.UUID:
    """A running run with two lines: "primera" (INFO) and "segunda" (WARNING)."""
    run = FlowRun(uuid.uuid4(), "charla", "larga-charla", Running())
    store.client.create_flow_run(run, None)
    _add_lines(store, run.id, ["primera"])
    _add_lines(store, run.id, ["segunda"], logging.WARNING)
    return run.id


def _add_lines(store: Store, run_id: uuid.UUID, messages: list[str], level: int = 20) -> None:
    now = datetime.now(UTC)
    lines = [LogEntry(run_id, None, "x", level, text, now) for text in messages]
    store.client.write_batch([], [], lines)


async def _finish(ui: httpx.AsyncClient, run_id: uuid.UUID) -> None:
    forced = await ui.post(
        f"/api/flow_runs/{run_id}/set_state",
        json={"state": {"type": "COMPLETED"}, "force": True},
    )
    assert forced.json()["status"] == "ACCEPT"


def _messages(text: str) -> list[str]:
    return [html.unescape(found) for found in LINE.findall(text)]


def _next(text: str) -> str:
    """The element that asks for the next lines."""
    found = NEXT.search(text)
    assert found is not None, text[-500:]
    return found.group(0)


def _url(tag: str) -> str:
    found = re.search(r'hx-get="([^"]*)"', tag)
    assert found is not None, tag
    return html.unescape(found.group(1))


class TestAppendedLines:
    async def test_the_poll_answers_only_newer_lines_small_and_at_the_level(self, ui, store):
        run_id = _running(store)
        page = (await ui.get(f"/flow-runs/{run_id}")).text
        assert _messages(page) == ["primera", "segunda"]
        poller = _next(page)
        assert 'hx-trigger="every 2s"' in poller and 'hx-swap="beforeend"' in poller
        empty = await ui.get(_url(poller))
        assert _messages(empty.text) == [] and 'hx-trigger="every 2s"' in _next(empty.text)
        _add_lines(store, run_id, ["tercera"])
        answer = await ui.get(_url(poller))
        assert _messages(answer.text) == ["tercera"]
        assert len(answer.content) < 2048, len(answer.content)
        assert 'hx-swap-oob="true"' in _next(answer.text)
        again = await ui.get(_url(_next(answer.text)))
        assert _messages(again.text) == [], "the cursor moved past the line sent"
        warned = (await ui.get(f"/flow-runs/{run_id}", params={"level": "WARNING"})).text
        assert _messages(warned) == ["segunda"]
        _add_lines(store, run_id, ["informa"], logging.INFO)
        _add_lines(store, run_id, ["grave"], logging.ERROR)
        newer = await ui.get(_url(_next(warned)))
        assert _messages(newer.text) == ["grave"]
        assert "level=WARNING" in _url(_next(newer.text))

    async def test_a_final_runs_last_answer_carries_no_trigger(self, ui, store):
        run_id = _running(store)
        await _finish(ui, run_id)
        page = (await ui.get(f"/flow-runs/{run_id}")).text
        assert "hx-trigger" not in _next(page), "a final run's page asks for nothing"
        # A line landing after the final state: sent, then one more ask that finds none.
        _add_lines(store, run_id, ["tardia"])
        late = await ui.get(f"/flow-runs/{run_id}/logs", params={"after_id": 0})
        assert _messages(late.text) == ["primera", "segunda", "tardia"]
        last = await ui.get(_url(_next(late.text)))
        assert last.status_code == 200 and _messages(last.text) == []
        assert "hx-trigger" not in _next(last.text) and "hx-get" not in _next(last.text)

    async def test_a_deleted_runs_logs_answer_stops_polling(self, ui):
        gone = await ui.get(f"/flow-runs/{uuid.uuid4()}/logs", params={"after_id": 3})
        assert gone.status_code == 286 and gone.text == ""

    async def test_the_first_lines_remove_the_no_lines_note(self, ui, store):
        run = FlowRun(uuid.uuid4(), "callada", "muy-callada", Running())
        store.client.create_flow_run(run, None)
        run_id = run.id
        page = (await ui.get(f"/flow-runs/{run_id}")).text
        assert 'id="flow-run-logs-none">No log lines yet.' in page
        _add_lines(store, run_id, ["al fin"])
        answer = (await ui.get(_url(_next(page)))).text
        assert _messages(answer) == ["al fin"]
        assert '<p id="flow-run-logs-none" hx-swap-oob="delete">' in answer


class TestLoadMore:
    async def test_2500_lines_come_a_page_at_a_time_each_once_in_order(self, ui, store):
        run_id = _running(store)
        await _finish(ui, run_id)
        _add_lines(store, run_id, [f"linea {n}" for n in range(2500)])
        expected = ["primera", "segunda", *[f"linea {n}" for n in range(2500)]]
        page = (await ui.get(f"/flow-runs/{run_id}")).text
        shown = _messages(page)
        assert shown == expected[:1000]
        pages = 1
        text = page
        while 'class="more"' in _next(text):
            assert ">Load more</a>" in _next(text) and "hx-trigger" not in _next(text)
            text = (await ui.get(_url(_next(text)))).text
            shown += _messages(text)
            pages += 1
        assert pages == 3
        assert shown == expected, "every line exactly once, in order"
        live = await ui.get(f"/flow-runs/{run_id}/live")
        assert _messages(live.text) == [] and len(live.content) < 20 * 1024, "no lines resent"
        # Lines came with the last page: one more ask (lines may trail the final state),
        # which finds none and carries nothing that asks again.
        last = (await ui.get(_url(_next(text)))).text
        assert _messages(last) == [] and "hx-get" not in _next(last)


class TestEscaping:
    async def test_a_log_line_is_shown_as_text_in_the_page_and_the_answer(self, ui, store):
        run_id = _running(store)
        page = (await ui.get(f"/flow-runs/{run_id}")).text
        _add_lines(store, run_id, [INJECTED])
        answer = (await ui.get(_url(_next(page)))).text
        assert INJECTED not in answer
        assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in answer
        assert _messages(answer) == [INJECTED]
