"""The server's uvicorn freezes what startup made, then serves as uvicorn does."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

import httpx
import pytest
import uvicorn

from cauce.server.app import create_app
from cauce.server.serving import FrozenAfterStartup
from cauce.settings import get_settings
from tests.conftest import free_port

pytestmark = pytest.mark.anyio


async def test_the_heap_is_frozen_once_the_server_listens(cauce_home: Path) -> None:
    port = free_port()
    app = create_app(get_settings(), run_services=False)
    server = FrozenAfterStartup(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    gc.unfreeze()
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(30):
            while not server.started:
                await asyncio.sleep(0.05)
        assert gc.get_freeze_count() > 10_000  # the modules, the app and its routes
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            response = await client.get("/api/health")
        assert response.status_code == 200
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 30)
        gc.unfreeze()
