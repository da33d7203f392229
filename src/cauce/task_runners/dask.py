"""DaskTaskRunner: submitted task runs execute on a Dask cluster (`pip install "cauce[dask]"`).

Prefect's `prefect_dask.DaskTaskRunner` under cauce's name, with its arguments. Each
run is shipped with its task (cloudpickle, as Dask does) and runs on a worker with
cauce's engine; its states and log lines come back with its result and are recorded
by the flow's process (engine/remote.py says why). A run whose worker died and that
Dask gave up on (KilledWorker) is recorded Crashed.

`distributed` is imported when the first run is submitted, never by `import cauce`.
"""

from __future__ import annotations

import importlib
import threading
import uuid
from typing import Any

from cauce.task_runners.base import SubmittedRun
from cauce.task_runners.dask_shipping import Shipper

# distributed's Client, which it types only in part.
_Client = Any


class DaskTaskRunner:
    """Runs submitted task runs on a Dask cluster: a temporary one per flow run, or the
    scheduler at `address`.

    Without `address`, `cluster_class(**cluster_kwargs)` (a `distributed.LocalCluster`
    by default; a class or its dotted name) starts with the first submitted run and is
    closed when the flow run ends; `adapt_kwargs` are passed to `cluster.adapt()`. With
    `address`, the flow run connects a `distributed.Client(address, **client_kwargs)`
    and leaves the cluster running.
    """

    def __init__(
        self,
        address: str | None = None,
        cluster_class: str | type[Any] | None = None,
        cluster_kwargs: dict[str, Any] | None = None,
        adapt_kwargs: dict[str, Any] | None = None,
        client_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if address is not None and (cluster_class or cluster_kwargs or adapt_kwargs):
            raise ValueError(
                "DaskTaskRunner: give either an address or a cluster_class, cluster_kwargs "
                "and adapt_kwargs, not both"
            )
        self.address = address
        self.cluster_class = cluster_class
        self.cluster_kwargs = dict(cluster_kwargs or {})
        self.adapt_kwargs = dict(adapt_kwargs or {})
        self.client_kwargs = dict(client_kwargs or {})
        self._client: _Client | None = None
        self._cluster: Any = None
        self._shipper: Shipper | None = None
        self._shipped: set[uuid.UUID] = set()
        self._lock = threading.Lock()

    def duplicate(self) -> DaskTaskRunner:
        """A fresh runner with the same options, for one flow run."""
        return type(self)(
            self.address,
            self.cluster_class,
            self.cluster_kwargs,
            self.adapt_kwargs,
            self.client_kwargs,
        )

    @property
    def client(self) -> _Client:
        """The flow run's Dask client, connected on first use."""
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._connect()
                    self._shipper = Shipper(self._client)
                client = self._client
        return client

    def _connect(self) -> _Client:
        import distributed

        if self.address is not None:
            return distributed.Client(self.address, **self.client_kwargs)
        cluster_class = self.cluster_class or distributed.LocalCluster
        if isinstance(cluster_class, str):
            module, _, name = cluster_class.rpartition(".")
            cluster_class = getattr(importlib.import_module(module), name)
        self._cluster = cluster_class(**self.cluster_kwargs)
        if self.adapt_kwargs:
            self._cluster.adapt(**self.adapt_kwargs)
        return distributed.Client(self._cluster, **self.client_kwargs)

    def submit(self, run: SubmittedRun) -> None:
        """Ship `run` to the cluster (with the runs submitted with it); it is recorded
        when its result comes back."""
        shipper = self._shipper
        if shipper is None:
            _ = self.client
            shipper = self._shipper
            assert shipper is not None
        # Here, in the submitting thread: the run's inputs and its flow run's options.
        fn, args, upstream = run.shipment(self._shipped)
        self._shipped.add(run.task_run_id)
        shipper.put((run, fn, args, upstream))

    def abandon(self) -> None:
        """Nothing: a task on the cluster cannot be stopped from here."""

    def shutdown(self) -> None:
        """Close the client, and the cluster this runner started."""
        with self._lock:
            client, self._client = self._client, None
            cluster, self._cluster = self._cluster, None
            shipper, self._shipper = self._shipper, None
            self._shipped = set()
        if shipper is not None:
            shipper.close()
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def __repr__(self) -> str:
        cluster_class = self.cluster_class
        where = self.address or getattr(cluster_class, "__name__", None) or cluster_class
        return f"DaskTaskRunner({where or 'LocalCluster'!r})"
