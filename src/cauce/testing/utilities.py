"""`prefect_test_harness()`: run a block's flows against a temporary store of their own,
as `prefect.testing.utilities.prefect_test_harness` does with a temporary database."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Where runs go (and the profile that could say): the harness clears them, so that a
# developer's server or database is never written to by a test.
_STORE_SETTINGS = ("CAUCE_HOME", "CAUCE_API_URL", "CAUCE_API_DATABASE_URL", "CAUCE_PROFILE")


@contextmanager
def prefect_test_harness(server_startup_timeout: int | None = 30) -> Iterator[None]:
    """Within the block, runs are recorded in an embedded store under a temporary
    CAUCE_HOME, deleted after; the process's settings and client are as before once it
    ends. `server_startup_timeout` is accepted for Prefect and unused: no server starts."""
    from cauce.client.factory import fresh_process_client, get_batch_writer
    from cauce.settings import reset_settings

    saved = {name: os.environ.get(name) for name in _STORE_SETTINGS}
    get_batch_writer().flush()
    with tempfile.TemporaryDirectory(prefix="cauce-test-harness-") as home:
        _switch({"CAUCE_HOME": home}, reset_settings)
        try:
            with fresh_process_client():
                yield
        finally:
            _switch(saved, reset_settings)


cauce_test_harness = prefect_test_harness


def _switch(values: dict[str, str | None], *resets: Callable[[], None]) -> None:
    """Set the store's settings to `values` (those missing unset), then start afresh."""
    for name in _STORE_SETTINGS:
        value = values.get(name)
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    for reset in resets:
        reset()
