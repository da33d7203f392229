"""Task result caching: `cache_key_fn` picks a key; results live as files under CAUCE_HOME.

A cache entry is a pickle of (expires_at or None, value) in
$CAUCE_HOME/results/<sha256 of the key>.pickle, written atomically so that
concurrent processes never read half a file.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cauce.states import now_utc


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
