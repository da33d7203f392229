"""Figures: a flow run's page left open while the run logs (issue #10: each live refresh
at most 20 KB; a tab open 10 minutes leaves the server's RSS flat).

`cauce server start` serves a fresh home; a flow script recording into it (through
CAUCE_API_URL) logs a line every 100 ms for --minutes (10 by default). Debian's
chromium, under Playwright, opens the run's page as soon as the run is listed and
keeps it open until the script ends, and a few seconds more for the last refreshes
(with --no-page it is not opened: the server's RSS for the run alone, a control).
One JSON line:

- `server_rss_start_mb`, `server_rss_end_mb`: the server's process tree's VmRSS
  (from /proc) before the run starts and once it has ended; `server_rss_by_minute_mb`
  the same read each minute of the run, and `server_rss_growth_pct` its growth from
  the end of the first minute (imports and caches warmed by the first requests) to
  the end;
- `<kind>_refresh_bytes_median`, `_max`, `<kind>_refreshes`: the page's polled
  answers on the wire (gzipped, as chromium asks), as Playwright's response events
  see them: `logs` (the lines appended past a cursor) and `live` (state, timeline,
  task runs; only the timeline's span when nothing else moved);
- `browser_cpu_s`: user + system CPU seconds of the chromium processes (from
  /proc) from the page's opening to the end;
- `log_lines_shown`, `log_lines_recorded`: the lines on the page at the end, and
  those the server holds (the script logs about minutes × 600, plus the engine's).

Every process started here runs in a group of its own and is killed with it at the end.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from _harness import kill_group
from _server import free_port
from ui_pages import wait_healthy
from workloads._workload_support import process_tree_mb

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
TALKS = """
import sys
import time
from cauce import flow, get_run_logger

@flow
def charla(seconds: float) -> None:
    logger = get_run_logger()
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        logger.info("linea %d: algo paso en el paso %d del proceso", n, n)
        n += 1
        time.sleep(0.1)

if __name__ == "__main__":
    charla(float(sys.argv[1]))
"""


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            tree.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    return tree


def chromium_pids() -> list[int]:
    """The chromium processes under this one (Playwright's driver starts them)."""
    tree, found, pending = _children(), [], list(_children().get(os.getpid(), []))
    while pending:
        pid = pending.pop()
        pending.extend(tree.get(pid, []))
        try:
            if "chrom" in Path(f"/proc/{pid}/comm").read_text():
                found.append(pid)
        except OSError:
            continue
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of `pids` (those still alive)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def start(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    """`command` in a process group of its own, its output discarded."""
    return subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_for_run(base: str, seconds: float = 60) -> str:
    """The id of the first flow run the server lists."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        runs = httpx.post(base + "/api/flow_runs/filter", json={}, timeout=5).json()
        if runs:
            return str(runs[0]["id"])
        time.sleep(0.1)
    raise TimeoutError("the flow script's run was not recorded")


def recorded_lines(base: str, run_id: str) -> int:
    """How many log lines the server holds for the run, paged from its API."""
    count, after = 0, 0
    while True:
        url = f"{base}/api/flow_runs/{run_id}/logs"
        lines = httpx.get(url, params={"after_id": after}, timeout=10).json()
        if not lines:
            return count
        count += len(lines)
        after = lines[-1]["id"]


def kill_chromium() -> None:
    """Kill, with its group, any chromium process Playwright left behind."""
    for pid in chromium_pids():
        try:
            group = os.getpgid(pid)
        except ProcessLookupError:
            continue
        if group != os.getpgrp():  # never this script's own group
            kill_group(group)


def spread(sizes: list[int], kind: str) -> dict[str, Any]:
    """Median and max of a kind's answer sizes, and how many there were."""
    return {
        f"{kind}_refresh_bytes_median": int(statistics.median(sizes)) if sizes else None,
        f"{kind}_refresh_bytes_max": max(sizes, default=None),
        f"{kind}_refreshes": len(sizes),
    }


def watch(url: str, script: subprocess.Popen[bytes]) -> dict[str, Any]:
    """Open `url` in chromium and keep it open until `script` ends (and 6 s more)."""
    from playwright.sync_api import sync_playwright

    sizes: dict[str, list[int]] = {"logs": [], "live": []}

    def record(response: Any) -> None:
        kind = response.url.split("?")[0].rsplit("/", 1)[-1]
        if kind in sizes:
            length = response.header_value("content-length")
            sizes[kind].append(int(length) if length else len(response.body()))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("response", record)
            page.goto(url)
            pids = chromium_pids()
            began = cpu_seconds(pids)
            while script.poll() is None:
                page.wait_for_timeout(1000)
            page.wait_for_timeout(6000)  # the last lines, then one ask that finds none
            cpu = cpu_seconds(pids) - began
            shown = page.locator("#flow-run-logs .log").count()
        finally:
            browser.close()
            kill_chromium()
    return {
        "browser_cpu_s": round(cpu, 2),
        "log_lines_shown": shown,
        **spread(sizes["logs"], "logs"),
        **spread(sizes["live"], "live"),
    }


class RssSampler(threading.Thread):
    """Reads a process tree's VmRSS once a minute until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[float] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(60):
            self.samples.append(process_tree_mb(self.pid, "VmRSS"))

    def figures(self, end: float) -> dict[str, Any]:
        self.stopped.set()
        warmed = self.samples[0] if self.samples else end
        return {
            "server_rss_by_minute_mb": self.samples,
            "server_rss_growth_pct": round((end - warmed) / warmed * 100, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument(
        "--no-page", action="store_true", help="the same run with no page open (a control)"
    )
    options = parser.parse_args()
    bare = {k: v for k, v in os.environ.items() if not k.startswith(("CAUCE_", "BENCH_"))}
    started: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="cauce-live-tab-") as folder:
        root = Path(folder)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        try:
            server = start(
                [sys.executable, "-m", "cauce.cli.main", "server", "start", "--port", str(port)],
                {**bare, "CAUCE_HOME": str(root / "server-home")},
                root,
            )
            started.append(server)
            wait_healthy(base + "/api/health")
            rss_start = process_tree_mb(server.pid, "VmRSS")
            (root / "charla.py").write_text(textwrap.dedent(TALKS).lstrip())
            script_env = {
                **bare,
                "CAUCE_HOME": str(root / "script-home"),
                "CAUCE_API_URL": base + "/api",
            }
            seconds = str(options.minutes * 60)
            script = start([sys.executable, "charla.py", seconds], script_env, root)
            started.append(script)
            run_id = wait_for_run(base)
            sampler = RssSampler(server.pid)
            sampler.start()
            if options.no_page:
                script.wait()
                figures: dict[str, Any] = {"page": False}
            else:
                figures = watch(f"{base}/flow-runs/{run_id}", script)
            # Read before the lines are counted: paging them all through the API is no tab's doing.
            rss_end = process_tree_mb(server.pid, "VmRSS")
            figures.update(sampler.figures(rss_end))
            figures["log_lines_recorded"] = recorded_lines(base, run_id)
            figures["script_exit"] = script.returncode
        finally:
            for process in started:
                kill_group(process.pid)
                process.wait()
    print(
        json.dumps(
            {
                "figure": "ui_live_tab",
                "framework": "cauce",
                "minutes": options.minutes,
                "server_rss_start_mb": rss_start,
                "server_rss_end_mb": rss_end,
                **figures,
            }
        )
    )


if __name__ == "__main__":
    main()
