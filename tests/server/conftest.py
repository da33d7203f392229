"""The API in-process: `api_client` is an httpx client on the app, over the test's store.

The app is built from the test's settings, so it serves the same database the
`store` fixture's embedded client records to (SQLite, then PostgreSQL). Its
lifespan runs around the client, as under uvicorn.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from cauce.schemas.api import FlowRunCreate
from cauce.schemas.flow_runs import FlowRun
from cauce.server.app import create_app
from cauce.settings import Settings, get_settings
from cauce.states import Pending, State
from tests.conftest import Store


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@asynccontextmanager
async def open_api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client on a new app for `settings`, its lifespan running; without the background
    services, whose passes would change what a route test set up (they have tests of their
    own)."""
    app = create_app(settings, run_services=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cauce") as client:
            yield client


@pytest.fixture
async def api_client(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    """The API over the test's store, without auth."""
    async with open_api(get_settings()) as client:
        yield client


def with_auth(settings: Settings, auth_string: str) -> Settings:
    """`settings` with CAUCE_API_AUTH_STRING set to `auth_string`."""
    return settings._replace(api=settings.api._replace(auth_string=auth_string))


def flow_run_body(
    state: State | None = None,
    flow_name: str = "mi-flujo",
    parent_flow_run_id: uuid.UUID | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """The JSON an HTTP client sends to create a flow run, as FlowRunCreate builds it."""
    flow_run = FlowRun(
        id=uuid.uuid4(),
        flow_name=flow_name,
        name="zippy-skunk",
        state=state or Pending(),
        parameters={"mensaje": "hola", "n": 3},
        tags=["etl"],
        **fields,
    )
    body: dict[str, Any] = FlowRunCreate.from_domain(flow_run, parent_flow_run_id).model_dump(
        mode="json"
    )
    return body


async def create_run(client: httpx.AsyncClient, **kwargs: Any) -> dict[str, Any]:
    """Create a flow run through the API; the run as the API returns it."""
    response = await client.post("/api/flow_runs", json=flow_run_body(**kwargs))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def error_fields(response: httpx.Response) -> list[str]:
    """The dotted field paths a 422 names, without the part of the request (body, query)."""
    assert response.status_code == 422, response.text
    return [".".join(str(p) for p in error["loc"][1:]) for error in response.json()["detail"]]


@pytest.fixture
def own_postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own, at the current schema, dropped after: for
    servers whose services must not meet the session's server on the shared database (the
    services' leader is chosen per database)."""
    import psycopg

    from cauce.database.connections import create_engine, ensure_schema
    from tests.conftest import SERVER_URL, use_postgres

    use_postgres()
    name = f"cauce_own_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(SERVER_URL, connect_timeout=3, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    url = f"{SERVER_URL.rsplit('/', 1)[0]}/{name}"
    engine = create_engine(url)
    ensure_schema(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with psycopg.connect(SERVER_URL, connect_timeout=3, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
