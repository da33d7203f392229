"""State-change hooks on flows and tasks, as Prefect 3 users write them."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cauce import Flow, State, Task, flow, task
from tests.conftest import Store
from tests.engine import scripts
from tests.engine.records import only_run_of

FLOW_KINDS = ["on_completion", "on_failure", "on_cancellation", "on_crashed", "on_running"]


class Calls:
    """What the hooks of one test were called with, in order: (kind, owner, run, state)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any, Any, State]] = []

    def hook(self, kind: str) -> Any:
        def hook(owner: Any, run: Any, state: State) -> None:
            self.seen.append((kind, owner, run, state))

        hook.__name__ = f"{kind}_hook"
        return hook

    def kinds(self) -> list[str]:
        return [kind for kind, *_ in self.seen]

    def flow_hooks(self) -> dict[str, Any]:
        return {kind: [self.hook(kind)] for kind in FLOW_KINDS}


def _ending_flow(calls: Calls, ending: str, decorated: bool = False) -> Flow[[], Any]:
    @flow(name="ends", **({} if decorated else calls.flow_hooks()))
    def ends() -> int:
        if ending == "failed":
            raise ValueError("boom")
        if ending == "cancelled":
            raise KeyboardInterrupt
        if ending == "crashed":
            raise SystemExit(3)
        return 7

    if decorated:
        for kind in FLOW_KINDS:
            hook = calls.hook(kind)
            assert getattr(ends, kind)(hook) is hook
    return ends


class TestFlowHooks:
    @pytest.mark.parametrize(
        ("ending", "kind", "state_type", "raised"),
        [
            ("completed", "on_completion", "COMPLETED", None),
            ("failed", "on_failure", "FAILED", None),
            ("cancelled", "on_cancellation", "CANCELLED", KeyboardInterrupt),
            ("crashed", "on_crashed", "CRASHED", SystemExit),
        ],
    )
    @pytest.mark.parametrize("decorated", [False, True], ids=["arguments", "decorators"])
    def test_only_the_hooks_of_the_final_state_run_with_the_flow_run_and_state(
        self,
        store: Store,
        ending: str,
        kind: str,
        state_type: str,
        raised: type[BaseException] | None,
        decorated: bool,
    ) -> None:
        calls = Calls()
        ends = _ending_flow(calls, ending, decorated)
        if raised is None:
            ends(return_state=True)
        else:
            with pytest.raises(raised):
                ends()
        recorded = only_run_of(store, "ends")
        assert recorded.flow_run.state.type.value == state_type
        assert calls.kinds() == ["on_running", kind]
        for _, owner, run, _state in calls.seen:
            assert owner is ends
            assert (run.id, run.name) == (recorded.flow_run.id, recorded.flow_run.name)
        assert calls.seen[0][3].type.value == "RUNNING"
        assert calls.seen[1][3].type.value == state_type
        assert f"Running hook '{kind}_hook' in response to entering state" in " ".join(
            recorded.messages
        )

    def test_failure_hooks_wait_for_the_last_retry_and_running_hooks_see_each(
        self, store: Store
    ) -> None:
        calls = Calls()

        @flow(retries=2, **calls.flow_hooks())
        def flaky() -> None:
            raise ValueError("again")

        flaky(return_state=True)
        assert calls.kinds() == ["on_running"] * 3 + ["on_failure"]
        assert only_run_of(store, "flaky").flow_run.state.type.value == "FAILED"

    def test_decorator_form_registers_in_order_and_returns_the_hook(self, store: Store) -> None:
        order: list[str] = []

        @flow
        def decorated() -> None:
            pass

        @decorated.on_completion
        def first(f: Any, r: Any, s: State) -> None:
            order.append("first")

        @decorated.on_completion
        def second(f: Any, r: Any, s: State) -> None:
            order.append("second")

        @decorated.on_failure
        def never(f: Any, r: Any, s: State) -> None:
            order.append("never")

        assert callable(first) and first.__name__ == "first"
        decorated()
        assert order == ["first", "second"]

    def test_with_options_sets_hooks_on_the_copy_only(self, store: Store) -> None:
        calls = Calls()

        @flow
        def plain() -> None:
            pass

        hooked = plain.with_options(on_completion=[calls.hook("on_completion")])
        plain()
        assert calls.kinds() == []
        hooked()
        assert calls.kinds() == ["on_completion"]
        copy = hooked.with_options(name="renamed")
        copy.on_failure(calls.hook("on_failure"))
        assert len(copy.on_completion_hooks) == 1
        assert hooked.on_failure_hooks == [] and plain.on_completion_hooks == []

    def test_a_raising_hook_is_logged_and_changes_nothing(self, store: Store) -> None:
        calls = Calls()

        @flow(on_completion=[_raising, calls.hook("on_completion")])
        def survives() -> int:
            return 1

        assert survives() == 1
        recorded = only_run_of(store, "survives")
        assert recorded.flow_run.state.type.value == "COMPLETED"
        assert calls.kinds() == ["on_completion"]  # the next hook still ran
        errors = [m for m in recorded.messages if "error was encountered" in m]
        assert len(errors) == 1
        assert "'_raising'" in errors[0] and "hook broke" in errors[0]

    def test_async_hooks_are_awaited_in_the_async_flows_own_loop(self, store: Store) -> None:
        import asyncio

        done: list[tuple[str, str, bool]] = []
        loops: list[asyncio.AbstractEventLoop] = []

        async def later(owner: Any, r: Any, s: State) -> None:
            await asyncio.sleep(0.01)
            done.append((owner.name, s.type.value, asyncio.get_running_loop() is loops[0]))

        @task(on_running=[later], on_completion=[later])
        async def async_step() -> int:
            return 1

        @flow(on_running=[later], on_completion=[later])
        async def async_job() -> int:
            return await async_step() + 1

        async def main() -> int:
            loops.append(asyncio.get_running_loop())
            return await async_job()

        assert asyncio.run(main()) == 2
        assert done == [
            ("async-job", "RUNNING", True),
            ("async_step", "RUNNING", True),
            ("async_step", "COMPLETED", True),
            ("async-job", "COMPLETED", True),
        ]
        assert only_run_of(store, "async-job").flow_run.state.type.value == "COMPLETED"

    def test_an_async_hook_on_a_sync_flow_runs_to_its_end(self, store: Store) -> None:
        import asyncio

        done: list[str] = []

        async def later(owner: Any, r: Any, s: State) -> None:
            await asyncio.sleep(0.01)
            done.append(s.type.value)

        @flow(on_failure=[later])
        def sync_job() -> None:
            raise ValueError("x")

        sync_job(return_state=True)
        assert done == ["FAILED"]


def _raising(owner: Any, run: Any, state: State) -> None:
    raise RuntimeError("hook broke")


class TestTaskHooks:
    def test_completion_failure_and_running_hooks_get_the_task_run(self, store: Store) -> None:
        calls = Calls()
        hooks = {kind: [calls.hook(kind)] for kind in ["on_completion", "on_failure", "on_running"]}

        @task(**hooks)
        def works() -> int:
            return 1

        @task(retries=1, **hooks)
        def breaks() -> None:
            raise ValueError("no")

        @flow
        def both() -> None:
            works()
            breaks(return_state=True)

        both()
        recorded = only_run_of(store, "both")
        assert calls.kinds() == ["on_running", "on_completion", "on_running", "on_running"] + [
            "on_failure"
        ]
        owners = [owner for _, owner, _, _ in calls.seen]
        assert owners == [works, works, breaks, breaks, breaks]
        for _, owner, run, _state in calls.seen:
            stored = recorded.task_run(run.name)
            assert run.id == stored.id and stored.task_name == owner.name
        assert [s.type.value for *_, s in calls.seen] == [
            "RUNNING",
            "COMPLETED",
            "RUNNING",
            "RUNNING",
            "FAILED",
        ]
        assert recorded.task_run("breaks-0").state.type.value == "FAILED"

    def test_decorator_form_with_options_and_a_raising_hook(self, store: Store) -> None:
        calls = Calls()

        @task
        def step() -> int:
            return 5

        @step.on_completion
        def boom(t: Task[..., Any], r: Any, s: State) -> None:
            raise RuntimeError("task hook broke")

        step.on_completion(calls.hook("on_completion"))
        renamed = step.with_options(name="renamed")

        @flow
        def runs_steps() -> int:
            return step() + renamed()

        assert runs_steps() == 10
        recorded = only_run_of(store, "runs-steps")
        assert [owner.name for _, owner, _, _ in calls.seen] == ["step", "renamed"]
        assert {t.state.type.value for t in recorded.task_runs} == {"COMPLETED"}
        errors = [m for m in recorded.messages if "error was encountered" in m]
        assert len(errors) == 2 and all("'boom'" in m and "task hook broke" in m for m in errors)

    def test_decorator_form_for_running_and_failure(self, store: Store) -> None:
        calls = Calls()

        @task
        def fails() -> None:
            raise ValueError("no")

        for kind in ["on_running", "on_failure", "on_completion"]:
            hook = calls.hook(kind)
            assert getattr(fails, kind)(hook) is hook

        @flow
        def runs_failing() -> None:
            fails(return_state=True)

        runs_failing()
        assert calls.kinds() == ["on_running", "on_failure"]
        [task_run] = only_run_of(store, "runs-failing").task_runs
        assert calls.seen[1][2].id == task_run.id and task_run.state.type.value == "FAILED"

    def test_a_task_without_hooks_calls_none(self, store: Store) -> None:
        calls = Calls()

        @task
        def quiet() -> None:
            pass

        @flow(on_failure=[calls.hook("on_failure")])
        def calm() -> None:
            quiet()

        calm()
        assert calls.kinds() == []
        assert not any("hook" in m for m in only_run_of(store, "calm").messages)


SIGTERMED = """
    import pathlib, time
    from cauce import flow, get_run_logger

    def crashed(flow, flow_run, state):
        pathlib.Path("crashed-marker").write_text(f"{flow.name} {flow_run.id} {state.type.value}")

    def failed(flow, flow_run, state):
        pathlib.Path("failed-marker").write_text("wrong hook")

    @flow(on_crashed=[crashed], on_failure=[failed])
    def long_job():
        get_run_logger().info("step started")
        time.sleep(30)

    if __name__ == "__main__":
        long_job()
"""


SIGTERMED_ASYNC = """
    import asyncio, pathlib
    from cauce import flow, get_run_logger

    async def ended(flow, flow_run, state):
        await asyncio.sleep(0)
        pathlib.Path("ended-marker").write_text(f"{flow.name} {flow_run.id} {state.type.value}")

    def failed(flow, flow_run, state):
        pathlib.Path("failed-marker").write_text("wrong hook")

    # asyncio.run cancels the flow's task when SIGTERM stops its loop: the run ends
    # Cancelled (asyncio.CancelledError), so its cancellation hooks run.
    @flow(on_crashed=[ended], on_cancellation=[ended], on_failure=[failed])
    async def long_job():
        # Said once the flow waits in the loop, so that SIGTERM finds it there.
        asyncio.get_running_loop().call_soon(get_run_logger().info, "step started")
        await asyncio.sleep(30)

    if __name__ == "__main__":
        asyncio.run(long_job())
"""


def _sigterm_while_running(tmp_path: Path, source: str) -> None:
    script = scripts.RunningScript(scripts.write_script(tmp_path, source))
    try:
        script.wait_for_line("step started")
        started = time.monotonic()
        script.process.send_signal(signal.SIGTERM)
        status = script.finish(timeout=20)
    finally:
        script.kill()
    assert status == 143, script.stderr
    assert time.monotonic() - started < 10


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
class TestSigterm:
    def test_a_sync_flow_runs_its_crashed_hooks(self, store: Store, tmp_path: Path) -> None:
        _sigterm_while_running(tmp_path, SIGTERMED)
        recorded = only_run_of(store, "long-job")
        marker = (tmp_path / "crashed-marker").read_text()
        assert marker == f"long-job {recorded.flow_run.id} CRASHED"
        assert not (tmp_path / "failed-marker").exists()
        assert recorded.flow_run.state.type.value == "CRASHED"
        assert "Hook 'crashed' finished running successfully" in recorded.messages

    def test_an_async_flow_awaits_the_hooks_of_how_it_ended(
        self, store: Store, tmp_path: Path
    ) -> None:
        _sigterm_while_running(tmp_path, SIGTERMED_ASYNC)
        recorded = only_run_of(store, "long-job")
        ended = recorded.flow_run.state.type.value
        assert ended == "CANCELLED"
        marker = (tmp_path / "ended-marker").read_text()
        assert marker == f"long-job {recorded.flow_run.id} {ended}"
        assert not (tmp_path / "failed-marker").exists()
        assert "Hook 'ended' finished running successfully" in recorded.messages
