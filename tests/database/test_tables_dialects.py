"""The tables import no SQLAlchemy dialect a database does not use, and each dialect
still creates the scheduler's partial unique index with its WHERE."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateIndex

from cauce.database.tables import flow_runs
from tests.conftest import json_printed_by

LOADED_AFTER_IMPORT = """
import json, sys
import cauce.database.tables
print(json.dumps(sorted(m for m in sys.modules if m.startswith("sqlalchemy.dialects.post"))))
"""


def test_importing_the_tables_does_not_load_the_postgresql_dialect():
    assert json_printed_by(LOADED_AFTER_IMPORT) == []


def test_the_auto_scheduled_index_is_partial_on_both_databases():
    (index,) = [i for i in flow_runs.indexes if i.name == "uq_flow_runs__auto_scheduled"]
    expected = (
        "CREATE UNIQUE INDEX uq_flow_runs__auto_scheduled ON flow_runs "
        "(deployment_id, deployment_schedule_id, expected_start_time) WHERE auto_scheduled = "
    )
    assert str(CreateIndex(index).compile(dialect=postgresql.dialect())) == expected + "true"
    assert str(CreateIndex(index).compile(dialect=sqlite.dialect())) == expected + "1"
    assert set(index.dialect_kwargs) == {"sqlite_where", "postgresql_where"}
