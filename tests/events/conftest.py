"""The fixtures of tests/cli (`cli`, `store_env`) and tests/server (`api_client`) for events."""

from tests.cli.conftest import cli, store_env
from tests.server.conftest import anyio_backend, api_client

__all__ = ["anyio_backend", "api_client", "cli", "store_env"]
