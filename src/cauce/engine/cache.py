"""Task result caching: a cache policy (or `cache_key_fn`) picks a key; results are files.

A cache entry is a pickle of (expires_at or None, value) in
<folder>/<sha256 of the key>.pickle, written atomically so that concurrent
processes never read half a file; with `result_serializer="json"` it is a JSON
document {"expires_at", "value"} in <...>.json instead, never unpickled. The folder
is the policy's `key_storage`, else the task's (or its flow's) `result_storage`, else
$CAUCE_HOME/results. A task's `result_storage_key` names its file instead: the key
itself, as in Prefect (`<folder>/latest-summary-daily`), in the same format.
"""

from __future__ import annotations

import hashlib
import json
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
    from cauce.serializers import Serializer


@dataclass(frozen=True, slots=True)
class CacheHit:
    value: Any


class ResultCache:
    """Cached task results in one folder, written by `serializer` (pickle by default);
    with `named_by_key` each file is named by its key, not by the key's hash."""

    def __init__(
        self, folder: Path, serializer: Serializer | None = None, named_by_key: bool = False
    ) -> None:
        self.folder = folder
        self.serializer = serializer
        self.named_by_key = named_by_key

    def _path(self, key: str) -> Path:
        if self.named_by_key:
            return self.folder / key
        suffix = self.serializer.suffix if self.serializer is not None else ".pickle"
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()}{suffix}"

    def read(self, key: str, now: datetime | None = None) -> CacheHit | None:
        """The cached value for `key`, or None when absent, expired or unreadable."""
        try:
            expires_at, value = self._loads(self._path(key).read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError):
            return None
        if expires_at is not None and expires_at <= (now or now_utc()):
            return None
        return CacheHit(value)

    def _loads(self, blob: bytes) -> tuple[datetime | None, Any]:
        if self.serializer is None or self.serializer.type == "pickle":
            expires_at, value = pickle.loads(blob)
            return expires_at, value
        # Another serializer's file: its envelope in JSON, the value as it wrote it.
        envelope = json.loads(blob)
        expires = envelope["expires_at"]
        value = self.serializer.loads(envelope["value"].encode())
        return (None if expires is None else datetime.fromisoformat(expires)), value

    def _dumps(self, expires_at: datetime | None, value: Any) -> bytes:
        if self.serializer is None or self.serializer.type == "pickle":
            return pickle.dumps((expires_at, value))
        written = self.serializer.dumps(value).decode()
        expires = None if expires_at is None else expires_at.isoformat()
        return json.dumps({"expires_at": expires, "value": written}).encode()

    def write(self, key: str, value: Any, expiration: timedelta | None) -> None:
        """Store `value` under `key`, valid for `expiration` (forever when None)."""
        expires_at = now_utc() + expiration if expiration is not None else None
        payload = self._dumps(expires_at, value)
        path = self._path(key)  # in a subfolder when a storage key holds a "/"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(payload)
            os.replace(temporary, path)
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
    folder = _folder(context, flow_context, policy)
    serializer = context.task.result_serializer
    if serializer is None and flow_context is not None:
        serializer = flow_context.flow.result_serializer
    from cauce.engine.storage_keys import StorageKey

    cache = ResultCache(folder, serializer, named_by_key=isinstance(policy, StorageKey))
    return CacheUse(key, cache, context.task.cache_expiration)


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
