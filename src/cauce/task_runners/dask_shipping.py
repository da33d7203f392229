"""Between a flow run and Dask: shipped runs go out in batches, results come back in batches.

One thread submits every run handed in since its last pass as one `client.map`: one
message to the scheduler, and one pickled graph in which the task object is pickled
once, not once per run (`client.submit` per run costs Dask alone ~1 ms each). Another
fetches the results of the runs finished since its last pass with one `client.gather`,
instead of one round trip per run, and hands each to its run to record.
"""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from cauce.task_runners.base import SubmittedRun

# distributed's Client and Future, which it types only in part.
_Client = Any
_Future = Any
# A run, and the call that runs it on a worker: fn(*args, {upstream id: its future}).
Shipment = tuple[SubmittedRun, Callable[..., Any], tuple[Any, ...], list[uuid.UUID]]
T = TypeVar("T")


class Shipper:
    """Submits shipped runs to Dask and hands their outcomes back, on two threads."""

    def __init__(self, client: _Client) -> None:
        self.client = client
        # Each shipped run's Dask future: later runs take their inputs from it on the cluster.
        self.futures: dict[uuid.UUID, _Future] = {}
        self._outgoing: queue.SimpleQueue[Shipment | None] = queue.SimpleQueue()
        self._incoming: queue.SimpleQueue[tuple[SubmittedRun, _Future] | None] = queue.SimpleQueue()
        # Runs handed in and not yet handed back: closing waits for them, as the thread pool
        # waits for its threads, so that a flow run ending early leaves no run Pending.
        self._outstanding = 0
        self._settled = threading.Condition()
        self._threads = [
            threading.Thread(target=self._send, name="cauce-dask-send", daemon=True),
            threading.Thread(target=self._receive, name="cauce-dask-receive", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def put(self, shipment: Shipment) -> None:
        """Ship a run with the next batch."""
        with self._settled:
            self._outstanding += 1
        self._outgoing.put(shipment)

    def close(self) -> None:
        """Wait until every run handed in has been handed back, then stop both threads."""
        with self._settled:
            while self._outstanding:
                self._settled.wait()
        self._outgoing.put(None)
        self._threads[0].join()
        self._incoming.put(None)
        self._threads[1].join()

    def _send(self) -> None:
        while True:
            batch = _drain(self._outgoing)
            group: list[Shipment] = []
            for shipment in batch:
                if shipment is None:
                    self._map(group)
                    return
                _, fn, _, upstream = shipment
                # A run whose input comes from a run of this group waits for the next map.
                if group and (
                    fn is not group[0][1] or not all(i in self.futures for i in upstream)
                ):
                    self._map(group)
                    group = []
                group.append(shipment)
            self._map(group)

    def _map(self, group: list[Shipment]) -> None:
        if not group:
            return
        try:
            columns = zip(
                *(
                    (*args, {i: self.futures[i] for i in upstream})
                    for _, _, args, upstream in group
                ),
                strict=True,
            )
            keys = [run.key for run, _, _, _ in group]
            futures = self.client.map(group[0][1], *columns, key=keys, pure=False)
        except BaseException as exc:  # the call or its inputs would not pickle
            for run, _, _, _ in group:
                run.crash(exc)
            self._settle(len(group))
            return
        for (run, _, _, _), future in zip(group, futures, strict=True):
            self.futures[run.task_run_id] = future
            future.add_done_callback(lambda done, run=run: self._incoming.put((run, done)))

    def _receive(self) -> None:
        while True:
            batch = _drain(self._incoming)
            done = [item for item in batch if item is not None]
            finished = [(run, f) for run, f in done if f.status == "finished"]
            try:
                results = self.client.gather([f for _, f in finished])
            except BaseException:  # a result lost with its worker: one at a time
                finished = []
            else:
                for (run, _), result in zip(finished, results, strict=True):
                    run.finish(result)
            delivered = {id(f) for _, f in finished}
            for run, future in done:
                if id(future) not in delivered:
                    deliver(run, future)
            self._settle(len(done))
            if len(done) < len(batch):
                return

    def _settle(self, count: int) -> None:
        with self._settled:
            self._outstanding -= count
            self._settled.notify_all()


def deliver(run: SubmittedRun, future: _Future) -> None:
    """Hand one finished Dask future's outcome to its run."""
    try:
        if future.status == "finished":
            returned = future.result()
        else:
            error = future.exception()
            run.crash(error if error is not None else RuntimeError(future.status))
            return
    except BaseException as exc:  # cancelled, or its result was lost with its worker
        run.crash(exc)
        return
    run.finish(returned)


def _drain(items: queue.SimpleQueue[T]) -> list[T]:
    """The next item (waiting for it), and every item queued behind it."""
    batch = [items.get()]
    while True:
        try:
            batch.append(items.get_nowait())
        except queue.Empty:
            return batch
