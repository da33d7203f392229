"""The server process's uvicorn: one process, or several sharing one socket.

Everything alive once the server listens (modules, the app, its routes, the
database's engine) lives as long as the process. Left to the collector, each of
its full passes walks all of it again: 65-82 ms stalls of a request, one every
20-30 pages of 1,000 log lines. Frozen, those objects are never walked.

One process answers requests on one core (one GIL). On PostgreSQL several can
serve the same socket (`cauce server start --workers N`): uvicorn's supervisor
starts them, restarts one that dies, and stops them all on SIGINT/SIGTERM. The
services still run once: each process's services take the cluster's leadership
(services/leadership.py) before working, as they do across servers.
"""

from __future__ import annotations

import gc
import socket
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from fastapi import FastAPI


class FrozenAfterStartup(uvicorn.Server):
    """A uvicorn server that freezes the heap (`gc.freeze`) once it has started."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start as uvicorn does, then freeze every object alive."""
        await super().startup(sockets)
        gc.collect()
        gc.freeze()


def serve_in_processes(listening: socket.socket, host: str, port: int, processes: int) -> None:
    """Serve the app from `processes` processes on the `listening` socket, until stopped."""
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        f"{__name__}:app_of_a_server_process",
        factory=True,
        host=host,
        port=port,
        workers=processes,
    )
    Multiprocess(config, sockets=[listening]).run()


def app_of_a_server_process() -> FastAPI:
    """The app of one of several server processes (built in it): its database opened,
    and the heap frozen, as `FrozenAfterStartup` does for a lone process."""
    from cauce.server.app import create_app
    from cauce.server.database import ServerDatabase
    from cauce.settings import get_settings

    settings = get_settings()
    app = create_app(settings, ServerDatabase(settings.api.database_url))
    gc.collect()
    gc.freeze()
    return app
