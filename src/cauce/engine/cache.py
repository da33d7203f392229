"""Task result caching: a cache policy (or `cache_key_fn`) picks a key; results are files.

A cache entry is a pickle of (expires_at or None, value) in
<folder>/<sha256 of the key>.pickle, written atomically so that concurrent
processes never read half a file. The folder is the policy's `key_storage`, else
the task's (or its flow's) `result_storage`, else $CAUCE_HOME/results.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cauce.states import now_utc

if TYPE_CHECKING:
    from cauce.cache_policies import CachePolicy
    from cauce.context import FlowRunContext, TaskRunContext
    from cauce.logging.run_logger import RunLoggerAdapter


@dataclass(frozen=True, slots=True)
class CacheHit:
    value: Any


class ResultCache:
    """Cached task results in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()}.pickle"

    def read(self, key: str, now: datetime | None = None) -> CacheHit | None:
        """The cached value for `key`, or None when absent, expired or unreadable."""
        try:
            expires_at, value = pickle.loads(self._path(key).read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
            return None
        if expires_at is not None and expires_at <= (now or now_utc()):
            return None
        return CacheHit(value)

    def write(self, key: str, value: Any, expiration: timedelta | None) -> None:
        """Store `value` under `key`, valid for `expiration` (forever when None)."""
        expires_at = now_utc() + expiration if expiration is not None else None
        payload = pickle.dumps((expires_at, value))
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(payload)
            os.replace(temporary, self._path(key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


@dataclass(frozen=True, slots=True)
class CacheUse:
    """Where one task run's result is looked up and stored."""

    key: str
    cache: ResultCache
    expiration: timedelta | None


def policy_in_force(context: TaskRunContext, flow_context: FlowRunContext | None) -> CachePolicy:
    """The task's policy; DEFAULT when only its flow asks for persisted results."""
    from cauce.cache_policies import DEFAULT, NO_CACHE

    task = context.task
    if task.caching is not None:
        return task.caching
    if (
        task.persist_result is None
        and flow_context is not None
        and flow_context.flow.persist_result
    ):
        return DEFAULT
    return NO_CACHE


def cache_use(
    context: TaskRunContext, flow_context: FlowRunContext | None, logger: RunLoggerAdapter
) -> CacheUse | None:
    """How this run is cached, or None when it is not (no key, or the key failed)."""
    policy = policy_in_force(context, flow_context)
    flow_parameters = flow_context.flow_run.parameters if flow_context is not None else {}
    try:
        key = policy.compute_key(context, context.parameters, flow_parameters)
    except Exception as exc:
        logger.warning("Could not compute this run's cache key, so it is not cached: %r", exc)
        return None
    if key is None:
        return None
    return CacheUse(
        key, ResultCache(_folder(context, flow_context, policy)), context.task.cache_expiration
    )


def _folder(
    context: TaskRunContext, flow_context: FlowRunContext | None, policy: CachePolicy
) -> Path:
    if policy.key_storage is not None:
        return policy.key_storage
    storage = context.task.result_storage
    if storage is None and flow_context is not None and context.task.persist_result is not False:
        storage = flow_context.flow.result_storage
    if storage is not None:
        return storage
    from cauce.settings import get_settings

    return Path(get_settings().home) / "results"
