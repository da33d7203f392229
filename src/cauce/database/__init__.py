"""The database: tables, migrations, and two ways of running SQL on them.

    tables.py        the SQLAlchemy tables: the only place column names are spelled
    migrations/      Alembic; a new SQLite file gets the head schema without it
    connections.py   SQLAlchemy engines for a URL (SQLite WAL, PostgreSQL pool), schema
                     upgrade, read-only transactions
    queries/         the general path: SQLAlchemy Core functions on a Connection
                     (insert_ / select_ / update_ / delete_), used by the server's reads,
                     the CLI, and writes that are not a run recording itself
    recording/       the fast path: what a run writes while it records itself (flows,
                     flow runs, states, task runs, logs), written once in writes.py
                     against a StatementExecutor. Its statements are SQLAlchemy
                     constructs (statements.py), compiled for the sqlite3 driver
                     (sqlite_compiled.py, kept current by a test) so that a flow script
                     never imports SQLAlchemy; on PostgreSQL they run through SQLAlchemy.

Both paths read rows into the same domain objects (`rows.state_from_row`), and the
recording path's SQLite results are checked against SQLAlchemy's by a test.
"""
