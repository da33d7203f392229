"""Choose the process's client from the settings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from cauce.client.base import CauceClient
from cauce.client.batch_writer import BatchWriter
from cauce.settings import get_settings

_client: CauceClient | None = None
_writer: BatchWriter | None = None
_lock = threading.Lock()
# A task run shipped to a Dask worker records into its own writer, sent back with its result.
_writer_here: ContextVar[BatchWriter | None] = ContextVar("cauce_writer_here", default=None)


def get_client() -> CauceClient:
    """The process's client: embedded unless CAUCE_API_URL is set."""
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                _client = _make_client()
    return _client


def get_batch_writer() -> BatchWriter:
    """The process's batch writer, recording through the process's client (or the one
    `recording_into` set for the code running now)."""
    global _writer
    here = _writer_here.get()
    if here is not None:
        return here
    if _writer is None:
        client = get_client()
        with _lock:
            if _writer is None:
                # On the embedded SQLite file a write takes the GIL more than it waits.
                _writer = BatchWriter(client, getattr(client, "is_sqlite", False))
    return _writer


@contextmanager
def recording_into(writer: BatchWriter) -> Iterator[None]:
    """Have `get_batch_writer()` return `writer` inside the block, in this context only."""
    token = _writer_here.set(writer)
    try:
        yield
    finally:
        _writer_here.reset(token)


def _make_client() -> CauceClient:
    settings = get_settings()
    if settings.api.url:
        # Imported here: httpx and pydantic load only for a process recording on a server.
        from cauce.client.http import HttpClient

        return HttpClient(
            settings.api.url,
            settings.api.auth_string,
            settings.api.retry_timeout.total_seconds(),
        )
    from cauce.client.embedded import EmbeddedClient

    return EmbeddedClient(settings.api.database_url)


def reset_client() -> None:
    """Close and forget the process's client (tests, and after settings change)."""
    global _client, _writer
    if _writer is not None:
        _writer.close()
    with _lock:
        if _client is not None:
            _client.close()
        _client = None
        _writer = None


@contextmanager
def fresh_process_client() -> Iterator[None]:
    """Inside the block the process makes a new client (and writer) from the settings as
    they are then; after it, those are closed (their records flushed) and the previous
    ones are back, still open."""
    global _client, _writer
    with _lock:
        saved = _client, _writer
        _client = _writer = None
    try:
        yield
    finally:
        reset_client()
        with _lock:
            _client, _writer = saved
