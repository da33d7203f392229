"""Alembic migrations. HEAD_REVISION is the newest one; a test keeps it true."""

HEAD_REVISION = "0014"
