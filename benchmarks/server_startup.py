"""Figure: how long `cauce server start` / `prefect server start` takes to answer,
and how much memory it holds when idle.

`start_to_health_fresh_s`: from spawning the command on an empty home until the
first 200 from /api/health (the database is created on the way); median of
--runs. `start_to_health_s`: the same on the home a first start left (the usual
restart). `cpu_to_health_s`: the CPU time (user + system) the server process had
used by then, on that home: on a busy machine it moves far less than the wall
time (null off Linux). `idle_rss_mb`: resident memory of the server's whole process tree,
--settle seconds after it answered on that home. A first start, not timed,
lets each framework write its bytecode cache, as an installed package has.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import Options, bench_main, round_figures
from _server import running_server


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=3, help="starts per figure (default 3)")
    parser.add_argument(
        "--settle", type=float, default=3.0, help="seconds idle before reading RSS (default 3)"
    )


def cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) process `pid` has used so far; None off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def measure(options: Options) -> dict[str, Any]:
    framework, python = options.framework, options.python
    with running_server(framework, python):
        pass  # bytecode caches
    fresh = []
    for _ in range(options.args.runs):
        with running_server(framework, python) as server:
            fresh.append(server.start_to_health_s)
    restarts = []
    cpu: list[float | None] = []
    idle_rss = None
    with tempfile.TemporaryDirectory(prefix="bench-server-home-") as tmp:
        home = Path(tmp)
        with running_server(framework, python, home=home):
            pass  # creates the database
        for _ in range(options.args.runs):
            with running_server(framework, python, home=home) as server:
                cpu.append(cpu_s(server.process.pid))
                restarts.append(server.start_to_health_s)
                if idle_rss is None:
                    time.sleep(options.args.settle)
                    idle_rss = server.rss_mb()
    known_cpu = [seconds for seconds in cpu if seconds is not None]
    return round_figures(
        {
            "start_to_health_fresh_s": statistics.median(fresh),
            "start_to_health_s": statistics.median(restarts),
            "cpu_to_health_s": statistics.median(known_cpu) if len(known_cpu) == len(cpu) else None,
            "idle_rss_mb": idle_rss,
            "params": {"runs": options.args.runs, "settle_s": options.args.settle},
        }
    )


if __name__ == "__main__":
    bench_main("server_startup", __doc__ or "", measure, add_arguments)
