"""Run loggers' lines (the engine's own "Created task run ...", "Finished in state ...",
and a user's `get_run_logger()` lines) skip the LogRecord under cauce's default logging
setup; once a user changes that setup, they go through logging as any other record and
meet the user's handlers and filters."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Store
from tests.engine import scripts
from tests.engine.records import only_run_of

SCRIPT = """
import logging

from cauce import flow, get_run_logger, task


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


collect = Collect()


@task
def step(x: int) -> int:
    get_run_logger().info("step %d", x)
    get_run_logger().warning("step %(x)d done, 100%% sure", {"x": x})
    return x


@flow
def changes_logging() -> None:
    step(0)
    cauce_logger = logging.getLogger("cauce")
    console = cauce_logger.handlers[1]
    console.addFilter(lambda record: not record.getMessage().startswith("Finished"))
    cauce_logger.addHandler(collect)
    step(1)


changes_logging()
print(collect.messages)
"""


@pytest.mark.store_kinds("the logging setup is the script's, whatever the store", "sqlite")
def test_a_users_handler_and_filter_see_the_engine_lines(store: Store, tmp_path: Path) -> None:
    result = scripts.run(tmp_path, SCRIPT)
    assert result.returncode == 0, result.stderr
    shown = [message for _, _, message in scripts.terminal_lines(result.stderr)]
    assert shown[1:] == [
        "Created task run 'step-0' for task 'step'",
        "step 0",
        "step 0 done, 100% sure",
        "Finished in state Completed()",  # before the filter
        "Created task run 'step-1' for task 'step'",
        "step 1",
        "step 1 done, 100% sure",
    ]
    assert result.stdout == (
        "[\"Created task run 'step-1' for task 'step'\", 'step 1', 'step 1 done, 100% sure', "
        "'Finished in state Completed()', "
        "\"Finished in state Completed('All states completed.')\"]\n"
    )
    run = only_run_of(store, "changes-logging")
    assert run.messages[1:] == [
        "Created task run 'step-0' for task 'step'",
        "step 0",
        "step 0 done, 100% sure",
        "Finished in state Completed()",
        "Created task run 'step-1' for task 'step'",
        "step 1",
        "step 1 done, 100% sure",
        "Finished in state Completed()",
        "Finished in state Completed('All states completed.')",
    ]
