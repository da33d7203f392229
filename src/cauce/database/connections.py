"""Build the SQLAlchemy engine for a database URL, and make sure its schema is current.

SQLite connections are prepared as in sqlite_connection.py, and every write
transaction starts with BEGIN IMMEDIATE for the reason given there; reading
transactions (`read_only`) start with a plain BEGIN.

PostgreSQL connections are checked for life only when taken from the pool
after lying idle a while (`PING_AFTER_IDLE_SECONDS`), not on every checkout:
a ping is a round trip, and a busy server takes connections back out within
milliseconds. A connection that died in between (the database restarted)
fails its request and SQLAlchemy then replaces the whole pool.
"""

from __future__ import annotations

import importlib.util
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.exc import DisconnectionError, OperationalError, ProgrammingError

from cauce.database.migrations import HEAD_REVISION
from cauce.database.recording.sqlite_connection import (
    BUSY_TIMEOUT_SECONDS,
    prepare_connection,
    sqlite_path,
)
from cauce.database.recording.sqlite_schema import create_if_new
from cauce.settings.definitions import SettingsError


def normalize_url(url: str) -> str:
    """Pick cauce's driver for a URL: psycopg 3 for PostgreSQL, sqlite3 for SQLite."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


DEFAULT_POOL_SIZE = 5
PING_AFTER_IDLE_SECONDS = 1.0


def create_engine(url: str, pool_size: int = DEFAULT_POOL_SIZE) -> Engine:
    """An engine for `url` with cauce's connection settings; creates SQLite's folder.

    `pool_size`: PostgreSQL connections kept open (twice as many more may open
    for bursts).
    """
    url = normalize_url(url)
    if url.startswith("sqlite"):
        return _create_sqlite_engine(url)
    if url.startswith("postgresql+psycopg") and importlib.util.find_spec("psycopg") is None:
        raise SettingsError(
            "CAUCE_API_DATABASE_URL: PostgreSQL needs the psycopg driver: "
            "pip install 'cauce[postgres]'"
        )
    engine = sa_create_engine(url, pool_size=pool_size, max_overflow=2 * pool_size)
    event.listen(engine, "checkin", _on_checkin)
    event.listen(engine, "checkout", _on_checkout)
    return engine


_IDLE_SINCE = "cauce_idle_since"


def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[_IDLE_SINCE] = time.monotonic()


def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    idle_since = record.info.get(_IDLE_SINCE)
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as exc:
        # The pool discards this connection and checks out another.
        raise DisconnectionError(str(exc)) from exc


def _create_sqlite_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = sa_create_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        prepare_connection(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A reader needs no write lock: in WAL mode it reads beside the writer.
        reading = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine


_READ_ONLY = "cauce_read_only"


@contextmanager
def read_only(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction for reading only.

    On SQLite it does not take the write lock, so reads never wait for writers.
    """
    with engine.connect().execution_options(**{_READ_ONLY: True}) as connection:
        with connection.begin():
            yield connection


def current_revision(connection: Connection) -> str | None:
    """The schema revision recorded in the database, or None for an empty one."""
    try:
        with connection.begin_nested():
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        return None


def ensure_schema(engine: Engine) -> None:
    """Bring the database to the current schema, migrating only when it is behind.

    A normal start reads one row and imports no Alembic; a new SQLite file gets
    the compiled head schema, without Alembic either. Concurrent processes on
    a fresh database serialize on the write lock (SQLite) or an advisory lock
    (PostgreSQL), so exactly one of them migrates.
    """
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            connection = raw.driver_connection
            assert isinstance(connection, sqlite3.Connection)
            if create_if_new(connection) == HEAD_REVISION:
                return
        finally:
            raw.close()
    with engine.connect() as connection:
        if current_revision(connection) == HEAD_REVISION:
            return
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(4242001)"))
        if current_revision(connection) == HEAD_REVISION:
            return
        from cauce.database.migrations.runner import upgrade

        upgrade(connection)


def reset_schema(engine: Engine) -> None:
    """Drop every table, with all that is recorded in them, and create the head schema.

    Dropping the tables, not downgrading through every migration: a downgrade is
    for development and may refuse to run on a database that holds runs.
    """
    from cauce.database.migrations.runner import upgrade
    from cauce.database.tables import metadata

    with engine.begin() as connection:
        metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(connection)
