"""The database: tables, the engine, queries and migrations. SQLite or PostgreSQL."""
