"""Refresh the README's screenshots of the web UI: `python scripts/ui_screenshots.py`.

Starts `cauce server start` on a fresh home and a free port, records a few runs
into it as a user would (the guide's first example, a failing flow, a deployment
with a schedule in Buenos Aires time), and saves what Debian's chromium shows of
the dashboard, the flow-run list and one flow run's page under docs/screenshots/.
Needs /usr/bin/chromium and the playwright package (both installed for the tests).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ZONE = "America/Argentina/Buenos_Aires"

FIRST_EXAMPLE = """\
from cauce import flow, get_run_logger, task


@task
def mi_tarea(mensaje_tarea: str = "") -> None:
    get_run_logger().info("Hola %s desde la tarea", mensaje_tarea)


@flow
def mi_flujo(mensaje_flujo: str = "") -> None:
    get_run_logger().info("Hola %s desde el flujo", mensaje_flujo)
    mi_tarea(mensaje_flujo)
    mi_tarea(mensaje_flujo.upper())


if __name__ == "__main__":
    mi_flujo("mundo")
"""

FAILS = """\
from cauce import flow


@flow
def carga_diaria() -> None:
    raise ValueError("el archivo de ventas no llegó")


if __name__ == "__main__":
    carga_diaria()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server did not answer {url} within 60 s")


def _record_runs(folder: Path, env: dict[str, str]) -> None:
    cauce = [sys.executable, "-m", "cauce.cli.main"]
    for name, source in (("primer_ejemplo.py", FIRST_EXAMPLE), ("carga.py", FAILS)):
        (folder / name).write_text(source)
        subprocess.run([sys.executable, name], cwd=folder, env=env, capture_output=True)
    subprocess.run([*cauce, "work-pool", "create", "compras-prod"], env=env, check=True)
    deploy = [*cauce, "deploy", "primer_ejemplo.py:mi_flujo", "--name", "diaria"]
    flags = ["--pool", "compras-prod", "--cron", "0 9 * * *", "--timezone", ZONE, "--no-prompt"]
    subprocess.run([*deploy, *flags], cwd=folder, env=env, check=True, capture_output=True)


def _shoot(base: str) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 760})
            page.goto(base + "/dashboard")
            page.screenshot(path=str(OUT / "dashboard.png"))
            page.goto(base + "/")
            page.screenshot(path=str(OUT / "flow-runs.png"))
            rows = page.locator("#flow-run-rows tr").filter(has_text="mi-flujo")
            rows.filter(has_text="Completed").locator("a").first.click()
            page.wait_for_selector(".logs")
            page.screenshot(path=str(OUT / "flow-run.png"), full_page=True)
        finally:
            browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cauce-screenshots-") as tmp:
        folder = Path(tmp)
        port = _free_port()
        clean = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
        server_env = {**clean, "CAUCE_HOME": str(folder / "home"), "CAUCE_DEFAULT_TIMEZONE": ZONE}
        server = subprocess.Popen(
            [sys.executable, "-m", "cauce.cli.main", "server", "start", "--port", str(port)],
            env=server_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(base + "/api/health")
            api = {**clean, "CAUCE_HOME": str(folder / "client"), "CAUCE_API_URL": base + "/api"}
            _record_runs(folder, api)
            _shoot(base)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
    print(textwrap.dedent(f"saved {', '.join(sorted(p.name for p in OUT.glob('*.png')))} in {OUT}"))


if __name__ == "__main__":
    main()
