"""Fixtures for the UI's tests: a real server with its own CAUCE_HOME, Debian's chromium
under Playwright, a page that fails the test on a browser error, and the in-process app.

Playwright's own browser download cannot be reached here: the browser is
/usr/bin/chromium (`.ci/run` installs it). Without it the browser tests skip, saying
why, unless CAUCE_TEST_REQUIRE_BROWSER=1 (CI), which makes that a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cauce.schemas.deployments import Deployment, WorkPool
from cauce.settings import get_settings
from tests.conftest import Store, free_port, run_script, start_server, stop_server
from tests.server.conftest import open_api

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ZONE = "America/Argentina/Buenos_Aires"
WAIT_MS = 15_000
_DEPLOY_SCRIPT = """
from cauce.client.factory import get_client
from cauce.schemas.deployments import Deployment, DeploymentSchedule, WorkPool

client = get_client()
client.create_work_pool(WorkPool("local"))
deployment = client.apply_deployment(
{deployment}
)
{then}
client.close()
"""


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"no chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium under Playwright, for the module's tests."""
    problem = _browser_missing()
    if problem:
        if os.environ.get("CAUCE_TEST_REQUIRE_BROWSER", "") not in ("", "0"):
            pytest.fail(f"CAUCE_TEST_REQUIRE_BROWSER is set: {problem}")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class UiServer:
    """A `cauce server start` of the test's own, and how a script records into it."""

    url: str
    script_env: dict[str, str]
    folder: Path

    def run_flow(self, source: str, name: str = "flujo.py") -> None:
        """Run a user's flow script to the end, recording into this server."""
        script = self.folder / name
        script.write_text(textwrap.dedent(source).lstrip())
        done = run_script(script, self.script_env)
        assert done.returncode == 0, done.stderr

    def start_flow(self, source: str, name: str = "flujo.py") -> subprocess.Popen[bytes]:
        """Start a user's flow script in the background; the caller kills it in a finally."""
        script = self.folder / name
        script.write_text(textwrap.dedent(source).lstrip())
        env = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
        return subprocess.Popen(
            [sys.executable, str(script)],
            env={**env, **self.script_env},
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def deploy(self, deployment: str, then: str = "") -> None:
        """Record a work pool "local" and the deployment `deployment` (the source of a
        `Deployment(...)`) by a script through the HTTP client, as a user does; `then`
        is more of that script's source, run after with `client` and `deployment`."""
        source = _DEPLOY_SCRIPT.format(
            deployment=textwrap.dedent(deployment).strip(), then=textwrap.dedent(then).strip()
        )
        self.run_flow(source, name="desplegar.py")


def ui_server_at(tmp_path: Path, **env: str) -> Iterator[UiServer]:
    port = free_port()
    home = tmp_path / "server-home"
    process = start_server(home, port, tmp_path / "server.log", CAUCE_DEFAULT_TIMEZONE=ZONE, **env)
    try:
        script_env = {
            "CAUCE_HOME": str(tmp_path / "script-home"),
            "CAUCE_API_URL": f"http://127.0.0.1:{port}/api",
            **env,
        }
        yield UiServer(f"http://127.0.0.1:{port}", script_env, tmp_path)
    finally:
        stop_server(process)


@pytest.fixture
def ui_server(tmp_path: Path) -> Iterator[UiServer]:
    yield from ui_server_at(tmp_path)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A new page; the test fails if the browser logged an error (a script, the CSP)."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    errors: list[str] = []
    try:
        opened = context.new_page()
        opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        opened.on("pageerror", lambda error: errors.append(str(error)))
        yield opened
    finally:
        context.close()
    assert not errors, errors


def open_deployment(page: Any, ui_server: UiServer, full_name: str) -> None:
    """From the deployments list to `full_name`'s page, as a user clicks; every wait on
    the page then lasts up to WAIT_MS."""
    page.set_default_timeout(WAIT_MS)
    page.goto(ui_server.url + "/deployments")
    page.locator("a", has_text=full_name).click()


def local_deployment(store: Store, **fields: Any) -> Deployment:
    """A work pool "local" and, in it, a deployment of flows/saludo.py:saludar with
    `fields`, through the store's client."""
    store.client.create_work_pool(WorkPool("local"))
    return store.client.apply_deployment(
        Deployment(
            flow_name="saludar",
            entrypoint="flows/saludo.py:saludar",
            work_pool_name="local",
            **fields,
        )
    )


def screenshot(page: Any, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def ui(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process, over the test's store, showing times in ZONE."""
    settings = get_settings()
    async with open_api(settings._replace(default_timezone=ZONE)) as client:
        yield client
