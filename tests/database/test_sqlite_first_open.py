"""Several connections opening a new SQLite file at the same moment (two scripts, or a
script and a worker, on a fresh CAUCE_HOME): each waits its turn, none fails."""

from __future__ import annotations

import threading
from pathlib import Path

from cauce.database.recording import sqlite_connection

CONNECTIONS = 8
ROUNDS = 40


def _open_and_write_at_once(url: str) -> list[BaseException]:
    ready = threading.Barrier(CONNECTIONS)
    errors: list[BaseException] = []

    def open_and_write() -> None:
        ready.wait()
        try:
            connection = sqlite_connection.connect(url)
            try:
                with sqlite_connection.write_transaction(connection):
                    connection.execute("CREATE TABLE IF NOT EXISTS seen (n INTEGER)")
                    connection.execute("INSERT INTO seen VALUES (1)")
            finally:
                connection.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_and_write) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_connections_opening_a_new_file_together_all_write_in_wal_mode(tmp_path: Path) -> None:
    for round_ in range(ROUNDS):
        url = f"sqlite:///{tmp_path / str(round_) / 'cauce.db'}"
        assert _open_and_write_at_once(url) == []
        connection = sqlite_connection.connect(url)
        try:
            assert connection.execute("SELECT count(*) FROM seen").fetchone() == (CONNECTIONS,)
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        finally:
            connection.close()
