"""The SQLite recording statements stay compiled from statements.py and tables.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_compiled_statements_are_current(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "compile_sqlite_statements", ROOT / "scripts" / "compile_sqlite_statements.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    fresh = tmp_path / "sqlite_compiled.py"
    script.write(fresh)
    committed = ROOT / "src" / "cauce" / "database" / "recording" / "sqlite_compiled.py"
    assert fresh.read_text() == committed.read_text(), (
        "src/cauce/database/recording/sqlite_compiled.py is out of date: "
        "run python scripts/compile_sqlite_statements.py"
    )
