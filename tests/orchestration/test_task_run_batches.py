"""Batches of task-run changes go through the task-run rules, on every store.

The engine is a task run's writer while it lives, but others may end the run
meanwhile (the server marking a dead process's runs Crashed, a cancellation):
a batch that arrives late must never undo what they recorded.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from cauce.client.base import ClientError
from cauce.schemas.flow_runs import FlowRun
from cauce.schemas.task_runs import TaskRun
from cauce.states import Completed, Crashed, Pending, Running, State, now_utc
from tests.conftest import Store


def _flow_run(store: Store) -> uuid.UUID:
    flow_run_id = uuid.uuid4()
    run = FlowRun(id=flow_run_id, flow_name="batched", name="batch-run", state=Running())
    store.client.create_flow_run(run, None)
    return flow_run_id


def _task_run(flow_run_id: uuid.UUID, state: State) -> TaskRun:
    return TaskRun(id=uuid.uuid4(), flow_run_id=flow_run_id, task_name="t", name="t-0", state=state)


def _send(store: Store, task_run: TaskRun, *states: State) -> None:
    """One batch as the batch writer sends it: the run as it is after `states`."""
    snapshot = replace(task_run, state=states[-1])
    store.client.write_batch([snapshot], [(task_run.id, s) for s in states], [])


def _history(store: Store, task_run_id: uuid.UUID) -> list[str]:
    return [state.name for state in store.client.read_task_run_states(task_run_id)]


class TestLateBatches:
    def test_a_batch_arriving_after_another_writer_ended_the_run_does_not_undo_it(
        self, store: Store
    ) -> None:
        flow_run_id = _flow_run(store)
        pending, running = Pending(), Running()
        task_run = _task_run(flow_run_id, pending)
        _send(store, task_run, pending, running)
        # Another writer (the server, for a process it found dead) ends the run...
        _send(store, task_run, Crashed("its process is gone"))
        # ...then the run's own late batch arrives, written before it knew.
        _send(store, task_run, Completed())
        [stored] = store.client.read_task_runs(flow_run_id)
        assert (stored.state.name, stored.state.message) == ("Crashed", "its process is gone")
        assert _history(store, task_run.id) == ["Pending", "Running", "Crashed"]

    def test_a_late_batch_of_several_states_changes_nothing(self, store: Store) -> None:
        # The states after a refused one are decided again, even from this process's
        # engine (which decided each against the one before it, not against the store).
        flow_run_id = _flow_run(store)
        pending = Pending()
        task_run = _task_run(flow_run_id, pending)
        _send(store, task_run, pending)
        _send(store, task_run, Crashed("its process is gone"))
        _send(store, task_run, Running(), Completed())
        [stored] = store.client.read_task_runs(flow_run_id)
        assert stored.state.name == "Crashed"
        assert _history(store, task_run.id) == ["Pending", "Crashed"]

    def test_a_batch_sent_twice_records_each_state_once_and_keeps_the_newest(
        self, store: Store
    ) -> None:
        flow_run_id = _flow_run(store)
        states = [Pending(), Running(), Completed()]
        task_run = _task_run(flow_run_id, states[0])
        _send(store, task_run, *states[:2])
        _send(store, task_run, *states)  # the first answer was lost: sent again, whole
        _send(store, task_run, *states[:2])  # and an older batch, late
        [stored] = store.client.read_task_runs(flow_run_id)
        assert stored.state.name == "Completed"
        assert _history(store, task_run.id) == ["Pending", "Running", "Completed"]

    def test_a_snapshot_ahead_of_its_batch_does_not_make_the_next_batch_late(
        self, store: Store
    ) -> None:
        # The batch writer hands over the engine's live object: by the time a batch holding
        # only Pending is written, the run may already be Completed, its other states
        # waiting for the next batch.
        flow_run_id = _flow_run(store)
        pending, running, completed = Pending(), Running(), Completed()
        task_run = _task_run(flow_run_id, pending)
        live = replace(task_run, state=completed)
        store.client.write_batch([live], [(task_run.id, pending)], [])
        store.client.write_batch([live], [(task_run.id, running), (task_run.id, completed)], [])
        [stored] = store.client.read_task_runs(flow_run_id)
        assert stored.state.name == "Completed"
        assert _history(store, task_run.id) == ["Pending", "Running", "Completed"]

    def test_a_refused_state_leaves_the_other_runs_of_the_batch_recorded(
        self, store: Store
    ) -> None:
        flow_run_id = _flow_run(store)
        ended, fresh = _task_run(flow_run_id, Pending()), _task_run(flow_run_id, Pending())
        _send(store, ended, Pending(), Crashed())
        late, new_state = Running(), Running()
        store.client.write_batch(
            [replace(ended, state=late), replace(fresh, state=new_state)],
            [(ended.id, late), (fresh.id, fresh.state), (fresh.id, new_state)],
            [],
        )
        by_id = {t.id: t for t in store.client.read_task_runs(flow_run_id)}
        assert by_id[ended.id].state.name == "Crashed"
        assert by_id[fresh.id].state.name == "Running"
        assert _history(store, fresh.id) == ["Pending", "Running"]

    def test_a_new_run_whose_last_state_is_refused_keeps_the_states_before_it(
        self, store: Store
    ) -> None:
        flow_run_id = _flow_run(store)
        pending, completed, late = Pending(), Completed(), Running()
        task_run = _task_run(flow_run_id, pending)
        store.client.write_batch(
            [replace(task_run, state=late)],
            [(task_run.id, pending), (task_run.id, completed), (task_run.id, late)],
            [],
        )
        [stored] = store.client.read_task_runs(flow_run_id)
        assert stored.state.name == "Completed"
        assert _history(store, task_run.id) == ["Pending", "Completed"]


class TestStaleProposals:
    """A task-run state says which state it was made from: one made from a state that
    another writer has since replaced lost that race and is dropped (compare-and-set on
    the stored state's id, as for flow runs)."""

    def test_a_state_made_from_a_replaced_state_is_dropped(self, store: Store) -> None:
        flow_run_id = _flow_run(store)
        pending, running = Pending(), Running()
        task_run = _task_run(flow_run_id, pending)
        _send(store, task_run, pending, running)
        # Another writer moved the run on from `running`...
        retrying = Running(name="Retrying")
        store.client.write_batch(
            [replace(task_run, state=retrying)],
            [(task_run.id, retrying)],
            [],
            {task_run.id: running.id},
        )
        # ...and the engine, still on `running`, proposes its end.
        completed = Completed()
        store.client.write_batch(
            [replace(task_run, state=completed)],
            [(task_run.id, completed)],
            [],
            {task_run.id: running.id},
        )
        [stored] = store.client.read_task_runs(flow_run_id)
        assert stored.state.name == "Retrying"
        assert _history(store, task_run.id) == ["Pending", "Running", "Retrying"]

    def test_the_later_states_of_a_batch_are_made_from_the_one_before(self, store: Store) -> None:
        flow_run_id = _flow_run(store)
        pending, running = Pending(), Running()
        task_run = _task_run(flow_run_id, pending)
        _send(store, task_run, pending)
        retrying, completed = Running(name="Retrying"), Completed()
        store.client.write_batch(
            [replace(task_run, state=completed)],
            [(task_run.id, running), (task_run.id, retrying), (task_run.id, completed)],
            [],
            {task_run.id: pending.id},
        )
        [stored] = store.client.read_task_runs(flow_run_id)
        assert stored.state.name == "Completed"
        assert _history(store, task_run.id) == ["Pending", "Running", "Retrying", "Completed"]

    def test_the_batch_writer_says_which_state_each_change_was_made_from(
        self, store: Store
    ) -> None:
        from cauce.client.batch_writer import BatchWriter

        flow_run_id = _flow_run(store)
        writer = BatchWriter(store.client)
        try:
            task_run = _task_run(flow_run_id, Pending())
            writer.task_run_changed(task_run, task_run.state, None)
            seen, task_run.state = task_run.state.id, Running()
            writer.task_run_changed(task_run, task_run.state, seen)
            assert writer.flush(timeout=30)
            # Another writer ends the run between the engine's batches...
            _send(store, task_run, Crashed("its process is gone"))
            # ...and the engine's next change, made from Running, is dropped.
            seen, task_run.state = task_run.state.id, Running(name="Retrying")
            writer.task_run_changed(task_run, task_run.state, seen)
            assert writer.flush(timeout=30)
        finally:
            writer.close()
        [stored] = store.client.read_task_runs(flow_run_id)
        assert stored.state.name == "Crashed"
        assert _history(store, task_run.id) == ["Pending", "Running", "Crashed"]


class TestCreatingFlowRuns:
    def test_a_second_run_with_the_same_id_is_refused_naming_it(self, store: Store) -> None:
        run = FlowRun(id=uuid.uuid4(), flow_name="twice", name="one", state=Pending())
        store.client.create_flow_run(run, None)
        with pytest.raises(ClientError, match=f"^Flow run {run.id} already exists$"):
            store.client.create_flow_run(replace(run, name="two", created=now_utc()), None)
        assert store.client.read_flow_run(run.id).name == "one"
