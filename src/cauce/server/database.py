"""The app's database engine, handed to routers, and a recording transaction on it.

The engine is built once in the app's lifespan (app.py). Each request opens
its own transaction with `engine.begin()` inside the router, so the response
is sent only after the commit: a request either wrote everything or nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine

from cauce.database.executors import SqlAlchemyExecutor


def get_engine(request: Request) -> Engine:
    """The engine the lifespan opened."""
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


@contextmanager
def recording(engine: Engine) -> Iterator[tuple[Connection, SqlAlchemyExecutor]]:
    """One write transaction: its connection (for reads) and the recording executor."""
    with engine.begin() as connection:
        yield connection, SqlAlchemyExecutor(connection)
