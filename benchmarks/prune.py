"""Figures: `cauce server database prune` on a big history (issue #12, item 4).

A fresh home's SQLite database is seeded with `ui_pages.py`'s `seed`: --flow-runs
flow runs (100,000) over the last 30 days, 80 % Completed, the rest Failed or
Crashed, and --task-runs task runs (1,000,000) spread over them, each with its
state. Then, each as a fresh `cauce server database prune --older-than 15d`
process (`--chunk-size`, 500, top-level runs per transaction), so about half the
history goes:

- `dry_run_s`: with --dry-run (reads every chunk, deletes nothing);
- `prune_s`: the real prune, `runs_deleted` / `task_runs_deleted` from its output;
- `writer_max_wait_ms` / `writer_p50_ms`: meanwhile a writer inserts one flow run
  per transaction every 20 ms; the longest and the median time one insert took,
  which is how long a chunk locks writers out;
- `db_mb_before` / `db_mb_after`: the database file's size (SQLite keeps the freed
  pages for reuse; `VACUUM` gives them back to the file system). SQLite only.

`--database-url postgresql://...`: the seeded rows are copied into that database
(emptied first, then analyzed; `copy_s`) and the prune runs there.
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ui_pages import seed


def _writer(url: str, stop: threading.Event, times: list[float]) -> None:
    from sqlalchemy import insert, select

    from cauce.database import tables as t
    from cauce.database.connections import create_engine

    engine = create_engine(url)
    with engine.connect() as connection:
        flow_id = connection.execute(select(t.flows.c.id).limit(1)).scalar_one()
    while not stop.is_set():
        now = datetime.now(UTC)
        row = {
            "id": uuid.uuid4(),
            "flow_id": flow_id,
            "name": "nueva",
            "parameters": {},
            "tags": [],
            "created": now,
        }
        began = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(insert(t.flow_runs), row)
        times.append((time.perf_counter() - began) * 1000)
        time.sleep(0.02)
    engine.dispose()


def _copy_to(url: str, sqlite_file: Path) -> None:
    """Every seeded row of the SQLite file into the database at `url`, emptied first."""
    from sqlalchemy import insert, select, text

    from cauce.database.connections import create_engine, ensure_schema
    from cauce.database.tables import metadata

    source, target = create_engine(f"sqlite:///{sqlite_file}"), create_engine(url)
    ensure_schema(target)
    with target.begin() as connection:
        names = ", ".join(table.name for table in metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names} CASCADE"))
    for table in metadata.sorted_tables:
        with source.connect() as reading:
            rows = reading.execution_options(yield_per=20_000).execute(select(table))
            for batch in rows.mappings().partitions():
                with target.begin() as connection:
                    connection.execute(insert(table), [dict(row) for row in batch])
    with target.begin() as connection:
        # As autovacuum would soon: without statistics the planner's choices cost 4x here.
        connection.execute(text("ANALYZE"))
    source.dispose()
    target.dispose()


def _prune(env: dict[str, str], chunk: int, *args: str) -> tuple[float, str]:
    command = [sys.executable, "-m", "cauce.cli.main", "server", "database", "prune"]
    began = time.perf_counter()
    done = subprocess.run(
        [*command, "--older-than", "15d", "--chunk-size", str(chunk), *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return round(time.perf_counter() - began, 2), done.stdout


def _total(output: str) -> tuple[int, int]:
    found = re.search(r"total\s+([\d,]+) flow run\(s\), with ([\d,]+) task", output)
    assert found, output
    return int(found.group(1).replace(",", "")), int(found.group(2).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flow-runs", type=int, default=100_000)
    parser.add_argument("--task-runs", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=500, help="prune's --chunk-size")
    parser.add_argument("--database-url", help="a PostgreSQL database to prune instead")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cauce-prune-bench-") as folder:
        home = Path(folder)
        database = home / "cauce.db"
        env = {"CAUCE_HOME": str(home), "PATH": str(Path(sys.executable).parent)}
        cauce = [sys.executable, "-m", "cauce.cli.main"]
        subprocess.run([*cauce, "server", "database", "upgrade"], env=env, check=True)
        began = time.perf_counter()
        seed(home, options.flow_runs, options.task_runs)
        figures: dict[str, Any] = {
            "figure": "prune",
            "seed_s": round(time.perf_counter() - began, 1),
        }
        url = f"sqlite:///{database}"
        if options.database_url:
            began = time.perf_counter()
            _copy_to(options.database_url, database)
            figures["copy_s"] = round(time.perf_counter() - began, 1)
            url = env["CAUCE_API_DATABASE_URL"] = options.database_url
        if not options.database_url:
            figures["db_mb_before"] = round(database.stat().st_size / 2**20, 1)
        figures["dry_run_s"], _ = _prune(env, options.chunk_size, "--dry-run")
        stop, times = threading.Event(), []
        writer = threading.Thread(target=_writer, args=(url, stop, times))
        writer.start()
        try:
            figures["prune_s"], output = _prune(env, options.chunk_size)
        finally:
            stop.set()
            writer.join()
        figures["runs_deleted"], figures["task_runs_deleted"] = _total(output)
        figures["writer_max_wait_ms"] = round(max(times), 1)
        figures["writer_p50_ms"] = round(statistics.median(times), 1)
        figures["writer_inserts"] = len(times)
        if not options.database_url:
            figures["db_mb_after"] = round(database.stat().st_size / 2**20, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
