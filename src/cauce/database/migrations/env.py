"""Alembic environment: migrations always run on a connection handed in by cauce."""

from alembic import context

from cauce.database.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("cauce runs migrations through cauce.database.migrations.runner")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
