"""The suite's own setup: PostgreSQL is skipped with its reason, or required outright."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def run_pytest(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_TEST_")}
    full_env.update(env)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
    return subprocess.run(
        [*command, *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


class TestRequirePostgres:
    def test_unreachable_postgres_stops_the_session_in_one_line_naming_it(self) -> None:
        url = f"postgresql://postgres@127.0.0.1:{free_port()}/test"
        result = run_pytest(
            "tests/settings/test_durations.py",
            CAUCE_TEST_REQUIRE_POSTGRES="1",
            CAUCE_TEST_POSTGRES_URL=url,
        )
        assert result.returncode != 0
        lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        assert len(lines) == 1, lines
        assert lines[0].startswith("ERROR: CAUCE_TEST_REQUIRE_POSTGRES is set: ")
        assert url in lines[0] and "Connection refused" in lines[0]
        assert "passed" not in result.stdout

    def test_without_it_the_postgres_params_are_skipped_with_the_reason(self) -> None:
        url = f"postgresql://postgres@127.0.0.1:{free_port()}/test"
        result = run_pytest(
            "tests/engine/test_states.py", "-m", "postgres", "-rs", CAUCE_TEST_POSTGRES_URL=url
        )
        assert result.returncode == 0, result.stdout
        skips = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
        assert skips and all(f"PostgreSQL not usable at {url}" in line for line in skips)
