"""wait_for_flow_run, as Prefect documents it: awaited, it returns the flow run once its
state is final (whatever that state is), and raises FlowRunWaitTimeout past its timeout."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator

import pytest

from cauce import flow, get_client, runtime
from cauce.exceptions import FlowRunWaitTimeout
from cauce.flow_runs import wait_for_flow_run
from cauce.states import StateType
from tests.conftest import Store


class _RunInThread:
    """A flow run in a thread, held until `release()`: its id is known once it runs."""

    def __init__(self, fails: bool = False) -> None:
        self.started = threading.Event()
        self.go_on = threading.Event()
        self.flow_run_id: uuid.UUID | None = None

        @flow
        def held(fails: bool) -> str:
            self.flow_run_id = runtime.flow_run.id
            self.started.set()
            assert self.go_on.wait(30)
            if fails:
                raise ValueError("as intended")
            return "done"

        self.thread = threading.Thread(target=held, args=(fails,), kwargs={"return_state": True})

    def release(self) -> None:
        self.go_on.set()


@pytest.fixture
def held_run() -> Iterator[_RunInThread]:
    run = _RunInThread()
    run.thread.start()
    try:
        assert run.started.wait(30)
        yield run
    finally:
        run.release()
        run.thread.join(30)


def test_returns_the_run_once_it_completes(store: Store, held_run: _RunInThread) -> None:
    async def release_then_wait() -> StateType:
        waiting = asyncio.ensure_future(wait_for_flow_run(held_run.flow_run_id, timeout=30))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # the run is still Running
        held_run.release()
        flow_run = await waiting
        assert flow_run.id == held_run.flow_run_id
        assert flow_run.name and flow_run.state.is_final()
        return flow_run.state.type

    assert asyncio.run(release_then_wait()) is StateType.COMPLETED


def test_a_run_still_running_past_the_timeout_raises(store: Store, held_run: _RunInThread) -> None:
    with pytest.raises(FlowRunWaitTimeout, match="exceeded watch timeout of 0.2 seconds"):
        asyncio.run(wait_for_flow_run(held_run.flow_run_id, timeout=0.2))


def test_a_failed_run_is_returned_not_raised_through_the_async_client(store: Store) -> None:
    run = _RunInThread(fails=True)
    run.release()
    run.thread.start()
    run.thread.join(30)

    async def wait() -> StateType:
        async with get_client() as client:
            flow_run = await wait_for_flow_run(str(run.flow_run_id), client=client)
        return flow_run.state.type

    assert asyncio.run(wait()) is StateType.FAILED
