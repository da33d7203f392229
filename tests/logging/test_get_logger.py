"""`cauce.logging.get_logger` (Prefect's `get_logger`): a logger under `cauce` whose lines
show on the terminal from the first one, before any run, and stay out of a run's logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Store
from tests.engine import scripts
from tests.engine.records import only_run_of

SCRIPT = """
from cauce import flow, get_run_logger
from cauce.logging import get_logger

logger = get_logger("pipeline")
logger.info("before any flow")


@flow
def logs_both_ways() -> None:
    get_logger().info("from the framework's logger")
    logger.warning("from a module's logger")
    get_run_logger().info("from the run logger")


logs_both_ways()
print(get_logger("pipeline") is logger, get_logger("cauce.pipeline") is logger)
"""


@pytest.mark.store_kinds("the logging setup is the script's, whatever the store", "sqlite")
def test_lines_show_before_any_run_and_stay_out_of_the_runs_logs(
    store: Store, tmp_path: Path
) -> None:
    result = scripts.run(tmp_path, SCRIPT)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "True True\n"
    shown = [
        (level, source, message) for level, source, message in scripts.terminal_lines(result.stderr)
    ]
    assert shown[0] == ("INFO", "cauce.pipeline", "before any flow")
    assert ("INFO", "cauce", "from the framework's logger") in shown
    assert ("WARNING", "cauce.pipeline", "from a module's logger") in shown
    run = only_run_of(store, "logs-both-ways")
    assert "from the run logger" in run.messages
    assert not {"from the framework's logger", "from a module's logger"} & set(run.messages)
