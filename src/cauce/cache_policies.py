"""Cache policies: what a task run's cache key is made of (Prefect 3's names and algebra).

    INPUTS           the task's arguments (`Inputs(exclude=[...])`, or `INPUTS - "name"`)
    TASK_SOURCE      the source code of the task's function
    RUN_ID           the flow run the task run belongs to
    FLOW_PARAMETERS  that flow run's parameters
    NO_CACHE, NONE   no key: never cached (NONE is Prefect's other name for it)
    DEFAULT          TASK_SOURCE + RUN_ID + INPUTS

`a + b` keys on both (`NO_CACHE + a` is `a`); `.configure(key_storage=folder)` keeps
the policy's cache entries in that folder. A part that has no key (RUN_ID outside a
flow run) is left out; a policy none of whose parts has a key caches nothing.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from cauce.context import TaskRunContext

__all__ = [
    "DEFAULT",
    "FLOW_PARAMETERS",
    "INPUTS",
    "NO_CACHE",
    "NONE",
    "RUN_ID",
    "TASK_SOURCE",
    "CachePolicy",
    "CacheKeyFnPolicy",
    "CompoundCachePolicy",
    "FlowParameters",
    "Inputs",
    "RunId",
    "TaskSource",
    "hash_objects",
]


def hash_objects(*objects: Any) -> str | None:
    """A hex digest of `objects` (as JSON, else pickled); None when neither can encode them."""
    # Imported here: OpenSSL's hashlib and pickle add 5 MB to every process that only
    # defines tasks, and most never hash a thing.
    import hashlib
    import pickle

    try:
        payload = json.dumps(objects, sort_keys=True).encode()
    except (TypeError, ValueError):
        try:
            payload = pickle.dumps(objects)
        except Exception:
            return None
    return hashlib.sha256(payload).hexdigest()


@dataclass(frozen=True)
class CachePolicy:
    """Base of all policies: subclasses compute a key from the run, or None for no caching."""

    key_storage: Path | None = field(default=None, kw_only=True)

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        """This policy's key for a run, or None when the run is not to be cached."""
        raise NotImplementedError

    def configure(self, key_storage: str | Path | None = None, **_: Any) -> CachePolicy:
        """A copy whose cache entries live in the folder `key_storage`."""
        folder = Path(key_storage) if key_storage is not None else self.key_storage
        return replace(self, key_storage=folder)

    def __add__(self, other: CachePolicy) -> CachePolicy:
        if not isinstance(other, CachePolicy):
            return NotImplemented
        if isinstance(self, _NoCache):  # as in Prefect, NO_CACHE adds nothing to a sum
            return other
        if isinstance(other, _NoCache):
            return self
        return CompoundCachePolicy(
            [*_parts(self), *_parts(other)], key_storage=self.key_storage or other.key_storage
        )

    def __sub__(self, name: str) -> CachePolicy:
        if not isinstance(name, str):
            raise TypeError("only an input's name can be subtracted from a cache policy")
        return self


def _parts(policy: CachePolicy) -> list[CachePolicy]:
    return list(policy.policies) if isinstance(policy, CompoundCachePolicy) else [policy]


@dataclass(frozen=True)
class CompoundCachePolicy(CachePolicy):
    """Several policies: the key combines each part's key."""

    policies: list[CachePolicy] = field(default_factory=list)

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        keys = [p.compute_key(task_ctx, inputs, flow_parameters, **kwargs) for p in self.policies]
        present = [key for key in keys if key is not None]
        return hash_objects(present) if present else None

    def __sub__(self, name: str) -> CachePolicy:
        return replace(self, policies=[p - name for p in self.policies])


@dataclass(frozen=True)
class Inputs(CachePolicy):
    """The task's arguments, except those named in `exclude`."""

    exclude: list[str] = field(default_factory=list)

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        kept = {name: value for name, value in inputs.items() if name not in self.exclude}
        key = hash_objects(kept)
        if key is None:
            raise ValueError(f"cannot hash the inputs {sorted(kept)} to make a cache key")
        return key

    def __sub__(self, name: str) -> CachePolicy:
        if not isinstance(name, str):
            raise TypeError("only an input's name can be subtracted from a cache policy")
        return replace(self, exclude=[*self.exclude, name])


@dataclass(frozen=True)
class TaskSource(CachePolicy):
    """The source code of the task's function (its bytecode when the source is unavailable)."""

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        fn = task_ctx.task.fn
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError):
            source = fn.__code__.co_code.hex()
        return hash_objects(source)


@dataclass(frozen=True)
class RunId(CachePolicy):
    """The flow run the task run is part of (no key outside a flow run)."""

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        run_id = task_ctx.task_run.flow_run_id
        return None if run_id is None else str(run_id)


@dataclass(frozen=True)
class FlowParameters(CachePolicy):
    """The parameters of the flow run the task run is part of."""

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        return hash_objects(flow_parameters) if flow_parameters else None


@dataclass(frozen=True)
class _NoCache(CachePolicy):
    """Never a key: every run computes."""

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        return None


@dataclass(frozen=True)
class CacheKeyFnPolicy(CachePolicy):
    """A task's `cache_key_fn(context, parameters)` as a policy."""

    cache_key_fn: Callable[[TaskRunContext, dict[str, Any]], str | None] | None = None

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        return None if self.cache_key_fn is None else self.cache_key_fn(task_ctx, inputs)


INPUTS = Inputs()
TASK_SOURCE = TaskSource()
RUN_ID = RunId()
FLOW_PARAMETERS = FlowParameters()
NO_CACHE = _NoCache()
NONE = NO_CACHE
"""Prefect's other name for NO_CACHE, used in its docs for tasks whose inputs cannot be hashed."""
DEFAULT = CompoundCachePolicy([TASK_SOURCE, RUN_ID, INPUTS])


class _NotSet:
    def __repr__(self) -> str:
        return "NotSet"


NOT_SET = _NotSet()
"""`@task(cache_policy=)` left out: Prefect's DEFAULT, used once results are persisted."""

_logger = logging.getLogger("cauce.tasks")


class _TaskOptions(Protocol):
    name: str
    cache_key_fn: Callable[[TaskRunContext, dict[str, Any]], str | None] | None
    persist_result: bool | None


def task_policies(
    task: _TaskOptions, policy: CachePolicy | _NotSet | None
) -> tuple[CachePolicy, CachePolicy | None]:
    """A task's policy as it shows it, and the one that caches its runs (None: not cached).

    As in Prefect: `cache_key_fn` wins over `cache_policy`; `persist_result=False`
    turns caching off; with neither set, DEFAULT applies once results are persisted
    (by `persist_result=True` here or on the flow).
    """
    cache_key_fn, persist_result = task.cache_key_fn, task.persist_result
    explicit = not isinstance(policy, _NotSet)
    chosen = NO_CACHE if policy is None or isinstance(policy, _NotSet) else policy
    if cache_key_fn is not None:
        if explicit:
            _logger.warning(
                "Both `cache_policy` and `cache_key_fn` are set on task %r. "
                "`cache_key_fn` will be used.",
                task.name,
            )
        chosen, explicit = CacheKeyFnPolicy(cache_key_fn=cache_key_fn), True
    if persist_result is False:
        if explicit and not isinstance(chosen, _NoCache):
            _logger.warning("Ignoring `cache_policy` because `persist_result` is False")
        return NO_CACHE, None
    if not explicit:
        return DEFAULT, DEFAULT if persist_result else None
    return chosen, None if isinstance(chosen, _NoCache) else chosen
