"""A rotating log file that several processes can write at once without corrupting it.

Each record is one `write` to a file opened for appending, made while holding
an exclusive lock on a companion `.<file>.lock`. Under the lock the handler
also checks whether another process rotated the file, and rotates it itself
when the next record would pass `max_bytes`: renaming `<file>.N` to
`<file>.N+1` ... and `<file>` to `<file>.1`. Lines are never interleaved or
lost to a rotation, whichever process rotates. On Windows, where an open file
cannot be renamed, the file is opened for each record instead of kept open.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

_KEEP_OPEN = os.name != "nt"


@contextmanager
def _locked(lock_file: IO[bytes]) -> Iterator[None]:
    if sys.platform == "win32":
        import msvcrt

        while True:
            try:
                msvcrt.locking(lock_file.fileno(), msvcrt.LK_LOCK, 1)
                break
            except OSError:
                time.sleep(0.01)
        try:
            yield
        finally:
            lock_file.seek(0)
            msvcrt.locking(lock_file.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


class SharedRotatingFileHandler(logging.Handler):
    """Appends records to `path`, rotating at `max_bytes` and keeping `backup_count` old files."""

    def __init__(
        self,
        path: Path,
        max_bytes: int = 10_000_000,
        backup_count: int = 5,
        encoding: str = "utf-8",
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.backup_count = backup_count
        self.encoding = encoding
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(self.path.with_name(f".{self.path.name}.lock"), "ab")
        self._fd: int | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            data = (self.format(record) + "\n").encode(self.encoding, "backslashreplace")
            with _locked(self._lock_file):
                self._write(data)
        except Exception:
            self.handleError(record)

    def _write(self, data: bytes) -> None:
        fd = self._open()
        size = os.fstat(fd).st_size
        if self.max_bytes and size and size + len(data) > self.max_bytes:
            self._close_file()
            self._rotate()
            fd = self._open()
        os.write(fd, data)
        if not _KEEP_OPEN:
            self._close_file()

    def _open(self) -> int:
        if self._fd is not None and self._is_current(self._fd):
            return self._fd
        self._close_file()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        return self._fd

    def _is_current(self, fd: int) -> bool:
        # Another process may have rotated the file since this one opened it.
        try:
            return os.path.samestat(os.fstat(fd), os.stat(self.path))
        except FileNotFoundError:
            return False

    def _rotate(self) -> None:
        if self.backup_count <= 0:
            self.path.unlink(missing_ok=True)
            return
        for index in range(self.backup_count - 1, 0, -1):
            source = self.path.with_name(f"{self.path.name}.{index}")
            if source.exists():
                os.replace(source, self.path.with_name(f"{self.path.name}.{index + 1}"))
        if self.path.exists():
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))

    def _close_file(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def close(self) -> None:
        self.acquire()
        try:
            self._close_file()
            self._lock_file.close()
        finally:
            self.release()
        super().close()
