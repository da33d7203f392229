"""The server process's uvicorn, which moves what startup made out of the garbage collector's way.

Everything alive once the server listens (modules, the app, its routes, the
database's engine) lives as long as the process. Left to the collector, each of
its full passes walks all of it again: 65-82 ms stalls of a request, one every
20-30 pages of 1,000 log lines. Frozen, those objects are never walked.
"""

from __future__ import annotations

import gc
import socket

import uvicorn


class FrozenAfterStartup(uvicorn.Server):
    """A uvicorn server that freezes the heap (`gc.freeze`) once it has started."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start as uvicorn does, then freeze every object alive."""
        await super().startup(sockets)
        gc.collect()
        gc.freeze()
