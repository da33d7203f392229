"""Open SQLite files the way every cauce process must: WAL, a busy timeout, and
write transactions that take the lock when they begin.

A deferred transaction that later upgrades to a write lock is what raises
"database is locked" between processes; BEGIN IMMEDIATE waits for the lock
up front instead. Used by the recording path directly and by SQLAlchemy's
engine for everything else, so both open the file alike.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_SECONDS = 60

PRAGMAS = (
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
)


def sqlite_path(url: str) -> str:
    """The file of a sqlite:///path URL (':memory:' for an in-memory one)."""
    path = url.split("///", 1)[1] if "///" in url else ""
    return path or ":memory:"


def prepare_connection(connection: sqlite3.Connection) -> None:
    """Apply cauce's pragmas; transactions are begun explicitly by the caller."""
    connection.isolation_level = None
    for pragma in PRAGMAS:
        connection.execute(pragma)
    _use_wal(connection)


def _use_wal(connection: sqlite3.Connection) -> None:
    """Put the file in WAL mode, which the file keeps. Switching needs the file to
    itself, and SQLite answers "database is locked" at once, without its busy wait,
    while another connection (one opening a new file too) holds it: wait, ask again."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "database is locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def connect(url: str) -> sqlite3.Connection:
    """A new connection to the SQLite file of `url`, creating its folder."""
    path = sqlite_path(url)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
    prepare_connection(connection)
    return connection


class WriteLockTaken(Exception):
    """Another connection holds the file's write lock, and the caller would not wait."""


@contextmanager
def write_transaction(
    connection: sqlite3.Connection, wait: bool = True
) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception. `wait`: False raises
    WriteLockTaken at once, instead of waiting out the busy timeout, while another
    connection holds the write lock."""
    if wait:
        connection.execute("BEGIN IMMEDIATE")
    else:
        _begin_at_once(connection)
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _begin_at_once(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA busy_timeout=0")
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        raise WriteLockTaken(str(exc)) from None
    finally:
        connection.execute(PRAGMAS[0])  # the busy timeout back
