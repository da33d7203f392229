"""Which server runs the background services when several share one PostgreSQL.

The leader is the server holding a session-level advisory lock on a connection of its
own, kept open while it leads. The lock lives as long as that connection: when the
leader's process dies, PostgreSQL ends its session and frees the lock, and the next
server to try (each tries before each pass) takes it, so the services move within
one of their intervals. On SQLite, whose database is on one machine, every server
leads (each pass still takes the database's write lock).
"""

from __future__ import annotations

import logging
import threading
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

logger = logging.getLogger("cauce.services")

LEADER_LOCK = zlib.crc32(b"cauce services leader")


class Leadership:
    """This server's claim to run the services (see the module)."""

    def __init__(self, database_url: str | None) -> None:
        self.database_url = database_url
        """PostgreSQL's URL; None on SQLite, where every server leads."""
        self._engine: Engine | None = None
        self._held: Connection | None = None
        self._lock = threading.Lock()
        self._said: bool | None = None

    def check(self) -> bool:
        """Whether this server leads now, taking the lead if it is free. Blocking: call it
        in a thread."""
        if self.database_url is None:
            return True
        with self._lock:
            leads = self._still_held() or self._take()
        if leads != self._said:
            self._said = leads
            if leads:
                logger.info("services: this server runs them (it leads)")
            else:
                logger.info("services: another server runs them; this one stands by")
        return leads

    def release(self) -> None:
        """Give the lead up (the server stops): another server takes it at its next try."""
        with self._lock:
            if self._held is not None:
                self._close()

    def _still_held(self) -> bool:
        if self._held is None:
            return False
        try:
            self._held.exec_driver_sql("SELECT 1")
        except Exception:
            logger.warning("services: the connection that held the lead was lost")
            self._close()
            return False
        return True

    def _take(self) -> bool:
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        from cauce.database.connections import normalize_url

        assert self.database_url is not None
        if self._engine is None:
            # Not pooled: closing the connection must end its session, and the lock with it.
            self._engine = create_engine(normalize_url(self.database_url), poolclass=NullPool)
        try:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            query = text("SELECT pg_try_advisory_lock(:key)")
            taken = bool(connection.execute(query, {"key": LEADER_LOCK}).scalar())
        except Exception:
            logger.exception("services: could not ask for the lead; trying again next pass")
            return False
        if taken:
            self._held = connection
        else:
            connection.close()
        return taken

    def _close(self) -> None:
        assert self._held is not None
        try:
            self._held.close()
        except Exception:
            logger.debug("services: closing the lead's connection failed", exc_info=True)
        self._held = None
