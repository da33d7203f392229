"""Run Alembic migrations on a connection, without an alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

MIGRATIONS_DIR = Path(__file__).parent


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at cauce's migrations, bound to `connection`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Apply migrations up to `revision` inside the connection's transaction."""
    command.upgrade(alembic_config(connection), revision)


def downgrade(connection: Connection, revision: str = "base") -> None:
    """Undo migrations down to `revision` inside the connection's transaction."""
    command.downgrade(alembic_config(connection), revision)
